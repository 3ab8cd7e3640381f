import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ApiKeyService } from '../auth/api-key.service';
import { Role } from '../auth/role';
import { decodeIntId } from '../common/global-id';
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

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      role: { type: 'string' },
      name: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command || !['create', 'list', 'revoke'].includes(command)) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 64;
  }
  let role: Role | undefined;
  if (command === 'create') {
    role = Object.values(Role).find((r) => r === values.role?.toUpperCase());
    if (!role || !values.name) {
      process.stderr.write('create needs --role editor|admin and --name "..."\n');
      return 64;
    }
  }
  if (command === 'revoke' && rest.length !== 1) {
    process.stderr.write('revoke needs the id of the key (from `list`)\n');
    return 64;
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
      const arg = rest[0]!;
      const id = /^\d+$/.test(arg) ? Number(arg) : decodeIntId(arg, 'ApiKey', 'id');
      const key = await keys.revoke(id, author);
      process.stdout.write(`Revoked key "${key.name}" (id ${key.globalId}).\n`);
    }
    return 0;
  } finally {
    await dataSource.destroy().catch(() => undefined);
    await embedded?.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`apikey: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
