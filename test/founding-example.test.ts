import { startTestServer, stopAllServers, type TestServer } from './helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(stopAllServers);

test('the README query answers with the founding example', async () => {
  const { data, errors } = await server.gql(`{
    country(code: "ru") {
      measuresImposed(filter: {kind: [ENTRY_BAN]}) {
        totalCount
        edges { node {
          title targetCount indefinite announcedOn
          targets { edges { node { name } } }
          inResponseTo { title imposedBy { code } }
          statements { issuer quotes }
        } }
      }
    }
  }`);
  expect(errors).toBeUndefined();
  const connection = data.country.measuresImposed;
  expect(connection.totalCount).toBe(1);
  const ban = connection.edges[0].node;
  expect(ban).toMatchObject({ targetCount: 63, indefinite: true, announcedOn: '2022-05-04' });
  expect(ban.targets.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual([
    'Fumio Kishida',
  ]);
  expect(ban.inResponseTo.imposedBy.code).toBe('JP');
  expect(ban.statements).toEqual([
    {
      issuer: 'Ministry of Foreign Affairs of the Russian Federation',
      quotes: ['indefinitely', 'unprecedented anti-Russian campaign'],
    },
  ]);
});
