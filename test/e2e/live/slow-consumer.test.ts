import { cleanUp } from '../../helpers/cleanup';
import { startTestServer, type TestServer } from '../../helpers/server';
import { connect, disposeClients, nextMessage, rawSocket, type Received } from '../../helpers/ws';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ subscriptionQueueLimit: 4, livePollMs: 100 });
});
afterAll(cleanUp);

const BULK = 1500;

/** Records many large measures at once, as a bulk import would (fixture, not the API). */
async function bulkInsert(): Promise<void> {
  await server.db.query(`
    WITH m AS (
      INSERT INTO measure (kind, title, summary, imposed_by_code, target_count, announced_on, status)
      SELECT 'OTHER', 'Bulk ' || g, repeat('x', 8000), 'GB', 0, '2024-01-01', 'IN_FORCE'
      FROM generate_series(1, ${BULK}) AS g RETURNING id)
    INSERT INTO change_log (seq, entity, entity_id, action)
    SELECT nextval('change_log_seq'), 'Measure', id, 'added' FROM m ORDER BY id`);
  await server.db.query(`SELECT pg_notify('retorsion_changes', 'bulk')`);
}

test('a client that stops reading is ended with SUBSCRIPTION_OVERFLOW, and resumes without loss', async () => {
  const socket = await rawSocket(server.url);
  socket.send(JSON.stringify({ type: 'connection_init' }));
  expect((await nextMessage(socket)).type).toBe('connection_ack');
  const received: any[] = [];
  socket.on('message', (data) => received.push(JSON.parse(data.toString())));
  socket.send(
    JSON.stringify({
      id: '1',
      type: 'subscribe',
      payload: { query: 'subscription { measureAdded { id summary } }' },
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  socket.pause(); // stop reading: the server's writes back up, then its queue overflows
  await bulkInsert();
  await new Promise((resolve) => setTimeout(resolve, 3000));
  socket.resume();
  const deadline = Date.now() + 10_000;
  while (!received.some((m) => m.type === 'error') && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const delivered = received
    .filter((m) => m.type === 'next')
    .map((m) => m.payload.data.measureAdded.id as string);
  const error = received.find((m) => m.type === 'error');
  expect(error).toBeDefined();
  expect(error.payload[0].extensions.code).toBe('SUBSCRIPTION_OVERFLOW');
  expect(delivered.length).toBeGreaterThan(0);
  expect(delivered.length).toBeLessThan(BULK);
  expect(error.payload[0].extensions.resumeFrom).toBe(delivered.at(-1));

  // Resuming from the last delivered measure brings exactly the rest.
  socket.send(
    JSON.stringify({
      id: '2',
      type: 'subscribe',
      payload: { query: `subscription { measureAdded(since: "${delivered.at(-1)}") { id } }` },
    }),
  );
  const rest: string[] = [];
  while (delivered.length + rest.length < BULK && Date.now() < deadline + 20_000) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    rest.splice(
      0,
      rest.length,
      ...received
        .filter((m) => m.id === '2' && m.type === 'next')
        .map((m) => m.payload.data.measureAdded.id),
    );
  }
  const all = [...delivered, ...rest];
  expect(all).toHaveLength(BULK);
  expect(new Set(all).size).toBe(BULK);
  socket.close();
}, 60_000);

describe('a small queue', () => {
  afterEach(disposeClients);
  const ids = (events: Received[]) =>
    events.map((event) => Object.values(event.data)[0] as { id: string }).map((n) => n.id);
  const settle = (ms = 250) => new Promise((resolve) => setTimeout(resolve, ms));

  let small: TestServer;
  beforeAll(async () => {
    small = await startTestServer({ subscriptionQueueLimit: 2, livePollMs: 100 });
  });

  /** Five measures committed at once (one batch for the listener), as a bulk import would. */
  async function bulkInsert(n: number): Promise<number[]> {
    const rows = await small.db.query<{ id: number }>(`
      WITH m AS (
        INSERT INTO measure (kind, title, imposed_by_code, target_count, announced_on, status)
        SELECT 'OTHER', 'Bulk ' || g, 'GB', 0, '2024-01-01', 'IN_FORCE'
        FROM generate_series(1, ${n}) AS g RETURNING id),
      c AS (INSERT INTO change_log (seq, entity, entity_id, action)
        SELECT nextval('change_log_seq'), 'Measure', id, 'added' FROM m ORDER BY id RETURNING entity_id)
      SELECT entity_id AS id FROM c ORDER BY id`);
    await small.db.query(`SELECT pg_notify('retorsion_changes', 'bulk')`);
    return rows.map((r) => r.id);
  }

  test('a consumer that keeps up is not ended by a batch larger than its queue (batches are cut to the queue size)', async () => {
    const sub = connect(small.url).subscribe('subscription { measureAdded { id } }');
    await settle(300);
    const inserted = await bulkInsert(5);
    await sub.waitFor(5, 5000);
    await settle();
    expect(sub.failed).toBeUndefined();
    expect(ids(sub.events)).toEqual(
      inserted.map((id) => Buffer.from(`Measure:${id}`).toString('base64url')),
    );
  });
});
