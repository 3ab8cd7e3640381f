import { cleanUp } from '../../helpers/cleanup';
import { startTestServer, type TestServer } from '../../helpers/server';
import { waitUntil } from '../../helpers/wait';
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
  const feed = server.app.services.measureFeed;
  await waitUntil('the subscription', () => feed.subscriberCount === 1, 30_000);
  socket.pause(); // stop reading: the server's writes back up, then its queue overflows
  await bulkInsert();
  // Read again only once every change has been handed to the subscription (not after a fixed
  // time, which a loaded machine may not have needed to get that far).
  const [{ last }] = await server.db.query<{ last: string }>(
    'SELECT max(seq) AS last FROM change_log',
  );
  await waitUntil(
    'the listener to hand out the bulk insert',
    () => server.app.listener.seq >= Number(last),
    30_000,
  );
  socket.resume();
  await waitUntil('the overflow error', () => received.some((m) => m.type === 'error'), 30_000);
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
  const rest = () =>
    received
      .filter((m) => m.id === '2' && m.type === 'next')
      .map((m) => m.payload.data.measureAdded.id as string);
  await waitUntil('the rest', () => delivered.length + rest().length >= BULK, 30_000).catch(
    () => undefined, // the assertions below say what is missing
  );
  const all = [...delivered, ...rest()];
  expect(all).toHaveLength(BULK);
  expect(new Set(all).size).toBe(BULK);
  socket.close();
}, 120_000);

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
    const feed = small.app.services.measureFeed;
    const sub = connect(small.url).subscribe('subscription { measureAdded { id } }');
    await waitUntil('the subscription', () => feed.subscriberCount === 1, 30_000);
    const inserted = await bulkInsert(5);
    await sub.waitFor(5, 30_000);
    await settle();
    expect(sub.failed).toBeUndefined();
    expect(ids(sub.events)).toEqual(
      inserted.map((id) => Buffer.from(`Measure:${id}`).toString('base64url')),
    );
  });
});
