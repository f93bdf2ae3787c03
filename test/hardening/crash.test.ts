import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { binPath, gitIdentity, steelThread, templatesDir, tempDir } from '../support/cli.js';
import { treeListing } from '../support/tree.js';

/**
 * Killed at random moments with SIGKILL (nothing to catch, nothing cleaned up): `new` leaves no
 * half project, `update` leaves every file either old or new.
 */
const trials = 20;

/** Delays spread over a run's duration, in a shuffled but repeatable order. */
function killMoments(durationMs: number): number[] {
  let seed = 1130;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  return Array.from({ length: trials }, (_, i) => Math.round(((i + random()) / trials) * durationMs * 1.1));
}

async function killAfter(args: string[], cwd: string, delayMs: number): Promise<void> {
  const child = execa('node', [binPath, ...args], { cwd, env: { ...gitIdentity, NO_COLOR: '1' }, reject: false, stdin: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  child.kill('SIGKILL');
  await child;
}

const withoutGitInternals = (listing: string[]) => listing.filter((line) => !line.startsWith('.git/'));

describe('killed with SIGKILL', () => {
  it(`new leaves a whole project or none, in ${trials} trials`, async () => {
    const args = ['new', 'demo', '--consumer', 'people', '--freshness', 'daily', '--yes'];
    const reference = tempDir();
    const started = Date.now();
    expect((await steelThread(args, { cwd: reference, env: gitIdentity })).code).toBe(0);
    const duration = Date.now() - started;
    const whole = withoutGitInternals(treeListing(path.join(reference, 'demo')));
    const outcomes = { none: 0, whole: 0 };
    for (const delay of killMoments(duration)) {
      const dir = tempDir();
      await killAfter(args, dir, delay);
      const project = path.join(dir, 'demo');
      if (!fs.existsSync(project)) {
        outcomes.none++;
        // At most the hidden staging folder is left, beside the target and clearly named.
        expect(fs.readdirSync(dir).every((entry) => entry.startsWith('.demo.steel-thread-staging-')), `after ${delay} ms`).toBe(true);
        continue;
      }
      outcomes.whole++;
      expect(withoutGitInternals(treeListing(project)), `a half project after ${delay} ms`).toEqual(whole);
      expect(fs.existsSync(path.join(project, '.git', 'HEAD'))).toBe(true);
    }
    expect(outcomes.none + outcomes.whole).toBe(trials);
    expect(outcomes.none).toBeGreaterThan(0);
  });

  it(`update leaves every file either old or new, in ${trials} trials`, async () => {
    const dir = tempDir();
    const templates = path.join(dir, 'templates');
    fs.cpSync(templatesDir, templates, { recursive: true });
    fs.mkdirSync(path.join(templates, 'base', 'pins'));
    fs.writeFileSync(path.join(templates, 'base', 'pins', 'extra.txt'), 'numpy==1.24.0\n');
    const project = path.join(dir, 'demo');
    expect((await steelThread(['new', 'demo', '--consumer', 'people', '--freshness', 'daily', '--yes', '--templates', templates], { cwd: dir, env: gitIdentity })).code).toBe(0);
    // A template change touching many files, and a team edit that must merge.
    for (const file of ['base/Makefile.hbs', 'base/README.md.hbs', 'base/pyproject.toml.hbs', 'base/.gitignore', 'base/tests/test_data.py.hbs']) {
      fs.appendFileSync(path.join(templates, file), '\n# version 2\n');
    }
    fs.rmSync(path.join(templates, 'base', 'pins'), { recursive: true });
    const readme = path.join(project, 'README.md');
    fs.writeFileSync(readme, `Team line.\n\n${fs.readFileSync(readme, 'utf8')}`);
    await execa('git', ['commit', '-qam', 'team'], { cwd: project, env: gitIdentity });

    const args = ['update', '--templates', templates];
    const reference = path.join(dir, 'reference');
    fs.cpSync(project, reference, { recursive: true });
    const started = Date.now();
    const done = await steelThread(args, { cwd: reference, env: gitIdentity });
    expect(done.code, done.output).toBe(0);
    const duration = Date.now() - started;
    const before = new Map(withoutGitInternals(treeListing(project)).map((line) => [line.split(' ')[0], line]));
    const after = new Map(withoutGitInternals(treeListing(reference)).map((line) => [line.split(' ')[0], line]));
    expect(after).not.toEqual(before);

    let finished = 0;
    for (const [trial, delay] of killMoments(duration).entries()) {
      const copy = path.join(dir, `trial-${trial}`);
      fs.cpSync(project, copy, { recursive: true });
      await killAfter(args, copy, delay);
      const listing = withoutGitInternals(treeListing(copy));
      for (const line of listing) {
        const rel = line.split(' ')[0] ?? '';
        // A write's own temp file may be left by the kill: hidden, named as ours, removed by the next update.
        if (rel.endsWith('/') || /\.steel-thread-\d+-[0-9a-f]{8}$/.test(rel)) continue;
        expect([before.get(rel), after.get(rel)], `${rel} after a kill at ${delay} ms`).toContain(line);
      }
      if (listing.join('\n') === [...after.values()].join('\n')) finished++;
      // Whatever the moment, a second update brings the project to the same end.
      const resumed = await steelThread([...args, '--allow-dirty'], { cwd: copy, env: gitIdentity });
      expect(resumed.code, resumed.output).toBe(0);
      expect(withoutGitInternals(treeListing(copy)).filter((l) => !l.endsWith('/'))).toEqual([...after.values()].filter((l) => !l.endsWith('/')));
    }
    expect(finished).toBeLessThan(trials);
  });
});
