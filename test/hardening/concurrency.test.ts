import fs from 'node:fs';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { describe, expect, it } from 'vitest';
import { binPath, gitIdentity, steelThread, templatesDir, tempDir } from '../support/cli.js';
import { treeListing } from '../support/tree.js';

/**
 * One update at a time per project: a second one started while the first runs is refused (exit
 * 3, a clear line) and changes nothing; a lock left by a killed update is taken over; temp folders
 * a killed run left are swept by the next. The lock lives in .git, or outside a project without
 * git, never in the work tree.
 */
const bulkFiles = 300;

/** A project whose template version 2 changes many files, so an update runs long enough to overlap. */
async function slowUpdate(git: boolean) {
  const dir = tempDir();
  const templates = path.join(dir, 'templates');
  fs.cpSync(templatesDir, templates, { recursive: true });
  const bulk = (version: number) => {
    for (let i = 0; i < bulkFiles; i++) {
      const file = path.join(templates, 'base', 'bulk', `${Math.floor(i / 100)}`, `file-${i}.txt`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, `version ${version} of file ${i}\n${'x'.repeat(2000)}\n`);
    }
  };
  bulk(1);
  const made = await steelThread(['new', 'demo', '--consumer', 'people', '--freshness', 'daily', '--yes', '--templates', templates, ...(git ? [] : ['--no-git'])], {
    cwd: dir,
    env: gitIdentity,
  });
  expect(made.code, made.output).toBe(0);
  bulk(2);
  const project = path.join(dir, 'demo');
  const tmp = path.join(dir, 'tmp');
  const state = path.join(dir, 'state');
  fs.mkdirSync(tmp);
  const env = { ...gitIdentity, NO_COLOR: '1', TMPDIR: tmp, XDG_STATE_HOME: state };
  const start = (cwd = project): ResultPromise<{ reject: false; all: true }> =>
    execa('node', [binPath, 'update', '--templates', templates], { cwd, env, reject: false, all: true, stdin: 'ignore' }) as never;
  const reference = path.join(dir, 'reference');
  fs.cpSync(project, reference, { recursive: true });
  const done = await start(reference);
  expect(done.exitCode, done.all).toBe(0);
  const listing = (root: string) => treeListing(root).filter((line) => !line.startsWith('.git/'));
  /** Resolves once some update of this project holds its lock. */
  const lockTaken = async () => {
    const where = git ? path.join(project, '.git', 'steel-thread') : state;
    for (let i = 0; i < 2000; i++) {
      if (fs.existsSync(where) && fs.readdirSync(where, { recursive: true, encoding: 'utf8' }).some((f) => f.endsWith('update.lock'))) return;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error('no update took the lock');
  };
  return { project, tmp, start, lockTaken, expected: listing(reference), listing };
}

describe('two updates of one project', () => {
  it.each([['in a git repository', true], ['without git', false]] as const)('%s: the second is refused with exit 3 while the first runs, which finishes alone', async (_what, git) => {
    const s = await slowUpdate(git);
    const first = s.start();
    await s.lockTaken();
    const second = await s.start();
    const firstDone = await first;
    expect(firstDone.exitCode, firstDone.all).toBe(0);
    expect(second.exitCode, second.all).toBe(3);
    expect(second.stderr).toMatch(/^error: another steel-thread update \(process \d+\) is working on this project: wait for it to finish, then run update again$/m);
    expect(second.all).not.toMatch(/ENOENT|scandir|\n\s+at /);
    expect(s.listing(s.project)).toEqual(s.expected);
    if (git) {
      const status = (await execa('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: s.project })).stdout;
      expect(status).not.toMatch(/update\.lock|journal/);
      // Nothing of ours is left in git's folder once the update is done.
      expect(fs.existsSync(path.join(s.project, '.git', 'steel-thread'))).toBe(false);
    }
  }, 120_000);

  it.each([['in a git repository', true], ['without git', false]] as const)('%s: a lock left by a killed update is taken over, and its temp folders are swept', async (_what, git) => {
    const s = await slowUpdate(git);
    const first = s.start();
    await s.lockTaken();
    await new Promise((resolve) => setTimeout(resolve, 100));
    first.kill('SIGKILL');
    await first;
    const leftovers = fs.readdirSync(s.tmp).filter((entry) => entry.startsWith('steel-thread-'));
    expect(leftovers.length).toBeGreaterThan(0);
    const next = await s.start();
    expect(next.exitCode, next.all).toBe(0);
    expect(s.listing(s.project)).toEqual(s.expected);
    expect(fs.readdirSync(s.tmp).filter((entry) => entry.startsWith('steel-thread-'))).toEqual([]);
  }, 120_000);
});
