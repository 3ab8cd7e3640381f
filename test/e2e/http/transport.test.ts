import { loadConfig } from '../../../src/config';
import { rowCount } from '../../helpers/assertions';
import { cleanUp } from '../../helpers/cleanup';
import { capturingLogger } from '../../helpers/logger';
import { NO_RATE_LIMIT, startTestServer, type TestServer } from '../../helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(cleanUp);

test('/healthz says the process is up, /readyz that the database answers', async () => {
  const health = await fetch(`${server.origin}/healthz`);
  expect(health.status).toBe(200);
  expect(await health.json()).toEqual({ status: 'ok' });
  const ready = await fetch(`${server.origin}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual({ status: 'ready' });
});

test('unknown paths are 404', async () => {
  const response = await fetch(`${server.origin}/nope`);
  expect(response.status).toBe(404);
  await response.body?.cancel();
});

test('a GET query without extra headers is answered (as urql sends it)', async () => {
  const query = encodeURIComponent('{ country(code: "jp") { name } }');
  const response = await fetch(`${server.url}?query=${query}`);
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({
    data: { country: { name: 'Japan' } },
    extensions: { cost: expect.any(Object) },
  });
});

test('a browser gets the playground on GET /graphql', async () => {
  const response = await fetch(server.url, { headers: { accept: 'text/html' } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/text\/html/);
  expect(await response.text()).toMatch(/apollo/i);
});

test('every response carries a request id; a client cannot choose it', async () => {
  const given = await fetch(`${server.origin}/healthz`, { headers: { 'x-request-id': 'abc-123' } });
  expect(given.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
});

test('a sane request id from a trusted proxy is kept', async () => {
  const behindProxy = await startTestServer({ trustProxy: ['loopback'] }, server.db);
  const given = await fetch(`${behindProxy.origin}/healthz`, {
    headers: { 'x-request-id': 'abc-123' },
  });
  expect(given.headers.get('x-request-id')).toBe('abc-123');
  const generated = await fetch(`${behindProxy.origin}/healthz`, {
    headers: { 'x-request-id': 'bad id with spaces' },
  });
  expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
});

describe('malformed requests get a clear 4xx and leave the server serving', () => {
  afterEach(async () => {
    const { data } = await server.gql('{ country(code: "RU") { code } }');
    expect(data.country.code).toBe('RU');
  });

  test('invalid JSON', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": ',
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
  });

  test('a body over the limit', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ __typename }`, padding: 'x'.repeat(3 * 1024 * 1024) }),
    });
    expect(response.status).toBe(413);
    await response.body?.cancel();
  });

  test('a content type that is not JSON', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{ __typename }',
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    await response.body?.cancel();
  });

  test('a batch (array) of operations', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
    });
    expect(response.status).toBe(400);
    await response.body?.cancel();
  });

  test('a syntax error: 200 with application/json, 400 with application/graphql-response+json', async () => {
    const response = await server.gql('{ country(code: ');
    expect(response.status).toBe(200);
    expect(response.errors![0]!.message).toMatch(/Syntax Error/);
    expect(response.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    const modern = await server.gql(
      '{ country(code: ',
      {},
      { accept: 'application/graphql-response+json' },
    );
    expect(modern.status).toBe(400);
    expect(modern.headers.get('content-type')).toMatch(/application\/graphql-response\+json/);
  });
});

describe('GET chooses no mutation or subscription', () => {
  let production: TestServer;

  beforeAll(async () => {
    production = await startTestServer({ nodeEnv: 'production', rateLimit: NO_RATE_LIMIT });
  });

  test('operationName selecting the mutation of a multi-operation document: 405, nothing written', async () => {
    const before = await rowCount(production.db, 'official');
    const query = encodeURIComponent(
      'query A { __typename } mutation B { addOfficial(input: { name: "x", country: "GB", category: OTHER }) { id } }',
    );
    const response = await fetch(`${production.url}?query=${query}&operationName=B`);
    expect(response.status).toBe(405);
    await response.body?.cancel();
    expect(await rowCount(production.db, 'official')).toBe(before);
  });

  test('a subscription over GET is refused with a 4xx', async () => {
    const query = encodeURIComponent('subscription { measureAdded { id } }');
    const response = await fetch(`${production.url}?query=${query}`);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    await response.body?.cancel();
  });
});

describe('requests over GET and POST alike, in production', () => {
  let server: TestServer;
  const { logger, lines: logged } = capturingLogger();

  beforeAll(async () => {
    server = await startTestServer({ nodeEnv: 'production' }, undefined, logger);
  });

  async function post(body: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  }

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
    // own OPERATION_RESOLUTION_FAILURE, which the contract in docs/api.md does not list).
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

test('health, readiness and landing page', async () => {
  expect((await fetch(`${server.origin}/healthz`)).status).toBe(200);
  expect((await fetch(`${server.origin}/readyz`)).status).toBe(200);
  const landing = await fetch(server.url, { headers: { accept: 'text/html' } });
  expect(landing.status).toBe(200);
  expect(await landing.text()).toMatch(/<html/i);
});
