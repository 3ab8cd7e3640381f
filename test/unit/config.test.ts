import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, defaultConfig, loadConfig, settings } from '../../src/config';
import { listSettings } from '../../src/settings';

test('defaults apply when nothing is set', () => {
  const config = loadConfig({});
  expect(config).toMatchObject({
    port: 4000,
    nodeEnv: 'development',
    playground: true,
    dbPoolSize: 10,
  });
  expect(config.databaseUrl).toBeUndefined();
  expect(config.dataDir).toBe(defaultConfig.dataDir);
});

test('values are parsed and typed', () => {
  const config = loadConfig({
    PORT: '0',
    NODE_ENV: 'production',
    DATABASE_URL: 'postgres://u:p@db:5432/retorsion',
    PLAYGROUND: 'false',
    DB_POOL_SIZE: '25',
    LOG_LEVEL: 'warn',
  });
  expect(config).toMatchObject({
    port: 0,
    nodeEnv: 'production',
    databaseUrl: 'postgres://u:p@db:5432/retorsion',
    playground: false,
    dbPoolSize: 25,
    logLevel: 'warn',
  });
});

test('every problem is reported at once', () => {
  try {
    loadConfig({
      PORT: '70000',
      NODE_ENV: 'staging',
      DATABASE_URL: 'mysql://x',
      PLAYGROUND: 'maybe',
    });
    throw new Error('expected a ConfigError');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toHaveLength(4);
    expect((error as Error).message).toMatch(/PORT must be an integer from 0 to 65535/);
  }
});

test('EXPIRY_SWEEP_SECONDS is read in seconds, and 0 turns the sweep off', () => {
  expect(loadConfig({}).expirySweepMs).toBe(60_000);
  expect(loadConfig({ EXPIRY_SWEEP_SECONDS: '5' }).expirySweepMs).toBe(5000);
  expect(loadConfig({ EXPIRY_SWEEP_SECONDS: '0' }).expirySweepMs).toBe(0);
  expect(() => loadConfig({ EXPIRY_SWEEP_SECONDS: '-1' })).toThrow(/EXPIRY_SWEEP_SECONDS/);
});

test('every environment variable the server reads is documented in docs/configuration.md', () => {
  const source = readFileSync(path.join(__dirname, '../../src/config.ts'), 'utf8');
  const read = new Set(
    [...source.matchAll(/env: '([A-Z_]+)'|env\.([A-Z_]+)/g)].map((m) => m[1] ?? m[2]),
  );
  const page = readFileSync(path.join(__dirname, '../../docs/configuration.md'), 'utf8');
  const documented = new Set([...page.matchAll(/^\| `([A-Z_]+)`/gm)].map((m) => m[1]));
  expect(read.size).toBeGreaterThan(30);
  expect([...read].filter((name) => !documented.has(name))).toEqual([]);
  expect([...documented].filter((name) => !read.has(name))).toEqual([]);
});

test('each variable sets one value', () => {
  const names = listSettings(settings).map(({ setting }) => setting.env);
  expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
});

test('every default is a value its variable accepts', () => {
  for (const { path: key, setting } of listSettings(settings)) {
    if (setting.default === undefined) continue;
    const written = setting.type.show(setting.default);
    if (written === '') continue; // an empty list: the same as unset
    expect([key, setting.type.parse(written, setting.env)]).toEqual([
      key,
      { value: setting.default },
    ]);
  }
});

test('loadConfig reads every variable of the table onto its path', () => {
  expect(loadConfig({ QUERY_MAX_DEPTH: '7', WS_MAX_BYTES_PER_SOCKET: '65536' })).toMatchObject({
    limits: { ...defaultConfig.limits, maxDepth: 7 },
    wsBudget: { ...defaultConfig.wsBudget, socketBytes: 65536 },
  });
  expect(loadConfig({}, { port: 1 }).port).toBe(1);
  expect(loadConfig({ NODE_ENV: 'test' }).logLevel).toBe('silent');
  expect(loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
});
