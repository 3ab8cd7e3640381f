/**
 * Database faults a managed PostgreSQL produces: a connection cut after COMMIT reached the
 * database (the outcome is unknown to the server), a statement timeout, a database that turned
 * read-only (a failover), the schema-lock session terminated while migrations run, and, through
 * a proxy, a database that stops answering (a network black hole), goes away and comes back.
 */
import { spawn } from 'node:child_process';
import { Client } from 'pg';
import { Role } from '../../../src/auth/role';
import type { Config } from '../../../src/config';
import { cleanUp, killOnCleanup, onCleanup } from '../../helpers/cleanup';
import { createTestDatabase, openDatabase } from '../../helpers/database';
import { insertMeasure } from '../../helpers/fixtures';
import { ensureBuilt } from '../../helpers/processes';
import { startDatabaseProxy } from '../../helpers/proxy';
import { startTestServer } from '../../helpers/server';
import { statementsDuring } from '../../helpers/statements';
import { sleep } from '../../helpers/wait';
import { connect } from '../../helpers/ws';

afterAll(cleanUp, 90_000);

/** A server in front of a proxy to a database of its own, for the proxy to cut or freeze. */
async function proxiedServer(overrides: Partial<Config> = {}) {
  const db = await createTestDatabase();
  onCleanup(() => db.drop());
  const proxy = await startDatabaseProxy(db.url);
  const server = await startTestServer(overrides, await openDatabase(proxy.url));
  return { server, proxy, db };
}

const ADD = (title: string) =>
  `mutation { addMeasure(input: { kind: OTHER, title: "${title}", imposedBy: "GB", announcedOn: "2024-01-01", sources: [{ title: "S" }] }) { id } }`;

describe('database faults', () => {
  test('a write whose COMMIT reached the database, unacknowledged, is answered "may or may not have been recorded"', async () => {
    const { server, proxy, db } = await proxiedServer({
      nodeEnv: 'production',
      dbConnectTimeoutMs: 1000,
    });
    const { key } = await server.createKey(Role.EDITOR);
    expect((await server.gqlAs(key, ADD('Warm-up'))).data).toBeTruthy();

    proxy.trapNextCommit();
    const response = await server.gqlAs(key, ADD('Committed but unacknowledged'));
    expect(proxy.commitTrapped()).toBe(true);
    const [{ n }] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM measure WHERE title = 'Committed but unacknowledged'`,
    );
    expect(n).toBe(1);
    const [error] = response.errors ?? [];
    // Not "nothing was done; retry": a client following that would record the measure twice.
    expect(error?.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', recorded: 'UNKNOWN' });
    expect(error?.message).toMatch(/may or may not have been recorded/);
    expect(response.headers.get('retry-after')).toBeNull();
  }, 60_000);

  test('a statement cancelled by statement_timeout is SERVICE_UNAVAILABLE (503), not an internal error', async () => {
    const server = await startTestServer({ nodeEnv: 'development', dbStatementTimeoutMs: 500 });
    const { key } = await server.createKey(Role.EDITOR);
    const measure = await insertMeasure(server.db, {
      title: 'Locked',
      imposedBy: 'GB',
      announcedOn: '2024-01-01',
    });
    const locker = new Client({ connectionString: server.db.url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('SELECT 1 FROM measure WHERE id = $1 FOR UPDATE', [measure.id]);
    try {
      const response = await server.gqlAs(
        key,
        `mutation { updateMeasure(id: "${measure.globalId}", input: { title: "After" }) { title } }`,
      );
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(response.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
      expect(response.errors?.[0]?.message).toMatch(/took too long/);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
  }, 30_000);

  test('a database that refuses writes (read-only after a failover) is SERVICE_UNAVAILABLE (503)', async () => {
    const db = await createTestDatabase();
    onCleanup(() => db.drop());
    const server = await startTestServer({ nodeEnv: 'development' }, db);
    const { key } = await server.createKey(Role.EDITOR);
    // As a promoted-then-demoted primary or a standby behind the same address would answer.
    await db.query(`ALTER DATABASE ${db.name} SET default_transaction_read_only = on`);
    await db.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    // Let the pool and the health probe reconnect (to the now read-only database).
    const deadline = Date.now() + 15_000;
    while ((await fetch(`${server.origin}/readyz`)).status !== 200) {
      if (Date.now() > deadline) throw new Error('never ready again');
      await sleep(100);
    }
    const response = await server.gqlAs(key, ADD('On a read-only database'));
    const [error] = response.errors ?? [];
    expect(error?.message).toMatch(/accepts no writes/);
    expect({ status: response.status, code: error?.extensions?.code }).toEqual({
      status: 503,
      code: 'SERVICE_UNAVAILABLE',
    });
    const read = await server.gql('{ measures { totalCount } }');
    expect(read.errors).toBeUndefined();
  }, 40_000);

  test('the schema-lock session dropped during migrations or seeding does not crash the process', async () => {
    ensureBuilt();
    const db = await createTestDatabase();
    onCleanup(() => db.drop());
    // withSchemaLock holds its session idle while the work runs; a restart or a terminated
    // backend then emits 'error' on a pg Client that has no listener.
    const script = `
      const { withSchemaLock } = require('./dist/src/database/prepare.js');
      const { Client } = require('pg');
      const url = process.env.URL;
      withSchemaLock({ options: { url } }, async () => {
        const admin = new Client({ connectionString: url });
        await admin.connect();
        await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'retorsion schema lock'");
        await admin.end();
        await new Promise((r) => setTimeout(r, 1000));
      }).then(() => { console.log('finished'); process.exit(0); },
              (e) => { console.log('failed cleanly: ' + e.message); process.exit(2); });
      setTimeout(() => { console.log('hung'); process.exit(3); }, 10000);
    `;
    const child = spawn(process.execPath, ['-e', script], {
      env: { ...process.env, URL: db.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    killOnCleanup(child);
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    // Finishing (or failing with an error the caller handles) is fine; an uncaught exception is not.
    expect({ code, output: output.split('\n').slice(0, 6).join('\n') }).toEqual({
      code: 0,
      output: expect.stringMatching(/^finished/),
    });
  }, 30_000);

  test('a planned read that times out is answered 503 at once, without the resolvers running it again', async () => {
    const server = await startTestServer({ nodeEnv: 'production', dbStatementTimeoutMs: 500 });
    const locker = new Client({ connectionString: server.db.url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE measure IN ACCESS EXCLUSIVE MODE');
    try {
      let response!: Awaited<ReturnType<typeof server.gql>>;
      const texts = await statementsDuring(async () => {
        response = await server.gql(
          '{ measures(first: 5) { totalCount edges { node { title } } } }',
        );
      });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(response.errors?.[0]).toEqual({
        message: 'The database took too long to answer; try again shortly, or ask for less.',
        extensions: { code: 'SERVICE_UNAVAILABLE' },
      });
      // The planner's one statement, and no resolver statement after it.
      expect(texts).toHaveLength(1);
      expect(texts[0]).toMatch(/^SELECT json_build_object/);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    const after = await server.gql('{ measures(first: 1) { totalCount } }');
    expect(after.errors).toBeUndefined();
  }, 30_000);
});

describe('a database that stops answering or comes back', () => {
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
