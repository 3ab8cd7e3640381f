import { startTestServer, stopAllServers, type TestServer } from '../../helpers/server';
import { connect, disposeClients } from '../../helpers/ws';

/**
 * Errors a newcomer can act on, on both transports, as production sends them: where a syntax
 * error is, which values an enum takes, which country code was meant.
 */
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ nodeEnv: 'production' });
});
afterAll(async () => {
  await disposeClients();
  await stopAllServers();
});

interface ClientError {
  message: string;
  locations?: { line: number; column: number }[];
  extensions?: Record<string, unknown>;
}

async function get(query: string): Promise<{ status: number; errors?: ClientError[] }> {
  const response = await fetch(`${server.url}?query=${encodeURIComponent(query)}`);
  return { status: response.status, ...((await response.json()) as { errors?: ClientError[] }) };
}

/** The errors a subscription is refused with over graphql-ws (an `error` message). */
async function refusedOverWebSocket(
  query: string,
  variables?: Record<string, unknown>,
): Promise<ClientError[]> {
  const client = connect(server.url);
  try {
    const subscription = client.subscribe(query, variables);
    await subscription.ended();
    expect(subscription.failed).toEqual(expect.any(Array));
    return subscription.failed as ClientError[];
  } finally {
    await client.dispose();
  }
}

describe('a syntax error keeps its line and column', () => {
  // Parsing stops at the end of line 3: the selection set is never closed.
  const unclosed = '{\n  measures {\n    totalCount\n';
  const expected = {
    message: 'Syntax Error: Expected Name, found <EOF>.',
    locations: [{ line: 4, column: 1 }],
    extensions: { code: 'BAD_USER_INPUT' },
  };

  test('over HTTP POST', async () => {
    const response = await server.gql(unclosed);
    expect(response.status).toBe(200);
    expect(response.errors).toEqual([expected]);
  });

  test('over HTTP GET, at the column of the stray token', async () => {
    const response = await get('{ country(code: "jp") { name } }}');
    expect(response.errors).toEqual([
      {
        message: 'Syntax Error: Unexpected "}".',
        locations: [{ line: 1, column: 33 }],
        extensions: { code: 'BAD_USER_INPUT' },
      },
    ]);
  });

  test('for a document long enough to be cached by its digest, asked twice', async () => {
    // Over 16 KB: its refusal is cached without the text, and must still say where.
    const long = `# ${'x'.repeat(20_000)}\nquery { measures(first: 2 { totalCount } }`;
    for (let i = 0; i < 2; i++) {
      const response = await server.gql(long);
      expect(response.errors).toEqual([
        {
          message: 'Syntax Error: Expected Name, found "{".',
          locations: [{ line: 2, column: 27 }],
          extensions: { code: 'BAD_USER_INPUT' },
        },
      ]);
    }
  });

  test('over WebSocket', async () => {
    const errors = await refusedOverWebSocket('subscription {\n  measureAdded { id ');
    expect(errors).toEqual([{ ...expected, locations: [{ line: 2, column: 21 }] }]);
  });

  test('over WebSocket, a validation error says where too', async () => {
    const errors = await refusedOverWebSocket('subscription {\n  measureAdded { id titel }\n}');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.locations).toEqual([{ line: 2, column: 21 }]);
    expect(errors[0]!.message).toBe('Cannot query field "titel" on type "Measure".');
  });
});
