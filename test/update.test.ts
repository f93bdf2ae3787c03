import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { recordFileName } from '../src/answers.js';
import { gitIdentity, steelThread, templatesDir, tempDir, type Run } from './support/cli.js';
import { make } from './support/python.js';
import { treeListing } from './support/tree.js';

/**
 * The update scenario suite: each scenario is a real project in a temp git repository, made from
 * a copy of the templates, then changed on both sides (the team's edits, a real template change)
 * before `update` runs.
 */
interface Scenario {
  project: string;
  templates: string;
  run(...args: string[]): Promise<Run>;
  update(...args: string[]): Promise<Run>;
  check(...args: string[]): Promise<Run>;
  git(...args: string[]): Promise<string>;
  commit(message: string): Promise<void>;
  read(rel: string): string;
  write(rel: string, text: string | Buffer): void;
  template(rel: string): string;
  editTemplate(rel: string, edit: (text: string) => string): void;
}

const baseReadme = 'base/README.md.hbs';
const guidanceLink = 'https://playbooks.equalexperts.com/mlops-playbook/practices/create-a-walking-skeleton-steel-thread';

async function scenario(options: { git?: boolean; prepareTemplates?: (templates: string) => void } = {}): Promise<Scenario> {
  const dir = tempDir('steel-thread-update-');
  const templates = path.join(dir, 'templates');
  fs.cpSync(templatesDir, templates, { recursive: true });
  options.prepareTemplates?.(templates);
  const useGit = options.git ?? true;
  const run = (...args: string[]) => steelThread(args, { cwd: path.join(dir, 'demo'), env: gitIdentity });
  const made = await steelThread(['new', 'demo', '--consumer', 'people', '--freshness', 'daily', '--yes', '--templates', templates, ...(useGit ? [] : ['--no-git'])], {
    cwd: dir,
    env: gitIdentity,
  });
  if (made.code !== 0) throw new Error(made.output);
  const project = path.join(dir, 'demo');
  const git = async (...args: string[]) => (await execa('git', args, { cwd: project, env: gitIdentity })).stdout;
  return {
    project,
    templates,
    run,
    update: (...args) => run('update', '--templates', templates, ...args),
    check: (...args) => run('check', '--templates', templates, ...args),
    git,
    commit: async (message) => {
      await git('add', '-A');
      await git('commit', '-qm', message);
    },
    read: (rel) => fs.readFileSync(path.join(project, rel), 'utf8'),
    write: (rel, text) => {
      fs.mkdirSync(path.dirname(path.join(project, rel)), { recursive: true });
      fs.writeFileSync(path.join(project, rel), text);
    },
    template: (rel) => path.join(templates, rel),
    editTemplate: (rel, edit) => {
      const file = path.join(templates, rel);
      fs.writeFileSync(file, edit(fs.readFileSync(file, 'utf8')));
    },
  };
}

/** A project with a team line at the end of README.md, updated to a template version 2 that adds a line at the top, committed. */
async function updatedToVersion2(): Promise<Scenario> {
  const s = await scenario();
  s.write('README.md', `${s.read('README.md')}\nTeam line.\n`);
  await s.commit('team');
  s.editTemplate(baseReadme, (t) => `Version 2 line.\n\n${t}`);
  expect((await s.update()).code).toBe(0);
  await s.commit('update to v2');
  return s;
}

/** A template file of the tests' own, so removing it depends on no file of the built-in set. */
const withPins = (templates: string) => {
  fs.mkdirSync(path.join(templates, 'base', 'pins'));
  fs.writeFileSync(path.join(templates, 'base', 'pins', 'extra.txt'), 'numpy==1.24.0\npandas==1.5.3\n');
};

const record = (s: Scenario) => JSON.parse(s.read(recordFileName)) as { answers: Record<string, unknown>; files: Record<string, string> };

