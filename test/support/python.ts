import { execa } from 'execa';
import type { Run } from './cli.js';

/**
 * Generated projects run with Debian's Python and its packages. These tests never skip: without
 * the packages they fail and say how to install them (`bash .ci/install`, as CI does).
 */
export const python = process.env.STEEL_THREAD_TEST_PYTHON ?? '/usr/bin/python3';

const needed = ['sklearn', 'pandas', 'numpy', 'pytest', 'fastapi', 'uvicorn', 'httpx', 'sqlalchemy', 'psycopg2'];
let ready: Promise<void> | undefined;

export function requirePython(): Promise<void> {
  ready ??= execa(python, ['-c', `import ${needed.join(', ')}`], { reject: false }).then((result) => {
    if (result.exitCode !== 0) {
      throw new Error(
        `${python} cannot import ${needed.join(', ')}: install Debian's packages with \`bash .ci/install\` (as root). ${result.stderr.split('\n').pop() ?? ''}`,
      );
    }
  });
  return ready;
}

/** `make TARGET` in a generated project with Debian's Python. */
export async function make(projectDir: string, target: string, env: Record<string, string> = {}): Promise<Run> {
  await requirePython();
  const result = await execa('make', [target], {
    cwd: projectDir,
    env: { PYTHON: python, ...env },
    reject: false,
    all: true,
    stdin: 'ignore',
  });
  return { code: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr, output: result.all ?? '' };
}
