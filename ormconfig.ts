import 'reflect-metadata';
import { loadConfig } from './src/config';
import { createDataSource } from './src/database/data-source';
import { migrations } from './src/database/migrations';
import { entities } from './src/entities';

/**
 * The data source for the TypeORM CLI (`npm run typeorm -- migration:show`, `migration:generate`).
 * It needs DATABASE_URL: the CLI cannot start the embedded server (use `npm run db -- url` to print
 * the embedded one's URL while `npm start` runs).
 */
const config = loadConfig();
if (!config.databaseUrl) {
  throw new Error('Set DATABASE_URL for the TypeORM CLI (see docs/operations.md, "Migrations").');
}

export default createDataSource({ url: config.databaseUrl, poolSize: 2, entities, migrations });
