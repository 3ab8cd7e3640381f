import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ApiKeyService } from '../auth/api-key.service';
import { Role } from '../auth/role';
import { decodeIntId, INT4_MAX } from '../common/global-id';
import { loadConfig } from '../config';
import { resolveDatabase } from '../database/connect';
import { createDataSource, poolOf } from '../database/data-source';
import { migrations } from '../database/migrations';
import { withSchemaLock } from '../database/prepare';
import { Sql } from '../database/sql';
import { entities } from '../entities';
import { createLogger } from '../logger';

const USAGE = `Manage API keys (against DATABASE_URL, or the embedded database in DATA_DIR).

  npm run apikey -- create --role editor|admin --name "Newsroom"
  npm run apikey -- list
  npm run apikey -- revoke <id>

The key is printed once, by create; only a hash of it is stored.`;

/** Exit code of a usage error (BSD's EX_USAGE), whatever is wrong with the command line. */
const USAGE_ERROR = 64;

function usageError(message: string): number {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  return USAGE_ERROR;
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        role: { type: 'string' },
        name: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    return usageError(error instanceof Error ? error.message : String(error));
  }
  const { positionals, values } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || !command || !['create', 'list', 'revoke'].includes(command)) {
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    return usageError(command ? `Unknown command "${command}".` : 'No command given.');
  }
  let role: Role | undefined;
  if (command === 'create') {
    role = Object.values(Role).find((r) => r === values.role?.toUpperCase());
    if (!role || !values.name)
      return usageError('create needs --role editor|admin and --name "..."');
  }
  let revokeId: number | undefined;
  if (command === 'revoke') {
    if (rest.length !== 1) return usageError('revoke needs the id of the key (from `list`)');
    revokeId = keyIdOf(rest[0]!);
    if (revokeId === undefined) return usageError(`"${rest[0]}" is not the id of an API key.`);
  }

  const config = loadConfig();
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const { url, embedded } = await resolveDatabase(config, logger);
  const dataSource = createDataSource({ url, poolSize: 2, entities, migrations });
  try {
    await dataSource.initialize();
    await withSchemaLock(dataSource, () => dataSource.runMigrations({ transaction: 'each' }));
    const keys = new ApiKeyService(dataSource, new Sql(poolOf(dataSource)), logger);
    const author = { apiKeyId: null, requestId: 'cli' };
    if (command === 'create') {
      const { key, apiKey } = await keys.create(values.name!, role!, author);
      process.stdout.write(
        `Created ${apiKey.role} key "${apiKey.name}" (id ${apiKey.globalId}).\n` +
          `This is the only time the key is shown; store it now:\n\n${key}\n`,
      );
    } else if (command === 'list') {
      const rows = await keys.list();
      for (const key of rows) {
        process.stdout.write(
          [
            key.globalId,
            key.role.padEnd(6),
            key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : 'active',
            `created ${key.createdAt.toISOString()}`,
            `last used ${key.lastUsedAt?.toISOString() ?? 'never'}`,
            JSON.stringify(key.name),
          ].join('  ') + '\n',
        );
      }
      if (rows.length === 0) process.stdout.write('No API keys yet.\n');
    } else {
      const key = await keys.revoke(revokeId!, author);
      process.stdout.write(`Revoked key "${key.name}" (id ${key.globalId}).\n`);
    }
    return 0;
  } finally {
    await dataSource.destroy().catch(() => undefined);
    await embedded?.stop();
  }
}

/** A key's id as `list` prints it (global ID) or as its number; undefined if it is neither. */
function keyIdOf(arg: string): number | undefined {
  if (/^\d+$/.test(arg)) {
    const id = Number(arg);
    return id >= 1 && id <= INT4_MAX ? id : undefined;
  }
  try {
    return decodeIntId(arg, 'ApiKey', 'id');
  } catch {
    return undefined;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`apikey: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
