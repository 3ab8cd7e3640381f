import { Role } from '../../../src/auth/role';
import { cleanUp } from '../../helpers/cleanup';
import { addMeasureAs } from '../../helpers/fixtures';
import { startTestServer, type TestServer } from '../../helpers/server';
import {
  closeOf,
  connect,
  disposeClients,
  nextMessage,
  rawSocket,
  type Received,
} from '../../helpers/ws';

/**
 * The WebSocket itself: connection_init and its timeout, keys in connectionParams (valid, bad,
 * malformed, revoked while the socket is open), what may be sent over it (subscriptions only,
 * after connection_init, within the payload limit), and the limits it enforces (depth, cost,
 * subscriptions per connection). Each describe starts the server its cases need.
 */
let server: TestServer;
let editor: string;
let admin: string;

afterEach(disposeClients);
afterAll(cleanUp);

const addMeasure = (overrides: Record<string, unknown> = {}) =>
  addMeasureAs(server, editor, overrides);
const ids = (events: Received[]) =>
  events.map((event) => Object.values(event.data)[0] as { id: string }).map((n) => n.id);
const settle = (ms = 250) => new Promise((resolve) => setTimeout(resolve, ms));

describe('handshake, keys and documents (init timeout 400 ms, 3 subscriptions a connection)', () => {
  beforeAll(async () => {
    server = await startTestServer({
      wsConnectionInitTimeoutMs: 400,
      wsMaxSubscriptions: 3,
      livePollMs: 500,
    });
    ({ key: editor } = await server.createKey(Role.EDITOR));
  });

  test('anonymous clients may subscribe; a valid key is accepted; a bad key closes with 4403', async () => {
    const anonymous = connect(server.url).subscribe('subscription { measureAdded { id } }');
    const keyed = connect(server.url, { authorization: `Bearer ${editor}` }).subscribe(
      'subscription { measureAdded { id } }',
    );
    await settle();
    await addMeasure();
    await anonymous.waitFor(1);
    await keyed.waitFor(1);
    const bad = connect(server.url, { authorization: 'Bearer rtsn_nope' });
    expect((await bad.closed).code).toBe(4403);
  });

  test('a socket that never sends connection_init is closed (4408)', async () => {
    const socket = await rawSocket(server.url);
    expect((await closeOf(socket)).code).toBe(4408);
  });

  test('a message over the payload limit closes the socket (1009)', async () => {
    const socket = await rawSocket(server.url);
    const closed = closeOf(socket);
    socket.send(
      JSON.stringify({
        type: 'connection_init',
        payload: { padding: 'x'.repeat(1024 * 1024 + 10) },
      }),
    );
    expect((await closed).code).toBe(1009);
  });

  test('queries and mutations are refused over the socket, and so are invalid documents', async () => {
    const socket = await rawSocket(server.url);
    socket.send(JSON.stringify({ type: 'connection_init' }));
    expect((await nextMessage(socket)).type).toBe('connection_ack');
    for (const [id, query] of [
      ['q', '{ countries { totalCount } }'],
      [
        'm',
        'mutation { addOfficial(input: { name: "x", country: "GB", category: OTHER }) { id } }',
      ],
      ['v', 'subscription { measureAdded { nope } }'],
      ['s', 'subscription { measureAdded { id '],
    ]) {
      socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query } }));
      const message = await nextMessage(socket);
      expect(message).toMatchObject({ id, type: 'error' });
      expect(message.payload[0].extensions.code).toBe('BAD_USER_INPUT');
    }
    socket.close();
  });

  test('subscriptions per connection are capped', async () => {
    const client = connect(server.url);
    const subs = Array.from({ length: 4 }, () =>
      client.subscribe('subscription { measureAdded { id } }'),
    );
    await subs[3]!.ended();
    expect((subs[3]!.failed as { extensions: { code: string } }[])[0]!.extensions.code).toBe(
      'RATE_LIMITED',
    );
    expect(subs.slice(0, 3).every((s) => s.failed === undefined && !s.completed)).toBe(true);
  });
});

