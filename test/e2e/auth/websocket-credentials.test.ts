import WebSocket from 'ws';
import { Role } from '../../../src/auth/role';
import { addMeasureAs } from '../../helpers/fixtures';
import { startTestServer, stopAllServers, type TestServer } from '../../helpers/server';
import { waitUntil } from '../../helpers/wait';
import { closeOf, connect, disposeClients } from '../../helpers/ws';

/**
 * The socket is as strict as HTTP: a credential anywhere a client might put one must be a valid
 * key (never silently anonymous), a revoked key's subscriptions end on every instance, and
 * CORS_ORIGINS binds the upgrade.
 */
let server: TestServer;
let editorKey: string;

beforeAll(async () => {
  server = await startTestServer({ corsOrigins: ['https://app.example.org'] });
  editorKey = (await server.createKey(Role.EDITOR)).key;
});
afterAll(async () => {
  await disposeClients();
  await stopAllServers();
});

const GARBAGE = 'Bearer rtsn_0000000000000000_not-a-key';

test.each([
  { Authorization: GARBAGE },
  { AUTHORIZATION: GARBAGE },
  { headers: { authorization: GARBAGE } },
  { headers: { Authorization: GARBAGE } },
  { token: 'rtsn_0000000000000000_not-a-key' },
  { apiKey: 'not-a-key' },
  { authorization: { bearer: 'x' } },
  { authorization: '', Authorization: 'Bearer x' },
])('connectionParams %j closes with 4403', async (params) => {
  const client = connect(server.url, params);
  expect((await client.closed).code).toBe(4403);
});

test('a valid key under another spelling is honoured, not ignored', async () => {
  const client = connect(server.url, { headers: { Authorization: `Bearer ${editorKey}` } });
  const sub = client.subscribe('subscription { measureAdded { id } }');
  await waitUntil('the subscription', () => server.app.services.measureFeed.subscriberCount > 0);
  const id = await addMeasureAs(server, editorKey);
  const [event] = await sub.waitFor(1);
  expect(event!.data.measureAdded.id).toBe(id);
  await client.dispose();
});

test("revoking a key on one instance ends that key's running subscriptions on another", async () => {
  const other = await startTestServer({}, server.db);
  const { key, id } = await server.createKey(Role.EDITOR, 'to be revoked');
  const admin = await server.createKey(Role.ADMIN);
  const client = connect(other.url, { authorization: `Bearer ${key}` });
  const sub = client.subscribe('subscription { measureAdded { id } }');
  await waitUntil('the subscription', () => other.app.services.measureFeed.subscriberCount > 0);
  const revoked = await server.gqlAs(
    admin.key,
    'mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }',
    { id },
  );
  expect(revoked.errors).toBeUndefined();
  const closed = await client.closed;
  expect({ code: closed.code, reason: closed.reason }).toEqual({
    code: 4403,
    reason: 'Forbidden: API key revoked',
  });
  await waitUntil('no subscriber left', () => other.app.services.measureFeed.subscriberCount === 0);
  await addMeasureAs(server, editorKey);
  expect(sub.events).toHaveLength(0);
});

/** The upgrade's answer: the socket, or the HTTP status that refused it. */
function upgrade(headers: Record<string, string>): Promise<WebSocket | number> {
  const socket = new WebSocket(server.url.replace(/^http/, 'ws'), 'graphql-transport-ws', {
    headers,
  });
  return new Promise((resolve) => {
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      response.resume();
    });
    socket.once('error', () => undefined);
  });
}

test('an origin not in CORS_ORIGINS is refused 403 at the upgrade; listed or none is served', async () => {
  expect(await upgrade({ origin: 'https://evil.example' })).toBe(403);
  for (const headers of [{ origin: 'https://app.example.org' }, {}] as Record<string, string>[]) {
    const socket = await upgrade(headers);
    expect(socket).toBeInstanceOf(WebSocket);
    const closed = closeOf(socket as WebSocket);
    (socket as WebSocket).close();
    await closed;
  }
});
