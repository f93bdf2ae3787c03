import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { binPath, gitIdentity, steelThread, templatesDir, tempDir } from '../support/cli.js';
import { treeListing } from '../support/tree.js';

/**
 * An update that moves a file the team edited, removes files (one the team edited, one not),
 * merges one cleanly and leaves a conflict in another, killed with SIGKILL at every moment it is
 * about to change something (STEEL_THREAD_TEST_KILL_AT=N), not only where a timer happens to
 * land. After each kill every line the team wrote is still in a file of the work tree, and the
 * next update, with no flag, ends exactly where an uninterrupted one does: no nested conflict
 * markers, no second merge.
 */
const teamLines = ['Team line in the guide.', 'Team step one.', 'Team edit of line A.', 'Team keeps this.'];
const guide = Array.from({ length: 12 }, (_, i) => `Guide line ${i + 1}.`).join('\n');
const lettered = 'ABCDEFGHIJ'.split('').map((letter) => `Line ${letter}.`).join('\n');

let dir: string;
let project: string;
let reference: { code: number; listing: string[] };

const withoutGit = (listing: string[]) => listing.filter((line) => !line.startsWith('.git/') && !line.endsWith('/'));

function setFile(root: string, rel: string, text: string | null): void {
  const file = path.join(root, rel);
  if (text === null) return fs.rmSync(file);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

/** Every file's text in the work tree, to look for the team's lines wherever they are. */
function allText(root: string): string {
  return withoutGit(treeListing(root))
    .map((line) => fs.readFileSync(path.join(root, line.split(' ')[0] ?? ''), 'utf8'))
    .join('\n');
}

async function update(cwd: string, env: Record<string, string> = {}) {
  const result = await execa('node', [binPath, 'update', '--templates', path.join(dir, 'templates')], {
    cwd,
    env: { ...gitIdentity, NO_COLOR: '1', ...env },
    reject: false,
    all: true,
    stdin: 'ignore',
  });
  return { code: result.exitCode, killed: result.signal === 'SIGKILL', output: result.all ?? '' };
}

function copyProject(name: string): string {
  const copy = path.join(dir, name);
  fs.cpSync(project, copy, { recursive: true });
  return copy;
}

beforeAll(async () => {
  dir = tempDir();
  const templates = path.join(dir, 'templates');
  fs.cpSync(templatesDir, templates, { recursive: true });
  const v1 = { 'notes/guide.md': guide, 'notes/plan.md': 'Step one.\n', 'notes/merge.md': `${lettered}\n`, 'notes/old.md': 'Old.\n', 'notes/dropped.md': 'Dropped.\n' };
  for (const [rel, text] of Object.entries(v1)) setFile(path.join(templates, 'base'), rel, text);
  const made = await steelThread(['new', 'demo', '--consumer', 'people', '--freshness', 'daily', '--yes', '--templates', templates], { cwd: dir, env: gitIdentity });
  expect(made.code, made.output).toBe(0);
  project = path.join(dir, 'demo');

  setFile(project, 'notes/guide.md', `${guide}\nTeam line in the guide.\n`);
  setFile(project, 'notes/plan.md', 'Team step one.\n');
  setFile(project, 'notes/merge.md', `${lettered.replace('Line A.', 'Team edit of line A.')}\n`);
  setFile(project, 'notes/dropped.md', 'Dropped.\nTeam keeps this.\n');
  await execa('git', ['commit', '-qam', 'team edits'], { cwd: project, env: gitIdentity });

  // Version 2: the guide moves (with a change of its own), plan.md conflicts, merge.md merges,
  // old.md and dropped.md go, a file is added.
  const base = path.join(templates, 'base');
  setFile(base, 'notes/guide.md', null);
  setFile(base, 'guides/guide.md', guide.replace('Guide line 1.', 'Guide, version 2.'));
  setFile(base, 'notes/plan.md', 'Template step one.\n');
  setFile(base, 'notes/merge.md', `${lettered.replace('Line J.', 'Template edit of line J.')}\n`);
  setFile(base, 'notes/old.md', null);
  setFile(base, 'notes/dropped.md', null);
  setFile(base, 'notes/new.md', 'New in version 2.\n');

  const uninterrupted = copyProject('reference');
  const run = await update(uninterrupted);
  expect(run.code, run.output).toBe(5);
  reference = { code: 5, listing: withoutGit(treeListing(uninterrupted)) };
  const text = allText(uninterrupted);
  for (const line of teamLines) expect(text).toContain(line);
  expect(fs.readFileSync(path.join(uninterrupted, 'guides', 'guide.md'), 'utf8')).toContain('Team line in the guide.');
  expect(fs.existsSync(path.join(uninterrupted, 'notes', 'guide.md'))).toBe(false);
  // Two short files that share only blank lines are no move: the dropped file is kept as it was.
  expect(fs.readFileSync(path.join(uninterrupted, 'notes', 'dropped.md'), 'utf8')).toBe('Dropped.\nTeam keeps this.\n');
  expect(fs.readFileSync(path.join(uninterrupted, 'notes', 'new.md'), 'utf8')).toBe('New in version 2.\n');
});

describe('update killed at every moment it changes something', () => {
  it('keeps every team line in the work tree, and the next update (killed once more, then run again) ends as an uninterrupted one', async () => {
    let kills = 0;
    for (let moment = 1; moment < 100; moment++) {
      const copy = copyProject(`killed-${moment}`);
      const run = await update(copy, { STEEL_THREAD_TEST_KILL_AT: String(moment) });
      if (!run.killed) {
        // Past the last moment: the run finished as the uninterrupted one did.
        expect(run.code, run.output).toBe(reference.code);
        break;
      }
      kills++;
      // What a kill in the middle of a write leaves: its temp file, here beside the moved file's new path.
      if (fs.existsSync(path.join(copy, 'guides'))) fs.writeFileSync(path.join(copy, 'guides', '.guide.md.steel-thread-4194303-0badf00d'), 'half');
      const text = allText(copy);
      for (const line of teamLines) expect(text, `${line} after a kill at moment ${moment}`).toContain(line);
      // The recovery itself killed at its first change, then run to the end.
      const again = await update(copy, { STEEL_THREAD_TEST_KILL_AT: '1' });
      for (const line of teamLines) expect(allText(copy), `${line} after a second kill (moment ${moment})`).toContain(line);
      if (!again.killed) expect(again.code, again.output).toBe(reference.code);
      const finished = await update(copy);
      if (again.killed) expect(finished.code, finished.output).toBe(reference.code);
      expect(withoutGit(treeListing(copy)), `after a kill at moment ${moment}`).toEqual(reference.listing);
      const plan = fs.readFileSync(path.join(copy, 'notes', 'plan.md'), 'utf8');
      expect(plan.match(/^<<<<<<< /gm), 'conflict markers once, never nested').toHaveLength(1);
      // Lock, journal and temp files never appear in the work tree.
      const status = (await execa('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: copy })).stdout;
      expect(status).not.toMatch(/steel-thread-|journal|\.lock/);
    }
    // A moment before the journal, one per write (4) and removal (2), the record, the journal's removal.
    expect(kills).toBe(9);
  }, 300_000);

  it('a link where the moved file\'s folder goes is never written through: exit 4, nothing outside, nothing of the team\'s removed', async () => {
    const copy = copyProject('linked');
    const outside = path.join(dir, 'outside-of-linked');
    fs.mkdirSync(outside);
    fs.symlinkSync(outside, path.join(copy, 'guides'));
    const run = await update(copy);
    expect(run.code, run.output).toBe(4);
    expect(run.output).toMatch(/error: update stopped part-way at guides\/guide\.md: guides is a symbolic link: steel-thread does not write through links/);
    expect(fs.readdirSync(outside)).toEqual([]);
    expect(fs.readFileSync(path.join(copy, 'notes', 'guide.md'), 'utf8')).toContain('Team line in the guide.');
  });

  it('a write that fails (a file where the moved file\'s folder goes) removes nothing; the rerun finishes once it is cleared', async () => {
    const copy = copyProject('in-the-way');
    fs.writeFileSync(path.join(copy, 'guides'), 'a file of the team, where the template wants a folder\n');
    const before = allText(copy);
    const run = await update(copy);
    expect(run.code, run.output).toBe(4);
    expect(run.output).toMatch(/error: update stopped part-way: cannot write guides\/guide\.md \(a part of the path is a file, not a folder\)\. Nothing of yours was removed/);
    expect(run.output).not.toMatch(/steel-thread-\d+|\.git\/|ENOTDIR/);
    expect(fs.readFileSync(path.join(copy, 'notes', 'guide.md'), 'utf8')).toContain('Team line in the guide.');
    expect(fs.existsSync(path.join(copy, 'notes', 'dropped.md'))).toBe(true);
    expect(allText(copy)).toBe(before);
    fs.rmSync(path.join(copy, 'guides'));
    const rerun = await update(copy);
    expect(rerun.code, rerun.output).toBe(reference.code);
    expect(rerun.output).toMatch(/An earlier update was interrupted: finishing it first/);
    expect(withoutGit(treeListing(copy))).toEqual(reference.listing);
  });
});
