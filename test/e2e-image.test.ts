import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { generate, tempDir } from './support/cli.js';
import { findPython, make, setup, slow } from './support/python.js';
import { freePort } from './support/net.js';

/**
 * The API image's steps, without Docker (which cannot run here): the rendered Dockerfile is read
 * and followed, instruction by instruction, in a folder standing for the image's WORKDIR. Its
 * COPY lines build that folder from the project (each source let through .dockerignore), its
 * `uv sync` lines install from the committed uv.lock into a fresh environment, its ENV lines
 * set the environment (WORKDIR and the virtualenv mapped to the folders here), and its CMD
 * serves, with a model store copied in as the release workflow mounts one.
 */

interface Instruction {
  keyword: string;
  args: string;
}

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
    .map((line) => {
      const [, keyword = '', args = ''] = /^\s*(\S+)\s+(.*)$/.exec(line) ?? [];
      return { keyword: keyword.toUpperCase(), args: args.trim() };
    });
}

/** `ENV A=1 B=2`'s pairs (the form the Dockerfile uses: no quotes, no spaces in values). */
const envPairs = (args: string) => args.split(/\s+/).map((pair) => pair.split('=', 2) as [string, string]);

describe('the API image’s install and entry steps, outside Docker', () => {
  let service: ChildProcess | undefined;
  afterAll(() => {
    service?.kill('SIGKILL');
  });

  it('installs from uv.lock alone into a fresh environment, then serves the mounted store’s live model on the image’s CMD, and stops cleanly', async () => {
    const project = await generate(tempDir(), 'imagedemo', ['--delivery', 'api']);
    await setup(project); // writes uv.lock, which the image installs from
    const thread = await make(project, 'thread'); // a model store, as the release workflow makes one
    expect(thread.code, thread.output).toBe(0);

    const steps = instructions(fs.readFileSync(path.join(project, 'Dockerfile'), 'utf8'));
    const allowed = fs.readFileSync(path.join(project, '.dockerignore'), 'utf8').split('\n').filter((line) => line.startsWith('!')).map((line) => line.slice(1));
    const base = steps.find((step) => step.keyword === 'FROM')!.args;
    const pythonVersion = /^python:(\d+\.\d+)/.exec(base)?.[1];
    expect(pythonVersion, base).toBeDefined();

    const work = tempDir();
    const app = path.join(work, 'app');
    const venv = path.join(tempDir(), 'environment'); // fresh, outside the folder
    fs.mkdirSync(app);
    const workdirs = steps.filter((step) => step.keyword === 'WORKDIR').map((step) => step.args);
    expect(workdirs).toHaveLength(1);
    const workdir = workdirs[0]!;
    let virtualEnv = '';
    // Paths inside the image, as they are here: the environment first (it lies under WORKDIR).
    const here = (text: string) => (virtualEnv ? text.split(virtualEnv).join(venv) : text).split(workdir).join(app);
    // This machine's environment (its package index and certificates reach uv), less what would
    // choose the interpreter or the packages behind the steps' back.
    const chooses = new Set(['VIRTUAL_ENV', 'PYTHON', 'PYTHONPATH', 'UV_PYTHON', 'UV_PROJECT_ENVIRONMENT']);
    const machine = Object.fromEntries(Object.entries(process.env).filter(([name]) => !chooses.has(name)));
    const env: Record<string, string | undefined> = {
      ...machine,
      UV_PYTHON: await findPython(pythonVersion!),
      UV_PYTHON_DOWNLOADS: 'never',
      UV_PROJECT_ENVIRONMENT: venv,
    };
    let command: string[] = [];
    const installs: string[] = [];
    for (const { keyword, args } of steps) {
      if (keyword === 'ENV') {
        for (const [name, value] of envPairs(args)) {
          if (name === 'VIRTUAL_ENV') virtualEnv = value;
          env[name] = here(value).replace('$PATH', process.env.PATH ?? '');
        }
      } else if (keyword === 'COPY' && !args.startsWith('--from')) {
        const parts = args.split(/\s+/);
        const target = path.join(app, parts.at(-1)!);
        for (const source of parts.slice(0, -1)) {
          expect(allowed, `.dockerignore lets ${source} into the build context`).toContain(source);
          const from = path.join(project, source);
          // A folder's contents go into the target; a file goes into it by its own name.
          fs.cpSync(from, fs.statSync(from).isDirectory() ? target : path.join(target, path.basename(source)), { recursive: true });
        }
      } else if (keyword === 'RUN' && args.startsWith('uv sync')) {
        installs.push(args);
        const run = await execa('sh', ['-c', args], { cwd: app, env, extendEnv: false, reject: false, all: true });
        expect(run.exitCode, `${args}:\n${run.all}`).toBe(0);
      } else if (keyword === 'CMD') command = JSON.parse(args) as string[];
    }
    expect(installs.length).toBeGreaterThan(0);
    for (const install of installs) expect(install).toMatch(/^uv sync --frozen --no-dev\b/);
    expect(fs.existsSync(path.join(app, 'models')), 'the image holds no model').toBe(false);
    expect(env.PATH?.split(':')[0], 'the image finds the environment’s python first').toBe(path.join(venv, 'bin'));
    const installed = await execa(path.join(venv, 'bin', 'python'), ['-c', 'import imagedemo; print(imagedemo.__file__)'], { cwd: work, env, extendEnv: false });
    expect(installed.stdout, 'installed into the environment, not run from src/').toContain(path.join(venv, 'lib'));

    fs.cpSync(path.join(project, 'models'), path.join(app, 'models'), { recursive: true });
    const port = await freePort();
    const [program, ...args] = command;
    expect(program).toBe('python');
    const output: Buffer[] = [];
    // The environment's python, found on the image's PATH; loopback here, where the image says 0.0.0.0.
    service = spawn(program!, args, { cwd: app, env: { ...env, HOST: '127.0.0.1', PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    service.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
    service.stderr?.on('data', (chunk: Buffer) => output.push(chunk));
    const exited = new Promise<number | null>((resolve) => service!.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGTERM' ? 0 : -1))));
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    let health: Response | undefined;
    while (!health?.ok) {
      if (service.exitCode !== null || Date.now() > deadline) throw new Error(`the service did not start:\n${Buffer.concat(output).toString()}`);
      health = await fetch(`${url}/health`).catch(() => undefined);
      if (!health?.ok) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const { model_version: served } = (await health.json()) as { model_version: string };
    expect(served, 'the store’s trained model, not the constant one').not.toMatch(/^constant-/);

    const example = fs.readFileSync(path.join(app, 'contract', 'example-request.json'), 'utf8');
    const answer = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: example, signal: AbortSignal.timeout(30_000) });
    expect(answer.status, await answer.clone().text()).toBe(200);
    const prediction = (await answer.json()) as { score: number; model_version: string };
    expect(prediction.model_version).toBe(served);
    expect(prediction.score).toBeGreaterThanOrEqual(0);
    expect(prediction.score).toBeLessThanOrEqual(1);

    service.kill('SIGTERM');
    expect(await exited, Buffer.concat(output).toString()).toBe(0);
    expect(Buffer.concat(output).toString()).not.toContain('Traceback');
    expect(fs.readFileSync(path.join(app, 'records', 'predictions.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
  }, slow);
});
