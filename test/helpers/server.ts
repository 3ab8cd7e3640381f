import { type Application, startApplication } from '../../src/app';
import { Role } from '../../src/auth/role';
import { type Config, loadConfig, type RateLimitConfig } from '../../src/config';
import { createLogger, type Logger } from '../../src/logger';
import { createTestDatabase, type TestDatabase } from './database';

export interface GraphQLResponse<D = Record<string, unknown>> {
  status: number;
  headers: Headers;
  data?: D | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export interface TestServer {
  url: string;
  origin: string;
  db: TestDatabase;
  app: Application;
  /** POSTs a GraphQL request; resolves with status, headers, data and errors. */
  gql<D = any>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<D>>;
  /** Creates an API key with `role` (through the service, as the CLI does). */
  createKey(role: Role, name?: string): Promise<{ key: string; id: string }>;
  /** gql with `Authorization: Bearer <key>`. */
  gqlAs<D = any>(
    key: string,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResponse<D>>;
  stop(): Promise<void>;
}

const running = new Set<TestServer>();

/**
 * The real application (same code path as `npm start` minus the embedded database) on port 0,
 * on a database of its own. Call `stopAllServers` in afterAll; nothing may outlive the file.
 */
export async function startTestServer(
  overrides: Partial<Config> = {},
  database?: TestDatabase,
  log?: Logger,
): Promise<TestServer> {
  const ownsDatabase = database === undefined;
  const db = database ?? (await createTestDatabase());
  // Tests fire hundreds of requests a second from one address; limits/rate-limit.test.ts turns the
  // limits on with budgets of its own. The expiry sweep runs only where writes/expiry.test.ts asks, so
  // no background write lands in another file's change-log or statement counts.
  const defaults = loadConfig({ NODE_ENV: 'test' });
  const config: Config = {
    ...defaults,
    port: 0,
    host: '127.0.0.1',
    dbPoolSize: 4,
    rateLimit: { ...defaults.rateLimit, enabled: false },
    expirySweepMs: 0,
    ...overrides,
  };
  const logger = log ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const app = await startApplication(config, logger, db.url);
  const url = `http://127.0.0.1:${app.server.port}/graphql`;
  const server: TestServer = {
    url,
    origin: `http://127.0.0.1:${app.server.port}`,
    db,
    app,
    async gql(query, variables, headers = {}) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as {
        data?: unknown;
        errors?: GraphQLResponse['errors'];
      };
      return {
        status: response.status,
        headers: response.headers,
        ...body,
      } as GraphQLResponse<never>;
    },
    async createKey(role, name = `${role.toLowerCase()} key`) {
      const created = await app.services.apiKeys.create(name, role, {
        apiKeyId: null,
        requestId: 'test',
      });
      return { key: created.key, id: created.apiKey.globalId };
    },
    gqlAs(key, query, variables) {
      return server.gql(query, variables, { authorization: `Bearer ${key}` });
    },
    async stop() {
      running.delete(server);
      await app.stop();
      if (ownsDatabase) await db.drop();
    },
  };
  running.add(server);
  return server;
}

/** Stops every server (second instances on a shared database before the database's owner). */
export async function stopAllServers(): Promise<void> {
  for (const server of [...running].reverse()) await server.stop();
}

/** Rate limits off and per-second admission wide open: for tests that send many requests. */
export const NO_RATE_LIMIT: RateLimitConfig = {
  enabled: false,
  windowSeconds: 60,
  anonymousPoints: 1,
  keyPoints: 1,
  anonymousRequestsPerSecond: 1000,
  keyRequestsPerSecond: 1000,
};

/** Cost budgets per window (a key's 10 times an address's by default), admission wide open. */
export function rateLimited(
  anonymousPoints: number,
  { keyPoints = 10 * anonymousPoints, windowSeconds = 60 } = {},
): RateLimitConfig {
  return { ...NO_RATE_LIMIT, enabled: true, windowSeconds, anonymousPoints, keyPoints };
}
