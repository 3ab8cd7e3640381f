import { ConfigError, defaultConfig, loadConfig } from '../../src/config';

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
