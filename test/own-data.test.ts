import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { generate, gitIdentity, steelThread, tempDir } from './support/cli.js';
import { projectSnapshot } from './support/tree.js';

/**
 * `new --data FILE` through the built CLI: the render is deterministic, holds no real row, keeps
 * the data in the record, and `update --data` moves the project to a new file's schema.
 */

/** A team's file: an id, numbers, a category, a pass-through phone, free text, and a 0/1 label. */
function teamFile(dir: string, rows = 400, extra = false): string {
  const header = ['account_ref', 'age', 'balance', 'segment', 'phone', 'notes', ...(extra ? ['visits'] : []), 'defaulted'];
  const lines = [header.join(',')];
  for (let i = 1; i <= rows; i++) {
    const age = 18 + ((i * 37) % 60);
    const balance = ((i * 7919) % 10000) / 7;
    const segment = ['retail', 'business', 'private'][i % 3];
    const label = (age < 40 ? 1 : 0) ^ (i % 5 === 0 ? 1 : 0);
    lines.push([`A${1000 + i}`, age, balance.toFixed(2), segment, `+44 20 7946 ${String(i).padStart(4, '0')}`, `account ${i} opened in branch ${i % 13}`, ...(extra ? [i % 9] : []), label].join(','));
  }
  const file = path.join(dir, 'accounts.csv');
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Every file below `dir`, by its path there. */
const files = (dir: string): string[] => (fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[]).filter((rel) => fs.statSync(path.join(dir, rel)).isFile()).sort();

/** Every data row of every CSV file under `dir`, as cells. */
function csvRows(dir: string): { file: string; header: string[]; rows: string[][] }[] {
  return files(dir)
    .filter((rel) => rel.endsWith('.csv'))
    .map((rel) => {
      const [header = '', ...lines] = fs.readFileSync(path.join(dir, rel), 'utf8').trimEnd().split('\n');
      return { file: rel, header: header.split(','), rows: lines.map((line) => line.split(',')) };
    });
}

const dataArgs = (file: string) => ['--data', file, '--label', 'defaulted', '--pass-through', 'phone'];

describe('new --data', () => {
  it('renders byte-identical projects twice, with no real row or value in them', async () => {
    const dir = tempDir();
    const file = teamFile(dir);
    const first = await generate(tempDir(), 'accounts', dataArgs(file));
    const second = await generate(tempDir(), 'accounts', dataArgs(file));
    expect(projectSnapshot(first)).toBe(projectSnapshot(second));

    const schema = JSON.parse(fs.readFileSync(path.join(first, 'contract', 'schema.json'), 'utf8')) as { words: { entity: string }; fields: { name: string; role: string }[] };
    expect(schema.words.entity).toBe('account');
    expect(schema.fields.map((f) => `${f.name}:${f.role}`)).toEqual(['account_ref:id', 'age:feature', 'balance:feature', 'segment:feature', 'phone:pass-through', 'defaulted:label']);

    // No CSV row in the project equals a real row on the columns they share, and no real id,
    // phone number or note is anywhere in the tree.
    const real = csvRows(dir)[0] as { header: string[]; rows: string[][] };
    for (const sample of csvRows(first)) {
      const shared = sample.header.filter((name) => real.header.includes(name));
      const key = (header: string[], row: string[]) => shared.map((name) => row[header.indexOf(name)]).join('\u0000');
      const realKeys = new Set(real.rows.map((row) => key(real.header, row)));
      expect(sample.rows.filter((row) => realKeys.has(key(sample.header, row))), sample.file).toEqual([]);
    }
    const everything = files(first).map((rel) => fs.readFileSync(path.join(first, rel), 'utf8')).join('\n');
    for (const value of ['A1001', 'A1400', '7946 0001', 'opened in branch']) expect(everything).not.toContain(value);

    const record = JSON.parse(fs.readFileSync(path.join(first, '.steel-thread.json'), 'utf8')) as { answers: { data: { file: string; columns: { name: string; use: string }[] } } };
    expect(record.answers.data.file).toBe('accounts.csv');
    expect(record.answers.data.columns.find((c) => c.name === 'notes')?.use).toBe('ignored');
    const decision = fs.readFileSync(path.join(first, 'docs', 'decisions', '0001-delivery-form.md'), 'utf8');
    expect(decision).toMatch(/\| notes \| .*free text/);
    expect(fs.readFileSync(path.join(first, 'README.md'), 'utf8')).toContain('## Bring your own data');
  });

  it('refuses a bad file with one message and exit 2, writing nothing', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'ragged.csv'), 'id,age,y\na,1,0\nb,2\n');
    const run = await steelThread(['new', 'p', '--yes', '--no-git', '--data', 'ragged.csv', '--label', 'y'], { cwd: dir });
    expect(run.code, run.output).toBe(2);
    expect(run.stderr).toMatch(/^error: --data ragged.csv: line 3 has another number of cells than the header/m);
    expect(files(dir)).toEqual(['ragged.csv']);
    const without = await steelThread(['new', 'p', '--yes', '--no-git', '--label', 'y'], { cwd: dir });
    expect(without.code).toBe(2);
    expect(without.stderr).toMatch(/--label needs --data FILE/);
  });

  it('lists its flags in new --help and update --help', async () => {
    for (const command of ['new', 'update']) {
      const help = await steelThread([command, '--help'], { cwd: tempDir() });
      for (const flag of ['--data FILE', ...(command === 'new' ? ['--label COL', '--id COL', '--positive VALUE', '--pass-through COL', '--placeholders'] : [])]) expect(help.stdout).toContain(flag);
    }
  });

  it('refuses a record whose stored data was edited into something unsafe', async () => {
    const project = await generate(tempDir(), 'accounts', dataArgs(teamFile(tempDir())));
    const file = path.join(project, '.steel-thread.json');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"name": "age"', '"name": "age\\"; DROP TABLE x; --"'));
    const run = await steelThread(['check'], { cwd: project });
    expect(run.code, run.output).toBe(2);
    expect(run.stderr).toMatch(/\.steel-thread\.json: answers\.data is refused \(schema\.fields\[1\]\.name/);
  });
});

