import type { DataSource } from 'typeorm';
import { seedDatabase } from '../seeds/seed';
import type { Config } from './config';
import { createDataSource, poolOf } from './database/data-source';
import { DatabaseHealth } from './database/health';
import { migrations } from './database/migrations';
import { prepareDatabase } from './database/prepare';
import { Sql } from './database/sql';
import { entities } from './entities';
import { RateLimiter } from './limits/rate-limiter';
import { ChangeListener } from './live/change-listener';
import type { Logger } from './logger';
import { MeasureExpiry } from './measures/measure-expiry';
import { buildAppSchema } from './schema';
import { type RunningServer, startServer } from './server';
import { createServices, type Services } from './services';

export interface Application {
  server: RunningServer;
  dataSource: DataSource;
  services: Services;
  listener: ChangeListener;
  expiry: MeasureExpiry;
  /** Closes sockets (1001), drains HTTP, releases the listener, then closes the pool. */
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
    statementTimeoutMs: config.dbStatementTimeoutMs,
    connectTimeoutMs: config.dbConnectTimeoutMs,
    entities,
    migrations,
  });
  await dataSource.initialize();
  const listener = new ChangeListener({
    databaseUrl,
    logger,
    pollMs: config.livePollMs,
    // A batch is delivered to a subscription's queue at once: never more than the queue holds.
    batchSize: Math.min(500, config.subscriptionQueueLimit),
  });
  try {
    await prepareDatabase(dataSource, logger, (ds) => seedDatabase(ds, logger));
    await listener.start();
    const sql = new Sql(poolOf(dataSource));
    const services = await createServices({
      sql,
      dataSource,
      logger,
      listener,
      topicOptions: { queueLimit: config.subscriptionQueueLimit },
    });
    const schema = await buildAppSchema();
    const checkDatabase = async () => {
      await sql.rows('SELECT 1');
    };
    const health = new DatabaseHealth(checkDatabase, logger);
    const expiry = new MeasureExpiry(dataSource, logger, config.expirySweepMs);
    const server = await startServer({
      config,
      logger,
      schema,
      services,
      sql,
      listener,
      rateLimiter: new RateLimiter(poolOf(dataSource), config.rateLimit, logger),
      health,
      checkDatabase,
    });
    expiry.start();
    return {
      server,
      dataSource,
      services,
      listener,
      expiry,
      async stop() {
        health.stop();
        await expiry.stop();
        await server.stop();
        logger.debug('http and websocket servers drained');
        await listener.stop();
        await dataSource.destroy();
        logger.debug('database connections closed');
      },
    };
  } catch (error) {
    await listener.stop().catch(() => undefined);
    await dataSource.destroy().catch(() => undefined);
    throw error;
  }
}
