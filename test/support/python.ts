import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { tempDir, type Run } from './cli.js';

/**
 * Generated projects run as their README says: `make setup` makes `.venv` with uv (from PyPI),
 * and the other targets use it. Two runs bracket the allowed releases: the latest ones on the
 * newest Python, and the lowest ones the ranges allow (uv's lowest-direct resolution) on the
 * oldest. These tests never skip: without uv or a Python they fail and say how to get them.
 */
export const newestPython = '3.13';
export const oldestPython = '3.11';
/** The time a test running a generated project's make targets gets: minutes, on a loaded 2-core machine. */
export const slow = 600_000;

const howToInstall = 'run `bash .ci/install` (as root), as CI does';

/**
 * The environment of every uv and make call. uv never downloads a Python (the machine's are
 * the ones under test); a caller's virtualenv, PYTHON or UV_PYTHON would pick the interpreter
 * behind the test's back, so they are dropped. uv's cache is left to UV_CACHE_DIR, or uv's own.
 */
function pythonEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
  return { UV_PYTHON_DOWNLOADS: 'never', VIRTUAL_ENV: undefined, PYTHON: undefined, UV_PYTHON: undefined, ...extra };
}

async function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  const result = await execa(command, args, { cwd, env: pythonEnv(env), reject: false, all: true, stdin: 'ignore' });
  return { code: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr, output: result.all ?? '' };
}

/**
 * A plain Python (3.11 or newer) for checks that need only the standard library: compiling
 * rendered files, reading literals back.
 */
export const python = process.env.STEEL_THREAD_TEST_PYTHON ?? 'python3';
let pythonChecked: Promise<void> | undefined;

export function requirePython(): Promise<void> {
  pythonChecked ??= execa(python, ['-c', `import sys; assert sys.version_info[:2] >= (${oldestPython.replace('.', ', ')}), sys.version`], { reject: false }).then((result) => {
    if (result.exitCode !== 0) throw new Error(`${python} is not Python ${oldestPython} or newer: ${howToInstall}. ${result.stderr.split('\n').pop() ?? ''}`);
  });
  return pythonChecked;
}

let uvChecked: Promise<void> | undefined;

/** uv on PATH, as `make setup` looks for it; fails (never skips) when it is not. */
export function requireUv(): Promise<void> {
  uvChecked ??= execa('uv', ['--version'], { reject: false }).then((result) => {
    if (result.exitCode !== 0) throw new Error(`uv is not on PATH (make setup looks for it there): ${howToInstall}. ${result.stderr}`);
  });
  return uvChecked;
}

const found = new Map<string, Promise<string>>();

/**
 * The machine's Python `version` (3.11, 3.13): one uv finds (on PATH or its own), else one
 * pyenv keeps but has not put on PATH (pyenv's shims serve only its selected versions).
 */
export function findPython(version: string): Promise<string> {
  let lookup = found.get(version);
  if (!lookup) {
    lookup = (async () => {
      await requireUv();
      const byUv = await run('uv', ['python', 'find', '--no-project', version], process.cwd());
      if (byUv.code === 0) return byUv.stdout.trim();
      const latest = await execa('pyenv', ['latest', version], { reject: false });
      if (latest.exitCode === 0) {
        const prefix = await execa('pyenv', ['prefix', latest.stdout.trim()], { reject: false });
        const candidate = path.join(prefix.stdout.trim(), 'bin', `python${version}`);
        if (prefix.exitCode === 0 && fs.existsSync(candidate)) return candidate;
      }
      throw new Error(`no Python ${version} on this machine (uv python find ${version}: ${byUv.stderr.trim()}): ${howToInstall}, which checks for it`);
    })();
    found.set(version, lookup);
  }
  return lookup;
}

/** Fails the test with the command's output unless it succeeded. */
function expectSuccess(what: string, result: Run): Run {
  if (result.code !== 0) throw new Error(`${what} failed (${result.code}):\n${result.output}`);
  return result;
}

/**
 * `make setup` in a generated project: uv makes `.venv` (and `uv.lock`) on the latest releases
 * the ranges allow, with the newest Python unless told another. Fails the test if setup fails.
 */
export async function setup(projectDir: string, python = newestPython): Promise<Run> {
  const interpreter = await findPython(python);
  return expectSuccess(`make setup in ${projectDir}`, await run('make', ['setup'], projectDir, { UV_PYTHON: interpreter }));
}

/**
 * A virtualenv outside the project holding it at the lowest releases its ranges allow, on the
 * oldest Python, as the generated CI makes it; returns its interpreter, for `PYTHON=… make test`.
 */
export async function lowestEnvironment(projectDir: string, venvDir: string): Promise<string> {
  const interpreter = await findPython(oldestPython);
  expectSuccess('uv venv', await run('uv', ['venv', '--quiet', '--python', interpreter, venvDir], projectDir));
  const install = ['pip', 'install', '--quiet', '--resolution', 'lowest-direct', '-e', '.', '--group', 'dev'];
  expectSuccess('uv pip install --resolution lowest-direct', await run('uv', install, projectDir, { VIRTUAL_ENV: venvDir }));
  return path.join(venvDir, 'bin', 'python');
}

/** `make test` with the project held at the lowest releases its ranges allow (see above). */
export async function lowestTests(projectDir: string, env: Record<string, string> = {}): Promise<Run> {
  const python = await lowestEnvironment(projectDir, path.join(tempDir(), 'lowest'));
  return make(projectDir, 'test', { PYTHON: python, ...env });
}

/** The interpreter of the project's own environment, made by `setup`. */
export function venvPython(projectDir: string): string {
  return path.join(projectDir, '.venv', 'bin', 'python');
}

/**
 * `make TARGET` in a generated project, in its own `.venv` (made by `setup` first, as a user
 * would, where there is none yet), or with the interpreter `env.PYTHON` names.
 */
export async function make(projectDir: string, target: string, env: Record<string, string> = {}): Promise<Run> {
  if (env.PYTHON === undefined && !fs.existsSync(venvPython(projectDir))) await setup(projectDir);
  return run('make', [target], projectDir, env);
}

/**
 * The project as an image would have it: its wheel built and installed (not editable) into a
 * fresh virtualenv at the latest releases; returns that virtualenv's interpreter.
 */
export async function wheelEnvironment(projectDir: string, workDir: string): Promise<string> {
  const wheels = path.join(workDir, 'wheels');
  const venv = path.join(workDir, 'venv');
  expectSuccess('uv build', await run('uv', ['build', '--quiet', '--wheel', '--out-dir', wheels], projectDir));
  const [wheel, ...others] = fs.readdirSync(wheels).filter((name) => name.endsWith('.whl'));
  if (wheel === undefined || others.length > 0) throw new Error(`uv build made ${others.length + (wheel ? 1 : 0)} wheels, not one`);
  expectSuccess('uv venv', await run('uv', ['venv', '--quiet', '--python', await findPython(newestPython), venv], workDir));
  expectSuccess('uv pip install (the wheel)', await run('uv', ['pip', 'install', '--quiet', path.join(wheels, wheel)], workDir, { VIRTUAL_ENV: venv }));
  return path.join(venv, 'bin', 'python');
}
