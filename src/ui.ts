/**
 * Terminal output, under one colour rule for our own lines and the interview's prompts alike:
 * `NO_COLOR` (https://no-color.org) turns colour off, `FORCE_COLOR` turns it on (`0` or `false`
 * off), otherwise colour only on a terminal whose TERM is not dumb. Progress and results go to
 * stdout; errors to stderr.
 */

export function useColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  const { NO_COLOR, FORCE_COLOR, TERM } = process.env;
  if (NO_COLOR !== undefined && NO_COLOR !== '') return false;
  if (FORCE_COLOR !== undefined) return FORCE_COLOR !== '0' && FORCE_COLOR !== 'false';
  return Boolean(stream.isTTY) && TERM !== 'dumb';
}

const paint = (open: number, close: number) => (text: string, stream: NodeJS.WriteStream = process.stdout) =>
  useColor(stream) ? `\u001b[${open}m${text}\u001b[${close}m` : text;

export const bold = paint(1, 22);
export const dim = paint(2, 22);
export const green = paint(32, 39);
export const yellow = paint(33, 39);
export const red = paint(31, 39);

export function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export function warn(line: string): void {
  process.stderr.write(`${yellow('warning:', process.stderr)} ${line}\n`);
}

export function sayError(line: string, details?: string): void {
  process.stderr.write(`${red('error:', process.stderr)} ${line}\n`);
  if (details) process.stderr.write(`${details.trimEnd()}\n`);
}

/** A list of paths, indented, at most `limit` shown. */
export function sayList(paths: string[], limit = 20, write: (line: string) => void = say): void {
  for (const p of paths.slice(0, limit)) write(`  ${p}`);
  if (paths.length > limit) write(`  … and ${paths.length - limit} more`);
}

/** A path as a POSIX shell reads it back: as it is when plain, else in single quotes. */
export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

const spinner = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * A slow step (git, --verify), so that a wait of seconds is never silent: on a terminal a line
 * that turns while it runs and shows the seconds taken; elsewhere (logs, CI) one plain line
 * before it starts, so output stays the same from run to run.
 */
export async function progress<T>(label: string, work: () => Promise<T>): Promise<T> {
  if (!process.stdout.isTTY) {
    say(`${label} …`);
    return work();
  }
  const started = Date.now();
  let frame = 0;
  const draw = () => {
    const seconds = Math.floor((Date.now() - started) / 1000);
    process.stdout.write(`\r\u001b[2K${spinner[frame++ % spinner.length]} ${label} ${dim(`${seconds} s`)}`);
  };
  draw();
  const timer = setInterval(draw, 100);
  try {
    return await work();
  } finally {
    clearInterval(timer);
    process.stdout.write(`\r\u001b[2K${label} ${dim(`(${((Date.now() - started) / 1000).toFixed(1)} s)`)}\n`);
  }
}
