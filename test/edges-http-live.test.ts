import { Role } from '../src/auth/role';
import { loadConfig } from '../src/config';
import { ADD_STATEMENT, addMeasureAs, statementInput } from './helpers/fixtures';
import { capturingLogger } from './helpers/logger';
import { startTestServer, stopAllServers, type TestServer } from './helpers/server';
import { connect, disposeClients, type Received } from './helpers/ws';

/**
 * Requests over GET answered like their POST equivalents (variables limits, UTF-8), subscriptions
 * refused over HTTP, operation names that resolve to nothing; and live-feed behaviour no other
 * file pins down: measureUpdated against every filter field, statementAdded's replay, the
 * subscription cap, connectionParams.authorization. Found by a review.
 */

let server: TestServer;
let editor: string;
const { logger, lines: logged } = capturingLogger();

beforeAll(async () => {
  server = await startTestServer({ nodeEnv: 'production', livePollMs: 200 }, undefined, logger);
  ({ key: editor } = await server.createKey(Role.EDITOR));
});
afterEach(disposeClients);
afterAll(stopAllServers);

const addMeasure = (overrides: Record<string, unknown> = {}) =>
  addMeasureAs(server, editor, overrides);
const ids = (events: Received[]) =>
  events.map((event) => Object.values(event.data)[0] as { id: string }).map((n) => n.id);
const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

async function post(body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

describe('HTTP requests at the edges', () => {
  test('a subscription sent over HTTP POST is refused as a client error, not run as an INTERNAL_SERVER_ERROR', async () => {
    // Run as a query, the subscription's resolver would get no event and fail: an internal error
    // (with a logged stack) that any anonymous caller could produce at will.
    const before = logged.length;
    for (const query of [
      'subscription { measureAdded { id } }',
      'subscription { measureUpdated { id } }',
      'subscription { statementAdded { id } }',
    ]) {
      // A request error: 200 with application/json, 400 with graphql-response+json (as others).
      const { status, body } = await post({ query });
      expect(body.errors.map((e: any) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
      expect(body.errors[0].message).toMatch(/over WebSocket/);
      expect(status).toBe(200);
      const modern = await post({ query }, { accept: 'application/graphql-response+json' });
      expect(modern.status).toBe(400);
    }
    const internal = logged
      .slice(before)
      .map((line) => JSON.parse(line))
      .filter((entry) => entry.msg === 'internal error');
    expect(internal).toEqual([]);
  });

  test('variables sent with a GET query pass the same variable limits as over POST', async () => {
    const limits = { ...loadConfig({ NODE_ENV: 'test' }).limits, maxVariableValues: 5 };
    const limited = await startTestServer({ nodeEnv: 'production', limits });
    const query = 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }';
    const variables = { ids: Array.from({ length: 20 }, () => 'TWVhc3VyZToxMjM0NQ') };

    const overPost = await limited.gql(query, variables);
    expect(overPost.errors![0]!.extensions!.code).toBe('QUERY_TOO_COMPLEX'); // refused: ok

    const response = await fetch(
      `${limited.url}?query=${encodeURIComponent(query)}&variables=${encodeURIComponent(
        JSON.stringify(variables),
      )}`,
    );
    const body = (await response.json()) as any;
    expect(body.data ?? null).toBeNull();
    expect(body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });

  test('variables nested deeper than the limit are refused over GET as over POST (default limits)', async () => {
    // An unused variable nested 12 deep: POST refuses it (maxVariableDepth 8), GET serves it.
    const nested = JSON.parse(`${'['.repeat(12)}1${']'.repeat(12)}`);
    const query = '{ __typename }';
    const overPost = await server.gql(query, { deep: nested });
    expect(overPost.errors![0]!.extensions!.code).toBe('QUERY_TOO_COMPLEX'); // refused: ok
    const response = await fetch(
      `${server.url}?query=${encodeURIComponent(query)}&variables=${encodeURIComponent(
        JSON.stringify({ deep: nested }),
      )}`,
    );
    const body = (await response.json()) as any;
    expect(body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });

  test('invalid UTF-8 in a GET query string is refused (400), as it is in a POST body', async () => {
    // URLSearchParams would decode %FF%FE into U+FFFD and run the search on the mangled text.
    const response = await fetch(
      `${server.url}?query=${'%7B%20measures(filter%3A%7Btext%3A%22%FF%FE%22%7D)%20%7B%20totalCount%20%7D%20%7D'}`,
    );
    const body = (await response.json()) as any;
    expect(response.status).toBe(400);
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  test('an operationName that names no operation is BAD_USER_INPUT (as over WebSocket), not an Apollo-only code', async () => {
    // As over WebSocket, and as any other request error sent as application/json (not Apollo's
    // own OPERATION_RESOLUTION_FAILURE, which the API's error codes do not include).
    const unknown = await post({
      query: 'query A { __typename } query B { __typename }',
      operationName: 'C',
    });
    const ambiguous = await post({ query: 'query A { __typename } query B { __typename }' });
    for (const { status, body } of [unknown, ambiguous]) {
      expect(body.errors.map((e: any) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
      expect(status).toBe(200);
    }
  });
});

describe('live feed', () => {
  test('statementAdded(country, since) replays only the matching statements, then goes live', async () => {
    const add = async (country: string) =>
      (await server.gqlAs(editor, ADD_STATEMENT, { input: statementInput(country) })).data
        .addStatement.id as string;
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

  test('a page size given by a variable default is checked when subscribing', async () => {
    const client = connect(server.url);
    const sub = client.subscribe(
      'subscription($n: Int = 1000) { measureAdded { targets(first: $n) { totalCount } } }',
    );
    await sub.ended();
    expect((sub.failed as { extensions: Record<string, unknown> }[])[0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'first',
    });
  });
});
