import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { gitIdentity, steelThread, templatesDir, tempDir } from '../support/cli.js';
import { treeListing } from '../support/tree.js';

/**
 * Limits and odd paths on what update, check and the answers file read: one clear line and a
 * documented exit code, never a raw system error, a stack overflow or an internal path.
 */
const answers = ['--consumer', 'people', '--freshness', 'daily', '--yes', '--no-git'];
const oneError = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('error:'));

describe('limits on what is read', () => {
  it.each([
    ['nested 30,000 deep', `{"name": ${'['.repeat(30_000)}${']'.repeat(30_000)}}`, /nested deeper than 16 levels/],
    ['not UTF-8', Buffer.from('{"name": "caf\xe9"}', 'latin1'), /not UTF-8 text/],
    ['with a control character where JSON breaks', '{"name": "a\u0007\u001b[2J', /not valid JSON \([^\u0000-\u001f]*\)$/],
  ])('an answers file %s is refused with exit 2 and one readable line', async (_what, content, message) => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'answers.json'), content);
    const before = treeListing(dir);
    const run = await steelThread(['new', 'project', ...answers, '--answers', 'answers.json'], { cwd: dir });
    expect(run.code, run.output).toBe(2);
    expect(oneError(run.stderr)).toHaveLength(1);
    expect(oneError(run.stderr)[0]).toMatch(message);
    expect(run.output).not.toMatch(/RangeError|Maximum call stack|\n\s+at /);
    expect(treeListing(dir)).toEqual(before);
  });

  it('an answers file saved with a byte-order mark is read as JSON', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'answers.json'), '\ufeff{"consumer": "people", "freshness": "daily"}');
    const run = await steelThread(['new', 'project', '--yes', '--no-git', '--answers', 'answers.json'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
  });

  it.each(['update', 'check'])('%s of a folder under /proc says it is no project, exit 2', async (command) => {
    const run = await steelThread([command, '/proc/self'], { cwd: tempDir() });
    expect(run.code, run.output).toBe(2);
    expect(oneError(run.stderr)[0]).toMatch(/^error: \/proc\/self has no \.steel-thread\.json/);
  });

  it('a project folder with a line break in its path is made, updated and checked like any other', async () => {
    const dir = tempDir();
    const templates = path.join(dir, 'templates');
    fs.cpSync(templatesDir, templates, { recursive: true });
    const made = await steelThread(['new', 'line\nbreak', '--name', 'demo', '--consumer', 'people', '--freshness', 'daily', '--yes', '--templates', templates], { cwd: dir, env: gitIdentity });
    expect(made.code, made.output).toBe(0);
    const project = path.join(dir, 'line\nbreak');
    expect((await execa('git', ['log', '--format=%s', 'refs/steel-thread/bases'], { cwd: project })).stdout).toMatch(/steel-thread base/);
    fs.writeFileSync(path.join(templates, 'base', 'README.md.hbs'), `Version 2 line.\n\n${fs.readFileSync(path.join(templates, 'base', 'README.md.hbs'), 'utf8')}`);
    const run = await steelThread(['update', '--templates', templates], { cwd: project, env: gitIdentity });
    expect(run.code, run.output).toBe(0);
    expect(fs.readFileSync(path.join(project, 'README.md'), 'utf8')).toMatch(/^Version 2 line\./);
    await execa('git', ['commit', '-qam', 'update'], { cwd: project, env: gitIdentity });
    const check = await steelThread(['check', '--templates', templates], { cwd: project, env: gitIdentity });
    expect(check.code, check.output).toBe(0);
  });
});
