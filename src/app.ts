import type { DataSource } from 'typeorm';
import { seedDatabase } from '../seeds/seed';
import type { Config } from './config';
import { createDataSource, poolOf } from './database/data-source';
import { migrations } from './database/migrations';
import { prepareDatabase } from './database/prepare';
import { Sql } from './database/sql';
import { entities } from './entities';
import type { Logger } from './logger';
import { buildAppSchema } from './schema';
import { type RunningServer, startServer } from './server';
import { createServices, type Services } from './services';

export interface Application {
  server: RunningServer;
  dataSource: DataSource;
  services: Services;
  /** Drains the server, then closes the database pool. */
  stop(): Promise<void>;
}

/** Connects, migrates, seeds an empty database and serves. Used by main.ts and by the tests. */
export async function startApplication(
  config: Config,
  logger: Logger,
  databaseUrl: string,
): Promise<Application> {
  const dataSource = createDataSource({
    url: databaseUrl,
    poolSize: config.dbPoolSize,
    entities,
    migrations,
  });
  await dataSource.initialize();
  try {
    await prepareDatabase(dataSource, logger, (ds) => seedDatabase(ds, logger));
    const sql = new Sql(poolOf(dataSource));
    const services = await createServices(sql, dataSource, logger);
    const schema = await buildAppSchema();
    const server = await startServer({
      config,
      logger,
      schema,
      services,
      checkDatabase: async () => {
        await sql.rows('SELECT 1');
      },
    });
    return {
      server,
      dataSource,
      services,
      async stop() {
        await server.stop();
        logger.debug('http server drained');
        await dataSource.destroy();
        logger.debug('database pool closed');
      },
    };
  } catch (error) {
    await dataSource.destroy().catch(() => undefined);
    throw error;
  }
}
