import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { Role } from '../../../src/auth/role';
import { encodeGlobalId } from '../../../src/common/global-id';
import { cleanUp, onCleanup } from '../../helpers/cleanup';
import { createTestDatabase, type TestDatabase } from '../../helpers/database';
import { startTestServer, type TestServer } from '../../helpers/server';
import { addMeasureAs, addStatementAs } from '../../helpers/fixtures';
import { connect, disposeClients, type Received } from '../../helpers/ws';
import { sleep, waitUntil } from '../../helpers/wait';

/**
 * The client resume pattern of README.md ("Live feed: subscriptions"), followed literally: a
 * graphql-ws client that retries forever, a subscribe payload whose `since` is a getter over the
 * last id processed, a start from the newest measure id, and `error` following again after a
 * delay. The server it is connected to goes away (1001) while measures are written through a
 * second instance on the same database; the client reconnects by itself to the second instance
 * and must receive exactly what it missed, once, then live measures again.
 */

let db: TestDatabase;
let a: TestServer;
let b: TestServer | undefined;
let editor: string;
let client: Client | undefined;
let stopped = false;
let followTimer: NodeJS.Timeout | undefined;

beforeAll(async () => {
  db = await createTestDatabase();
  onCleanup(() => db.drop());
  // The README client retries for ever: stop it before its servers go.
  onCleanup(async () => {
    stopped = true;
    if (followTimer) clearTimeout(followTimer);
    await client?.dispose();
  }, 'before-servers');
  a = await startTestServer({}, db);
  ({ key: editor } = await a.createKey(Role.EDITOR));
});

afterAll(cleanUp);

const addMeasure = (server: TestServer, imposedBy = 'RU') =>
  addMeasureAs(server, editor, { imposedBy, targetCountry: imposedBy === 'RU' ? 'GB' : 'RU' });

test('the README resume pattern loses nothing and repeats nothing when its server goes away', async () => {
  // Everything that existed before the client started: none of it may be delivered.
  const seeded = (await db.query<{ id: number }>('SELECT id FROM measure')).map((row) =>
    encodeGlobalId('Measure', row.id),
  );
  const seededRu = await db.query<{ id: number }>(
    `SELECT id FROM measure WHERE imposed_by_code = 'RU'`,
  );
  expect(seededRu.length).toBeGreaterThan(0); // so the filter below would have something to replay

  let currentUrl = a.url;
  const urlsTried: string[] = [];
  const closes: number[] = [];
  const connections: { url: string; retry: boolean; lastSeen: string | null }[] = [];
  const received: string[] = [];
  const errors: unknown[] = [];
  let follows = 0;

  // --- The README pattern (fetch target, retry wait and re-follow delay shortened for a test) ---
  client = createClient({
    url: () => {
      const url = currentUrl.replace(/^http/, 'ws');
      urlsTried.push(url);
      return url;
    },
    webSocketImpl: WebSocket,
    retryAttempts: Infinity,
    shouldRetry: () => true,
    retryWait: async () => new Promise((resolve) => setTimeout(resolve, 100)),
    on: {
      closed: (event) => closes.push((event as { code: number }).code),
      connected: (_socket, _payload, wasRetry) =>
        connections.push({ url: urlsTried.at(-1)!, retry: wasRetry, lastSeen }),
    },
  });

  async function newestMeasureId(): Promise<string | null> {
    const response = await fetch(currentUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query:
          '{ measures(first: 1, orderBy: { field: CREATED_AT, direction: DESC }) { edges { node { id } } } }',
      }),
    });
    const { data } = (await response.json()) as any;
    return data.measures.edges[0]?.node.id ?? null;
  }

  let lastSeen: string | null = await newestMeasureId();
  const bootstrap = lastSeen;
  expect(bootstrap).not.toBeNull();
  expect(seeded).toContain(bootstrap);

  function follow() {
    if (stopped) return;
    follows += 1;
    client!.subscribe(
      {
        query: `subscription($since: ID) {
          measureAdded(since: $since, filter: { imposedBy: ["RU"] }) { id title }
        }`,
        variables: {
          get since() {
            return lastSeen;
          },
        },
      },
      {
        next: ({ data }: any) => {
          received.push(data.measureAdded.id);
          lastSeen = data.measureAdded.id;
        },
        error: (error) => {
          errors.push(error);
          followTimer = setTimeout(follow, 200);
        },
        complete: () => {},
      },
    );
  }
  follow();
  // --- end of the pattern ---

  // The bootstrap: nothing that existed before the client started is replayed.
  await waitUntil('the first connection', () => connections.length === 1, 10_000);
  await sleep(400);
  expect(received).toEqual([]);

  // Measure 1 through A arrives live.
  const m1 = await addMeasure(a);
  await waitUntil('measure 1', () => received.length >= 1, 10_000);
  expect(received).toEqual([m1]);

  // A goes away: the client's socket is closed with 1001 Going Away.
  await a.stop();
  await waitUntil('the close', () => closes.length >= 1, 10_000);
  expect(closes[0]).toBe(1001);
  // While nothing listens at A's address the client keeps trying it (and failing).
  const triedBefore = urlsTried.length;
  await waitUntil(
    'failed reconnect attempts to A',
    () => urlsTried.length >= triedBefore + 2,
    10_000,
  );
  expect(connections).toHaveLength(1);

  // Still disconnected: B starts on the same database and takes measures 2 and 3 (and one the
  // filter excludes).
  b = await startTestServer({}, db);
  const m2 = await addMeasure(b);
  const excluded = await addMeasure(b, 'GB');
  const m3 = await addMeasure(b);
  expect(received).toEqual([m1]);
  expect(connections).toHaveLength(1);

  // Clients now reach B; this one reconnects by itself and resumes after measure 1.
  currentUrl = b.url;
  await waitUntil('the replay of measures 2 and 3', () => received.length >= 3, 10_000);
  expect(connections).toHaveLength(2);
  expect(connections[1]).toEqual({ url: b.url.replace(/^http/, 'ws'), retry: true, lastSeen: m1 });
  // A live measure through B after the replay.
  const m4 = await addMeasure(b);
  await waitUntil('measure 4', () => received.length >= 4, 10_000);
  await sleep(500); // room for anything sent twice to show up

  expect(received).toEqual([m1, m2, m3, m4]);
  expect(received).not.toContain(excluded);
  expect(new Set(received).size).toBe(received.length);
  expect(received.filter((id) => seeded.includes(id))).toEqual([]);
  expect(lastSeen).toBe(m4);
  // The reconnect did it: the subscription never failed, so `error` never followed again.
  expect(errors).toEqual([]);
  expect(follows).toBe(1);
  expect(closes).toEqual(expect.arrayContaining([1001]));
}, 30_000);

