import { startTestServer, stopAllServers, type TestServer } from './helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(stopAllServers);

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

test('CORS preflight is answered for any origin (credentials are headers, not cookies)', async () => {
  const response = await fetch(server.url, {
    method: 'OPTIONS',
    headers: { origin: 'https://dashboard.example', 'access-control-request-method': 'POST' },
  });
  expect(response.status).toBe(204);
  expect(response.headers.get('access-control-allow-origin')).toBe('*');
  expect(response.headers.get('access-control-allow-headers')).toMatch(/authorization/);
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