describe('limits and keys on the socket (default limits)', () => {
  beforeAll(async () => {
    server = await startTestServer({ livePollMs: 200 });
    ({ key: editor } = await server.createKey(Role.EDITOR));
    ({ key: admin } = await server.createKey(Role.ADMIN));
  });

  test('depth over the limit is refused over the socket as over HTTP', async () => {
    let selection = 'id';
    for (let i = 0; i < 8; i++)
      selection = `targets { edges { node { measures { edges { node { ${selection} } } } } } }`;
    const http = await server.gql(`{ measures { edges { node { ${selection} } } } }`);
    expect(http.errors![0]!.extensions!.code).toBe('QUERY_TOO_COMPLEX');
    const sub = connect(server.url).subscribe(`subscription { measureAdded { ${selection} } }`);
    await sub.ended();
    expect((sub.failed as any)[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
  });

  test('cost through variables is refused over the socket', async () => {
    const query = `subscription($n: Int) { measureAdded { targets(first: $n) { edges { node {
      measures(first: $n) { edges { node { targets(first: $n) { edges { node { id } } } } } } } } } } }`;
    const sub = connect(server.url).subscribe(query, { n: 100 });
    await sub.ended();
    expect((sub.failed as any)[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
    const cheap = connect(server.url).subscribe(query, { n: 1 });
    await settle();
    expect(cheap.failed).toBeUndefined();
  });

  test('50 subscriptions per connection are allowed, the 51st is refused', async () => {
    const client = connect(server.url);
    const subs = Array.from({ length: 51 }, () =>
      client.subscribe('subscription { measureAdded { id } }'),
    );
    await subs[50]!.ended();
    expect((subs[50]!.failed as any)[0].extensions.code).toBe('RATE_LIMITED');
    await settle();
    expect(subs.slice(0, 50).every((s) => s.failed === undefined && !s.completed)).toBe(true);
  });

  test('a key revoked while its socket is open closes the socket (4403); nothing more arrives', async () => {
    const { key, id } = await server.createKey(Role.EDITOR, 'review revoked');
    const client = connect(server.url, { authorization: `Bearer ${key}` });
    const first = client.subscribe('subscription { measureAdded { id } }');
    await settle();
    const revoked = await server.gqlAs(admin, `mutation { revokeApiKey(id: "${id}") { id } }`);
    expect(revoked.errors).toBeUndefined();
    expect((await client.closed).code).toBe(4403);
    await addMeasureAs(server, editor);
    expect(first.events).toHaveLength(0);
  });

  test('a subscribe before connection_init is refused (4401)', async () => {
    const socket = await rawSocket(server.url);
    const closed = closeOf(socket);
    socket.send(
      JSON.stringify({
        id: '1',
        type: 'subscribe',
        payload: { query: 'subscription { measureAdded { id } }' },
      }),
    );
    expect((await closed).code).toBe(4401);
  });

  test('an operation without subscription root over the socket is refused, even a named one in a multi-op document', async () => {
    const socket = await rawSocket(server.url);
    socket.send(JSON.stringify({ type: 'connection_init' }));
    expect((await nextMessage(socket)).type).toBe('connection_ack');
    socket.send(
      JSON.stringify({
        id: 'x',
        type: 'subscribe',
        payload: {
          query: 'subscription S { measureAdded { id } } query Q { countries { totalCount } }',
          operationName: 'Q',
        },
      }),
    );
    const message = await nextMessage(socket);
    expect(message).toMatchObject({ id: 'x', type: 'error' });
    socket.close();
  });

  test('a key revoked while its WebSocket is open is no longer accepted on that socket', async () => {
    const { key, id } = await server.createKey(Role.EDITOR, 'Socket user');
    const client = connect(server.url, { authorization: `Bearer ${key}` });
    const first = client.subscribe('subscription { measureAdded { id } }');
    await new Promise((r) => setTimeout(r, 300));
    const revoked = await server.gqlAs(
      admin,
      'mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }',
      { id },
    );
    expect(revoked.errors).toBeUndefined();
    // A new subscription after the revocation is refused, and the socket closed with 4403.
    const second = client.subscribe('subscription { measureAdded { id title } }');
    expect((await client.closed).code).toBe(4403);
    await addMeasure({ title: 'After revoke' });
    await new Promise((r) => setTimeout(r, 500));
    expect(second.events).toHaveLength(0);
    void first;
  });
});

describe('in production', () => {
  beforeAll(async () => {
    server = await startTestServer({ nodeEnv: 'production', livePollMs: 200 });
    ({ key: editor } = await server.createKey(Role.EDITOR));
  });

  test('at most 50 subscriptions per connection by default: the 51st is refused, the 50 run', async () => {
    const defaults = await startTestServer({ nodeEnv: 'production' }, server.db);
    const client = connect(defaults.url);
    const subs = Array.from({ length: 51 }, () =>
      client.subscribe('subscription { measureAdded { id } }'),
    );
    await subs[50]!.ended();
    expect((subs[50]!.failed as { extensions: { code: string } }[])[0]!.extensions.code).toBe(
      'RATE_LIMITED',
    );
    await settle();
    expect(subs.slice(0, 50).filter((s) => s.failed !== undefined || s.completed)).toHaveLength(0);
  });

  test('every malformed connectionParams.authorization closes with 4403; an empty or null one is anonymous', async () => {
    for (const authorization of ['Basic abc', 'rtsn_abc', 'Bearer', 'bearer rtsn_x_y', 42]) {
      const client = connect(server.url, { authorization });
      expect({ authorization, code: (await client.closed).code }).toEqual({
        authorization,
        code: 4403,
      });
    }
    const anonymous = connect(server.url, { authorization: '' });
    const sub = anonymous.subscribe('subscription { measureAdded { id } }');
    // null, as a client that signed out may send it: anonymous too.
    const signedOut = connect(server.url, { authorization: null });
    const other = signedOut.subscribe('subscription { measureAdded { id } }');
    await settle();
    const id = await addMeasure();
    await sub.waitFor(1);
    await other.waitFor(1);
    expect(ids(sub.events)).toEqual([id]);
    expect(ids(other.events)).toEqual([id]);
  });
});
