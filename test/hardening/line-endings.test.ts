import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { gitIdentity, steelThread, templatesDir, tempDir } from '../support/cli.js';

/**
 * Line endings as git checks files out: a clone with core.autocrlf=true (Windows' default) or a
 * .gitattributes asking for CRLF has CRLF files whose stored form, and fingerprint, is LF. update
 * must see them as untouched, merge the team's edits by content, and write what git would check
 * out. A file the team itself turned to CRLF keeps the team's endings and merges by content.
 */
const crlfOnly = (text: string) => text.includes('\r\n') && !/(^|[^\r])\n/.test(text);

async function project(options: { autocrlf?: boolean } = {}) {
  const dir = tempDir();
  const templates = path.join(dir, 'templates');
  fs.cpSync(templatesDir, templates, { recursive: true });
  const made = await steelThread(['new', 'demo', '--consumer', 'people', '--freshness', 'daily', '--yes', '--templates', templates], { cwd: dir, env: gitIdentity });
  expect(made.code, made.output).toBe(0);
  let work = path.join(dir, 'demo');
  if (options.autocrlf) {
    const clone = path.join(dir, 'clone');
    await execa('git', ['clone', '-q', '-c', 'core.autocrlf=true', work, clone]);
    await execa('git', ['fetch', '-q', 'origin', 'refs/steel-thread/*:refs/steel-thread/*'], { cwd: clone });
    work = clone;
  }
  const git = async (...args: string[]) => (await execa('git', args, { cwd: work, env: gitIdentity })).stdout;
  return {
    work,
    git,
    read: (rel: string) => fs.readFileSync(path.join(work, rel), 'utf8'),
    write: (rel: string, text: string) => fs.writeFileSync(path.join(work, rel), text),
    template: (rel: string, edit: (text: string) => string) => fs.writeFileSync(path.join(templates, rel), edit(fs.readFileSync(path.join(templates, rel), 'utf8'))),
    update: () => steelThread(['update', '--templates', templates], { cwd: work, env: gitIdentity }),
  };
}

describe('line endings as git checks files out', () => {
  it('core.autocrlf=true, no team edits: untouched files are updated (no conflict, nothing "kept"), in CRLF, and a second update changes nothing', async () => {
    const p = await project({ autocrlf: true });
    expect(crlfOnly(p.read('Makefile'))).toBe(true);
    p.template('base/README.md.hbs', (t) => `Version 2 line.\n\n${t}`);
    const run = await p.update();
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toMatch(/updated\s+README\.md/);
    expect(run.stdout).not.toMatch(/^\s+kept\s|CONFLICT/m);
    expect(p.read('README.md')).toMatch(/^Version 2 line\.\r\n/);
    expect(crlfOnly(p.read('README.md'))).toBe(true);
    expect(crlfOnly(p.read('.steel-thread.json'))).toBe(true);
    expect((await p.git('status', '--porcelain')).split('\n').sort()).toEqual([' M .steel-thread.json', ' M README.md']);
    expect(await p.git('diff', '--numstat', 'README.md')).toMatch(/^2\t0\tREADME\.md$/);
    await p.git('commit', '-qam', 'update');
    const again = await p.update();
    expect(again.code, again.output).toBe(0);
    expect(again.stdout).toMatch(/Already up to date/);
  });

  it('core.autocrlf=true with team edits: a file both changed merges cleanly, one only the team changed is kept, in CRLF', async () => {
    const p = await project({ autocrlf: true });
    p.write('README.md', `${p.read('README.md')}Team line.\r\n`);
    p.write('Makefile', `# Team comment.\r\n${p.read('Makefile')}`);
    await p.git('commit', '-qam', 'team');
    p.template('base/README.md.hbs', (t) => `Version 2 line.\n\n${t}`);
    const run = await p.update();
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toMatch(/merged\s+README\.md/);
    expect(run.stdout).toMatch(/kept\s+Makefile/);
    const readme = p.read('README.md');
    expect(readme).toMatch(/^Version 2 line\.\r\n[\s\S]*Team line\.\r\n$/);
    expect(crlfOnly(readme)).toBe(true);
    expect(p.read('Makefile')).toMatch(/^# Team comment\.\r\n/);
  });

  it('a .gitattributes asking for CRLF is followed for the files update writes', async () => {
    const p = await project();
    p.write('.gitattributes', '*.md text eol=crlf\n');
    await p.git('add', '.gitattributes');
    await p.git('commit', '-qm', 'attributes');
    fs.rmSync(path.join(p.work, 'README.md'));
    await p.git('checkout', '--', 'README.md');
    expect(crlfOnly(p.read('README.md'))).toBe(true);
    p.template('base/README.md.hbs', (t) => `Version 2 line.\n\n${t}`);
    const run = await p.update();
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toMatch(/updated\s+README\.md/);
    expect(crlfOnly(p.read('README.md'))).toBe(true);
    expect(p.read('Makefile')).not.toContain('\r');
  });

  it('a file the team turned to CRLF keeps the team\'s endings and merges by content', async () => {
    const p = await project();
    p.write('README.md', `${p.read('README.md')}Team line.\n`.replace(/\n/g, '\r\n'));
    await p.git('commit', '-qam', 'team: CRLF and a line');
    p.template('base/README.md.hbs', (t) => `Version 2 line.\n\n${t}`);
    const run = await p.update();
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toMatch(/merged\s+README\.md/);
    const readme = p.read('README.md');
    expect(readme).toMatch(/^Version 2 line\.\r\n[\s\S]*Team line\.\r\n$/);
    expect(crlfOnly(readme)).toBe(true);
    expect(readme).not.toContain('<<<<<<<');
  });
});
