import { ExitCode, UserError } from './errors.js';
import { commitIdentity, git } from './git.js';

/** After a project is written: its first commit, and --verify running its own checks. */

export interface InitResult {
  /** The commit was made under steel-thread's fallback identity (git knew none). */
  fallbackIdentity: boolean;
}

/** `git init` (on `main` unless the user chose another default) and a first commit of `files`. */
export async function initRepository(dir: string, files: string[], message: string): Promise<InitResult> {
  const configuredBranch = await git(['config', '--get', 'init.defaultBranch'], { cwd: dir, allowFailure: true });
  await git(['init', '--quiet', ...(configuredBranch ? [] : ['--initial-branch=main'])], { cwd: dir });
  return firstCommit(dir, files, message);
}

/** Whether the repository at `dir` has no commit yet (freshly made, or cloned empty). */
export async function hasNoCommit(dir: string): Promise<boolean> {
  return (await git(['rev-parse', '--verify', '--quiet', 'HEAD'], { cwd: dir, allowFailure: true })) === null;
}

/** The first commit of `files` in the repository at `dir`. */
export async function firstCommit(dir: string, files: string[], message: string): Promise<InitResult> {
  await git(['add', '--', ...files], { cwd: dir });
  const identity = await commitIdentity(dir);
  await git(['commit', '--quiet', '--no-verify', '--no-gpg-sign', '-m', message], { cwd: dir, env: identity.env });
  return { fallbackIdentity: identity.fallback };
}

export interface VerifyStep {
  command: string;
  ok: boolean;
  output: string;
}

/**
 * The steps --verify runs, in order: the project's own environment first (`make setup`), as its
 * README says, unless $PYTHON names an interpreter that already has the packages.
 */
export function verifyTargets(environment: NodeJS.ProcessEnv = process.env): string[] {
  return environment.PYTHON ? ['test', 'thread'] : ['setup', 'test', 'thread'];
}

/**
 * Runs one of the generated project's make targets (with the interpreter from $PYTHON when it
 * is set) and hands back its output.
 */
export async function verifyStep(dir: string, target: string): Promise<VerifyStep> {
  const { execa } = await import('execa');
  const result = await execa('make', [target], { cwd: dir, all: true, reject: false, stdin: 'ignore' });
  if ((result as { code?: string }).code === 'ENOENT') {
    throw new UserError('--verify needs make: install it (Debian: apt-get install make)', ExitCode.stepFailed);
  }
  return { command: `make ${target}`, ok: !result.failed, output: String(result.all ?? '') };
}
