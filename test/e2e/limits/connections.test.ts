import WebSocket from 'ws';
import { cleanUp } from '../../helpers/cleanup';
import { startTestServer, type TestServer } from '../../helpers/server';
import { closeOf, trackSocket } from '../../helpers/ws';

/**
 * Open WebSocket connections are bounded, in all and per client address: each holds memory for
 * its subscriptions whatever they cost. Past a limit the upgrade is answered 503 with
 * Retry-After; a connection that closes frees its place.
 */
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    wsMaxConnections: 3,
    wsMaxConnectionsPerAddress: 2,
    // Addresses come from X-Forwarded-For, written here by the test as a proxy would.
    trustProxy: ['loopback'],
  });
});
afterAll(cleanUp);

/** Opens a socket as `address`; resolves with it, or with the HTTP status that refused it. */
function connectFrom(address: string): Promise<WebSocket | number> {
  const socket = trackSocket(
    new WebSocket(server.url.replace(/^http/, 'ws'), 'graphql-transport-ws', {
      headers: { 'x-forwarded-for': address },
    }),
  );
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_request, response) => {
      expect(response.headers['retry-after']).toBe('10');
      resolve(response.statusCode ?? 0);
      response.resume();
    });
    socket.once('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

test('a third connection from one address is refused 503; a closed one frees its place', async () => {
  const first = await connectFrom('203.0.113.1');
  const second = await connectFrom('203.0.113.1');
  expect(first).toBeInstanceOf(WebSocket);
  expect(second).toBeInstanceOf(WebSocket);
  expect(await connectFrom('203.0.113.1')).toBe(503);
  const closed = closeOf(first as WebSocket);
  (first as WebSocket).close();
  await closed;
  // The server counts the close when it sees it: allow it a moment.
  let again: WebSocket | number = 503;
  for (let i = 0; i < 20 && again === 503; i++) {
    again = await connectFrom('203.0.113.1');
    if (again === 503) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(again).toBeInstanceOf(WebSocket);
});

test('past the limit in all, any address is refused; the connections open keep working', async () => {
  // Two from 203.0.113.1 are open (see above): one more from elsewhere reaches the limit of 3.
  const third = await connectFrom('198.51.100.7');
  expect(third).toBeInstanceOf(WebSocket);
  expect(await connectFrom('192.0.2.9')).toBe(503);
  const socket = third as WebSocket;
  socket.send(JSON.stringify({ type: 'connection_init' }));
  const ack = await new Promise((resolve) =>
    socket.once('message', (data) => resolve(JSON.parse(String(data)))),
  );
  expect(ack).toEqual({ type: 'connection_ack' });
});
