import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { recordFileName } from '../src/answers.js';
import { generatorVersion } from '../src/package.js';
import { binPath, gitIdentity, steelThread, templatesDir, tempDir } from './support/cli.js';
import { treeListing } from './support/tree.js';

const csvAnswers = ['--consumer', 'people', '--freshness', 'daily'];

/** Asserts a run failed cleanly: the exit code, one message line, no stack trace. */
function expectCleanFailure(run: { code: number; stderr: string; output: string }, code: number, message: RegExp) {
  expect(run.code, run.output).toBe(code);
  expect(run.stderr).toMatch(message);
  expect(run.output).not.toMatch(/\n\s+at |Traceback|node:internal/);
  expect(run.stderr.trim().split('\n').filter((line) => line.startsWith('error:'))).toHaveLength(1);
}

describe('the command line', () => {
  it('prints its version and help', async () => {
    const dir = tempDir();
    expect((await steelThread(['--version'], { cwd: dir })).stdout).toBe(generatorVersion);
    const help = await steelThread(['--help'], { cwd: dir });
    for (const word of ['new [dir]', 'update [dir]', 'check [dir]', 'recommend', 'Exit codes']) expect(help.stdout).toContain(word);
    for (const command of ['new', 'update', 'check', 'recommend']) {
      const commandHelp = await steelThread([command, '--help'], { cwd: dir });
      expect(commandHelp.code).toBe(0);
      expect(commandHelp.stdout).toContain(`steel-thread ${command}`);
    }
    expect(treeListing(dir)).toEqual([]);
  });

  it.each([
    ['service', 'realtime', 'api'],
    ['people', 'daily', 'csv'],
    ['people', 'weekly', 'csv'],
    ['analysts', 'daily', 'table'],
    ['analysts', 'weekly', 'table'],
  ])('recommend --json: %s/%s → %s, writing nothing', async (consumer, freshness, delivery) => {
    const dir = tempDir();
    const run = await steelThread(['recommend', '--consumer', consumer, '--freshness', freshness, '--json'], { cwd: dir });
    expect(run.code).toBe(0);
    const answer = JSON.parse(run.stdout) as { delivery: string; reasons: string[] };
    expect(answer.delivery).toBe(delivery);
    expect(answer.reasons.length).toBeGreaterThan(0);
    expect(treeListing(dir)).toEqual([]);
  });

  it('without a terminal, names every missing answer and writes nothing', async () => {
    const dir = tempDir();
    const run = await steelThread(['new', 'lonely', '--no-git'], { cwd: dir });
    expectCleanFailure(run, 2, /missing answers: --consumer, --freshness, --delivery, --ci/);
    expect(treeListing(dir)).toEqual([]);
    const partly = await steelThread(['recommend', '--consumer', 'people', '--json'], { cwd: dir });
    expectCleanFailure(partly, 2, /missing answer: --freshness/);
  });

  it.each([
    [['new', 'x', '--bogus'], /Unknown option '--bogus'/],
    [['new', 'x', '--consumer', 'robots', '--yes'], /--consumer must be one of/],
    [['new', 'x', '--delivery', 'fax', '--yes'], /--delivery must be one of api, csv, table/],
    [['new', 'x', '--ci', 'jenkins', '--yes'], /--ci must be one of github, gitlab/],
    [['new', 'x', 'y', '--yes'], /too many arguments/],
    [['new', 'x', '--dry-run', '--verify', '--yes'], /--dry-run and --verify/],
    [['new', 'x', '--name', 'class', '--yes'], /keyword/],
    [['new', 'x', '--answers', 'missing.json', '--yes'], /no such file/],
    [['recommend', 'extra'], /too many arguments/],
  ])('refuses bad input %j with one line and exit 2, writing nothing', async (args, message) => {
    const dir = tempDir();
    expectCleanFailure(await steelThread(args, { cwd: dir }), 2, message);
    expect(treeListing(dir)).toEqual([]);
  });

  it('stops quietly when the reader of its output goes away', async () => {
    const dir = tempDir();
    const run = await execa('bash', ['-c', `node ${JSON.stringify(binPath)} new demo --consumer people --freshness daily --yes --dry-run | head -c 20; exit \${PIPESTATUS[0]}`], {
      cwd: dir,
      reject: false,
      env: { NO_COLOR: '1' },
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/EPIPE|\n\s+at /);
  });

  it('refuses a non-empty target, leaving it untouched', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'keep'));
    fs.writeFileSync(path.join(dir, 'keep', 'notes.txt'), 'precious');
    const before = treeListing(dir);
    const run = await steelThread(['new', 'keep', ...csvAnswers, '--yes', '--no-git'], { cwd: dir });
    expectCleanFailure(run, 3, /not empty.*--force/);
    expect(treeListing(dir)).toEqual(before);
  });

  it('with --force, lists what it overwrites and deletes nothing', async () => {
    const dir = tempDir();
    const target = path.join(dir, 'keep');
    fs.mkdirSync(path.join(target, 'notes'), { recursive: true });
    fs.writeFileSync(path.join(target, 'notes', 'mine.txt'), 'precious');
    fs.writeFileSync(path.join(target, 'README.md'), 'old readme');
    const run = await steelThread(['new', 'keep', ...csvAnswers, '--yes', '--no-git', '--force'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(run.stderr).toMatch(/overwriting 1 file[\s\S]*README\.md/);
    expect(fs.readFileSync(path.join(target, 'notes', 'mine.txt'), 'utf8')).toBe('precious');
    expect(fs.existsSync(path.join(target, 'pyproject.toml'))).toBe(true);
  });

  it('--dry-run lists the files and writes nothing', async () => {
    const dir = tempDir();
    const run = await steelThread(['new', 'demo', ...csvAnswers, '--yes', '--dry-run'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toContain('pyproject.toml');
    expect(run.stdout).toContain(recordFileName);
    expect(run.stdout).toContain('nothing was written');
    expect(treeListing(dir)).toEqual([]);
  });

  it('gives byte-identical projects for the same answers', async () => {
    const [a, b] = [tempDir(), tempDir()];
    await steelThread(['new', 'demo', ...csvAnswers, '--yes', '--no-git'], { cwd: a });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await steelThread(['new', 'demo', ...csvAnswers, '--yes', '--no-git'], { cwd: b });
    const listing = treeListing(path.join(a, 'demo'));
    expect(listing.length).toBeGreaterThan(20);
    expect(treeListing(path.join(b, 'demo'))).toEqual(listing);
  });

  it('renders the built-in templates (compiled at build time) exactly as a copy of them (compiled at run time)', async () => {
    const dir = tempDir();
    const copy = path.join(dir, 'templates');
    fs.cpSync(templatesDir, copy, { recursive: true });
    for (const form of ['api', 'csv', 'table']) {
      const args = ['--delivery', form, ...csvAnswers, '--yes', '--no-git'];
      expect((await steelThread(['new', `built-in-${form}`, ...args], { cwd: dir })).code).toBe(0);
      expect((await steelThread(['new', `copied-${form}`, ...args, '--name', `built-in-${form}`, '--templates', copy], { cwd: dir })).code).toBe(0);
      const withoutRecord = (project: string) => treeListing(path.join(dir, project)).filter((line) => !line.startsWith(recordFileName));
      expect(withoutRecord(`copied-${form}`)).toEqual(withoutRecord(`built-in-${form}`));
    }
  });

  it('takes answers from a file, flags winning, and shows the package name it made', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'answers.json'), JSON.stringify({ consumer: 'people', freshness: 'weekly', ci: 'gitlab', name: 'Weekly Churn Report' }));
    const run = await steelThread(['new', 'out', '--answers', 'answers.json', '--ci', 'github', '--yes', '--no-git'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toMatch(/Python package: weekly_churn_report \(made from the name "Weekly Churn Report"\)/);
    const record = JSON.parse(fs.readFileSync(path.join(dir, 'out', recordFileName), 'utf8'));
    expect(record.answers).toMatchObject({ consumer: 'people', freshness: 'weekly', delivery: 'csv', ci: 'github', package: 'weekly_churn_report' });
    expect(fs.existsSync(path.join(dir, 'out', '.github', 'workflows', 'ci.yml'))).toBe(true);
  });

  it('accepts any path for the project, and names it after the last segment', async () => {
    const dir = tempDir();
    const run = await steelThread(['new', path.join(dir, 'nested', 'deeper', 'Propensity Model'), ...csvAnswers, '--yes', '--no-git'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    const record = JSON.parse(fs.readFileSync(path.join(dir, 'nested', 'deeper', 'Propensity Model', recordFileName), 'utf8'));
    expect(record.answers.name).toBe('Propensity Model');
    expect(record.answers.package).toBe('propensity_model');
    expect(fs.readdirSync(path.join(dir, 'nested', 'deeper'))).toEqual(['Propensity Model']);
  });
});

describe('git', () => {
  it('makes the first commit, keeps the render as the merge base, and leaves a clean tree', async () => {
    const dir = tempDir();
    const run = await steelThread(['new', 'demo', ...csvAnswers, '--yes'], { cwd: dir, env: gitIdentity });
    expect(run.code, run.output).toBe(0);
    const project = path.join(dir, 'demo');
    const git = (...args: string[]) => execa('git', args, { cwd: project }).then((r) => r.stdout);
    expect(await git('status', '--porcelain')).toBe('');
    expect(await git('log', '--format=%an %s')).toMatch(/^test Steel thread for demo/);
    const baseTree = await git('ls-tree', '-r', '--name-only', 'refs/steel-thread/bases');
    expect(baseTree.split('\n')).toContain('pyproject.toml');
    expect(baseTree.split('\n')).not.toContain(recordFileName);
  });

  it('leaves a fresh project clean after an update that changes nothing, so the next update runs', async () => {
    const dir = tempDir();
    expect((await steelThread(['new', 'demo', ...csvAnswers, '--yes'], { cwd: dir, env: gitIdentity })).code).toBe(0);
    const project = path.join(dir, 'demo');
    const first = await steelThread(['update'], { cwd: project, env: gitIdentity });
    expect(first.code, first.output).toBe(0);
    expect((await execa('git', ['status', '--porcelain'], { cwd: project })).stdout).toBe('');
    const second = await steelThread(['update'], { cwd: project, env: gitIdentity });
    expect(second.code, second.output).toBe(0);
  });

  it('commits under a clear fallback identity where git knows none, and says so', async () => {
    const dir = tempDir();
    const home = tempDir();
    const env = { HOME: home, XDG_CONFIG_HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: path.join(home, 'none') };
    const run = await steelThread(['new', 'demo', ...csvAnswers, '--yes'], { cwd: dir, env });
    expect(run.code, run.output).toBe(0);
    expect(run.stderr).toMatch(/first commit was made as "steel-thread <steel-thread@localhost>"/);
    const author = await execa('git', ['log', '--format=%an <%ae>'], { cwd: path.join(dir, 'demo'), env });
    expect(author.stdout).toBe('steel-thread <steel-thread@localhost>');
  });
});
