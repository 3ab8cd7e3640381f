import { cleanUp } from '../../helpers/cleanup';
import {
  expectNoLeaks,
  type HostileTarget,
  replyErrors,
  startHostileTarget,
} from '../../helpers/hostile';
import { type TestServer } from '../../helpers/server';
import { closeOf, connect, nextMessage, rawSocket } from '../../helpers/ws';
import { waitUntil } from '../../helpers/wait';

/**
 * graphql-ws messages as sent by anyone, against a server in production mode: sizes at and just
 * past the payload limit, and JSON arrays of messages (batches). After each case a fresh
 * connection still receives a newly added measure, and every table is still there.
 */
const WS_MAX_PAYLOAD = 64 * 1024;

let target: HostileTarget;
let server: TestServer;
const stillLive = () => target.stillLive();
const addMeasure = (overrides: Record<string, unknown> = {}) => target.addMeasure(overrides);

beforeAll(async () => {
  target = await startHostileTarget({ livePollMs: 200, wsMaxPayloadBytes: WS_MAX_PAYLOAD });
  ({ server } = target);
});
afterEach(() => target.subscriptionsEnded());
afterAll(cleanUp);

describe('message size', () => {
  const query = 'subscription($t: String) { measureAdded(filter: { text: $t }) { id } }';
  const message = (padding: number) =>
    JSON.stringify({
      id: 'big',
      type: 'subscribe',
      payload: { query, variables: { t: 'x'.repeat(padding) } },
    });
  const fitting = WS_MAX_PAYLOAD - message(0).length;

  test('a message of exactly the limit is read (and its over-long text refused by name)', async () => {
    const socket = await rawSocket(server.url);
    socket.send(JSON.stringify({ type: 'connection_init' }));
    expect((await nextMessage(socket)).type).toBe('connection_ack');
    const atLimit = message(fitting);
    expect(Buffer.byteLength(atLimit)).toBe(WS_MAX_PAYLOAD);
    const reply = nextMessage(socket);
    socket.send(atLimit);
    const errors = replyErrors(await reply);
    expect(errors.map((e) => e.extensions)).toEqual([
      expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'filter.text' }),
    ]);
    expectNoLeaks(errors);
    // The socket is still open and usable.
    const closed = closeOf(socket);
    socket.close(1000);
    expect((await closed).code).toBe(1000);
    await stillLive();
  });

  test('one byte over the limit closes the socket with 1009', async () => {
    const socket = await rawSocket(server.url);
    socket.send(JSON.stringify({ type: 'connection_init' }));
    expect((await nextMessage(socket)).type).toBe('connection_ack');
    const over = message(fitting + 1);
    expect(Buffer.byteLength(over)).toBe(WS_MAX_PAYLOAD + 1);
    const closed = closeOf(socket);
    const replies: unknown[] = [];
    socket.on('message', (data) => replies.push(JSON.parse(data.toString())));
    socket.send(over);
    expect((await closed).code).toBe(1009);
    expect(replies).toEqual([]);
    await stillLive();
  });

  test('oversized variables, even unused ones, close the socket; just under the limit is served', async () => {
    const feed = server.app.services.measureFeed;
    const before = feed.subscriberCount;
    const under = connect(server.url);
    const pad = 'p'.repeat(WS_MAX_PAYLOAD - 200);
    const served = under.client.subscribe(
      { query: 'subscription { measureAdded { id } }', variables: { pad } },
      { next: () => undefined, error: () => undefined, complete: () => undefined },
    );
    const sub = under.subscribe('subscription { measureAdded { id title } }', { pad });
    await waitUntil('both padded subscriptions', () => feed.subscriberCount >= before + 2);
    const measure = await addMeasure({ title: 'Padded delivery' });
    const [event] = await sub.waitFor(1, 10_000);
    expect(event).toEqual({ data: { measureAdded: { id: measure, title: 'Padded delivery' } } });
    served();

    const over = connect(server.url);
    const refused = over.subscribe('subscription { measureAdded { id } }', {
      pad: 'p'.repeat(WS_MAX_PAYLOAD + 1),
    });
    expect((await over.closed).code).toBe(1009);
    await refused.ended();
    expect(refused.events).toEqual([]);
    await stillLive();
  });
});

describe('batches', () => {
  const subscribe = (id: string) => ({
    id,
    type: 'subscribe',
    payload: { query: 'subscription { measureAdded { id } }' },
  });

  test('a JSON array of subscribe messages closes the socket with 4400 and subscribes nothing', async () => {
    const feed = server.app.services.measureFeed;
    const before = feed.subscriberCount;
    const socket = await rawSocket(server.url);
    socket.send(JSON.stringify({ type: 'connection_init' }));
    expect((await nextMessage(socket)).type).toBe('connection_ack');
    const closed = closeOf(socket);
    const replies: unknown[] = [];
    socket.on('message', (data) => replies.push(JSON.parse(data.toString())));
    socket.send(JSON.stringify(Array.from({ length: 50 }, (_, i) => subscribe(String(i)))));
    expect(await closed).toEqual({ code: 4400, reason: 'Invalid message received' });
    expect(replies).toEqual([]);
    expect(feed.subscriberCount).toBeLessThanOrEqual(before);
    await stillLive();
  });

  test('a JSON array as the first message (connection_init inside) closes with 4400', async () => {
    const socket = await rawSocket(server.url);
    const closed = closeOf(socket);
    socket.send(JSON.stringify([{ type: 'connection_init' }, subscribe('1')]));
    expect(await closed).toEqual({ code: 4400, reason: 'Invalid message received' });
    await stillLive();
  });
});