describe('since, on one server', () => {
  let server: TestServer;
  let editor: string;

  beforeAll(async () => {
    server = await startTestServer({ livePollMs: 200 });
    ({ key: editor } = await server.createKey(Role.EDITOR));
  });
  afterEach(disposeClients);

  const addMeasure = (overrides: Record<string, unknown> = {}) =>
    addMeasureAs(server, editor, overrides);
  const addStatement = (country: string, overrides: Record<string, unknown> = {}) =>
    addStatementAs(server, editor, country, overrides);
  const ids = (events: Received[]) =>
    events.map((event) => Object.values(event.data)[0] as { id: string }).map((n) => n.id);
  const settle = (ms = 250) => new Promise((resolve) => setTimeout(resolve, ms));

  describe('resuming with since', () => {
    test('replays exactly the missed measures, in commit order, while writers keep writing', async () => {
      const watcher = connect(server.url).subscribe('subscription { measureAdded { id } }');
      await settle();
      const writers = Array.from({ length: 4 }, async (_, writer) => {
        for (let i = 0; i < 15; i++) await addMeasure({ title: `Writer ${writer} #${i}` });
      });
      await watcher.waitFor(10, 20_000);
      // A client that saw up to the 10th event reconnects (to this instance) while writes go on.
      const lastSeen = ids(watcher.events)[9]!;
      const resumed = connect(server.url).subscribe(
        'subscription($since: ID) { measureAdded(since: $since) { id } }',
        {
          since: lastSeen,
        },
      );
      await Promise.all(writers);
      await watcher.waitFor(60, 20_000);
      const expected = ids(watcher.events).slice(10);
      await resumed.waitFor(expected.length, 20_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(ids(resumed.events)).toEqual(expected);
    });

    test('since with a filter replays only matching measures', async () => {
      const first = await addMeasure({ imposedBy: 'FR' });
      const missed = [
        await addMeasure({ imposedBy: 'FR' }),
        await addMeasure({ imposedBy: 'DE' }),
        await addMeasure({ imposedBy: 'FR' }),
      ];
      const sub = connect(server.url).subscribe(
        `subscription { measureAdded(since: "${first}", filter: { imposedBy: ["FR"] }) { id imposedBy { code } } }`,
      );
      await sub.waitFor(2);
      const live = await addMeasure({ imposedBy: 'FR' });
      await sub.waitFor(3);
      expect(ids(sub.events)).toEqual([missed[0], missed[2], live]);
    });
  });

  describe('since with filters', () => {
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

    test('statementAdded(country, since) replays only the matching statements, then goes live', async () => {
      const add = (country: string) => addStatement(country);
      const first = await add('RU');
      await add('GB');
      const b = await add('RU');
      const c = await add('fr');
      const sub = connect(server.url).subscribe(
        `subscription { statementAdded(country: ["ru", "FR"], since: "${first}") { id } }`,
      );
      await sub.waitFor(2);
      const d = await add('ru');
      await sub.waitFor(3);
      await settle();
      expect(ids(sub.events)).toEqual([b, c, d]);
    });
  });
});
