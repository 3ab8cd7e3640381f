import { types, type Pool } from 'pg';
import { DataSource, type MixedList, type EntitySchema } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

// Calendar dates stay 'YYYY-MM-DD' strings: parsing them into JS Dates at local midnight would
// shift them by a day in any time zone west of UTC.
types.setTypeParser(types.builtins.DATE, (value) => value);

export interface DataSourceOptions {
  url: string;
  poolSize: number;
  /** Cancels statements running longer (server side), so a runaway query cannot pin a connection. */
  statementTimeoutMs?: number;
  connectTimeoutMs?: number;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
}

/** The one TypeORM data source: writes and migrations go through it, reads through its pool. */
export function createDataSource(options: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    applicationName: 'retorsion',
    poolSize: options.poolSize,
    connectTimeoutMS: options.connectTimeoutMs ?? 5000,
    extra: {
      statement_timeout: options.statementTimeoutMs ?? 15_000,
      // statement_timeout is enforced by the server; a server that stops answering (a network
      // partition) would leave queries waiting for ever. The client gives up a little later.
      query_timeout: (options.statementTimeoutMs ?? 15_000) + 5_000,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      idle_in_transaction_session_timeout: 60_000,
    },
  });
}

/** The pg pool behind the data source, shared by the read path (see Sql). */
export function poolOf(dataSource: DataSource): Pool {
  return (dataSource.driver as PostgresDriver).master as Pool;
}
