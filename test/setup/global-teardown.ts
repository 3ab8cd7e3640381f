import { rmSync } from 'node:fs';
import { Client } from 'pg';
import { TEST_ENV } from './test-database';

/** Drops what this run created (on a shared server) or stops and removes the embedded one. */
export default async function globalTeardown(): Promise<void> {
  const state = globalThis.__retorsionTest;
  if (state) {
    await state.embedded.stop();
    rmSync(state.dataDir, { recursive: true, force: true });
    return;
  }
  const adminUrl = process.env[TEST_ENV.adminUrl];
  const runId = process.env[TEST_ENV.runId];
  if (!adminUrl || !runId) return;
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1`,
      [`retorsion\\_%\\_${runId}%`],
    );
    for (const { datname } of rows) {
      await client.query(
        `DROP DATABASE IF EXISTS ${client.escapeIdentifier(datname)} WITH (FORCE)`,
      );
    }
  } finally {
    await client.end();
  }
}
