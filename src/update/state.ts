import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExitCode, UserError } from '../errors.js';
import type { WorkTree } from '../git.js';

/**
 * Where `update` keeps what is its own while it runs (the lock, the journal): never in the team's
 * work tree, so it can dirty no diff and no commit. In a repository that is a folder in git's own
 * directory, one per project (a repository may hold several); without one, a folder in the user's
 * state directory named by the project's path.
 */
export function stateDir(projectDir: string, repository: WorkTree | null): string {
  const key = (text: string) => crypto.createHash('sha1').update(text).digest('hex').slice(0, 16);
  if (repository) return path.join(repository.gitDir, 'steel-thread', repository.prefix === '' ? 'root' : key(repository.prefix));
  const stateHome = process.env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  return path.join(stateHome, 'steel-thread', key(projectDir));
}

/** Whether a process of this machine is running (one we may not signal is running too). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** When this machine booted, to the minute: a lock from before a reboot is stale whatever its pid. */
const bootMinute = () => Math.round((Date.now() - os.uptime() * 1000) / 60_000);

interface LockHolder {
  pid: number;
  host: string;
  boot: number;
}

function readHolder(file: string): LockHolder | null {
  try {
    const holder = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockHolder>;
    return typeof holder.pid === 'number' && typeof holder.host === 'string' && typeof holder.boot === 'number' ? (holder as LockHolder) : null;
  } catch {
    return null;
  }
}

/** A holder that can no longer be running: its process is gone, or the machine rebooted since. */
function isStale(holder: LockHolder | null): boolean {
  if (!holder) return true; // written whole by link, so unreadable means not ours to respect
  if (holder.host !== os.hostname()) return false;
  return Math.abs(holder.boot - bootMinute()) > 1 || !isAlive(holder.pid);
}

/**
 * Takes the project's update lock, or refuses (exit 3) while another update holds it. The lock
 * file appears whole or not at all (written aside, then hard-linked into place, which fails if
 * it exists). A lock whose process is gone is taken over: moved aside by rename (atomic, so two
 * takers cannot both win), checked to be the stale one, and removed. Returns the release.
 */
export function acquireLock(dir: string): () => void {
  fs.mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, 'update.lock');
  const mine = `${lock}.${process.pid}`;
  fs.writeFileSync(mine, JSON.stringify({ pid: process.pid, host: os.hostname(), boot: bootMinute() }));
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        fs.linkSync(mine, lock);
        return () => {
          if (readHolder(lock)?.pid === process.pid) fs.rmSync(lock, { force: true });
          // Leaves git's folder as it found it when nothing else of ours is there.
          for (const emptied of [dir, path.dirname(dir)]) {
            try {
              fs.rmdirSync(emptied);
            } catch {
              break; // not empty: a journal, or another project's folder
            }
          }
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = readHolder(lock);
      if (!isStale(holder)) {
        throw new UserError(
          `another steel-thread update (process ${holder?.pid}${holder?.host === os.hostname() ? '' : ` on ${holder?.host}`}) is working on this project: wait for it to finish, then run update again`,
          ExitCode.refused,
        );
      }
      const aside = `${lock}.stale-${process.pid}`;
      try {
        fs.renameSync(lock, aside);
      } catch {
        continue; // another taker moved it first
      }
      const moved = readHolder(aside);
      // Between reading and moving, another taker may have put a live lock there: put it back.
      if (!isStale(moved)) {
        try {
          fs.linkSync(aside, lock);
        } catch {
          // A third process holds the lock now; ours is refused on the next attempt.
        }
      }
      fs.rmSync(aside, { force: true });
    }
    throw new UserError('another steel-thread update is working on this project: wait for it to finish, then run update again', ExitCode.refused);
  } finally {
    fs.rmSync(mine, { force: true });
  }
}

/** Temp folders of ours in the system's temp folder, named with the process that made them. */
const temporaryFolder = /^steel-thread-(?:render|merge|index)-(\d+)-/;

/** A temp folder named for this process, so a later run can tell a killed run's leftovers. */
export function makeTemporaryFolder(kind: 'render' | 'merge' | 'index'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `steel-thread-${kind}-${process.pid}-`));
}

/** Removes temp folders of ours whose process is gone (a SIGKILL leaves them; nothing else does). */
export function sweepTemporaryFolders(): void {
  let entries: string[];
  try {
    entries = fs.readdirSync(os.tmpdir());
  } catch {
    return;
  }
  for (const entry of entries) {
    const pid = temporaryFolder.exec(entry)?.[1];
    if (!pid || Number(pid) === process.pid || isAlive(Number(pid))) continue;
    try {
      fs.rmSync(path.join(os.tmpdir(), entry), { recursive: true, force: true });
    } catch {
      // Another user's, in a shared temp folder: theirs to sweep.
    }
  }
}
