import 'reflect-metadata';
import { seedDatabase } from '../../seeds/seed';
import { loadConfig } from '../config';
import { resolveDatabase } from '../database/connect';
import { createDataSource } from '../database/data-source';
import { migrations } from '../database/migrations';
import { withSchemaLock } from '../database/prepare';
import { entities } from '../entities';
import { createLogger } from '../logger';

/** `npm run seed`: migrates, then adds whatever seed data is missing. Safe to run again. */
async function seed(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const { url, embedded } = await resolveDatabase(config, logger);
  const dataSource = createDataSource({ url, poolSize: 2, entities, migrations });
  try {
    await dataSource.initialize();
    await withSchemaLock(dataSource, async () => {
      await dataSource.runMigrations({ transaction: 'each' });
      await seedDatabase(dataSource, logger);
    });
  } finally {
    await dataSource.destroy().catch(() => undefined);
    await embedded?.stop();
  }
}

seed().catch((error: unknown) => {
  process.stderr.write(`seed failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
