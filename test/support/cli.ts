import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const binPath = path.join(repoRoot, 'bin', 'steel-thread.js');
export const templatesDir = path.join(repoRoot, 'templates');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  output: string;
}

/** A git identity for tests' own commits, without touching any git config. */
export const gitIdentity = {
  GIT_AUTHOR_NAME: 'test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
};

/** Runs the built CLI without a terminal (stdin is empty), as CI and scripts do. */
export async function steelThread(args: string[], options: { cwd: string; env?: Record<string, string | undefined> }): Promise<Run> {
  const result = await execa('node', [binPath, ...args], {
    cwd: options.cwd,
    env: { NO_COLOR: '1', ...options.env },
    stdin: 'ignore',
    reject: false,
    all: true,
  });
  return { code: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr, output: result.all ?? '' };
}

/** A fresh temp folder, removed when the test process exits. */
export function tempDir(prefix = 'steel-thread-test-'): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Generates a project with `new … --yes --no-git` and returns its folder; fails the test if `new` fails. */
export async function generate(parent: string, name: string, args: string[] = [], env?: Record<string, string>): Promise<string> {
  const run = await steelThread(['new', name, '--yes', '--no-git', ...args], { cwd: parent, ...(env ? { env } : {}) });
  if (run.code !== 0) throw new Error(`steel-thread new failed (${run.code}):\n${run.output}`);
  return path.join(parent, name);
}
