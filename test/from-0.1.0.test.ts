import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { gitIdentity, repoRoot, steelThread, tempDir } from './support/cli.js';
import { make, setup, slow } from './support/python.js';

/** The commit released as 0.1.0, the first generation of the templates. */
const release = '92b10d2';
const { version } = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };

/**
 * steel-thread 0.1.0 built from this repository's history, as its users have it: the source at
 * that commit with this checkout's node_modules (its dependencies are the same packages) and
 * its own build script. Returns its bin/steel-thread.js.
 */
async function buildRelease(): Promise<string> {
  const dir = tempDir();
  const archive = await execa('git', ['archive', '--format=tar', '-o', path.join(dir, 'release.tar'), release], { cwd: repoRoot, reject: false });
  if (archive.exitCode !== 0) throw new Error(`this test builds 0.1.0 from git history, which this checkout lacks (a shallow clone?): ${archive.stderr}`);
  const source = path.join(dir, 'source');
  fs.mkdirSync(source);
  await execa('tar', ['-xf', path.join(dir, 'release.tar'), '-C', source]);
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(source, 'node_modules'));
  await execa('node', ['scripts/build.mjs'], { cwd: source });
  return path.join(source, 'bin', 'steel-thread.js');
}

const git = (cwd: string, args: string[]) => execa('git', args, { cwd, env: gitIdentity });

describe('a project made by steel-thread 0.1.0', () => {
  let project: string;
  let update: Awaited<ReturnType<typeof steelThread>>;
  const readmeLine = 'Our note: the outbound team works through this list from 9am.';
  const codeLine = '# Our note: the call centre runs this at 06:00.';
  beforeAll(async () => {
    const oldBin = await buildRelease();
    const parent = tempDir();
    const made = await execa('node', [oldBin, 'new', 'legacy', '--delivery', 'csv', '--yes'], { cwd: parent, env: { ...gitIdentity, NO_COLOR: '1' }, reject: false, all: true });
    if (made.exitCode !== 0) throw new Error(`steel-thread 0.1.0 new failed:\n${made.all}`);
    project = path.join(parent, 'legacy');
    expect(JSON.parse(fs.readFileSync(path.join(project, '.steel-thread.json'), 'utf8')).generator).toBe('0.1.0');
    // The team's edits, committed: a line in a document and one in code both generations have.
    fs.appendFileSync(path.join(project, 'README.md'), `\n${readmeLine}\n`);
    fs.appendFileSync(path.join(project, 'src', 'legacy', '__main__.py'), `\n${codeLine}\n`);
    await git(project, ['commit', '--quiet', '--all', '-m', 'Our notes']);
    update = await steelThread(['update'], { cwd: project, env: gitIdentity });
  }, slow);

  it(`moves to ${version}'s templates with update, keeping the team's lines`, () => {
    expect(update.code, update.output).toBe(0);
    expect(update.stdout).toContain(`steel-thread 0.1.0 → steel-thread ${version}`);
    expect(update.stdout).toMatch(/merged\s+README\.md/);
    expect(update.stdout).toMatch(/merged\s+src\/legacy\/__main__\.py/);
    expect(update.stdout).toMatch(/0 conflicts/);
    expect(fs.readFileSync(path.join(project, 'README.md'), 'utf8')).toContain(readmeLine);
    const main = fs.readFileSync(path.join(project, 'src', 'legacy', '__main__.py'), 'utf8');
    expect(main).toContain(codeLine);
    expect(main).toContain('"contract"'); // the new template's text came in around the team's line
    expect(fs.existsSync(path.join(project, 'contract', 'schema.json'))).toBe(true);
    expect(fs.existsSync(path.join(project, 'data', 'sample', 'scoring.csv'))).toBe(true);
    expect(fs.existsSync(path.join(project, 'constraints', 'oldest.txt'))).toBe(false);
    expect(JSON.parse(fs.readFileSync(path.join(project, '.steel-thread.json'), 'utf8')).generator).toBe(version);
  });

  it('leaves no conflict markers, and check finds it current once committed', async () => {
    await git(project, ['add', '--all']);
    const marked = await execa('git', ['grep', '-l', '-E', '^(<<<<<<<|>>>>>>>) '], { cwd: project, reject: false });
    expect(marked.stdout).toBe('');
    await git(project, ['commit', '--quiet', '-m', `steel-thread update to ${version}`]);
    const check = await steelThread(['check'], { cwd: project });
    expect(check.code, check.output).toBe(0);
  });

  it('passes its tests and its thread on the new templates', async () => {
    await setup(project);
    const tests = await make(project, 'test');
    expect(tests.code, tests.output).toBe(0);
    const thread = await make(project, 'thread', { RUN_ID: 'moved' });
    expect(thread.code, thread.output).toBe(0);
    expect(fs.existsSync(path.join(project, 'outbox', 'predictions-moved.manifest.json'))).toBe(true);
  }, slow);
});