describe('update', () => {
  it('gives an untouched file the new template text', async () => {
    const s = await scenario();
    s.editTemplate('base/Makefile.hbs', (t) => t.replace('## list the commands', '## list every command'));
    expect((await s.check()).code).toBe(6);
    const run = await s.update();
    expect(run.code, run.output).toBe(0);
    expect(s.read('Makefile')).toContain('## list every command');
    expect(run.stdout).toMatch(/updated\s+Makefile/);
    expect((await s.check()).code).toBe(0);
  });

  it('keeps a team-only edit where the template did not change the file', async () => {
    const s = await scenario();
    s.write('Makefile', `${s.read('Makefile')}\nteam: ## our own target\n\techo team\n`);
    await s.commit('team target');
    s.editTemplate(baseReadme, (t) => `${t}\nA new template line.\n`);
    const run = await s.update();
    expect(run.code, run.output).toBe(0);
    expect(s.read('Makefile')).toContain('echo team');
    expect(s.read('README.md')).toContain('A new template line.');
    expect(run.stdout).toMatch(/kept\s+Makefile/);
  });

  it('merges a file both sides changed, where the edits do not overlap', async () => {
    const s = await scenario();
    s.write('README.md', `${s.read('README.md')}\nTeam line at the end.\n`);
    await s.commit('team edit');
    s.editTemplate(baseReadme, (t) => `Template line at the top.\n\n${t}`);
    const run = await s.update();
    expect(run.code, run.output).toBe(0);
    expect(s.read('README.md')).toMatch(/^Template line at the top\.[\s\S]*Team line at the end\.\n$/);
    expect(run.stdout).toMatch(/merged\s+README\.md/);
  });

  it('leaves conflict markers, lists the file and exits 5 where edits overlap; never a .rej file', async () => {
    const s = await scenario();
    s.write('README.md', s.read('README.md').replace(/^- \[Create a walking skeleton.*$/m, 'Team rewrote the guidance line.'));
    await s.commit('team rewrite');
    s.editTemplate(baseReadme, (t) => t.replace(/^- \[Create a walking skeleton.*$/m, `Template rewrote the guidance line: ${guidanceLink}`));
    const run = await s.update();
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(/conflict.*README\.md/);
    const readme = s.read('README.md');
    expect(readme).toMatch(/^<<<<<<< yours\nTeam rewrote the guidance line\.\n=======\nTemplate rewrote the guidance line: .*\n>>>>>>> template steel-thread$/m);
    expect(treeListing(s.project).filter((line) => line.includes('.rej') || line.includes('.orig'))).toEqual([]);
    // The record already holds the new render as the base: a second update does not re-merge.
    const again = await s.update('--allow-dirty');
    expect(again.code, again.output).toBe(0);
    expect(s.read('README.md')).toBe(readme);
  });

  it('removes a file the template dropped, when the team never touched it', async () => {
    const s = await scenario({ prepareTemplates: withPins });
    fs.rmSync(s.template('base/pins/extra.txt'));
    const run = await s.update();
    expect(run.code, run.output).toBe(0);
    expect(fs.existsSync(path.join(s.project, 'pins'))).toBe(false);
    expect(run.stdout).toMatch(/removed\s+pins\/extra\.txt/);
    expect(Object.keys(record(s).files)).not.toContain('pins/extra.txt');
  });

  it('keeps and reports a file the template dropped, when the team changed it', async () => {
    const s = await scenario({ prepareTemplates: withPins });
    s.write('pins/extra.txt', `${s.read('pins/extra.txt')}team-pin==1.0\n`);
    await s.commit('team pin');
    fs.rmSync(s.template('base/pins/extra.txt'));
    const run = await s.update();
    expect(run.code, run.output).toBe(0);
    expect(s.read('pins/extra.txt')).toContain('team-pin==1.0');
    expect(run.stdout).toMatch(/kept\s+pins\/extra\.txt \(the template dropped it, but you changed it\)/);
  });

  it('never writes a new template file over the team’s own file at that path; puts it beside', async () => {
    const s = await scenario();
    s.write('docs/runbook.md', 'The team’s own runbook.\n');
    await s.commit('team runbook');
    fs.writeFileSync(s.template('base/docs/runbook.md'), 'The template’s runbook.\n');
    const run = await s.update();
    expect(run.code).toBe(5);
    expect(s.read('docs/runbook.md')).toBe('The team’s own runbook.\n');
    expect(s.read('docs/runbook.md.from-template')).toBe('The template’s runbook.\n');
    expect(run.output).toContain('docs/runbook.md and docs/runbook.md.from-template');
  });

  it('leaves a file the team deleted deleted, and says so', async () => {
    const s = await scenario();
    await s.git('rm', '-q', 'docs/decisions/0001-delivery-form.md');
    await s.commit('we keep decisions elsewhere');
    s.editTemplate('base/docs/decisions/0001-delivery-form.md.hbs', (t) => `${t}\nA template addition.\n`);
    const run = await s.update();
    expect(run.code, run.output).toBe(0);
    expect(fs.existsSync(path.join(s.project, 'docs/decisions/0001-delivery-form.md'))).toBe(false);
    expect(run.stdout).toMatch(/deleted\s+docs\/decisions\/0001-delivery-form\.md \(the template changed it; you deleted it/);
  });

  it('carries the team’s edits to the new path when the template renames a file', async () => {
    const s = await scenario();
    s.write('docs/decisions/0001-delivery-form.md', s.read('docs/decisions/0001-delivery-form.md').replace('Status: accepted', 'Status: accepted, reviewed by the team'));
    await s.commit('reviewed');
    fs.mkdirSync(s.template('base/docs/adr'), { recursive: true });
    fs.renameSync(s.template('base/docs/decisions/0001-delivery-form.md.hbs'), s.template('base/docs/adr/0001-delivery-form.md.hbs'));
    const run = await s.update();
    expect(run.code, run.output).toBe(0);
    expect(s.read('docs/adr/0001-delivery-form.md')).toContain('Status: accepted, reviewed by the team');
    expect(fs.existsSync(path.join(s.project, 'docs/decisions/0001-delivery-form.md'))).toBe(false);
    expect(run.stdout).toMatch(/moved\s+docs\/adr\/0001-delivery-form\.md \(moved from docs\/decisions\/0001-delivery-form\.md with your edits\)/);
  });

  it('keeps a binary file both sides changed and puts the template’s beside it', async () => {
    const png = (marker: number) => Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, marker]);
    const s = await scenario({ prepareTemplates: (t) => fs.writeFileSync(path.join(t, 'base', 'docs', 'logo.png'), png(1)) });
    s.write('docs/logo.png', png(2));
    await s.commit('our logo');
    fs.writeFileSync(s.template('base/docs/logo.png'), png(3));
    const run = await s.update();
    expect(run.code).toBe(5);
    expect(fs.readFileSync(path.join(s.project, 'docs/logo.png'))).toEqual(png(2));
    expect(fs.readFileSync(path.join(s.project, 'docs/logo.png.from-template'))).toEqual(png(3));
    expect(run.stdout).toMatch(/beside\s+docs\/logo\.png \(the template's version is in docs\/logo\.png\.from-template; binary/);
  });

  it('merges a CRLF file keeping its line endings', async () => {
    const crlf = (lines: string[]) => `${lines.join('\r\n')}\r\n`;
    const lines = ['one', 'two', 'three', 'four', 'five', 'six'];
    const s = await scenario({ prepareTemplates: (t) => fs.writeFileSync(path.join(t, 'base', 'docs', 'windows.txt'), crlf(lines)) });
    s.write('docs/windows.txt', crlf(['ONE (team)', ...lines.slice(1)]));
    await s.commit('team');
    fs.writeFileSync(s.template('base/docs/windows.txt'), crlf([...lines.slice(0, 5), 'SIX (template)']));
    const run = await s.update();
    expect(run.code, run.output).toBe(0);
    expect(s.read('docs/windows.txt')).toBe(crlf(['ONE (team)', 'two', 'three', 'four', 'five', 'SIX (template)']));
  });

  it('merges executable bits like content: the side that changed one wins', async () => {
    const s = await scenario({
      prepareTemplates: (t) => {
        fs.mkdirSync(path.join(t, 'base', 'bin'));
        fs.writeFileSync(path.join(t, 'base', 'bin', 'run.sh'), '#!/bin/sh\necho run\n', { mode: 0o755 });
        fs.writeFileSync(path.join(t, 'base', 'bin', 'tool.sh'), '#!/bin/sh\necho tool\n', { mode: 0o644 });
      },
    });
    expect(fs.statSync(path.join(s.project, 'bin/run.sh')).mode & 0o111).not.toBe(0);
    fs.chmodSync(path.join(s.project, 'bin/run.sh'), 0o644); // the team drops the bit
    await s.commit('not executable');
    fs.appendFileSync(s.template('base/bin/run.sh'), 'echo more\n'); // the template changes content only
    fs.chmodSync(s.template('base/bin/tool.sh'), 0o755); // and makes another file executable
    const run = await s.update();
    expect(run.code, run.output).toBe(0);
    expect(s.read('bin/run.sh')).toContain('echo more');
    expect(fs.statSync(path.join(s.project, 'bin/run.sh')).mode & 0o111).toBe(0);
    expect(fs.statSync(path.join(s.project, 'bin/tool.sh')).mode & 0o111).not.toBe(0);
  });

  it('works without git: untouched files update by fingerprint, both-changed files keep both versions', async () => {
    const s = await scenario({ git: false });
    s.write('README.md', `${s.read('README.md')}\nTeam line.\n`);
    s.editTemplate(baseReadme, (t) => `Template line.\n\n${t}`);
    s.editTemplate('base/Makefile.hbs', (t) => t.replace('## list the commands', '## list every command'));
    const run = await s.update();
    expect(run.code).toBe(5);
    expect(s.read('Makefile')).toContain('## list every command');
    const readme = s.read('README.md');
    expect(readme).toContain('Team line.');
    expect(readme).toContain('Template line.');
    expect(readme).toMatch(/^<<<<<<< yours$[\s\S]*^>>>>>>> template steel-thread$/m);
    expect(run.stdout).toMatch(/merge bases were not found/);
  });

  /**
   * A project whose README both the team and template version 2 changed, updated and committed,
   * then cloned: the clone has the project's history but not refs/steel-thread/bases, so the
   * version 2 render of README.md (merged, never committed as such) is nowhere in it. Template
   * version 3 then changes the line version 2 added.
   */
  async function cloneAfterAnUpdate() {
    const s = await updatedToVersion2();
    const clone = path.join(path.dirname(s.project), 'clone');
    await execa('git', ['clone', '-q', '--no-local', s.project, clone]);
    s.editTemplate(baseReadme, (t) => t.replace('Version 2 line.', 'Version 3 line.'));
    const update = (...args: string[]) => steelThread(['update', '--templates', s.templates, ...args], { cwd: clone, env: gitIdentity });
    return { s, clone, update, readme: () => fs.readFileSync(path.join(clone, 'README.md'), 'utf8') };
  }

  it('without the base in a clone, keeps both versions and says how to fetch the bases, with a command that works', async () => {
    const { clone, update, readme } = await cloneAfterAnUpdate();
    const run = await update();
    expect(run.code).toBe(5);
    for (const line of ['Team line.', 'Version 2 line.', 'Version 3 line.']) expect(readme()).toContain(line);
    expect(run.stdout).toMatch(/git fetch origin '\+refs\/steel-thread\/bases:refs\/steel-thread\/bases-fetched'/);
    // The printed command works as printed, although this update began a chain of bases here.
    const printed = /with: (git fetch origin '[^']+')/.exec(run.stdout)?.[1] ?? '';
    const fetched = await execa('sh', ['-c', printed], { cwd: clone, reject: false, all: true });
    expect(fetched.exitCode, fetched.all).toBe(0);
    // With the bases fetched, the same update, run again from the committed state, merges cleanly.
    await execa('git', ['checkout', '-q', '--', '.'], { cwd: clone });
    const again = await update();
    expect(again.code, again.output).toBe(0);
    expect(readme()).toMatch(/^Version 3 line\.[\s\S]*Team line\.\n$/);
  });

  it('merges cleanly once the bases are fetched into the clone', async () => {
    const { s, clone, update, readme } = await cloneAfterAnUpdate();
    s.editTemplate('base/Makefile.hbs', (t) => t.replace('## list the commands', '## list every command'));
    const dry = await update('--dry-run');
    expect(dry.stdout).toMatch(/CONFLICT\s+README\.md \(no merge base: both versions kept\)/);
    expect(dry.stdout).toMatch(/updated\s+Makefile/);
    await execa('git', ['fetch', '-q', 'origin', 'refs/steel-thread/*:refs/steel-thread/*'], { cwd: clone });
    const run = await update();
    expect(run.code, run.output).toBe(0);
    expect(readme()).toMatch(/^Version 3 line\.[\s\S]*Team line\.\n$/);
    expect(fs.readFileSync(path.join(clone, 'Makefile'), 'utf8')).toContain('## list every command');
  });

  it('advances the merge base: a line version 2 adds and version 3 removes is gone after the second update', async () => {
    const s = await updatedToVersion2();
    await execa('git', ['gc', '-q', '--prune=now'], { cwd: s.project });
    s.editTemplate(baseReadme, (t) => t.replace('Version 2 line.\n\n', ''));
    const run = await s.update();
    expect(run.code, run.output).toBe(0);
    expect(s.read('README.md')).not.toContain('Version 2 line.');
    expect(s.read('README.md')).toContain('Team line.');
  });

  it('changes nothing when run twice in a row', async () => {
    const s = await scenario();
    s.write('README.md', `${s.read('README.md')}\nTeam line.\n`);
    await s.commit('team');
    s.editTemplate(baseReadme, (t) => `Template line.\n\n${t}`);
    expect((await s.update()).code).toBe(0);
    await s.commit('updated');
    const refBefore = await s.git('rev-parse', 'refs/steel-thread/bases');
    // Each render taken in is a base, each the child of the last: new's, then the update's.
    expect((await s.git('rev-list', 'refs/steel-thread/bases')).split('\n')).toHaveLength(2);
    const run = await s.update();
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toContain('Already up to date');
    expect(await s.git('status', '--porcelain')).toBe('');
    expect(await s.git('rev-parse', 'refs/steel-thread/bases')).toBe(refBefore);
  });

  it('--dry-run shows the plan and writes nothing', async () => {
    const s = await scenario();
    s.editTemplate(baseReadme, (t) => `Template line.\n\n${t}`);
    const before = treeListing(s.project);
    const refBefore = await s.git('rev-parse', 'refs/steel-thread/bases');
    const run = await s.update('--dry-run');
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toMatch(/updated\s+README\.md/);
    expect(run.stdout).toContain('nothing was written');
    expect(treeListing(s.project)).toEqual(before);
    expect(await s.git('rev-parse', 'refs/steel-thread/bases')).toBe(refBefore);
  });

  it('refuses a dirty work tree unless --allow-dirty, and untracked files in its way', async () => {
    const s = await scenario();
    s.editTemplate(baseReadme, (t) => `Template line.\n\n${t}`);
    s.write('Makefile', `${s.read('Makefile')}\n# uncommitted\n`);
    const before = treeListing(s.project);
    const dirty = await s.update();
    expect(dirty.code).toBe(3);
    expect(dirty.stderr).toMatch(/uncommitted changes \(Makefile\).*--allow-dirty/);
    expect(treeListing(s.project)).toEqual(before);
    expect((await s.update('--allow-dirty')).code).toBe(0);
    expect(s.read('README.md')).toContain('Template line.');

    const t = await scenario();
    fs.writeFileSync(t.template('base/docs/new.md'), 'new\n');
    t.write('docs/new.md', 'mine, not committed\n');
    const inTheWay = await t.update();
    expect(inTheWay.code).toBe(3);
    expect(inTheWay.stderr).toMatch(/untracked files where update would write: docs\/new\.md/);
  });

  it('refuses a project made by a newer steel-thread', async () => {
    const s = await scenario();
    const text = s.read(recordFileName).replace(/"generator": "[^"]+"/, '"generator": "99.0.0"');
    s.write(recordFileName, text);
    await s.commit('from the future');
    for (const run of [await s.update(), await s.check()]) {
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(/made by steel-thread 99\.0\.0.*upgrade steel-thread/);
    }
  });

  it('check tells current from behind, and --json says what differs', async () => {
    const s = await scenario();
    s.write('README.md', `${s.read('README.md')}\nTeam line.\n`);
    await s.commit('team');
    expect((await s.check()).code).toBe(0);
    s.editTemplate(baseReadme, (t) => `Template line.\n\n${t}`);
    fs.writeFileSync(s.template('base/docs/new.md'), 'new\n');
    const run = await s.check('--json');
    expect(run.code).toBe(6);
    expect(JSON.parse(run.stdout)).toMatchObject({ current: false, changed: ['README.md'], added: ['docs/new.md'], removed: [] });
  });
});

describe('update --delivery: moving a project to another form', () => {
  it('moves a CSV project to table export with the team’s edits kept, and the moved project passes', async () => {
    const s = await scenario();
    s.write('README.md', `${s.read('README.md')}\nOur call centre is in Leeds.\n`);
    s.write('Makefile', s.read('Makefile').replace('clean: ## remove', 'clean: ## (team) remove'));
    await s.commit('team edits');
    const run = await s.update('--delivery', 'table');
    expect(run.code, run.output).toBe(0);
    expect(s.read('README.md')).toContain('Our call centre is in Leeds.');
    expect(s.read('README.md')).toContain('Delivery: table');
    expect(s.read('Makefile')).toContain('clean: ## (team) remove');
    expect(fs.existsSync(path.join(s.project, 'contract/predictions.sql'))).toBe(true);
    expect(fs.existsSync(path.join(s.project, 'contract/csv-drop.json'))).toBe(false);
    expect(record(s).answers.delivery).toBe('table');
    const tests = await make(s.project, 'test');
    expect(tests.code, tests.output).toBe(0);
    const thread = await make(s.project, 'thread');
    expect(thread.code, thread.output).toBe(0);
    expect(fs.existsSync(path.join(s.project, 'outbox/predictions.db'))).toBe(true);
    expect((await s.check()).code).toBe(0);
  });
});
