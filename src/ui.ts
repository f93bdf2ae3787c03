/**
 * Terminal output. Colour only on a terminal, never with NO_COLOR (https://no-color.org) or a
 * dumb TERM. Progress and results go to stdout; errors to stderr.
 */

const useColor = (stream: NodeJS.WriteStream) =>
  Boolean(stream.isTTY) && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '') && process.env.TERM !== 'dumb';

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