describe('update --data', () => {
  it('re-renders with the stored schema, and moves the project to a new file, keeping the team’s edits', async () => {
    const dir = tempDir();
    const project = await generate(dir, 'accounts', dataArgs(teamFile(dir)), undefined);
    const git = (...args: string[]) => execa('git', args, { cwd: project, env: gitIdentity });
    await git('init', '-q');
    await git('add', '-A');
    await git('commit', '-qm', 'made');
    // The stored schema renders the same project: nothing to update.
    const same = await steelThread(['update'], { cwd: project });
    expect(same.code, same.output).toBe(0);
    expect(same.stdout).toMatch(/Already up to date/);

    const schemaPath = path.join(project, 'contract', 'schema.json');
    fs.writeFileSync(schemaPath, fs.readFileSync(schemaPath, 'utf8').replace('"a category from the data"', '"the bank\'s segment"'));
    await git('commit', '-qam', 'our words');
    const newer = path.join(tempDir(), 'accounts.csv');
    fs.copyFileSync(teamFile(tempDir(), 500, true), newer);
    const moved = await steelThread(['update', '--data', newer], { cwd: project });
    expect(moved.code, moved.output).toBe(0);
    const schema = fs.readFileSync(schemaPath, 'utf8');
    expect(schema).toContain('"name": "visits"');
    expect(schema).toContain('"the bank\'s segment"');
    expect(fs.readFileSync(path.join(project, 'data', 'sample', 'training.csv'), 'utf8').split('\n')[0]).toContain('visits');
    const record = JSON.parse(fs.readFileSync(path.join(project, '.steel-thread.json'), 'utf8')) as { answers: { data: { rows: number } } };
    expect(record.answers.data.rows).toBe(500);
  });
});
