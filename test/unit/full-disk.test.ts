import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import { tempDir } from '../support/cli.js';

/**
 * A disk cannot be filled on demand in a test, so the write that meets the full disk is made to
 * fail as the file system would: with ENOSPC, part-way through rendering.
 */
describe('a full disk during new', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = 0;
  });

  it('exits 4 with one line saying so, leaving nothing behind', async () => {
    const dir = tempDir();
    const writeFileSync = fs.writeFileSync;
    vi.spyOn(fs, 'writeFileSync').mockImplementation((file, ...rest) => {
      if (String(file).endsWith('pyproject.toml')) {
        throw Object.assign(new Error(`ENOSPC: no space left on device, open '${String(file)}'`), { code: 'ENOSPC', path: String(file) });
      }
      return writeFileSync(file, ...rest);
    });
    const errors: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation((text) => errors.push(String(text)) > 0);
    await main(['new', path.join(dir, 'full'), '--consumer', 'people', '--freshness', 'daily', '--yes', '--no-git']);
    expect(process.exitCode).toBe(4);
    expect(errors.join('')).toMatch(/^error: cannot write .*pyproject\.toml: no space left on the device\n$/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
