import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ExitCode, UserError } from './errors.js';

/**
 * Writing that cannot half-happen or stray: every path is checked to stay inside its root, a new
 * project is staged beside its target and renamed into place, and each file is replaced by rename.
 */

/** A relative path with `/` separators that cannot leave the folder it is joined to. */
export function checkRelativePath(rel: string, where: string): string {
  const segments = rel.split('/');
  const bad =
    rel === '' ||
    rel.includes('\\') ||
    rel.includes('\0') ||
    path.isAbsolute(rel) ||
    segments.some((s) => s === '' || s === '.' || s === '..' || s === '.git');
  if (bad) throw new UserError(`${where} would write "${rel}", which is not a plain path inside the project`);
  return rel;
}

/**
 * The absolute path of `rel` inside `root`, refusing any existing component that is a symbolic
 * link: a link could carry a write outside the project.
 */
export function containedPath(root: string, rel: string): string {
  checkRelativePath(rel, 'a write');
  let current = root;
  for (const segment of rel.split('/')) {
    current = path.join(current, segment);
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(current);
    } catch {
      break; // the rest does not exist yet, so it cannot be a link
    }
    if (stat.isSymbolicLink()) {
      throw new UserError(`${path.relative(root, current)} is a symbolic link: steel-thread does not write through links`, ExitCode.refused);
    }
  }
  return path.join(root, rel);
}

/** The temp file a write goes through: hidden, beside its target, naming the process. */
const temporaryName = /^\..+\.steel-thread-(\d+)-[0-9a-f]{8}$/;

/** Replaces (or creates) a file by writing a temp file beside it, syncing, and renaming. */
export function writeFileAtomic(file: string, content: Buffer | string, executable: boolean): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(file)}.steel-thread-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  const fd = fs.openSync(temp, 'wx', executable ? 0o755 : 0o644);
  try {
    fs.writeFileSync(fd, content);
    fs.fchmodSync(fd, executable ? 0o755 : 0o644);
    fs.fsyncSync(fd);
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw error;
  }
  fs.closeSync(fd);
  fs.renameSync(temp, file);
}

/**
 * Removes temp files a killed run left in the folders of `paths` (a SIGKILL cannot be caught):
 * only files named as ours, of processes that are gone.
 */
export function removeStaleTemporaries(root: string, paths: string[]): void {
  for (const dir of new Set(paths.map((rel) => path.join(root, path.dirname(rel))))) {
    if (!fs.existsSync(dir)) continue;
    for (const entry of fs.readdirSync(dir)) {
      const pid = temporaryName.exec(entry)?.[1];
      if (pid && !isAlive(Number(pid))) fs.rmSync(path.join(dir, entry), { force: true });
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Every file below `dir`, as sorted relative paths with `/` separators (links listed, not followed). */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else out.push(child);
    }
  };
  walk('');
  return out.sort();
}

/** What is at the target: nothing, an empty folder, or a folder with these entries. */
export function inspectTarget(target: string): { exists: boolean; entries: string[] } {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(target);
  } catch {
    return { exists: false, entries: [] };
  }
  if (stat.isSymbolicLink()) throw new UserError(`${target} is a symbolic link: give the real folder`, ExitCode.refused);
  if (!stat.isDirectory()) throw new UserError(`${target} exists and is not a folder`, ExitCode.refused);
  return { exists: true, entries: fs.readdirSync(target).sort() };
}

/** Fails early, before any question is asked, when the target cannot be written. */
export function checkWritable(target: string): void {
  let dir = target;
  while (!fs.existsSync(dir)) dir = path.dirname(dir);
  if (!fs.statSync(dir).isDirectory()) throw new UserError(`${dir} is a file, not a folder: choose another place for the project`);
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch {
    throw new UserError(`cannot write in ${dir}: permission denied (choose a folder you can write to)`);
  }
}

/**
 * A staging folder beside `target` (same file system, so the final rename is atomic). Its name
 * marks it as ours and names the process that owns it.
 */
export function createStaging(target: string): string {
  const parent = path.dirname(target);
  fs.mkdirSync(parent, { recursive: true });
  return fs.mkdtempSync(path.join(parent, `.${path.basename(target)}.steel-thread-staging-${process.pid}-`));
}

/**
 * Puts a staged project in place. A missing or empty target is replaced by one rename, so the
 * project appears whole or not at all. A non-empty target (only with --force) receives the files
 * one atomic rename each; nothing of the target is ever deleted.
 */
export function moveIntoPlace(staging: string, target: string): void {
  const { exists, entries } = inspectTarget(target);
  if (!exists || entries.length === 0) {
    fs.renameSync(staging, target);
    return;
  }
  // Every destination is checked before the first file moves: a folder or a link in the way
  // must refuse the whole project, not stop it half-way.
  const moves = listFiles(staging).map((rel) => {
    const destination = containedPath(target, rel);
    const segments = rel.split('/');
    for (let depth = 1; depth <= segments.length; depth++) {
      const part = segments.slice(0, depth).join('/');
      const stat = fs.lstatSync(path.join(target, part), { throwIfNoEntry: false });
      if (!stat) break;
      const last = depth === segments.length;
      if (!last && !stat.isDirectory()) throw new UserError(`${part} is a file in ${target}; the project needs a folder there`, ExitCode.refused);
      if (last && stat.isDirectory()) throw new UserError(`${rel} is a folder in ${target}; a file of the project goes there`, ExitCode.refused);
    }
    return { from: path.join(staging, rel), to: destination };
  });
  for (const { from, to } of moves) {
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.renameSync(from, to);
  }
  fs.rmSync(staging, { recursive: true, force: true });
}

/** Files in `target` that `incoming` (relative paths) would overwrite. */
export function overwrittenBy(target: string, incoming: string[]): string[] {
  return incoming.filter((rel) => fs.existsSync(path.join(target, rel)));
}
