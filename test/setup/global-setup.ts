import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seedDatabase } from '../../seeds/seed';
import { createDataSource } from '../../src/database/data-source';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { migrations } from '../../src/database/migrations';
import { prepareDatabase } from '../../src/database/prepare';
import { entities } from '../../src/entities';
import { createLogger } from '../../src/logger';
import { adminQuery, TEST_ENV, withDatabase } from './test-database';

/**
 * Starts one PostgreSQL for the whole run (embedded, in a temporary folder, unless DATABASE_URL
 * names a server to use) and builds a migrated, seeded template database that each test file
 * copies (CREATE DATABASE ... TEMPLATE takes milliseconds).
 */
export default async function globalSetup(): Promise<void> {
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'warn');
  const runId = randomBytes(4).toString('hex');
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'retorsion-test-'));
    chmodSync(dataDir, 0o755); // the server runs as the postgres OS user when we are root
    const embedded = await startEmbeddedPostgres({ dataDir, database: 'postgres', logger });
    adminUrl = embedded.url;
    globalThis.__retorsionTest = { embedded, dataDir };
  }
  const template = `retorsion_tpl_${runId}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${template}`);
  const dataSource = createDataSource({
    url: withDatabase(adminUrl, template),
    poolSize: 2,
    entities,
    migrations,
  });
  await dataSource.initialize();
  try {
    await prepareDatabase(dataSource, logger, (ds) => seedDatabase(ds, logger));
  } finally {
    await dataSource.destroy();
  }
  process.env[TEST_ENV.adminUrl] = adminUrl;
  process.env[TEST_ENV.template] = template;
  process.env[TEST_ENV.runId] = runId;
}
