import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ExitCode, systemReason, UserError } from './errors.js';
import { fingerprint } from './fingerprint.js';

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

/**
 * What is at the target: nothing, or a folder with these entries. A repository with nothing
 * else (`git init`, or a clone of an empty repository) counts as empty: `git` says it is there.
 */
export function inspectTarget(target: string): { exists: boolean; entries: string[]; git: boolean } {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(target);
  } catch {
    return { exists: false, entries: [], git: false };
  }
  if (stat.isSymbolicLink()) throw new UserError(`${target} is a symbolic link: give the real folder`, ExitCode.refused);
  if (!stat.isDirectory()) throw new UserError(`${target} exists and is not a folder`, ExitCode.refused);
  const entries = fs.readdirSync(target).sort();
  return { exists: true, entries: entries.filter((entry) => entry !== '.git'), git: entries.includes('.git') };
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

/** A staging folder's name: hidden, marked as ours, naming the process that owns it. */
const stagingName = /\.steel-thread-staging-(\d+)-[0-9a-f]{8}$/;

/**
 * A staging folder on the same file system as `target`, so that moving the project in is a
 * rename: beside a target that does not exist yet (the whole folder is renamed into place), inside
 * one that exists (only its contents move, and only the target needs to be writable). Made with
 * mkdir, not mkdtemp, so that its mode follows the umask like any folder the user makes. Staging
 * folders a killed run left (their process is gone) are removed first.
 */
