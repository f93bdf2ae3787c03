import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { recordFileName } from '../src/answers.js';
import { blobId } from '../src/fingerprint.js';
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

  it('with --force, never overwrites a file of the team\'s: the template\'s version goes beside it', async () => {
    const dir = tempDir();
    const target = path.join(dir, 'keep');
    fs.mkdirSync(path.join(target, 'notes'), { recursive: true });
    fs.writeFileSync(path.join(target, 'notes', 'mine.txt'), 'precious');
    fs.writeFileSync(path.join(target, 'README.md'), 'old readme');
    fs.writeFileSync(path.join(target, 'README.md.from-template'), 'taken too');
    const run = await steelThread(['new', 'keep', ...csvAnswers, '--yes', '--no-git', '--force'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(run.stderr).toMatch(/kept 1 file of yours[\s\S]*README\.md\.from-template-2 {2}\(the project's README\.md\)/);
    expect(fs.readFileSync(path.join(target, 'README.md'), 'utf8')).toBe('old readme');
    expect(fs.readFileSync(path.join(target, 'README.md.from-template'), 'utf8')).toBe('taken too');
    expect(fs.readFileSync(path.join(target, 'README.md.from-template-2'), 'utf8')).toMatch(/make thread/);
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

describe('the project folder', () => {
  it('follows the umask, like any folder the user makes', async () => {
    const dir = tempDir();
    for (const [umask, mode] of [['022', '755'], ['002', '775']]) {
      const run = await execa('bash', ['-c', `umask ${umask} && node ${JSON.stringify(binPath)} new p${umask} ${csvAnswers.join(' ')} --yes --no-git`], { cwd: dir, reject: false, env: { NO_COLOR: '1' } });
      expect(run.exitCode, run.stderr).toBe(0);
      for (const folder of [`p${umask}`, `p${umask}/src`]) expect((fs.statSync(path.join(dir, folder)).mode & 0o777).toString(8), folder).toBe(mode);
    }
  });

  it('new . fills the current empty folder without replacing it, and gives it its repository', async () => {
    const dir = path.join(tempDir(), 'here');
    fs.mkdirSync(dir);
    const inode = fs.statSync(dir).ino;
    const run = await steelThread(['new', '.', ...csvAnswers, '--yes'], { cwd: dir, env: gitIdentity });
    expect(run.code, run.output).toBe(0);
    expect(fs.statSync(dir).ino).toBe(inode);
    expect(fs.existsSync(path.join(dir, 'pyproject.toml'))).toBe(true);
    expect(run.stdout).not.toMatch(/\bcd\b/);
    expect((await execa('git', ['status', '--porcelain'], { cwd: dir })).stdout).toBe('');
    expect(fs.readdirSync(dir).filter((entry) => entry.includes('steel-thread-'))).toEqual([]);
  });

  it('takes a folder holding only .git (git init, an empty clone) as empty, and makes the first commit in it', async () => {
    const dir = tempDir();
    const target = path.join(dir, 'cloned');
    await execa('git', ['init', '--quiet', '--initial-branch=trunk', target]);
    const run = await steelThread(['new', 'cloned', ...csvAnswers, '--yes'], { cwd: dir, env: gitIdentity });
    expect(run.code, run.output).toBe(0);
    const git = (...args: string[]) => execa('git', args, { cwd: target }).then((r) => r.stdout);
    expect(await git('status', '--porcelain')).toBe('');
    expect(await git('log', '--format=%s', 'trunk')).toMatch(/^Steel thread for cloned/);
    expect(await git('ls-tree', '--name-only', 'refs/steel-thread/bases')).toContain('pyproject.toml');
  });

  it('after a new . killed while moving files in, the next run removes only its own files, says so, and finishes', async () => {
    const dir = tempDir();
    const args = ['new', '.', '--name', 'demo', ...csvAnswers, '--yes'];
    const reference = path.join(dir, 'reference');
    fs.mkdirSync(reference);
    expect((await steelThread(args, { cwd: reference, env: gitIdentity })).code).toBe(0);
    const whole = treeListing(reference).filter((line) => !line.startsWith('.git/'));
    let resumed = 0;
    for (const delay of [60, 120, 180, 240, 300, 360, 420, 480]) {
      const target = path.join(dir, `killed-${delay}`);
      fs.mkdirSync(target);
      fs.writeFileSync(path.join(target, '.git-keep-out'), 'not ours'); // a file of the team's, there all along
      const child = execa('node', [binPath, ...args, '--force'], { cwd: target, env: { ...gitIdentity, NO_COLOR: '1' }, reject: false, stdin: 'ignore' });
      await new Promise((resolve) => setTimeout(resolve, delay));
      child.kill('SIGKILL');
      await child;
      if (!fs.existsSync(path.join(target, recordFileName)) || fs.existsSync(path.join(target, '.steel-thread-moving.json'))) {
        resumed++;
        const again = await steelThread([...args, '--force'], { cwd: target, env: gitIdentity });
        expect(again.code, again.output).toBe(0);
      }
      expect(fs.readFileSync(path.join(target, '.git-keep-out'), 'utf8')).toBe('not ours');
      const listing = treeListing(target).filter((line) => !line.startsWith('.git/') && !line.startsWith('.git-keep-out'));
      expect(listing, `after a kill at ${delay} ms`).toEqual(whole.filter((line) => line !== '.git/'));
    }
    expect(resumed).toBeGreaterThan(0);
  });

  it('after a move killed part-way, says what it removed before starting again', async () => {
    const dir = tempDir();
    const target = path.join(dir, 'project');
    fs.mkdirSync(target);
    // The state a kill leaves: the moving record, and some of the files it lists.
    fs.writeFileSync(path.join(target, 'README.md'), 'ours');
    fs.writeFileSync(
      path.join(target, '.steel-thread-moving.json'),
      JSON.stringify({ files: { 'README.md': `100644 ${blobId(Buffer.from('ours'))}`, 'pyproject.toml': `100644 ${'0'.repeat(40)}` }, folders: [], git: false }),
    );
    const run = await steelThread(['new', 'project', ...csvAnswers, '--yes', '--no-git'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(run.stderr).toMatch(/an interrupted steel-thread new left 1 of its own files and folders in .*project; removed them:\n.*README\.md/);
    expect(fs.existsSync(path.join(target, '.steel-thread-moving.json'))).toBe(false);
    expect(fs.readFileSync(path.join(target, 'README.md'), 'utf8')).not.toBe('ours');
    expect(fs.readdirSync(target).filter((entry) => entry.endsWith('.from-template'))).toEqual([]);
  });
});

describe('mistyped commands and flags', () => {
  it('refuses a first word close to a command with a suggestion, writing nothing', async () => {
    const dir = tempDir();
    for (const [typo, command] of [['updte', 'update'], ['chek', 'check'], ['recomend', 'recommend'], ['nwe', 'new']]) {
      const run = await steelThread([typo, '--yes', '--no-git'], { cwd: dir });
      expectCleanFailure(run, 2, new RegExp(`unknown command "${typo}": did you mean "${command}"\\?`));
    }
    expect(treeListing(dir)).toEqual([]);
  });

  it('still makes a project of that name when asked with new, written as a path, or when the folder exists', async () => {
    const dir = tempDir();
    expect((await steelThread(['new', 'updte', ...csvAnswers, '--yes', '--no-git'], { cwd: dir })).code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'updte', 'pyproject.toml'))).toBe(true);
    fs.mkdirSync(path.join(dir, 'chek'));
    expect((await steelThread(['chek', ...csvAnswers, '--yes', '--no-git'], { cwd: dir })).code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'chek', 'pyproject.toml'))).toBe(true);
    expect((await steelThread(['./nwe', ...csvAnswers, '--yes', '--no-git'], { cwd: dir })).code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'nwe', 'pyproject.toml'))).toBe(true);
  });

  it('suggests the flag meant', async () => {
    const dir = tempDir();
    expectCleanFailure(await steelThread(['new', 'x', '--forse'], { cwd: dir }), 2, /Unknown option '--forse': did you mean --force\?/);
    expectCleanFailure(await steelThread(['update', '--allow-dirt'], { cwd: dir }), 2, /did you mean --allow-dirty\?/);
    expect(treeListing(dir)).toEqual([]);
  });
});

describe('help', () => {
  it('fits in 100 columns, with examples and the environment variables; help <command> gives that command', async () => {
    const dir = tempDir();
    for (const args of [['--help'], ['help'], ...['new', 'update', 'check', 'recommend'].flatMap((c) => [['help', c], [c, '--help']])]) {
      const run = await steelThread(args, { cwd: dir });
      expect(run.code).toBe(0);
      for (const line of run.stdout.split('\n')) expect(line.length, `${args.join(' ')}: ${line}`).toBeLessThanOrEqual(100);
      expect(run.stdout).toMatch(/Examples?:/);
      for (const variable of ['NO_COLOR', 'FORCE_COLOR', 'PYTHON', 'STEEL_THREAD_DEBUG']) expect(run.stdout).toContain(variable);
    }
    const help = await steelThread(['help', 'new'], { cwd: dir });
    expect(help.stdout).toMatch(/^Usage: steel-thread new/);
    expect(help.stdout).toContain('--delivery api|csv|table');
    expectCleanFailure(await steelThread(['help', 'updat'], { cwd: dir }), 2, /no command "updat": did you mean "update"\?/);
  });
});

describe('colour', () => {
  it('follows NO_COLOR and FORCE_COLOR, NO_COLOR winning', async () => {
    const dir = tempDir();
    const sgr = /\u001b\[\d+m/;
    const args = ['new', 'x', ...csvAnswers, '--yes', '--dry-run'];
    expect((await steelThread(args, { cwd: dir, env: { NO_COLOR: undefined, FORCE_COLOR: '1' } })).stdout).toMatch(sgr);
    expect((await steelThread(args, { cwd: dir, env: { NO_COLOR: undefined, FORCE_COLOR: '0' } })).stdout).not.toMatch(sgr);
    expect((await steelThread(args, { cwd: dir, env: { NO_COLOR: '1', FORCE_COLOR: '1' } })).stdout).not.toMatch(sgr);
    expect((await steelThread(args, { cwd: dir, env: { NO_COLOR: undefined, FORCE_COLOR: undefined } })).stdout).not.toMatch(sgr);
  });
});
