import { startTestServer, stopAllServers, type TestServer } from '../../helpers/server';
import { nextMessage, rawSocket } from '../../helpers/ws';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ subscriptionQueueLimit: 4, livePollMs: 100 });
});
afterAll(stopAllServers);

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
