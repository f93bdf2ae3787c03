import fs from 'node:fs';
import path from 'node:path';
import { ExitCode, UserError } from './errors.js';
import { modeOf, parseFingerprint } from './fingerprint.js';
import type { RenderedFile } from './render/index.js';
import { makeTemporaryFolder } from './update/state.js';

/**
 * Git, through execa, imported only when git is used (it is the costliest import we have).
 * Failures are reported with git's own output, never swallowed.
 */

interface GitOptions {
  cwd: string;
  input?: string | Buffer;
  env?: Record<string, string>;
  /** Return null instead of throwing when git exits non-zero. */
  allowFailure?: boolean;
  encoding?: 'utf8' | 'buffer';
}

export async function git(args: string[], options: GitOptions & { encoding: 'buffer' }): Promise<Buffer | null>;
export async function git(args: string[], options: GitOptions): Promise<string | null>;
export async function git(args: string[], options: GitOptions): Promise<string | Buffer | null> {
  const { execa } = await import('execa');
  const result = await execa('git', args, {
    cwd: options.cwd,
    env: { GIT_TERMINAL_PROMPT: '0', ...options.env },
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
    reject: false,
    stripFinalNewline: options.encoding !== 'buffer',
    ...(options.encoding === 'buffer' ? { encoding: 'buffer' as const } : {}),
  });
  if (result.failed) {
    if ((result as { code?: string }).code === 'ENOENT') throw new GitMissing();
    if (options.allowFailure) return null;
    const output = [result.stderr, result.stdout].map(String).join('\n').trim();
    throw new UserError(`git ${args[0]} failed (exit ${result.exitCode ?? '?'})`, ExitCode.stepFailed, output);
  }
  return options.encoding === 'buffer' ? Buffer.from(result.stdout as Uint8Array) : String(result.stdout);
}

export class GitMissing extends UserError {
  constructor() {
    super('git is not installed: install it (Debian: apt-get install git), or pass --no-git to new', ExitCode.usage);
  }
}

/**
 * Where `dir` sits in a git work tree: the tree's top folder, `dir`'s path inside it ("" or
 * "sub/"), and the repository's own folder (where update keeps its lock and journal).
 */
export interface WorkTree {
  root: string;
  prefix: string;
  gitDir: string;
}

/** The work tree holding `dir`, or null outside one (also when git is not installed). */
export async function workTree(dir: string): Promise<WorkTree | null> {
  try {
    // The way up ("../../") holds no line break whatever the folders' names, so the rest of the
    // output is the git folder even if its path holds one.
    const out = await git(['rev-parse', '--is-inside-work-tree', '--show-cdup', '--absolute-git-dir'], { cwd: dir, allowFailure: true });
    const [inside, cdup = '', ...gitDir] = out?.split('\n') ?? [];
    if (inside !== 'true') return null; // outside, inside .git itself, or a bare repository
    const root = fs.realpathSync(path.resolve(dir, cdup));
    const here = fs.realpathSync(dir);
    const prefix = here === root ? '' : `${path.relative(root, here).split(path.sep).join('/')}/`;
    return { root, prefix, gitDir: gitDir.join('\n') };
  } catch (error) {
    if (error instanceof GitMissing) return null;
    throw error;
  }
}

/** The identity our own bookkeeping commits use: always the same, so they never need a user's config. */
const toolIdentity = {
  GIT_AUTHOR_NAME: 'steel-thread',
  GIT_AUTHOR_EMAIL: 'steel-thread@localhost',
  GIT_COMMITTER_NAME: 'steel-thread',
  GIT_COMMITTER_EMAIL: 'steel-thread@localhost',
};

/**
 * The identity for the project's first commit: the user's own if git knows one, else a clearly
 * named fallback (`fallback: true`), so the commit still happens on a fresh machine.
 */
export async function commitIdentity(cwd: string): Promise<{ env: Record<string, string>; fallback: boolean }> {
  const name = await git(['config', 'user.name'], { cwd, allowFailure: true });
  const email = await git(['config', 'user.email'], { cwd, allowFailure: true });
  const fromEnv = (key: string) => process.env[key];
  const hasName = Boolean(name || (fromEnv('GIT_AUTHOR_NAME') && fromEnv('GIT_COMMITTER_NAME')));
  const hasEmail = Boolean(email || (fromEnv('GIT_AUTHOR_EMAIL') && fromEnv('GIT_COMMITTER_EMAIL')));
  return hasName && hasEmail ? { env: {}, fallback: false } : { env: toolIdentity, fallback: true };
}

