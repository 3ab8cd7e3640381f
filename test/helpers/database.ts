import { randomBytes } from 'node:crypto';
import { Client, type QueryResultRow } from 'pg';
import { adminQuery, TEST_ENV, withDatabase } from '../setup/test-database';

export interface TestDatabase {
  url: string;
  name: string;
  /** Runs SQL directly, for fixtures and for checking what a request left behind. */
  query<R extends QueryResultRow = QueryResultRow>(sql: string, values?: unknown[]): Promise<R[]>;
  drop(): Promise<void>;
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: run the tests through jest (see jest.config.js)`);
  return value;
}

/** A fresh copy of the migrated, seeded template, for one test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = requireEnv(TEST_ENV.adminUrl);
  const template = requireEnv(TEST_ENV.template);
  const name = `retorsion_t_${requireEnv(TEST_ENV.runId)}_${randomBytes(4).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name} TEMPLATE ${template}`);
  const url = withDatabase(adminUrl, name);
  const client = new Client({ connectionString: url });
  await client.connect();
  return {
    url,
    name,
    async query<R extends QueryResultRow>(sql: string, values: unknown[] = []) {
      return (await client.query<R>(sql, values)).rows;
    },
    async drop() {
      await client.end();
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** A database this test did not create (e.g. on a cluster it runs itself); drop() only disconnects. */
export async function openDatabase(url: string): Promise<TestDatabase> {
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined); // the cluster may be restarted under it
  await client.connect();
  return {
    url,
    name: new URL(url).pathname.slice(1),
    async query<R extends QueryResultRow>(sql: string, values: unknown[] = []) {
      return (await client.query<R>(sql, values)).rows;
    },
    async drop() {
      await client.end().catch(() => undefined);
    },
  };
}
