/**
 * The live feed at its edges: one measureUpdated per write, for every kind of change (links to
 * statements, answers through inResponseTo), each showing the state after it; `since` at the
 * newest id, with a text filter, at an unknown id; small queues; the socket's limits and keys.
 */
import { Role } from '../../../src/auth/role';
import {
  ADD_STATEMENT,
  addMeasureAs,
  insertOfficial,
  statementInput,
} from '../../helpers/fixtures';
import { startTestServer, stopAllServers, type TestServer } from '../../helpers/server';
import {
  closeOf,
  connect,
  disposeClients,
  nextMessage,
  rawSocket,
  type Received,
} from '../../helpers/ws';

let server: TestServer;
let editor: string;
let admin: string;

beforeAll(async () => {
  server = await startTestServer({ livePollMs: 200 });
  ({ key: editor } = await server.createKey(Role.EDITOR));
  ({ key: admin } = await server.createKey(Role.ADMIN));
});
afterEach(disposeClients);
afterAll(stopAllServers);

const addMeasure = (overrides: Record<string, unknown> = {}, target: TestServer = server) =>
  addMeasureAs(target, editor, overrides);

async function addStatement(country: string, overrides: Record<string, unknown> = {}) {
  const response = await server.gqlAs(editor, ADD_STATEMENT, {
    input: statementInput(country, overrides),
  });
  expect(response.errors).toBeUndefined();
  return response.data.addStatement.id as string;
}

const settle = (ms = 250) => new Promise((resolve) => setTimeout(resolve, ms));
const ids = (events: Received[]) =>
  events.map((event) => (Object.values(event.data)[0] as { id: string }).id);

