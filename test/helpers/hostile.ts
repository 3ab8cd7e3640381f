import { Role } from '../../src/auth/role';
import type { Config } from '../../src/config';
import { addMeasureAs, addStatementAs } from './fixtures';
import { startTestServer, type TestServer } from './server';
import { connect, disposeClients, nextMessage, rawSocket, type TestSubscription } from './ws';
import { waitUntil } from './wait';

/**
 * What the hostile-input suites share (limits/injection, limits/hostile-input,
 * limits/schema-probes, limits/websocket-messages): the strings they send, how they read an error
 * back, and a production server that can tell, after each case, that it is still live and that no
 * table lost a row.
 */

/** SQL injection and LIKE-wildcard strings; none starts or ends with whitespace (input is trimmed). */
export const PAYLOADS = [
  "' OR '1'='1",
  "'; DROP TABLE measure; --",
  '" OR 1=1 --',
  "1'); SELECT pg_sleep(5); --",
  "'||pg_sleep(5)||'",
  "%' OR 1=1 --",
  '%',
  '_',
  '%_%',
  '\\',
  "\\'; DROP TABLE official; --",
  '\\x27 OR 1=1; DELETE FROM statement; --',
  '$$ OR $$1$$=$$1',
  "' UNION SELECT key_hash, null FROM api_key --",
  '/* */; TRUNCATE change_log CASCADE; --',
  '\u2019; DROP TABLE source; --',
];

/** A global ID of `type` whose key is `key`, whatever `key` is. */
export const rawId = (type: string, key: string) =>
  Buffer.from(`${type}:${key}`).toString('base64url');

/** IDs that decode to a type and an injection instead of an integer key. */
export const CRAFTED_IDS = [
  rawId('Measure', '1 OR 1=1'),
  rawId('Official', "1'; DROP TABLE measure; --"),
  rawId('Statement', '1; DELETE FROM statement'),
  rawId('Measure', '-1'),
  rawId('Measure', '0x1'),
];

export type ErrorShape = { message: string; extensions?: Record<string, unknown> };