/* ---------------------------------------------------------------------------------------------
 * Merge bases. Each render that becomes a project's base is committed (tree only, never checked
 * out) under one ref of our own, each commit the child of the one before. The chain keeps every
 * base reachable, so `git gc` never prunes them and `git push origin 'refs/steel-thread/*'`
 * carries them to other clones. The record names each base file by blob id; this reads it back.
 * ------------------------------------------------------------------------------------------- */

export const basesRef = 'refs/steel-thread/bases';

/**
 * Stores a render (its files in `renderDir`, with their fingerprints) as a base in the
 * repository holding `projectDir`.
 */
export async function storeBase(
  projectDir: string,
  tree: Pick<WorkTree, 'root' | 'prefix'> & Partial<Pick<WorkTree, 'gitDir'>>,
  renderDir: string,
  rendered: RenderedFile[],
  fingerprints: Record<string, string>,
  label: string,
): Promise<void> {
  const files = rendered.map((file) => ({ ...file, blob: parseFingerprint(fingerprints[file.path] ?? '').blob }));
  const tempDir = makeTemporaryFolder('index');
  try {
    const env = { ...toolIdentity, GIT_INDEX_FILE: path.join(tempDir, 'index') };
    // Paths go to git relative to the render (whose own files have no line breaks) and NUL
    // separated, so a project or render folder with a line break in its path cannot split one.
    const gitDir = tree.gitDir ?? (await git(['rev-parse', '--absolute-git-dir'], { cwd: projectDir })) ?? '';
    // Writing the blobs, listing them in a temp index and finding the last base are independent.
    const [ids, , previous] = await Promise.all([
      git(['--git-dir', gitDir, 'hash-object', '-w', '--no-filters', '--stdin-paths'], { cwd: renderDir, input: files.map((file) => file.path).join('\n') }),
      git(['update-index', '-z', '--add', '--index-info'], {
        cwd: projectDir,
        env,
        input: files.map((file) => `${modeOf(file.executable)} ${file.blob}\t${tree.prefix}${file.path}\0`).join(''),
      }),
      // The last base and its tree (this fails, harmlessly, before the first base).
      git(['log', '-1', '--format=%H%n%T', basesRef, '--'], { cwd: projectDir, allowFailure: true }),
    ]);
    (ids ?? '').split('\n').forEach((id, i) => {
      if (id !== files[i]?.blob) throw new UserError(`git stored ${files[i]?.path} under another id than expected`, ExitCode.stepFailed);
    });
    const treeId = (await git(['write-tree'], { cwd: projectDir, env })) ?? '';
    const [parent, parentTree] = previous?.split('\n') ?? [];
    if (parentTree === treeId) return;
    const message = `steel-thread base: ${tree.prefix || './'} from ${label}`;
    const commit = await git(['commit-tree', treeId, ...(parent ? ['-p', parent] : []), '-m', message], { cwd: projectDir, env });
    await git(['update-ref', '-m', 'steel-thread: new base', basesRef, commit ?? ''], { cwd: projectDir });
  } finally {
    fs.rmSync(tempDir, { recursive: true, force: true });
  }
}

/** The content of a base file by blob id, or null where the object is not in this repository. */
export async function readBlob(projectDir: string, blob: string): Promise<Buffer | null> {
  return git(['cat-file', 'blob', blob], { cwd: projectDir, allowFailure: true, encoding: 'buffer' });
}

export interface MergeResult {
  content: Buffer;
  conflicts: number;
}

/**
 * git's own three-way merge of one file's versions. Conflicts come back as inline markers
 * labelled with `labels` (ours, base, theirs), never as a .rej file.
 */
