import fs from 'node:fs';
import path from 'node:path';
import { blobId, fingerprint, parseFingerprint } from './fingerprint.js';
import { mergeFile, toCheckout, type MergeResult } from './git.js';
import { currentFingerprint, lstatOrNull, type Journal, type Step } from './update/journal.js';
import { besidePath } from './write.js';

/**
 * The three-way regeneration, one file at a time. For each path we know three versions: the
 * base (what was rendered last, named in the project record), the project's file now, and the
 * new render. Whoever changed a file since the base wins; both changed → git merges; nothing
 * the team wrote is ever overwritten or dropped.
 */

export type Action =
  /** Already what the new render has. */
  | 'unchanged'
  /** Untouched by the team: takes the new text. */
  | 'update'
  /** Changed by the team only: kept. */
  | 'keep'
  /** Changed by both: merged cleanly. */
  | 'merge'
  /** Changed by both: merged with conflict markers to resolve. */
  | 'conflict'
  /** New in the template. */
  | 'add'
  /** Gone from the template and untouched: removed. */
  | 'remove'
  /** Gone from the template but changed by the team: kept. */
  | 'keep-removed'
  /** Deleted by the team: stays deleted. */
  | 'stay-deleted'
  /** Cannot be merged (binary, or the team's own file where the template adds one): the template's version goes beside it. */
  | 'beside'
  /** Moved by the template, with the team's edits carried to the new path. */
  | 'rename';

export interface Outcome {
  path: string;
  action: Action;
  /** What goes to `path` (or `besidePath`), for writing actions. */
  content?: Buffer;
  executable?: boolean;
  /** For 'beside': where the template's version is written. */
  besidePath?: string;
  /** For 'rename': the old path; for a removal by rename, the new one. */
  renamed?: string;
  note?: string;
}

export interface Versions {
  projectDir: string;
  /** Rendered path → fingerprint, of the base and of the new render. */
  base: Record<string, string>;
  next: Record<string, string>;
  /** The new render's files. */
  renderDir: string;
  /** Reads a base file's content by blob id; null when the base is not stored here. */
  readBase: (blob: string) => Promise<Buffer | null>;
  /** In a repository: the blob id git would store for each project file (line endings normalised as it checks in). */
  clean?: Map<string, string>;
  labels: { ours: string; base: string; theirs: string };
}

interface Current {
  content: Buffer;
  executable: boolean;
  fingerprint: string;
}

/**
 * The project's file at `rel`, or null when absent; a link or folder is reported as not ours to
 * touch. Where git would store it otherwise (a CRLF checkout of an LF file), its fingerprint and
 * content are those git would store, so a checkout's line endings are not taken for an edit.
 */
