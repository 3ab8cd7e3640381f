/**
 * Hardening at the edges: configuration values that would silently misbehave, listening failures
 * (a bad HOST, a port taken under WORKERS), persisted-query requests, a database that stops
 * answering without closing the connection, /readyz and requests agreeing, WebSocket clients
 * during an outage, and a stale postmaster.pid whose pid was reused. Found by a review.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Role } from '../../../src/auth/role';
import { ConfigError, loadConfig } from '../../../src/config';
import { createTestDatabase, openDatabase } from '../../helpers/database';
import { capturingLogger } from '../../helpers/logger';
import { ensureBuilt, freePort, killServerProcesses, runCli } from '../../helpers/processes';
import { startTestServer, stopAllServers } from '../../helpers/server';
import { connect, disposeClients } from '../../helpers/ws';

const spawned = new Set<ChildProcess>();
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  await disposeClients();
  await stopAllServers();
  killServerProcesses();
  for (const child of spawned) child.kill('SIGKILL');
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
}, 60_000);

/** A TCP proxy in front of PostgreSQL that can refuse connections ('down') or black-hole them. */
async function databaseProxy(target: string) {
  const upstreamUrl = new URL(target);
  const sockets = new Set<net.Socket>();
  let mode: 'up' | 'frozen' | 'down' = 'up';
  const server = net.createServer((client) => {
    if (mode === 'down') return client.destroy();
    const upstream = net.connect(Number(upstreamUrl.port || 5432), upstreamUrl.hostname);
    sockets.add(client);
    sockets.add(upstream);
    client.on('data', (data) => void (mode === 'up' && upstream.write(data)));
    upstream.on('data', (data) => void (mode === 'up' && client.write(data)));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const socket of [client, upstream]) {
      socket.on('close', end);
      socket.on('error', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.port = String((server.address() as net.AddressInfo).port);
  const proxy = {
    url: url.toString(),
    set(next: 'up' | 'frozen' | 'down') {
      mode = next;
      if (next === 'down') for (const socket of sockets) socket.destroy();
    },
    close() {
      proxy.set('down');
      server.close();
    },
  };
  return proxy;
}

async function proxiedServer(overrides = {}) {
  const db = await createTestDatabase();
  cleanups.push(() => db.drop());
  const proxy = await databaseProxy(db.url);
  cleanups.push(() => proxy.close());
  const server = await startTestServer(overrides, await openDatabase(proxy.url));
  return { server, proxy, db };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs dist/src/main.js; resolves with its exit (or 'running' after `waitMs`) and output. */
function runMain(env: NodeJS.ProcessEnv, waitMs: number) {
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  spawned.add(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  return new Promise<{ code: number | null | 'running'; output: string }>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ code: 'running', output });
    }, waitMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      spawned.delete(child);
      resolve({ code, output });
    });
  });
}

describe('configuration (requirement 5)', () => {
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

  test('a bad HOST stops the process with a readable message and EX_CONFIG, not a stack trace', async () => {
    ensureBuilt();
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const result = await runMain(
      { DATABASE_URL: db.url, HOST: 'no-such-host.invalid', PORT: '0' },
      25_000,
    );
    // One readable line (no stack): the configuration must change (EX_CONFIG).
    expect({ code: result.code, stack: /"stack"|\n\s+at /.test(result.output) }).toEqual({
      code: 78,
      stack: false,
    });
  }, 40_000);
});

describe('errors in production (requirement 2)', () => {
  test('a persisted-query mistake by the client is not INTERNAL_SERVER_ERROR with an unmasked, unlogged message', async () => {
    const { logger, lines } = capturingLogger();
    const server = await startTestServer({ nodeEnv: 'production' }, undefined, logger);
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: '{ __typename }',
        extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } },
      }),
    });
    const body = (await response.json()) as { errors: { message: string; extensions: any }[] };
    const [error] = body.errors;
    // Automatic persisted queries are off: a clear code, not an uncoded (internal) error.
    expect(error!.extensions.code).toBe('PERSISTED_QUERY_NOT_SUPPORTED');
    expect(lines.some((line) => line.includes('internal error'))).toBe(false);
  });
});

