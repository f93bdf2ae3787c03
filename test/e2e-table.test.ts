import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, tempDir } from './support/cli.js';
import { createDatabase, type Database } from './support/postgres.js';
import { lowestTests, make, setup, slow, venvPython, wheelEnvironment } from './support/python.js';
import { readCsv } from './support/schema.js';

/** Rows in the predictions table of a SQLite file, read by the project's own interpreter. */
async function countSqlite(python: string, file: string): Promise<number> {
  const program = 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from predictions").fetchone()[0])';
  return Number((await execa(python, ['-c', program, file])).stdout);
}

describe('a generated table-export project, run for real', () => {
  // One project and one environment for the file: setting up is the slow part.
  let project: string;
  let database: Database;
  let scoringRows: number;
  beforeAll(async () => {
    project = await generate(tempDir(), 'tabledemo', ['--delivery', 'table']);
    database = await createDatabase();
    await setup(project);
    scoringRows = readCsv(path.join(project, 'data', 'sample', 'scoring.csv')).length;
  }, slow);
  afterAll(async () => {
    await database?.drop();
  });

  it('passes its tests and lint on the latest releases, on SQLite and a real PostgreSQL, writing nothing of its own', async () => {
    const tests = await make(project, 'test', { TEST_DATABASE_URL: database.url });
    expect(tests.code, tests.output).toBe(0);
    expect(tests.output).not.toMatch(/SKIPPED|skipped/);
    expect(fs.existsSync(path.join(project, 'outbox', 'predictions.db'))).toBe(false);
    expect(await database.count("select count(*) from information_schema.tables where table_schema = 'public'")).toBe(0);
    const lint = await make(project, 'lint');
    expect(lint.code, lint.output).toBe(0);
  }, slow);

  it('passes its tests resolved to the lowest allowed releases, on the oldest Python, PostgreSQL included', async () => {
    const tests = await lowestTests(project, { TEST_DATABASE_URL: database.url });
    expect(tests.code, tests.output).toBe(0);
    expect(tests.output).not.toMatch(/SKIPPED|skipped/);
  }, slow);

  it('fills the default SQLite file; a re-run keeps the count, a second run id adds a run', async () => {
    const db = path.join(project, 'outbox', 'predictions.db');
    const first = await make(project, 'thread', { RUN_ID: 'r1' });
    expect(first.code, first.output).toBe(0);
    expect(await countSqlite(venvPython(project), db)).toBe(scoringRows);
    expect((await make(project, 'thread', { RUN_ID: 'r1' })).code).toBe(0);
    expect(await countSqlite(venvPython(project), db)).toBe(scoringRows);
    expect((await make(project, 'thread', { RUN_ID: 'r2' })).code).toBe(0);
    expect(await countSqlite(venvPython(project), db)).toBe(2 * scoringRows);
  }, slow);

  it('fills PostgreSQL named by DATABASE_URL, idempotently, never printing the password', async () => {
    const env = { DATABASE_URL: database.url, RUN_ID: 'p1' };
    const first = await make(project, 'thread', env);
    expect(first.code, first.output).toBe(0);
    expect(first.output).not.toContain(database.password);
    expect(first.output).toContain('***');
    expect((await make(project, 'thread', env)).code).toBe(0);
    expect(await database.count('select count(*) from predictions')).toBe(scoringRows);
    expect(await database.count("select count(*) from prediction_runs where run_id = 'p1'")).toBe(1);
    const constant = await make(project, 'thread', { ...env, RUN_ID: 'p2', MODEL: 'constant' });
    expect(constant.code, constant.output).toBe(0);
    expect(await database.count('select count(*) from predictions')).toBe(2 * scoringRows);
    expect(await database.count("select count(*) from predictions where run_id = 'p2' and model_version like 'constant-%'")).toBe(scoringRows);
    expect(await database.count("select count(*) from predictions where run_id = 'p1' and model_version like 'logistic-%'")).toBe(scoringRows);
    const records = fs.readdirSync(path.join(project, 'records')).map((f) => fs.readFileSync(path.join(project, 'records', f), 'utf8'));
    expect(records.join('')).not.toContain(database.password);
  }, slow);

  it('runs its thread from an installed wheel, away from the checkout', async () => {
    const work = tempDir();
    const python = await wheelEnvironment(project, work);
    const elsewhere = path.join(work, 'elsewhere');
    fs.mkdirSync(elsewhere);
    const outbox = path.join(work, 'outbox');
    const thread = await execa(python, ['-m', 'tabledemo', 'thread'], {
      cwd: elsewhere,
      env: {
        TRAINING_DATA: path.join(project, 'data', 'sample', 'training.csv'),
        SCORING_DATA: path.join(project, 'data', 'sample', 'scoring.csv'),
        OUTBOX: outbox,
        MODEL_STORE: path.join(work, 'models'),
        RECORDS: path.join(work, 'records'),
        RUN_ID: 'wheel1',
        // Nothing may reach the checkout's files: not its source, not its contract folder.
        PYTHONPATH: undefined,
        DATABASE_URL: undefined,
      },
      reject: false,
      all: true,
      stdin: 'ignore',
    });
    expect(thread.exitCode, thread.all).toBe(0);
    const imported = await execa(python, ['-c', 'import tabledemo; print(tabledemo.__file__)'], { cwd: elsewhere, env: { PYTHONPATH: undefined } });
    expect(imported.stdout).toContain(path.join(work, 'venv'));
    expect(await countSqlite(python, path.join(outbox, 'predictions.db'))).toBe(scoringRows);
  }, slow);
});
