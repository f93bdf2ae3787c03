import { spawn } from 'node:child_process';
import { binPath } from './cli.js';

/**
 * Drives the CLI through a real pseudo-terminal (util-linux `script`), typing at its prompts the
 * way a person would: wait for the question, then send keys.
 */
export interface Terminal {
  /** Waits until the screen shows `pattern` (after what was already matched). */
  expect(pattern: RegExp, timeoutMs?: number): Promise<void>;
  send(keys: string): void;
  exited: Promise<{ code: number; screen: string }>;
}

export const keys = { enter: '\r', down: '\u001b[B', up: '\u001b[A', ctrlC: '\u0003' };

const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

export function openTerminal(args: string[], cwd: string): Terminal {
  const command = ['node', binPath, ...args].map(quote).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd,
    env: { ...process.env, TERM: 'xterm', NO_COLOR: '1', COLUMNS: '120', LINES: '40' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  let consumed = 0;
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    screen += chunk.toString('utf8');
    for (const wake of waiters) wake();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<{ code: number; screen: string }>((resolve) => {
    child.on('close', (code) => resolve({ code: code ?? -1, screen }));
  });
  return {
    exited,
    send: (text) => child.stdin.write(text),
    expect: (pattern, timeoutMs = 15_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(screen.slice(consumed));
          if (!match) return false;
          consumed += match.index + match[0].length;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`the terminal never showed ${pattern}; it shows:\n${screen.slice(consumed)}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      }),
  };
}
