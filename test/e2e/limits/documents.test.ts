import { Role } from '../../../src/auth/role';
import { loadConfig } from '../../../src/config';
import { cleanUp } from '../../helpers/cleanup';
import { startTestServer, type TestServer } from '../../helpers/server';
import { connect, disposeClients } from '../../helpers/ws';
import { measureInput } from '../../helpers/fixtures';

/**
 * Limits on the document and its variables: length before parsing, fields and fragments repeated,
 * too many variable values or values nested too deep, over HTTP and over WebSocket.
 */
const defaults = loadConfig({ NODE_ENV: 'test' });
let server: TestServer;
let editor: string;

beforeAll(async () => {
  server = await startTestServer({
    limits: { ...defaults.limits, maxVariableValues: 1000, maxVariableDepth: 4, maxCost: 200 },
  });
  ({ key: editor } = await server.createKey(Role.EDITOR));
});
afterEach(disposeClients);
afterAll(cleanUp);

async function stillHealthy(target: TestServer = server): Promise<void> {
  const { data, errors } = await target.gql('{ country(code: "JP") { name } }');
  expect(errors).toBeUndefined();
  expect(data).toEqual({ country: { name: 'Japan' } });
}

describe('documents', () => {
  test('a document longer than the limit is refused before it is parsed, however few tokens', async () => {
    const query = `{ __typename } #${'x'.repeat(150_000)}`;
    const response = await server.gql(query);
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0]!.extensions!.code).toBe('QUERY_TOO_COMPLEX');
    expect(response.errors![0]!.message).toMatch(/150016 characters long; the limit is 100000/);
    await stillHealthy();
  });

  test('fields repeated through inline fragments count together', async () => {
    const repeated = '... on CountryConnection { totalCount } '.repeat(6);
    const response = await server.gql(`{ countries { ${repeated} } }`);
    expect(response.errors![0]!.extensions!.code).toBe('QUERY_TOO_COMPLEX');
    expect(response.errors![0]!.message).toMatch(/"totalCount" is selected more than 5 times/);
  });

  test('a fragment spread over and over is refused', async () => {
    const response = await server.gql(
      `{ countries { ${'...F '.repeat(6)} } } fragment F on CountryConnection { totalCount }`,
    );
    expect(response.errors![0]!.extensions!.code).toBe('QUERY_TOO_COMPLEX');
    expect(response.errors![0]!.message).toMatch(/fragment "F" is selected more than 5 times/);
    await stillHealthy();
  });
});

describe('variables', () => {
  const QUERY = 'query($v: [String!]) { countries(region: "Asia") { totalCount } }';

  test.each([
    ['too many values', { v: Array.from({ length: 1001 }, () => 'x') }, /more than 1000 values/],
    ['nested too deep', { v: [[[[['x']]]]] }, /deeper than 4 levels/],
  ])('%s: QUERY_TOO_COMPLEX over HTTP', async (_, variables, message) => {
    const response = await server.gqlAs(editor, QUERY, variables);
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0]!.extensions!.code).toBe('QUERY_TOO_COMPLEX');
    expect(response.errors![0]!.message).toMatch(message);
    await stillHealthy();
  });

  test('too many values: QUERY_TOO_COMPLEX over WebSocket, and the socket serves on', async () => {
    const client = connect(server.url);
    const refused = client.subscribe(
      'subscription($f: MeasureFilter) { measureAdded(filter: $f) { id } }',
      { f: { imposedBy: Array.from({ length: 1001 }, () => 'GB') } },
    );
    await refused.ended();
    expect(refused.failed).toEqual([
      expect.objectContaining({
        message: 'The variables hold more than 1000 values.',
        extensions: expect.objectContaining({ code: 'QUERY_TOO_COMPLEX' }),
      }),
    ]);
    const live = client.subscribe('subscription { measureAdded { id title } }');
    await new Promise((resolve) => setTimeout(resolve, 150));
    const added = await server.gqlAs(
      editor,
      'mutation($i: AddMeasureInput!) { addMeasure(input: $i) { id } }',
      { i: measureInput({ title: 'After the refused subscription' }) },
    );
    expect(added.errors).toBeUndefined();
    const [event] = await live.waitFor(1);
    expect(event!.data.measureAdded).toEqual({
      id: added.data.addMeasure.id,
      title: 'After the refused subscription',
    });
  });
});