export async function mergeFile(
  versions: { ours: Buffer; base: Buffer; theirs: Buffer },
  labels: { ours: string; base: string; theirs: string },
): Promise<MergeResult> {
  const { execa } = await import('execa');
  const dir = makeTemporaryFolder('merge');
  try {
    const files = (['ours', 'base', 'theirs'] as const).map((side) => {
      const file = path.join(dir, side);
      fs.writeFileSync(file, versions[side]);
      return file;
    });
    const result = await execa('git', ['merge-file', '-p', '-L', labels.ours, '-L', labels.base, '-L', labels.theirs, ...files], {
      encoding: 'buffer',
      reject: false,
      stdin: 'ignore',
      stripFinalNewline: false,
    });
    // merge-file exits with the number of conflicts (0 when clean), negative (255) on error.
    const code = result.exitCode ?? 255;
    if (code > 127 || (result as { code?: string }).code === 'ENOENT') {
      throw new UserError('git merge-file failed: update needs git to merge', ExitCode.stepFailed, Buffer.from(result.stderr as Uint8Array).toString());
    }
    return { content: Buffer.from(result.stdout as Uint8Array), conflicts: code };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Uncommitted changes under `dir`, as `git status` sees them; null outside a repository. */
export async function workTreeStatus(dir: string): Promise<string | null> {
  return git(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--', '.'], { cwd: dir, allowFailure: true });
}

/** `workTreeStatus` read: paths relative to `dir` with changes to tracked files, and untracked ones. */
export function parseStatus(out: string, tree: WorkTree): { changed: string[]; untracked: string[] } {
  const changed: string[] = [];
  const untracked: string[] = [];
  const entries = out.split('\0');
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] ?? '';
    if (entry.length < 4) continue;
    const status = entry.slice(0, 2);
    const file = entry.slice(3).slice(tree.prefix.length);
    if (status === '??') untracked.push(file);
    else changed.push(file);
    if (status[0] === 'R' || status[0] === 'C') i++; // a rename's source path follows
  }
  return { changed, untracked };
}

/* ---------------------------------------------------------------------------------------------
 * Line endings as git sees them. A clone with core.autocrlf=true, or a .gitattributes asking for
 * CRLF, checks files out with CRLF while git stores (and the record fingerprints) LF: update
 * compares a file's clean form, the one git would store, and writes the form git would check
 * out.
 * ------------------------------------------------------------------------------------------- */

/** The blob id git would store for each existing file (its line-ending rules and filters applied). */
export async function cleanBlobIds(projectDir: string, rels: string[]): Promise<Map<string, string>> {
  const isFile = (rel: string) => {
    try {
      return fs.lstatSync(path.join(projectDir, rel), { throwIfNoEntry: false })?.isFile() ?? false;
    } catch {
      return false; // a file where a folder of the path should be: nothing there to compare
    }
  };
  const files = rels.filter(isFile);
  if (files.length === 0) return new Map();
  const out = (await git(['hash-object', '--stdin-paths'], { cwd: projectDir, input: files.join('\n') })) ?? '';
  const ids = out.split('\n');
  return new Map(files.map((rel, i) => [rel, ids[i] ?? '']));
}

/** How git checks out a path: LF→CRLF always, only for text content ("auto"), or never. */
export type Checkout = 'crlf' | 'auto-crlf' | 'as-is';

/**
 * Decides, as git's checkout does, which paths get CRLF: the `text` and `eol` attributes first,
 * then core.autocrlf and core.eol.
 */
export async function checkoutRules(projectDir: string, rels: string[]): Promise<Map<string, Checkout>> {
  const [attributes, config] = await Promise.all([
    rels.length > 0 ? git(['check-attr', '-z', '--stdin', 'text', 'eol'], { cwd: projectDir, input: rels.join('\0') }) : '',
    git(['config', '-z', '--get-regexp', '^core\\.(autocrlf|eol)$'], { cwd: projectDir, allowFailure: true }),
  ]);
  const settings = new Map((config ?? '').split('\0').filter(Boolean).map((entry) => entry.split('\n') as [string, string]));
  const autocrlf = (settings.get('core.autocrlf') ?? 'false').toLowerCase();
  const crlfByDefault = autocrlf === 'true' || (autocrlf !== 'input' && (settings.get('core.eol') ?? '').toLowerCase() === 'crlf');
  const fields = (attributes ?? '').split('\0');
  const found = new Map<string, { text?: string; eol?: string }>();
  for (let i = 0; i + 2 < fields.length; i += 3) {
    const [rel = '', attribute = '', value = ''] = fields.slice(i, i + 3);
    found.set(rel, { ...found.get(rel), [attribute]: value });
  }
  return new Map(
    rels.map((rel): [string, Checkout] => {
      const { text = 'unspecified', eol = 'unspecified' } = found.get(rel) ?? {};
      if (text === 'unset') return [rel, 'as-is'];
      // An eol attribute without text treats the path as text=auto, as git has since 2.10.
      const auto = text === 'auto' || text === 'unspecified';
      const crlf = eol === 'crlf' || (eol !== 'lf' && crlfByDefault);
      if (!crlf || (text === 'unspecified' && eol === 'unspecified' && autocrlf !== 'true')) return [rel, 'as-is'];
      return [rel, auto ? 'auto-crlf' : 'crlf'];
    }),
  );
}

/** Content as git would check it out under `rule`: bare LFs become CRLF (for "auto", only in text git would convert). */
export function toCheckout(content: Buffer, rule: Checkout): Buffer {
  if (rule === 'as-is') return content;
  const text = content.toString('latin1');
  // git leaves binary content alone, and under "auto" any text that already holds a CR.
  if (content.includes(0) || (rule === 'auto-crlf' && text.includes('\r'))) return content;
  return Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'latin1');
}
