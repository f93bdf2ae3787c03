import crypto from 'node:crypto';
import { execa } from 'execa';

/**
 * A throwaway PostgreSQL database on the local server: a role and a database of its own, dropped
 * afterwards. Needs the server installed and running (`bash .ci/install` does both) and root,
 * to act as the postgres user. Never skips: a missing server fails the test with that message.
 */
export interface Database {
  url: string;
  password: string;
  count(sql: string): Promise<number>;
  drop(): Promise<void>;
}

async function asPostgres(sql: string, database = 'postgres'): Promise<string> {
  const result = await execa('su', ['postgres', '-c', `psql -v ON_ERROR_STOP=1 -qtAc "${sql}" ${database}`], { reject: false });
  if (result.exitCode !== 0) {
    throw new Error(`PostgreSQL is not available (run \`bash .ci/install\` as root): ${result.stderr || result.stdout}`);
  }
  return result.stdout.trim();
}

export async function createDatabase(): Promise<Database> {
  const suffix = crypto.randomBytes(4).toString('hex');
  const name = `steel_${suffix}`;
  const password = `pw${crypto.randomBytes(8).toString('hex')}`;
  await asPostgres(`create role ${name} login password '${password}'`);
  await asPostgres(`create database ${name} owner ${name}`);
  return {
    url: `postgresql://${name}:${password}@127.0.0.1:5432/${name}`,
    password,
    count: async (sql) => Number(await asPostgres(sql, name)),
    drop: async () => {
      await asPostgres(`drop database if exists ${name} with (force)`);
      await asPostgres(`drop role if exists ${name}`);
    },
  };
}