describe('database faults (requirement 3)', () => {
  test('a database that stops answering (network black hole) fails requests fast, not never', async () => {
    const { server, proxy } = await proxiedServer({
      dbConnectTimeoutMs: 1000,
      dbStatementTimeoutMs: 2000,
    });
    expect((await server.gql('{ measures { totalCount } }')).status).toBe(200);
    proxy.set('frozen');
    const started = Date.now();
    const outcome = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ measures { totalCount } }' }),
      signal: AbortSignal.timeout(10_000),
    }).then(
      (response) => `HTTP ${response.status}`,
      () => `no answer after ${Date.now() - started} ms`,
    );
    proxy.set('down'); // lets the hung pool connections fail, so the server can stop
    expect(outcome).toBe('HTTP 503');
  }, 30_000);

  test('once /readyz says ready again, requests are served (not refused 503 for up to a second)', async () => {
    const { server, proxy } = await proxiedServer({ dbConnectTimeoutMs: 1000 });
    proxy.set('down');
    expect((await server.gql('{ measures { totalCount } }')).status).toBe(503);
    expect((await fetch(`${server.origin}/readyz`)).status).toBe(503);
    proxy.set('up');
    while ((await fetch(`${server.origin}/readyz`)).status !== 200) await sleep(50);
    const next = await server.gql('{ measures { totalCount } }');
    expect(next.status).toBe(200);
  }, 30_000);

  test('a WebSocket client with a key connecting during an outage is told to retry, not 4500 Internal server error', async () => {
    const { server, proxy } = await proxiedServer({
      nodeEnv: 'production',
      dbConnectTimeoutMs: 1000,
    });
    const { key } = await server.createKey(Role.EDITOR);
    proxy.set('down');
    expect((await server.gql('{ measures { totalCount } }')).status).toBe(503);
    const client = connect(server.url, { authorization: `Bearer ${key}` });
    const closed = await client.closed;
    // 1013 Try Again Later, which graphql-ws clients retry; not 4500 as for a bug.
    expect(closed.code).toBe(1013);
    expect(closed.code === 1013 || /unavailable|try again/i.test(closed.reason)).toBe(true);
  }, 30_000);
});

describe('shutdown (requirement 4)', () => {
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

  test('WORKERS=2 on a port another process holds fails with a clear error instead of restarting workers forever', async () => {
    ensureBuilt();
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => void holder.close());
    const port = (holder.address() as net.AddressInfo).port;
    const result = await runMain(
      { DATABASE_URL: db.url, WORKERS: '2', HOST: '127.0.0.1', PORT: String(port) },
      20_000,
    );
    // Not workers restarted for ever: the first that cannot listen stops the whole process.
    expect(result.code).toBe(78);
    expect(result.output).toMatch(/port is already in use/);
  }, 40_000);
});

describe('embedded PostgreSQL (requirement 5)', () => {
  test('a stale postmaster.pid whose pid now belongs to another program is recovered from', async () => {
    ensureBuilt();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'retorsion-faults-'));
    chmodSync(dataDir, 0o755);
    const env = { DATABASE_URL: '', DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()) };
    cleanups.push(async () => {
      await runCli('db', ['stop'], env);
      rmSync(dataDir, { recursive: true, force: true });
    });
    const first = await runCli('db', ['start'], env);
    expect(first.code).toBe(0);
    const pidFile = path.join(dataDir, 'pg', 'postmaster.pid');
    const lines = readFileSync(pidFile, 'utf8').split('\n');
    // A crash: PostgreSQL killed, its postmaster.pid left behind.
    process.kill(Number(lines[0]), 'SIGKILL');
    await sleep(1000);
    // Its pid now belongs to an unrelated program whose command line happens to mention
    // "postgres" (a log tail, an editor on postgresql.conf, a tool under ~/postgres-tools/...).
    const other = spawn(process.execPath, [
      '-e',
      'setTimeout(() => {}, 60000)',
      'tail-postgres.log',
    ]);
    spawned.add(other);
    await sleep(200);
    lines[0] = String(other.pid);
    writeFileSync(pidFile, lines.join('\n'));
    try {
      const second = await runCli('db', ['start'], env);
      // The pid's program is not a postmaster: the file is stale and the cluster starts.
      expect({ code: second.code, stderr: second.stderr }).toEqual({ code: 0, stderr: '' });
    } finally {
      other.kill('SIGKILL');
    }
  }, 90_000);
});
