/**
 * Database faults a managed PostgreSQL produces: a connection cut after COMMIT reached the
 * database (the outcome is unknown to the server), a statement timeout, a database that turned
 * read-only (a failover), and the schema-lock session terminated while migrations run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { Client } from 'pg';
import { Role } from '../../../src/auth/role';
import { createTestDatabase, openDatabase } from '../../helpers/database';
import { insertMeasure } from '../../helpers/fixtures';
import { ensureBuilt, killServerProcesses } from '../../helpers/processes';
import { startTestServer, stopAllServers } from '../../helpers/server';
import { statementsDuring } from '../../helpers/statements';
import { disposeClients } from '../../helpers/ws';

const spawned = new Set<ChildProcess>();
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  await disposeClients();
  await stopAllServers();
  killServerProcesses();
  for (const child of spawned) child.kill('SIGKILL');
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
}, 90_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A TCP proxy in front of PostgreSQL. When armed, the first COMMIT a client sends is forwarded to
 * the database, and the connection is cut as soon as the database answers it: the transaction is
 * committed, the server never hears so (a database crash or a network cut at that moment).
 */
async function commitTrapProxy(target: string) {
  const upstreamUrl = new URL(target);
  let armed = false;
  let fired = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(upstreamUrl.port || 5432), upstreamUrl.hostname);
    let commitSent = false;
    client.on('data', (data) => {
      if (armed && !fired && data.includes('COMMIT')) {
        fired = true;
        commitSent = true;
      }
      upstream.write(data);
    });
    upstream.on('data', (data) => {
      if (commitSent) {
        // The database has committed; its answer never arrives.
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(data);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('close', end);
      socket.on('error', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.port = String((server.address() as net.AddressInfo).port);
  cleanups.push(() => void server.close());
  return {
    url: url.toString(),
    arm: () => (armed = true),
    fired: () => fired,
  };
}

const ADD = (title: string) =>
  `mutation { addMeasure(input: { kind: OTHER, title: "${title}", imposedBy: "GB", announcedOn: "2024-01-01", sources: [{ title: "S" }] }) { id } }`;

describe('database faults', () => {
  test('a write whose COMMIT reached the database, unacknowledged, is answered "may or may not have been recorded"', async () => {
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const proxy = await commitTrapProxy(db.url);
    const server = await startTestServer(
      { nodeEnv: 'production', dbConnectTimeoutMs: 1000 },
      await openDatabase(proxy.url),
    );
    const { key } = await server.createKey(Role.EDITOR);
    expect((await server.gqlAs(key, ADD('Warm-up'))).data).toBeTruthy();

    proxy.arm();
    const response = await server.gqlAs(key, ADD('Committed but unacknowledged'));
    expect(proxy.fired()).toBe(true);
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
    cleanups.push(() => db.drop());
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
    cleanups.push(() => db.drop());
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
    spawned.add(child);
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    spawned.delete(child);
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
