import { cleanUp } from '../../helpers/cleanup';
import { startTestServer, type TestServer } from '../../helpers/server';

/**
 * CORS: by default any origin may read the API (its credentials are headers, not cookies); with
 * CORS_ORIGINS set, only the origins listed, matched exactly, and error answers carry the headers
 * too.
 */
afterAll(cleanUp);

describe('CORS by default', () => {
  let open: TestServer;

  beforeAll(async () => {
    open = await startTestServer();
  });

  test('CORS preflight is answered for any origin (credentials are headers, not cookies)', async () => {
    const response = await fetch(open.url, {
      method: 'OPTIONS',
      headers: { origin: 'https://dashboard.example', 'access-control-request-method': 'POST' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-headers')).toMatch(/authorization/);
  });
});

describe('CORS with a list of origins', () => {
  const ALLOWED = ['https://dashboard.example', 'http://localhost:5173'];
  let cors: TestServer;

  beforeAll(async () => {
    cors = await startTestServer({ nodeEnv: 'production', corsOrigins: ALLOWED });
  });

  const post = (origin: string | undefined, headers: Record<string, string> = {}) =>
    fetch(cors.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(origin ? { origin } : {}),
        ...headers,
      },
      body: JSON.stringify({ query: '{ country(code: "JP") { name } }' }),
    });

  test.each(ALLOWED)('an allowed origin (%s) is echoed, with Vary: Origin', async (origin) => {
    const response = await post(origin);
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(origin);
    expect(response.headers.get('vary') ?? '').toMatch(/origin/i);
    expect(response.headers.get('access-control-expose-headers')).toMatch(/x-request-id/);
    expect(await response.json()).toEqual({
      data: { country: { name: 'Japan' } },
      extensions: { cost: expect.any(Object) },
    });
  });

  test.each([
    'https://evil.example',
    'https://dashboard.example.evil.example',
    'https://evil.example/https://dashboard.example',
    'http://dashboard.example',
    'https://dashboard.example:8443',
    'null',
    'https://dashboard.example, https://evil.example',
    '*',
  ])('a disallowed origin (%s) gets no Access-Control-Allow-Origin', async (origin) => {
    const response = await post(origin);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(response.headers.get('vary') ?? '').toMatch(/origin/i);
    await response.body?.cancel();
  });

  test('no Origin (not a browser): served, without Access-Control-Allow-Origin', async () => {
    const response = await post(undefined);
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(await response.json()).toEqual({
      data: { country: { name: 'Japan' } },
      extensions: { cost: expect.any(Object) },
    });
  });

  test('preflight from an allowed origin: 204 with the methods and headers a client needs', async () => {
    const response = await fetch(cors.url, {
      method: 'OPTIONS',
      headers: {
        origin: ALLOWED[0]!,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED[0]);
    expect(response.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(response.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect(response.headers.get('access-control-allow-headers')).toMatch(/content-type/);
    expect(Number(response.headers.get('access-control-max-age'))).toBeGreaterThan(0);
    expect(response.headers.get('vary') ?? '').toMatch(/origin/i);
    expect(await response.text()).toBe('');
  });

  test('preflight from a disallowed origin: no Access-Control-Allow-Origin, nothing executed', async () => {
    const response = await fetch(`${cors.url}?query=${encodeURIComponent('{ __typename }')}`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(response.status).toBeLessThan(300);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(await response.text()).toBe('');
  });

  test('an error answer to an allowed origin still carries its CORS headers (readable by the page)', async () => {
    const response = await post(ALLOWED[1], { authorization: 'Bearer not-a-key' });
    expect(response.status).toBe(401);
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED[1]);
    expect(response.headers.get('access-control-expose-headers')).toMatch(/x-request-id/);
    await response.body?.cancel();
  });
});
