import net from 'node:net';
import WebSocket from 'ws';
import { MAX_OPERATION_NAME_LENGTH } from '../../../src/limits/admission';
import { SOCKET_OVERHEAD_BYTES } from '../../../src/limits/socket-budget';
import { startTestServer, stopAllServers, type TestServer } from '../../helpers/server';
import { closeOf, nextMessage } from '../../helpers/ws';

/**
 * What a WebSocket client makes the server hold is bounded in bytes, per socket and per client
 * address, not only in counts; ids and names are short, so nothing echoes a client's megabytes.
 */
let server: TestServer;
const open: WebSocket[] = [];
const SOCKET_BYTES = 256 * 1024;

beforeAll(async () => {
  server = await startTestServer({
    // Room for three sockets of one address and one small subscription each.
    wsBudget: {
      socketBytes: SOCKET_BYTES,
      addressBytes: 3 * SOCKET_OVERHEAD_BYTES + 20_000,
      totalBytes: 64 * 1024 * 1024,
    },
    trustProxy: ['loopback'],
  });
});
afterAll(async () => {
  for (const socket of open) socket.terminate();
  await stopAllServers();
});

/** An acknowledged socket from `address`, or the HTTP status that refused the upgrade. */
function socketFrom(address: string): Promise<WebSocket | number> {
  const socket = new WebSocket(server.url.replace(/^http/, 'ws'), 'graphql-transport-ws', {
    headers: { 'x-forwarded-for': address },
  });
  return new Promise((resolve) => {
    socket.once('open', async () => {
      open.push(socket);
      const ack = nextMessage(socket);
      socket.send(JSON.stringify({ type: 'connection_init' }));
      expect((await ack).type).toBe('connection_ack');
      resolve(socket);
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      response.resume();
    });
    socket.once('error', () => undefined);
  });
}

function subscribe(socket: WebSocket, id: string, payload: Record<string, unknown>): void {
  socket.send(JSON.stringify({ id, type: 'subscribe', payload }));
}

test('a subscription id over 128 characters closes the socket (4400); 128 are served', async () => {
  const socket = (await socketFrom('198.51.100.1')) as WebSocket;
  const closed = closeOf(socket);
  subscribe(socket, 'i'.repeat(128), { query: 'subscription { measureAdded { id } }' });
  subscribe(socket, 'i'.repeat(129), { query: 'subscription { measureAdded { id } }' });
  expect(await closed).toEqual({
    code: 4400,
    reason: 'Subscription id longer than 128 characters',
  });
});

test("a subscription over its socket's byte budget is refused with RATE_LIMITED", async () => {
  const socket = (await socketFrom('198.51.100.2')) as WebSocket;
  // 10,000 one-letter strings: 40 KB of JSON, within every count limit (and within what this
  // address may hold while it arrives), about 260 KB once parsed.
  const variables = { codes: Array.from({ length: 10_000 }, () => 'x') };
  const query =
    'subscription($codes: [String!]) { measureAdded(filter: { imposedBy: $codes }) { id } }';
  const refused = nextMessage(socket);
  subscribe(socket, 'big', { query, variables });
  const message = await refused;
  expect(message).toMatchObject({ id: 'big', type: 'error' });
  expect(message.payload[0].extensions).toMatchObject({ code: 'RATE_LIMITED', budget: 'socket' });
  socket.terminate();
});

test("an address's sockets share its byte budget: past it the upgrade is refused 503", async () => {
  const address = '198.51.100.3';
  const sockets = [await socketFrom(address), await socketFrom(address), await socketFrom(address)];
  expect(sockets.every((socket) => socket instanceof WebSocket)).toBe(true);
  // The three sockets' fixed charge plus one subscription fill the address's budget.
  const first = sockets[0] as WebSocket;
  const answer = nextMessage(first);
  subscribe(first, 'a', { query: `subscription { measureAdded { id } } # ${'x'.repeat(3000)}` });
  const second = sockets[1] as WebSocket;
  const refused = nextMessage(second);
  subscribe(second, 'b', { query: `subscription { measureAdded { id } } # ${'x'.repeat(3000)}` });
  expect((await refused).payload[0].extensions).toMatchObject({ budget: 'address' });
  expect(await socketFrom(address)).toBe(503);
  // Another address is not held back by this one.
  expect(await socketFrom('198.51.100.4')).toBeInstanceOf(WebSocket);
  void answer;
  for (const socket of sockets) (socket as WebSocket).terminate();
});

test('a long operation name is refused, not echoed, on both transports', async () => {
  const name = 'N'.repeat(90_000);
  const overHttp = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ countries(first: 1) { totalCount } }', operationName: name }),
  });
  const body = (await overHttp.json()) as { errors: { message: string; extensions: object }[] };
  expect(body.errors[0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  expect(JSON.stringify(body).length).toBeLessThan(1000);
  const socket = (await socketFrom('198.51.100.5')) as WebSocket;
  const refused = nextMessage(socket);
  // Within this test server's small byte budgets, so the name is what is refused.
  const operationName = name.slice(0, 5_000);
  subscribe(socket, 'n', { query: 'subscription { measureAdded { id } }', operationName });
  const message = await refused;
  expect(message.payload[0].message).toBe(
    `The operation name is longer than ${MAX_OPERATION_NAME_LENGTH} characters.`,
  );
  expect(JSON.stringify(message).length).toBeLessThan(1000);
  socket.terminate();
});

/**
 * A raw connection that upgrades, then sends the first `sent` bytes of a text frame announcing
 * `length`, and stops: what ws holds for it counts against the budgets. Resolves with the close
 * frame's code, or 0 if the connection ends without one.
 */
async function partialMessage(address: string, length: number, sent: number): Promise<number> {
  const { port } = new URL(server.url);
  const socket = net.connect(Number(port), '127.0.0.1');
  const key = 'dGhlIHNhbXBsZSBub25jZQ==';
  socket.write(
    `GET /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
      `Sec-WebSocket-Protocol: graphql-transport-ws\r\nX-Forwarded-For: ${address}\r\n\r\n`,
  );
  let received = Buffer.alloc(0);
  let upgraded: () => void;
  const upgrade = new Promise<void>((resolve) => (upgraded = resolve));
  const closeCode = new Promise<number>((resolve) => {
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      upgraded();
      const frames = received.subarray(end + 4);
      // A close frame from the server: 0x88, its length, then the code.
      if (frames.length >= 4 && frames[0] === 0x88) resolve(frames.readUInt16BE(2));
    });
    socket.on('close', () => resolve(0));
    socket.on('error', () => resolve(0));
  });
  await upgrade;
  const header = Buffer.alloc(14);
  header[0] = 0x81; // FIN, text
  header[1] = 0x80 | 127; // masked, 64-bit length
  header.writeBigUInt64BE(BigInt(length), 2);
  // Mask key 0: the payload goes as it is.
  socket.write(Buffer.concat([header, Buffer.alloc(sent, 0x20)]));
  const code = await closeCode;
  socket.destroy();
  return code;
}

test('a message still arriving is charged: past the budget the socket is closed (1009)', async () => {
  // Within the socket's own 256 KiB, over what its address may still hold (about 70 KB).
  expect(await partialMessage('198.51.100.6', 200_000, 120_000)).toBe(1009);
});
