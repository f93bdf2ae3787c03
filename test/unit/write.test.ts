import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRelativePath, containedPath, moveIntoPlace, writeFileAtomic } from '../../src/write.js';
import { tempDir } from '../support/cli.js';
import { treeListing } from '../support/tree.js';

describe('contained writes', () => {
  it.each(['../x', 'a/../../x', '/etc/passwd', 'a//b', './a', 'a\\b', '.git/config', 'a/.git/hooks/x', '', 'a\0b'])(
    'refuses the path %j',
    (rel) => {
      expect(() => checkRelativePath(rel, 'test')).toThrow(/not a plain path inside the project/);
    },
  );

  it('accepts plain nested paths', () => {
    expect(checkRelativePath('src/pkg/.hidden/x.py', 'test')).toBe('src/pkg/.hidden/x.py');
  });

  it('never writes through a symbolic link, even one inside the project', () => {
    const root = tempDir();
    const outside = tempDir();
    fs.symlinkSync(outside, path.join(root, 'link'));
    expect(() => containedPath(root, 'link/file.txt')).toThrow(/symbolic link/);
    expect(fs.readdirSync(outside)).toEqual([]);
  });

  it('replaces a file whole, keeping or setting the executable bit', () => {
    const root = tempDir();
    const file = path.join(root, 'a', 'run.sh');
    writeFileAtomic(file, 'one', true);
    writeFileAtomic(file, 'two', false);
    expect(fs.readFileSync(file, 'utf8')).toBe('two');
    expect(fs.statSync(file).mode & 0o111).toBe(0);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['run.sh']);
  });

  it('moves a staged project into an existing non-empty folder without deleting anything there', () => {
    const parent = tempDir();
    const target = path.join(parent, 'project');
    fs.mkdirSync(path.join(target, 'keep'), { recursive: true });
    fs.writeFileSync(path.join(target, 'keep', 'mine.txt'), 'mine');
    fs.writeFileSync(path.join(target, 'README.md'), 'old');
    const staging = path.join(parent, 'staging');
    fs.mkdirSync(path.join(staging, 'src'), { recursive: true });
    fs.writeFileSync(path.join(staging, 'README.md'), 'new');
    fs.writeFileSync(path.join(staging, 'src', 'x.py'), 'x');
    moveIntoPlace(staging, target);
    expect(treeListing(target).map((line) => line.split(' ')[0])).toEqual(['README.md', 'keep/', 'keep/mine.txt', 'src/', 'src/x.py']);
    expect(fs.readFileSync(path.join(target, 'README.md'), 'utf8')).toBe('new');
    expect(fs.existsSync(staging)).toBe(false);
  });
});
