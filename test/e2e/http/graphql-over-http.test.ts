import { auditServer } from 'graphql-http';
import { cleanUp } from '../../helpers/cleanup';
import { startTestServer, type TestServer } from '../../helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ nodeEnv: 'production' });
});
afterAll(cleanUp);

test('graphql-http audit: every MUST and SHOULD passes', async () => {
  const results = await auditServer({ url: server.url });
  const failed = results
    .filter((result) => result.status !== 'ok' && !/^MAY /.test(result.name))
    .map(
      (result) =>
        `${result.id} ${result.status}: ${result.name}${'reason' in result ? ` (${String(result.reason).slice(0, 200)})` : ''}`,
    );
  expect(failed).toEqual([]);
  const musts = results.filter((result) => /^MUST /.test(result.name));
  const shoulds = results.filter((result) => /^SHOULD /.test(result.name));
  // graphql-http 1.23.1 has 13 MUST and 23 SHOULD audits (and 25 MAY, which pass too).
  expect(musts.length).toBeGreaterThanOrEqual(13);
  expect(shoulds.length).toBeGreaterThanOrEqual(23);
});

test('mutations are refused over GET', async () => {
  const query = encodeURIComponent(
    'mutation { addOfficial(input: { name: "x", country: "GB", category: OTHER }) { id } }',
  );
  const response = await fetch(`${server.url}?query=${query}`, {
    headers: { accept: 'application/graphql-response+json' },
  });
  expect(response.status).toBe(405);
  await response.body?.cancel();
});
