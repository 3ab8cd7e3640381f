import net from 'node:net';
import { Client } from 'pg';
import { cleanUp, onCleanup } from '../../helpers/cleanup';
import { createTestDatabase, type TestDatabase } from '../../helpers/database';
import { insertMeasure } from '../../helpers/fixtures';
import { ensureBuilt, post, runCli, startServerProcess } from '../../helpers/processes';
import { waitUntil } from '../../helpers/wait';

/**
 * SIGTERM while a request waits on a slow statement (a row lock held by this test): the request
 * finishes and is answered, new connections are refused, the process exits 0.
 */
let db: TestDatabase;
beforeAll(async () => {
  ensureBuilt();
  db = await createTestDatabase();
  onCleanup(() => db.drop());
}, 60_000);
afterAll(cleanUp);

test('SIGTERM during a slow write lets it finish, refuses new work, and exits 0', async () => {
  const created = await runCli('apikey', ['create', '--role', 'editor', '--name', 'Shutdown'], {
    DATABASE_URL: db.url,
  });
  const key = /(rtsn_\S+)/.exec(created.stdout)![1]!;
  const measure = await insertMeasure(db, {
    title: 'Before',
    imposedBy: 'GB',
    announcedOn: '2024-01-01',
  });
  const server = await startServerProcess({
    DATABASE_URL: db.url,
    SHUTDOWN_GRACE_MS: '10000',
    DB_STATEMENT_TIMEOUT_MS: '8000',
  });

  const locker = new Client({ connectionString: db.url });
  await locker.connect();
  await locker.query('BEGIN');
  await locker.query('SELECT 1 FROM measure WHERE id = $1 FOR UPDATE', [measure.id]);
  try {
    const slow = post(
      server.url,
      `mutation { updateMeasure(id: "${measure.globalId}", input: { title: "After" }) { title } }`,
      key,
    );
    // A kept-alive connection whose first request waits on the lock, and which sends a second
    // one after SIGTERM: the first is answered, the second (new work while draining) is refused.
    const { hostname, port } = new URL(server.url);
    const pipelined = net.connect(Number(port), hostname);
    const received: Buffer[] = [];
    pipelined.on('data', (chunk) => received.push(chunk));
    const pipelinedClosed = new Promise((resolve) => pipelined.on('close', resolve));
    const request = (query: string) => {
      const body = JSON.stringify({ query });
      return (
        `POST /graphql HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\n` +
        `Authorization: Bearer ${key}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
      );
    };
    pipelined.write(
      request(
        `mutation { updateMeasure(id: "${measure.globalId}", input: { summary: "Pipelined" }) { summary } }`,
      ),
    );
    // Both updates wait on the lock (polled, not slept: a loaded machine takes its time).
    await waitUntil(
      'both updates waiting on the lock',
      async () => {
        const [row] = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE wait_event_type = 'Lock' AND datname = current_database()`,
        );
        return row!.n >= 2;
      },
      60_000,
    );
    server.child.kill('SIGTERM');
    // Draining: new connections are refused (polled: the signal takes its time under load).
    const healthz = () =>
      fetch(`${server.url.replace('/graphql', '/healthz')}`).then(
        (response) => `status ${response.status}`,
        () => 'refused',
      );
    await waitUntil('new connections refused', async () => (await healthz()) === 'refused', 60_000);
    pipelined.write(request('{ country(code: "JP") { name } }'));
    expect(await healthz()).toBe('refused');
    await locker.query('COMMIT');
    const answered = await slow;
    expect(answered).toEqual({
      status: 200,
      body: {
        data: { updateMeasure: { title: 'After' } },
        extensions: { cost: expect.any(Object) },
      },
    });
    await pipelinedClosed;
    const responses = Buffer.concat(received)
      .toString()
      .split(/(?=HTTP\/1\.1 )/);
    expect(responses).toHaveLength(2);
    expect(responses[0]).toMatch(/^HTTP\/1\.1 200/);
    expect(responses[0]).toContain('"summary":"Pipelined"');
    expect(responses[1]).toMatch(/^HTTP\/1\.1 503/);
    expect(responses[1]).toMatch(/connection: close/i);
    expect(responses[1]).toContain('"code":"SERVICE_UNAVAILABLE"');
  } finally {
    await locker.end();
  }
  expect(await server.exited).toEqual({ code: 0, signal: null });
  const [row] = await db.query<{ title: string }>('SELECT title FROM measure WHERE id = $1', [
    measure.id,
  ]);
  expect(row!.title).toBe('After');
}, 120_000);