export function createStaging(target: string, exists: boolean): string {
  const parent = exists ? target : path.dirname(target);
  const prefix = exists ? '' : `.${path.basename(target)}`;
  let made: string | undefined;
  try {
    made = fs.mkdirSync(parent, { recursive: true });
    removeStaleStaging(parent, prefix);
    const staging = path.join(parent, `${prefix}.steel-thread-staging-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
    fs.mkdirSync(staging, { mode: 0o777 });
    return staging;
  } catch (error) {
    // Nothing of the project exists yet: leave no folder of ours, and name the target, never the staging folder.
    if (made) fs.rmSync(made, { recursive: true, force: true });
    const reason = systemReason(error) ?? `the system refused (${(error as NodeJS.ErrnoException).code ?? 'an unknown error'})`;
    throw new UserError(`cannot make the project in ${parent}: ${reason}; choose another folder`);
  }
}

/** Removes the staging folders named `<prefix>.steel-thread-staging-…` in `parent` whose process is gone. */
function removeStaleStaging(parent: string, prefix: string): string[] {
  const stale = fs.readdirSync(parent).filter((entry) => {
    const pid = stagingName.exec(entry)?.[1];
    return pid !== undefined && entry.startsWith(`${prefix}.steel-thread-staging-`) && !isAlive(Number(pid));
  });
  for (const entry of stale) fs.rmSync(path.join(parent, entry), { recursive: true, force: true });
  return stale;
}

/**
 * While files move into an existing folder, this file in it lists them with their fingerprints
 * (and the folders and repository the move creates), so that after a kill the next run can tell
 * exactly which files are its own.
 */
export const movingFileName = '.steel-thread-moving.json';

interface MovingRecord {
  files: Record<string, string>;
  folders: string[];
  git: boolean;
}

/** A file of the project that went beside the team's file of the same name. */
export interface Beside {
  path: string;
  beside: string;
}

/**
 * A free name beside `rel` for the template's version: "ci.yml" → "ci.yml.from-template". The
 * ending makes it inert: no test runner collects it, no CI runs it, no import finds it.
 */
export function besidePath(root: string, rel: string, taken: ReadonlySet<string> = new Set()): string {
  for (let n = 1; ; n++) {
    const candidate = `${rel}.from-template${n > 1 ? `-${n}` : ''}`;
    if (!taken.has(candidate) && !fs.existsSync(path.join(root, candidate))) return candidate;
  }
}

/** Where each staged file goes in an existing `target`: its own path, or beside a file already there. */
function planMoves(staging: string, target: string): { rel: string; destination: string }[] {
  const taken = new Set<string>();
  return listFiles(staging)
    .filter((rel) => !rel.startsWith('.git/'))
    .map((rel) => {
      containedPath(target, rel);
      const segments = rel.split('/');
      for (let depth = 1; depth < segments.length; depth++) {
        const part = segments.slice(0, depth).join('/');
        const stat = fs.lstatSync(path.join(target, part), { throwIfNoEntry: false });
        if (!stat) break;
        if (!stat.isDirectory()) throw new UserError(`${part} is a file in ${target}; the project needs a folder there`, ExitCode.refused);
      }
      const existing = fs.lstatSync(path.join(target, rel), { throwIfNoEntry: false });
      if (existing?.isDirectory()) throw new UserError(`${rel} is a folder in ${target}; a file of the project goes there`, ExitCode.refused);
      const destination = existing ? besidePath(target, rel, taken) : rel;
      taken.add(destination);
      return { rel, destination };
    });
}

/**
 * Puts a staged project in place and says which files went beside the team's. A missing target
 * is replaced by one rename, so the project appears whole or not at all. An existing folder (the
 * current one, say) is never replaced: the files move in one rename each, `last` the very last;
 * a file of the team's is never overwritten (the project's version goes beside it), and nothing
 * is deleted. The moving record in the folder lets the next run recognise a part-finished move.
 */
export function moveIntoPlace(staging: string, target: string, last: string): Beside[] {
  if (!fs.existsSync(target)) {
    fs.renameSync(staging, target);
    return [];
  }
  // Every destination is checked before the first file moves: a folder or a link in the way
  // must refuse the whole project, not stop it half-way.
  const moves = planMoves(staging, target).sort((a, b) => Number(a.rel === last) - Number(b.rel === last));
  const ownGit = fs.existsSync(path.join(staging, '.git'));
  const folders = [...new Set(moves.flatMap(({ destination }) => ancestors(destination)))].filter((dir) => !fs.existsSync(path.join(target, dir)));
  const moving: MovingRecord = {
    files: Object.fromEntries(moves.map(({ rel, destination }) => [destination, fileFingerprint(path.join(staging, rel))])),
    folders,
    git: ownGit,
  };
  const movingPath = path.join(target, movingFileName);
  writeFileAtomic(movingPath, `${JSON.stringify(moving, null, 2)}\n`, false);
  for (const { rel, destination } of moves) {
    // The repository goes in just before the last file (the record), which it already holds.
    if (rel === last && ownGit) fs.renameSync(path.join(staging, '.git'), path.join(target, '.git'));
    const to = path.join(target, destination);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.renameSync(path.join(staging, rel), to);
  }
  // The record of the move goes last: until it does, a rerun sees an unfinished move and tidies.
  fs.rmSync(staging, { recursive: true, force: true });
  fs.rmSync(movingPath);
  return moves.filter(({ rel, destination }) => rel !== destination).map(({ rel, destination }) => ({ path: rel, beside: destination }));
}

/** "a/b/c.txt" → ["a", "a/b"]. */
const ancestors = (rel: string) => rel.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'));

const fileFingerprint = (file: string) => {
  const stat = fs.lstatSync(file);
  return fingerprint(fs.readFileSync(file), (stat.mode & 0o111) !== 0);
};

/**
 * What a killed `new` left in an existing `target`: its staging folder, and the files it had
 * moved in (each removed only if its content is still what was moved), the folders and the
 * repository the move made, and its record of the move. Returns what it removed.
 */
export function removeInterruptedNew(target: string): string[] {
  const removed = removeStaleStaging(target, '');
  removeStaleTemporaries(target, [movingFileName]); // killed while writing the record of the move
  const movingPath = path.join(target, movingFileName);
  let moving: MovingRecord;
  try {
    moving = JSON.parse(fs.readFileSync(movingPath, 'utf8')) as MovingRecord;
  } catch {
    return removed;
  }
  for (const [rel, expected] of Object.entries(moving.files ?? {})) {
    const file = containedPath(target, checkRelativePath(rel, movingFileName));
    const stat = fs.lstatSync(file, { throwIfNoEntry: false });
    if (!stat?.isFile() || fileFingerprint(file) !== expected) continue;
    fs.rmSync(file);
    removed.push(rel);
  }
  for (const dir of [...(moving.folders ?? [])].sort().reverse()) {
    const folder = containedPath(target, checkRelativePath(dir, movingFileName));
    if (fs.statSync(folder, { throwIfNoEntry: false })?.isDirectory() && fs.readdirSync(folder).length === 0) fs.rmdirSync(folder);
  }
  if (moving.git === true && fs.existsSync(path.join(target, '.git'))) {
    fs.rmSync(path.join(target, '.git'), { recursive: true, force: true });
    removed.push('.git/');
  }
  fs.rmSync(movingPath);
  return removed.sort();
}

/** Files in `target` that `incoming` (relative paths) would meet: the project's versions go beside them. */
export function presentIn(target: string, incoming: string[]): string[] {
  return incoming.filter((rel) => fs.existsSync(path.join(target, rel)));
}
