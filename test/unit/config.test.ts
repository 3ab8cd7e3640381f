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

describe('values that would silently misbehave are refused', () => {
  test('PORT made only of spaces is refused, not taken as port 0 (a random port)', () => {
    // Number('  ') is 0: the int() parser lets blank values through as 0 for every variable
    // whose range includes 0 (PORT, SHUTDOWN_GRACE_MS, EXPIRY_SWEEP_SECONDS, QUERY_MAX_ALIASES...).
    expect(() => loadConfig({ PORT: '  ' })).toThrow(ConfigError);
    expect(() => loadConfig({ SHUTDOWN_GRACE_MS: ' ' })).toThrow(ConfigError);
  });

  test('HOST is validated at start-up: a nonsense value is a ConfigError', () => {
    expect(() => loadConfig({ HOST: 'not a host name!' })).toThrow(ConfigError);
  });

  test('CORS_ORIGINS entries that can never match an Origin header are refused', () => {
    // An Origin header is scheme://host[:port], with no path or trailing slash, and '*' inside a
    // list is compared literally: each of these silently blocks every browser.
    for (const value of [
      'app.example.com',
      'https://app.example.com/',
      '*, https://app.example.com',
    ])
      expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(ConfigError);
  });

  test('a statement timeout longer than the shutdown grace period is refused at start-up', () => {
    // A draining server would otherwise wait on a statement past its grace period (the pool
    // cannot close while it runs) until the shutdown watchdog exits 1.
    expect(() =>
      loadConfig({ SHUTDOWN_GRACE_MS: '1000', DB_STATEMENT_TIMEOUT_MS: '120000' }),
    ).toThrow(/DB_STATEMENT_TIMEOUT_MS \(120000\) must be shorter than SHUTDOWN_GRACE_MS \(1000\)/);
    expect(() =>
      loadConfig({ SHUTDOWN_GRACE_MS: '20000', DB_STATEMENT_TIMEOUT_MS: '15000' }),
    ).not.toThrow();
  });
});