/** No internal error, no suggestion, no stack trace or SQL in what came back. */
export function expectNoLeaks(errors: unknown): void {
  const text = JSON.stringify(errors);
  expect(text).not.toMatch(/INTERNAL_SERVER_ERROR/);
  expect(text).not.toMatch(/Did you mean/);
  expect(text).not.toMatch(/stacktrace| {4}at |syntax error at or near|relation "/);
}

/** The errors that ended a subscription: an `error` message, or `next` with errors + complete. */
export async function errorsOf(sub: TestSubscription, timeoutMs = 5000): Promise<ErrorShape[]> {
  await sub.ended(timeoutMs);
  if (sub.failed !== undefined && !Array.isArray(sub.failed)) {
    const { code, reason } = sub.failed as { code?: number; reason?: string };
    throw new Error(`the socket closed (${code} ${reason}) instead of answering`);
  }
  const errors = Array.isArray(sub.failed)
    ? (sub.failed as ErrorShape[])
    : sub.events.flatMap((event) => (event.errors ?? []) as ErrorShape[]);
  // Nothing but errors came back.
  expect(sub.events.filter((event) => event.data != null)).toEqual([]);
  return errors;
}

/**
 * Whether the server ended `sub` with no event to deliver: a subscription it accepted would stay
 * open until a matching write, and the test makes none while it waits. (No wall-clock bound on
 * the refusal itself: under load it may take seconds.)
 */
export function refusedWhenSubscribing(
  sub: TestSubscription,
  timeoutMs = 10_000,
): Promise<boolean> {
  return sub.ended(timeoutMs).then(
    () => true,
    () => false,
  );
}

/** Over a raw socket: connection_init, subscribe, and the first reply; the socket is closed. */
export async function firstReply(
  server: TestServer,
  query: string,
  variables?: Record<string, unknown>,
): Promise<any> {
  const socket = await rawSocket(server.url);
  try {
    socket.send(JSON.stringify({ type: 'connection_init' }));
    expect((await nextMessage(socket)).type).toBe('connection_ack');
    const reply = nextMessage(socket);
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
    return await reply;
  } finally {
    socket.close();
  }
}

/** The errors of a reply: an `error` message's payload, or a `next` message's errors. */
export function replyErrors(reply: any): ErrorShape[] {
  if (reply.type === 'error') return reply.payload;
  if (reply.type === 'next') return reply.payload.errors ?? [];
  throw new Error(`unexpected reply ${JSON.stringify(reply)}`);
}

const TABLES = [
  'country',
  'official',
  'measure',
  'measure_target',
  'statement',
  'statement_measure',
  'source',
  'api_key',
  'change_log',
];

export interface HostileTarget {
  server: TestServer;
  /** An editor's key. */
  editor: string;
  /** The last measure and statement added through addMeasure / addStatement. */
  readonly lastMeasure: string;
  readonly lastStatement: string;
  addMeasure(overrides?: Record<string, unknown>): Promise<string>;
  addStatement(overrides?: Record<string, unknown>): Promise<string>;
  tableCounts(): Promise<Record<string, number>>;
  /** Every table is still there and lost no row since start-up (these tests only ever add). */
  tablesIntact(): Promise<void>;
  /**
   * A plain measureAdded subscription on a fresh connection receives a measure added after the
   * server registered it (through the live path, not a replay), and the tables are intact.
   */
  stillLive(): Promise<void>;
  /** For afterEach: closes the test's clients and waits until the server has no subscriber left. */
  subscriptionsEnded(): Promise<void>;
}

/**
 * A production server (plus `overrides`) on a database of its own, with an editor key; `fixtures`
 * run first, then one measure and one statement are added through the API, and the row counts
 * of every table are taken as the baseline `tablesIntact` compares with.
 */
export async function startHostileTarget(
  overrides: Partial<Config> = {},
  fixtures: (server: TestServer) => Promise<void> = async () => undefined,
): Promise<HostileTarget> {
  const server = await startTestServer({ nodeEnv: 'production', ...overrides });
  const { key: editor } = await server.createKey(Role.EDITOR);
  let lastMeasure = '';
  let lastStatement = '';
  let baseline: Record<string, number> = {};
  const target: HostileTarget = {
    server,
    editor,
    get lastMeasure() {
      return lastMeasure;
    },
    get lastStatement() {
      return lastStatement;
    },
    async addMeasure(overrides = {}) {
      lastMeasure = await addMeasureAs(server, editor, overrides);
      return lastMeasure;
    },
    async addStatement(overrides = {}) {
      lastStatement = await addStatementAs(server, editor, 'RU', {
        issuedOn: '2024-04-02',
        issuer: 'Ministry of Testing',
        text: 'Text.',
        ...overrides,
      });
      return lastStatement;
    },
    async tableCounts() {
      const counts: Record<string, number> = {};
      for (const table of TABLES) {
        const [row] = await server.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${table}`,
        );
        counts[table] = row!.n;
      }
      return counts;
    },
    async tablesIntact() {
      const present = await server.db.query<{ relname: string }>(
        `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname = ANY($1::text[])`,
        [TABLES],
      );
      expect(present.map((r) => r.relname).sort()).toEqual([...TABLES].sort());
      const counts = await target.tableCounts();
      for (const table of TABLES) expect(counts[table]).toBeGreaterThanOrEqual(baseline[table]!);
      const { data, errors } = await server.gql('{ country(code: "JP") { name } }');
      expect(errors).toBeUndefined();
      expect(data).toEqual({ country: { name: 'Japan' } });
    },
    async stillLive() {
      const feed = server.app.services.measureFeed;
      const before = feed.subscriberCount;
      const client = connect(server.url);
      const sub = client.subscribe('subscription { measureAdded { id title } }');
      await waitUntil('the liveness subscription', () => feed.subscriberCount > before);
      const id = await target.addMeasure({ title: 'Liveness check' });
      const [event] = await sub.waitFor(1, 10_000);
      expect(event).toEqual({ data: { measureAdded: { id, title: 'Liveness check' } } });
      await client.dispose();
      await target.tablesIntact();
    },
    async subscriptionsEnded() {
      await disposeClients();
      // Every subscription of the test is gone on the server too: the next one counts from zero.
      const { measureFeed, statementFeed } = server.app.services;
      await waitUntil(
        'the subscriptions of the last test to end',
        () => measureFeed.subscriberCount === 0 && statementFeed.subscriberCount === 0,
      );
    },
  };
  await fixtures(server);
  await target.addMeasure({ title: 'Anchor measure' });
  await target.addStatement({ title: 'Anchor statement' });
  baseline = await target.tableCounts();
  return target;
}