describe('measureUpdated', () => {
  test('fires once per write for amendments, link changes and lifts, each showing the state after it', async () => {
    const official = await insertOfficial(server.db, { name: 'Review Target', country: 'RU' });
    const x = await addMeasure({ imposedBy: 'PL' });
    const other = await addMeasure({ imposedBy: 'PL' });
    const sub = connect(server.url).subscribe(
      `subscription { measureUpdated(filter: { imposedBy: ["pl"] }) {
        id title status targets { totalCount edges { node { name } } } statements { id } sources { title } } }`,
    );
    await settle();

    const update = (id: string, input: string) =>
      server.gqlAs(editor, `mutation { updateMeasure(id: "${id}", input: ${input}) { id } }`);
    expect((await update(x, '{ title: "X v2" }')).errors).toBeUndefined();
    // addStatement linking x twice and another measure: one event each
    const statement = await addStatement('PL', { measureIds: [x, x, other] });
    expect(
      (await update(x, `{ targetOfficialIds: ["${official.globalId}"] }`)).errors,
    ).toBeUndefined();
    expect((await update(x, '{ sources: [{ title: "New source" }] }')).errors).toBeUndefined();
    // no-op update: no event
    expect((await update(x, '{ title: "X v2" }')).errors).toBeUndefined();
    const statement2 = await addStatement('PL');
    const lifted = await server.gqlAs(
      editor,
      `mutation { liftMeasure(id: "${x}", liftedOn: "2024-06-01", statementId: "${statement2}") { id } }`,
    );
    expect(lifted.errors).toBeUndefined();

    await sub.waitFor(6);
    await settle(400);
    const events = sub.events.map((e) => e.data.measureUpdated);
    expect(events.map((e: { id: string }) => e.id)).toEqual([x, x, other, x, x, x]);
    const xs = events.filter((e: { id: string }) => e.id === x);
    // each event reflects (at least) the write that caused it, never an older state
    expect(xs[0].title).toBe('X v2');
    expect(xs[1].statements.map((s: { id: string }) => s.id)).toContain(statement);
    expect(xs[2].targets.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual([
      'Review Target',
    ]);
    expect(xs[3].sources).toEqual([{ title: 'New source' }]);
    expect(xs[4].status).toBe('LIFTED');
    expect(xs[4].statements.map((s: { id: string }) => s.id).sort()).toEqual(
      [statement, statement2].sort(),
    );
  });

  test('a measure whose responses change (another measure answers it) is announced as updated', async () => {
    const a = await addMeasure({ imposedBy: 'CZ' });
    const sub = connect(server.url).subscribe(
      'subscription { measureUpdated { id responses { id } } }',
    );
    await settle();
    const b = await addMeasure({ imposedBy: 'RU', targetCountry: 'CZ', inResponseToId: a });
    await settle(800);
    const forA = sub.events
      .map((e) => e.data.measureUpdated)
      .filter((m: { id: string }) => m.id === a);
    expect(forA).toEqual([{ id: a, responses: [{ id: b }] }]);
  });

  test('moving inResponseTo announces the measure it left, the one it now answers, and itself', async () => {
    const sub = connect(server.url).subscribe(
      'subscription { measureUpdated { id updatedAt inResponseTo { id } responses { id } } }',
    );
    await settle();
    const a = await addMeasure({ imposedBy: 'SK' });
    const c = await addMeasure({ imposedBy: 'SI' });
    const b = await addMeasure({ imposedBy: 'RU', inResponseToId: a });
    // Adding b announced a (now answered); only what the move announces counts below.
    await settle(800);
    const earlier = sub.events.length;
    const before = await server.gql('query($id: ID!) { measure(id: $id) { updatedAt } }', {
      id: a,
    });
    const moved = await server.gqlAs(
      editor,
      'mutation($id: ID!, $to: ID) { updateMeasure(id: $id, input: { inResponseToId: $to }) { id } }',
      { id: b, to: c },
    );
    expect(moved.errors).toBeUndefined();
    await settle(800);
    const events = sub.events.slice(earlier).map(
      (e) =>
        e.data.measureUpdated as {
          id: string;
          updatedAt: string;
          inResponseTo: { id: string } | null;
          responses: { id: string }[];
        },
    );
    const byId = new Map(events.map((event) => [event.id, event]));
    expect(events).toHaveLength(3);
    expect(byId.get(a)).toMatchObject({ responses: [] });
    expect(byId.get(c)).toMatchObject({ responses: [{ id: b }] });
    expect(byId.get(b)).toMatchObject({ inResponseTo: { id: c } });
    expect(byId.get(a)!.updatedAt > before.data.measure.updatedAt).toBe(true);
  });

  test('since is not an argument of measureUpdated', async () => {
    const id = await addMeasure();
    const sub = connect(server.url).subscribe(
      `subscription { measureUpdated(since: "${id}") { id } }`,
    );
    await sub.ended();
    expect(sub.failed).toBeDefined();
  });
});

describe('since', () => {
  test('since = the newest measure replays nothing, then goes live without a duplicate', async () => {
    const newest = await addMeasure({ imposedBy: 'EE' });
    await settle();
    const sub = connect(server.url).subscribe(
      `subscription { measureAdded(since: "${newest}", filter: { imposedBy: ["ee"] }) { id } }`,
    );
    await settle();
    const next = await addMeasure({ imposedBy: 'EE' });
    await sub.waitFor(1);
    await settle();
    expect(ids(sub.events)).toEqual([next]);
  });

  test('since with a full-text filter replays exactly what the query with that filter matches', async () => {
    const first = await addMeasure({ title: 'Baseline' });
    const a = await addMeasure({ title: 'Drone components embargo' });
    await addMeasure({ title: 'Fishing quota' });
    const c = await addMeasure({ title: 'Other', summary: 'Covers drones and parts' });
    const sub = connect(server.url).subscribe(
      `subscription { measureAdded(since: "${first}", filter: { text: "drone" }) { id } }`,
    );
    await sub.waitFor(2);
    await settle();
    expect(ids(sub.events)).toEqual([a, c]);
  });

  test('since = a well-formed id of no measure is NOT_FOUND', async () => {
    const sub = connect(server.url).subscribe(
      'subscription { measureAdded(since: "TWVhc3VyZTo5OTk5OTk5") { id } }',
    );
    await sub.ended();
    const error = sub.events[0]?.errors?.[0] ?? (sub.failed as any)?.[0];
    expect(error?.extensions?.code).toBe('NOT_FOUND');
  });

  test('statementAdded: country codes in any case, with since and a filter', async () => {
    const first = await addStatement('LV');
    const missedLv = await addStatement('LV');
    await addStatement('LT');
    const sub = connect(server.url).subscribe(
      `subscription { statementAdded(country: ["lv", "Lt"], since: "${first}") { id country { code } } }`,
    );
    await sub.waitFor(2);
    const live = await addStatement('LT');
    await sub.waitFor(3);
    await settle();
    expect(sub.events.map((e) => e.data.statementAdded.country.code)).toEqual(['LV', 'LT', 'LT']);
    expect(sub.events[0]!.data.statementAdded.id).toBe(missedLv);
    expect(sub.events[2]!.data.statementAdded.id).toBe(live);
  });
});

describe('slow consumer with a small queue', () => {
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

describe('the socket', () => {
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

  test('a key revoked while its socket is open cannot start another subscription', async () => {
    const { key, id } = await server.createKey(Role.EDITOR, 'review revoked');
    const client = connect(server.url, { authorization: `Bearer ${key}` });
    const first = client.subscribe('subscription { measureAdded { id } }');
    await settle();
    const revoked = await server.gqlAs(admin, `mutation { revokeApiKey(id: "${id}") { id } }`);
    expect(revoked.errors).toBeUndefined();
    client.subscribe('subscription { statementAdded { id } }');
    expect((await client.closed).code).toBe(4403);
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
});