function readCurrent(versions: Pick<Versions, 'projectDir' | 'clean'>, rel: string): Current | null | 'foreign' {
  const file = path.join(versions.projectDir, rel);
  const stat = lstatOrNull(file);
  if (!stat) return null;
  if (!stat.isFile()) return 'foreign';
  const raw = fs.readFileSync(file);
  const executable = (stat.mode & 0o100) !== 0;
  const cleanId = versions.clean?.get(rel);
  if (cleanId === undefined || cleanId === blobId(raw)) return { content: raw, executable, fingerprint: fingerprint(raw, executable) };
  const normalised = Buffer.from(raw.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
  // Another clean filter than line endings: compare by git's id, merge the bytes as they are.
  const content = blobId(normalised) === cleanId ? normalised : raw;
  return { content, executable, fingerprint: `${fingerprint(raw, executable).split(' ')[0]} ${cleanId}` };
}

const isBinary = (content: Buffer) => content.subarray(0, 8000).includes(0);

/** An exec bit changed by one side wins; changed by both, the team's stands. */
function mergeMode(base: boolean, ours: boolean, theirs: boolean): boolean {
  return ours === base ? theirs : ours;
}

/** Every line ends in CRLF. */
function allCrlf(content: Buffer): boolean {
  const text = content.toString('latin1');
  const lineFeeds = text.split('\n').length - 1;
  return lineFeeds > 0 && text.split('\r\n').length - 1 === lineFeeds;
}

/**
 * git's merge of the three versions. A file the team turned to CRLF (an editor, a Windows tool)
 * while the template's stayed LF would differ on every line: it is merged by content, as LF, and
 * the result gets the team's endings back.
 */
async function mergeTexts(ours: Buffer, base: Buffer, theirs: Buffer, labels: Versions['labels']): Promise<MergeResult> {
  if (!allCrlf(ours) || allCrlf(theirs)) return mergeFile({ ours, base, theirs }, labels);
  const lf = (content: Buffer) => Buffer.from(content.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
  const merged = await mergeFile({ ours: lf(ours), base: lf(base), theirs }, labels);
  return { ...merged, content: toCheckout(merged.content, 'crlf') };
}

async function mergeChanged(versions: Versions, rel: string, current: Current, base: string): Promise<Outcome> {
  const next = parseFingerprint(versions.next[rel] ?? '');
  const theirs = fs.readFileSync(path.join(versions.renderDir, rel));
  const baseFile = parseFingerprint(base);
  const executable = mergeMode(baseFile.executable, current.executable, next.executable);
  const baseContent = await versions.readBase(baseFile.blob);
  if (isBinary(current.content) || isBinary(theirs) || (baseContent && isBinary(baseContent))) {
    return { path: rel, action: 'beside', content: theirs, executable: next.executable, besidePath: besidePath(versions.projectDir, rel), note: 'binary: git cannot merge it' };
  }
  const merged = await mergeTexts(current.content, baseContent ?? Buffer.alloc(0), theirs, baseContent ? versions.labels : { ...versions.labels, base: 'no merge base' });
  const note = baseContent ? undefined : 'no merge base: both versions kept';
  return {
    path: rel,
    action: merged.conflicts > 0 ? 'conflict' : 'merge',
    content: merged.content,
    executable,
    ...(note ? { note } : {}),
  };
}

/** What happens to one path. */
async function planPath(versions: Versions, rel: string): Promise<Outcome> {
  const base = versions.base[rel];
  const next = versions.next[rel];
  const current = readCurrent(versions, rel);
  if (current === 'foreign') return { path: rel, action: 'keep', note: 'not a regular file: left alone' };

  const nextFile = () => ({
    content: fs.readFileSync(path.join(versions.renderDir, rel)),
    executable: parseFingerprint(next ?? '').executable,
  });

  if (base !== undefined && next !== undefined) {
    if (current === null) return { path: rel, action: 'stay-deleted', ...(base === next ? {} : { note: 'the template changed it' }) };
    if (current.fingerprint === next) return { path: rel, action: 'unchanged' };
    if (current.fingerprint === base) return { path: rel, action: 'update', ...nextFile() };
    if (base === next) return { path: rel, action: 'keep' };
    return mergeChanged(versions, rel, current, base);
  }
  if (next !== undefined) {
    if (current === null) return { path: rel, action: 'add', ...nextFile() };
    if (current.fingerprint === next) return { path: rel, action: 'unchanged' };
    const file = nextFile();
    return { path: rel, action: 'beside', ...file, besidePath: besidePath(versions.projectDir, rel), note: 'the template adds a file where you have your own' };
  }
  // Gone from the template.
  if (current === null) return { path: rel, action: 'unchanged' };
  if (current.fingerprint === base) return { path: rel, action: 'remove' };
  return { path: rel, action: 'keep-removed' };
}

/** Lines two texts share, as a share of both (0 to 1); blank lines, shared by any two texts, do not count. */
function similarity(a: Buffer, b: Buffer): number {
  const count = new Map<string, number>();
  const lines = (text: Buffer) => text.toString('utf8').split('\n').filter((line) => line.trim() !== '');
  const linesA = lines(a);
  const linesB = lines(b);
  if (linesA.length + linesB.length === 0) return 0;
  for (const line of linesA) count.set(line, (count.get(line) ?? 0) + 1);
  let shared = 0;
  for (const line of linesB) {
    const left = count.get(line) ?? 0;
    if (left > 0) {
      shared++;
      count.set(line, left - 1);
    }
  }
  return (2 * shared) / (linesA.length + linesB.length);
}

/**
 * A file the template moved (gone at one path, new at another) that the team had edited: the
 * edits follow the file to its new path, merged against the old base, instead of staying behind
 * in a file the template no longer knows.
 */
async function carryRenames(versions: Versions, outcomes: Outcome[]): Promise<void> {
  const added = outcomes.filter((o) => o.action === 'add' && o.content && !isBinary(o.content));
  for (const kept of outcomes.filter((o) => o.action === 'keep-removed')) {
    const baseContent = await versions.readBase(parseFingerprint(versions.base[kept.path] ?? '').blob);
    if (!baseContent || isBinary(baseContent)) continue;
    let best: { outcome: Outcome; score: number } | undefined;
    for (const candidate of added) {
      const score = similarity(baseContent, candidate.content ?? Buffer.alloc(0));
      if (score >= 0.5 && (!best || score > best.score)) best = { outcome: candidate, score };
    }
    if (!best) continue;
    const current = readCurrent(versions, kept.path);
    if (!current || current === 'foreign') continue;
    const merged = await mergeTexts(current.content, baseContent, best.outcome.content ?? Buffer.alloc(0), versions.labels);
    Object.assign(best.outcome, {
      action: merged.conflicts > 0 ? 'conflict' : 'rename',
      content: merged.content,
      renamed: kept.path,
      note: `moved from ${kept.path} with your edits`,
    });
    Object.assign(kept, { action: 'remove', renamed: best.outcome.path, note: `moved to ${best.outcome.path} with your edits` });
    added.splice(added.indexOf(best.outcome), 1);
  }
}

export async function planUpdate(versions: Versions): Promise<Outcome[]> {
  const paths = [...new Set([...Object.keys(versions.base), ...Object.keys(versions.next)])].sort();
  // Independent per path; their git calls (base reads, merges) run side by side.
  const outcomes = await Promise.all(paths.map((rel) => planPath(versions, rel)));
  await carryRenames(versions, outcomes);
  return outcomes;
}

/** Paths an outcome writes or removes. */
export function touchedPaths(outcome: Outcome): string[] {
  switch (outcome.action) {
    case 'update':
    case 'merge':
    case 'conflict':
    case 'add':
    case 'rename':
    case 'remove':
      return [outcome.path];
    case 'beside':
      return outcome.besidePath ? [outcome.besidePath] : [];
    default:
      return [];
  }
}

/**
 * The journal of a plan: every write first (in path order), then every removal, so a file the
 * template moved is at its new path before its old one goes; with the content of each write.
 */
export function journalOf(projectDir: string, outcomes: Outcome[], record: string): { journal: Journal; contents: Map<string, Buffer> } {
  const contents = new Map<string, Buffer>();
  const writes: Step[] = [];
  const removals: Step[] = [];
  for (const outcome of outcomes) {
    const [target] = touchedPaths(outcome);
    if (target === undefined) continue;
    const before = currentFingerprint(projectDir, target);
    if (outcome.action === 'remove') {
      removals.push({ path: target, before, after: null, action: outcome.action });
    } else if (outcome.content !== undefined) {
      const after = fingerprint(outcome.content, outcome.executable ?? false);
      contents.set(parseFingerprint(after).blob, outcome.content);
      writes.push({ path: target, before, after, action: outcome.action });
    }
  }
  const unresolved = outcomes.filter((o) => o.action === 'conflict' || o.action === 'beside').map((o) => o.path);
  return { journal: { format: 1, record, steps: [...writes, ...removals], unresolved }, contents };
}
