import fs from 'node:fs';
import path from 'node:path';
import { ExitCode, fromSystemError, UserError } from '../errors.js';
import { blobId, fingerprint, parseFingerprint } from '../fingerprint.js';
import { checkRelativePath, containedPath, writeFileAtomic } from '../write.js';

/**
 * An update's journal: every change it is about to make, with the content it writes, stored
 * (outside the work tree) before the first file changes and removed after the record is
 * written. A run killed at any moment leaves either no journal and an untouched project, or a
 * journal the next run finishes: each step is recognised as done (the file is what the step
 * writes), to do (the file is what it was), or changed since (left alone). So the team's text is
 * always in a file (at its old path until the new one is written) or in the journal, never only
 * in a process's memory, and a rerun never merges an already merged file a second time.
 */

export interface Step {
  /** The project path written or removed. */
  path: string;
  /** Its fingerprint when planned: null when absent, "other" when not a plain file. */
  before: string | null;
  /** Its fingerprint once done: null for a removal. */
  after: string | null;
  /** What the summary calls it (the plan's action: update, merge, conflict, …). */
  action: string;
}

export interface Journal {
  format: 1;
  /** The project record to write once every step is done. */
  record: string;
  /** Writes first, removals after: an old path goes only once every new one is in place. */
  steps: Step[];
  /** Paths left for the team to resolve (conflicts, versions beside theirs). */
  unresolved: string[];
}

const folder = (state: string) => path.join(state, 'journal');
const manifest = (state: string) => path.join(folder(state), 'journal.json');
const object = (state: string, blob: string) => path.join(folder(state), 'objects', blob);

let moments = 0;

/**
 * Fault injection for the crash tests: with STEEL_THREAD_TEST_KILL_AT=N the process kills itself
 * with SIGKILL at the N-th moment an update is about to change something, so the tests reach
 * every moment between two changes, not only those a timer happens to hit.
 */
export function moment(): void {
  moments++;
  if (process.env.STEEL_THREAD_TEST_KILL_AT === String(moments)) process.kill(process.pid, 'SIGKILL');
}

/**
 * A path's status, or null when nothing is there, also when a file stands where a folder of the
 * path should be: the write there then fails, before any removal, with the path named.
 */
export function lstatOrNull(file: string): fs.Stats | null {
  try {
    return fs.lstatSync(file, { throwIfNoEntry: false }) ?? null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw error;
  }
}

/** A project file's fingerprint now: null when absent, "other" when a folder, link or device. */
export function currentFingerprint(projectDir: string, rel: string): string | null {
  const file = path.join(projectDir, rel);
  const stat = lstatOrNull(file);
  if (!stat) return null;
  if (!stat.isFile()) return 'other';
  return fingerprint(fs.readFileSync(file), (stat.mode & 0o100) !== 0);
}

function syncFolder(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Stores a journal: each content under its blob id, then the manifest, synced and renamed into
 * place last, so a journal exists whole or not at all.
 */
export function writeJournal(state: string, journal: Journal, contents: Map<string, Buffer>): void {
  fs.rmSync(folder(state), { recursive: true, force: true });
  fs.mkdirSync(path.join(folder(state), 'objects'), { recursive: true });
  // Not synced one by one: each is checked against its id before use, so one a power cut spoiled
  // is refused rather than written, and a kill (the case that matters most) loses nothing.
  for (const [blob, content] of contents) fs.writeFileSync(object(state, blob), content);
  moment();
  writeFileAtomic(manifest(state), JSON.stringify(journal), false);
  syncFolder(folder(state));
}

/** The journal of an update that did not finish, or null. A folder without its manifest is a run killed before its first change: swept. */
export function readJournal(state: string): Journal | null {
  if (!fs.existsSync(manifest(state))) {
    fs.rmSync(folder(state), { recursive: true, force: true });
    return null;
  }
  let journal: Journal;
  try {
    journal = JSON.parse(fs.readFileSync(manifest(state), 'utf8')) as Journal;
    if (journal.format !== 1 || typeof journal.record !== 'string' || !Array.isArray(journal.steps)) throw new Error('not a journal');
    for (const step of journal.steps) checkRelativePath(step.path, 'the journal');
  } catch {
    throw new UserError(`the journal of an interrupted update is unreadable: remove ${folder(state)} and run update again`, ExitCode.refused);
  }
  return journal;
}

export function removeJournal(state: string): void {
  moment();
  fs.rmSync(folder(state), { recursive: true, force: true });
}

/** One line for a failed write, naming the project path (never a temp file's). */
function writeFailed(rel: string, error: unknown): UserError {
  // Files may already be written: whatever the cause, this is exit 4, a step failed part-way.
  if (error instanceof UserError) {
    return new UserError(`update stopped part-way at ${rel}: ${error.message}. Nothing of yours was removed; fix that, then run update again to finish`, ExitCode.stepFailed);
  }
  const { code } = error as NodeJS.ErrnoException;
  // mkdir meets a file where a folder of the path goes as EEXIST; the user's words are the same.
  const known = fromSystemError(code === 'EEXIST' ? { code: 'ENOTDIR' } : error);
  const reason = known ? known.message.replace(/^cannot write .*?: /, '') : `the file system refused it${code ? ` (${code})` : ''}`;
  return new UserError(
    `update stopped part-way: cannot write ${rel} (${reason}). Nothing of yours was removed; fix that, then run update again to finish`,
    ExitCode.stepFailed,
  );
}

/**
 * Carries out a journal's steps (each file replaced by rename, so every file is old or new), then
 * writes the record. Returns the paths left alone because they changed since the plan.
 */
export function applyJournal(projectDir: string, state: string, journal: Journal, recordPath: string): string[] {
  const left: string[] = [];
  for (const step of journal.steps) {
    const now = currentFingerprint(projectDir, step.path);
    if (now === step.after) continue;
    if (now !== step.before || (step.after === null && left.length > 0)) {
      // Changed since the plan, or a removal after a write was left: the old path may hold the only copy.
      left.push(step.path);
      continue;
    }
    moment();
    try {
      const target = containedPath(projectDir, step.path);
      if (step.after === null) {
        fs.rmSync(target, { force: true });
        removeEmptyFolders(projectDir, path.dirname(target));
      } else {
        const { blob, executable } = parseFingerprint(step.after);
        const content = fs.readFileSync(object(state, blob));
        if (blobId(content) !== blob) throw new UserError(`the journal's copy is damaged, so the file is left as it was (remove ${folder(state)} to start the update afresh)`);
        writeFileAtomic(target, content, executable);
      }
    } catch (error) {
      throw writeFailed(step.path, error);
    }
  }
  const recordNow = fs.existsSync(recordPath) ? fs.readFileSync(recordPath, 'utf8') : null;
  if (recordNow !== journal.record) {
    moment();
    writeFileAtomic(recordPath, journal.record, false);
  }
  return left;
}

/** Removes `dir` and its parents while they are empty, stopping at the project. */
function removeEmptyFolders(projectDir: string, dir: string): void {
  let current = dir;
  while (current !== projectDir && current.startsWith(projectDir + path.sep) && fs.readdirSync(current).length === 0) {
    fs.rmdirSync(current);
    current = path.dirname(current);
  }
}
