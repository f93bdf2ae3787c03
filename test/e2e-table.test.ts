import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, tempDir } from './support/cli.js';
import { createDatabase, type Database } from './support/postgres.js';
import { make, python } from './support/python.js';

const countSqlite = async (project: string) =>
  Number((await execa(python, ['-c', "import sqlite3; print(sqlite3.connect('outbox/predictions.db').execute('select count(*) from predictions').fetchone()[0])"], { cwd: project })).stdout);

describe('a generated table-export project, run for real', () => {
  let project: string;
  let database: Database;
  beforeAll(async () => {
    project = await generate(tempDir(), 'tabledemo', ['--delivery', 'table']);
    database = await createDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('passes its tests, on SQLite and on a real PostgreSQL, writing nothing of its own', async () => {
    const tests = await make(project, 'test', { TEST_DATABASE_URL: database.url });
    expect(tests.code, tests.output).toBe(0);
    expect(tests.output).not.toMatch(/SKIPPED|skipped/);
    expect(fs.existsSync(path.join(project, 'outbox', 'predictions.db'))).toBe(false);
    expect(await database.count("select count(*) from information_schema.tables where table_schema = 'public'")).toBe(0);
  });

  it('fills the default SQLite file; a re-run keeps the count, a second run id adds a run', async () => {
    expect((await make(project, 'thread', { RUN_ID: 'r1' })).code).toBe(0);
    const first = await countSqlite(project);
    expect(first).toBe(200);
    expect((await make(project, 'thread', { RUN_ID: 'r1' })).code).toBe(0);
    expect(await countSqlite(project)).toBe(first);
    expect((await make(project, 'thread', { RUN_ID: 'r2' })).code).toBe(0);
    expect(await countSqlite(project)).toBe(2 * first);
  });

  it('fills PostgreSQL named by DATABASE_URL, idempotently, never printing the password', async () => {
    const env = { DATABASE_URL: database.url, RUN_ID: 'p1' };
    const first = await make(project, 'thread', env);
    expect(first.code, first.output).toBe(0);
    expect(first.output).not.toContain(database.password);
    expect(first.output).toContain('***');
    expect((await make(project, 'thread', env)).code).toBe(0);
    expect(await database.count('select count(*) from predictions')).toBe(200);
    expect(await database.count("select count(*) from prediction_runs where run_id = 'p1'")).toBe(1);
    expect((await make(project, 'thread', { ...env, RUN_ID: 'p2', MODEL: 'constant' })).code).toBe(0);
    expect(await database.count('select count(*) from predictions')).toBe(400);
    const records = fs.readdirSync(path.join(project, 'records')).map((f) => fs.readFileSync(path.join(project, 'records', f), 'utf8'));
    expect(records.join('')).not.toContain(database.password);
  });
});
