import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generate, steelThread, templatesDir, tempDir } from './support/cli.js';
import { lowestTests, make, newestPython, setup, slow, venvPython } from './support/python.js';
import { readCsv, readSchema } from './support/schema.js';

describe('a generated CSV-drop project, run for real', () => {
  // One project and one environment for the file: setting up is the slow part.
  let project: string;
  let id: string;
  let scoringRows: number;
  beforeAll(async () => {
    project = await generate(tempDir(), 'demo', ['--consumer', 'people', '--freshness', 'daily']);
    await setup(project);
    id = readSchema(project).id;
    scoringRows = readCsv(path.join(project, 'data', 'sample', 'scoring.csv')).length;
  }, slow);

  it(`passes its tests and lint on the latest releases, on Python ${newestPython}, writing nothing of its own`, async () => {
    expect(fs.existsSync(path.join(project, 'uv.lock'))).toBe(true);
    const tests = await make(project, 'test');
    expect(tests.code, tests.output).toBe(0);
    expect(tests.output).toMatch(/\d+ passed/);
    expect(tests.output).toContain(`platform linux -- Python ${newestPython}.`);
    expect(fs.existsSync(path.join(project, 'outbox'))).toBe(false);
    expect(fs.existsSync(path.join(project, 'models'))).toBe(false);
    const lint = await make(project, 'lint');
    expect(lint.code, lint.output).toBe(0);
  }, slow);

  it('passes its tests resolved to the lowest allowed releases, on the oldest Python', async () => {
    const tests = await lowestTests(project);
    expect(tests.code, tests.output).toBe(0);
    expect(tests.output).toMatch(/\d+ passed/);
  }, slow);

  it('delivers a ranked, manifested, idempotent drop; the constant model ranks ties by id', async () => {
    const thread = await make(project, 'thread', { RUN_ID: 'check1' });
    expect(thread.code, thread.output).toBe(0);
    const csvFile = path.join(project, 'outbox', 'predictions-check1.csv');
    const manifestFile = path.join(project, 'outbox', 'predictions-check1.manifest.json');
    const rows = readCsv(csvFile);
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    expect(rows).toHaveLength(scoringRows);
    expect(rows.map((row) => Number(row.rank))).toEqual(rows.map((_, i) => i + 1));
    const keys = rows.map((row) => [-Number(row.score), row[id]!] as const);
    expect(keys).toEqual([...keys].sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1)));
    expect(new Set(rows.map((row) => row.run_id))).toEqual(new Set(['check1']));
    expect(manifest).toMatchObject({ rows: scoringRows, run_id: 'check1', model_version: rows[0]?.model_version, columns: Object.keys(rows[0] ?? {}) });
    expect(manifest.sha256).toBe(crypto.createHash('sha256').update(fs.readFileSync(csvFile)).digest('hex'));
    expect(manifest.model_version).toMatch(/^logistic-[0-9a-f]{12}$/);
    expect(fs.readdirSync(path.join(project, 'models', 'promotions')).join()).toContain(manifest.model_version);

    const before = [fs.readFileSync(csvFile), fs.readFileSync(manifestFile)];
    expect((await make(project, 'thread', { RUN_ID: 'check1' })).code).toBe(0);
    expect([fs.readFileSync(csvFile), fs.readFileSync(manifestFile)]).toEqual(before);

    const constant = await make(project, 'thread', { RUN_ID: 'day-one', MODEL: 'constant' });
    expect(constant.code, constant.output).toBe(0);
    const constantRows = readCsv(path.join(project, 'outbox', 'predictions-day-one.csv'));
    expect(new Set(constantRows.map((row) => row.score)).size).toBe(1);
    expect(constantRows[0]?.model_version).toMatch(/^constant-/);
    expect(constantRows.map((row) => row[id])).toEqual(constantRows.map((row) => row[id]).sort());
  }, slow);

  it('--verify runs the project’s tests and thread and reports success', async () => {
    const dir = tempDir();
    const run = await steelThread(['new', 'verified', '--consumer', 'people', '--freshness', 'weekly', '--yes', '--no-git', '--verify'], {
      cwd: dir,
      env: { PYTHON: venvPython(project), UV_PYTHON_DOWNLOADS: 'never' },
    });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toMatch(/ok\s+make test[\s\S]*ok\s+make thread/);
  }, slow);

  it('--verify without PYTHON makes the project’s environment first, as its README says', async () => {
    const dir = tempDir();
    const run = await steelThread(['new', 'fresh', '--consumer', 'people', '--freshness', 'weekly', '--yes', '--no-git', '--verify'], {
      cwd: dir,
      env: { PYTHON: undefined, UV_PYTHON_DOWNLOADS: 'never' },
    });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toMatch(/ok\s+make setup[\s\S]*ok\s+make test[\s\S]*ok\s+make thread/);
    expect(fs.existsSync(path.join(dir, 'fresh', '.venv', 'bin', 'python'))).toBe(true);
  }, slow);

  it('--verify fails with the project’s own output, and keeps the project', async () => {
    const dir = tempDir();
    const broken = path.join(dir, 'templates');
    fs.cpSync(templatesDir, broken, { recursive: true });
    fs.appendFileSync(path.join(broken, 'base', 'tests', 'test_model.py.hbs'), '\n\ndef test_this_fails_on_purpose():\n    assert 1 == 2\n');
    const run = await steelThread(['new', 'broken', '--consumer', 'people', '--freshness', 'weekly', '--yes', '--no-git', '--verify', '--templates', broken], {
      cwd: dir,
      env: { PYTHON: venvPython(project), UV_PYTHON_DOWNLOADS: 'never' },
    });
    expect(run.code).toBe(4);
    expect(run.output).toContain('test_this_fails_on_purpose');
    expect(run.stderr).toMatch(/--verify: make test failed .*the project is kept/);
    expect(fs.existsSync(path.join(dir, 'broken', 'pyproject.toml'))).toBe(true);
  }, slow);

  it('reports a failing git step with git’s own output and exit 4, and keeps the whole project without git', async () => {
    const dir = tempDir();
    const run = await steelThread(['new', 'demo', '--consumer', 'people', '--freshness', 'daily', '--yes'], {
      cwd: dir,
      env: { GIT_AUTHOR_NAME: 'test', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'test', GIT_COMMITTER_EMAIL: 't@example.com', GIT_AUTHOR_DATE: 'not a date' },
    });
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/error: the project is written, but git commit failed/);
    expect(run.stderr).toMatch(/invalid date format/);
    expect(fs.readdirSync(dir)).toEqual(['demo']);
    expect(fs.existsSync(path.join(dir, 'demo', 'pyproject.toml'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'demo', '.git'))).toBe(false);
  });
});
