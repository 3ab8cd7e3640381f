import path from 'node:path';
import {
  bool,
  corsOrigins,
  directory,
  hostName,
  int,
  oneOf,
  postgresUrl,
  readSettings,
  seconds,
  setting,
  trustedProxies,
  type ValuesOf,
} from './settings';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/**
 * Every setting: its variable, type, default and meaning. The Config type, defaultConfig,
 * loadConfig and docs/configuration.md (`npm run docs:config`) are all made from this table.
 */
export const settings = {
  databaseUrl: setting<string | undefined>({
    env: 'DATABASE_URL',
    type: postgresUrl,
    default: undefined,
    shownDefault: 'unset',
    description:
      'PostgreSQL to use, e.g. `postgres://user:pass@host:5432/retorsion`. Unset: run an embedded PostgreSQL.',
  }),
  dataDir: setting({
    env: 'DATA_DIR',
    type: directory,
    default: path.resolve('.data'),
    shownDefault: '`./.data`',
    description: 'Where the embedded PostgreSQL keeps its data (ignored with `DATABASE_URL`).',
  }),
  embeddedPostgresPort: setting<number | undefined>({
    env: 'EMBEDDED_PG_PORT',
    type: int(1, 65535),
    default: undefined,
    shownDefault: 'a free port',
    description: 'Port of the embedded PostgreSQL (it listens on 127.0.0.1 only).',
  }),
  port: setting({
    env: 'PORT',
    type: int(0, 65535),
    default: 4000,
    description:
      'HTTP port: GraphQL at `/graphql`, `/healthz` (process up), `/readyz` (database reachable).',
  }),
  host: setting({
    env: 'HOST',
    type: hostName,
    default: '0.0.0.0',
    description: 'Interface to listen on.',
  }),
  nodeEnv: setting({
    env: 'NODE_ENV',
    type: oneOf(['production', 'development', 'test'], 'production, development or test'),
    default: 'development',
    description:
      '`production` (set by `npm start`) hides internal error details; `development` shows stack traces.',
  }),
  logLevel: setting({
    env: 'LOG_LEVEL',
    type: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    default: 'info',
    description: 'Logs are JSON lines on stdout; under `NODE_ENV=test` the default is `silent`.',
  }),
  workers: setting({
    env: 'WORKERS',
    type: int(1, 64),
    default: 1,
    description: 'Worker processes sharing the port, each a whole API instance (one per core).',
  }),
  dbPoolSize: setting({
    env: 'DB_POOL_SIZE',
    type: int(1, 1000),
    default: 10,
    description: "Connections per API instance (plus one for the live feed's `LISTEN`).",
  }),
  dbStatementTimeoutMs: setting({
    env: 'DB_STATEMENT_TIMEOUT_MS',
    type: int(100, 3_600_000),
    default: 15_000,
    description: 'A longer statement is cancelled: the request fails, the connection survives.',
  }),
  dbConnectTimeoutMs: setting({
    env: 'DB_CONNECT_TIMEOUT_MS',
    type: int(100, 600_000),
    default: 5000,
    description: 'How long to wait for a new database connection.',
  }),
  playground: setting({
    env: 'PLAYGROUND',
    type: bool,
    default: true,
    description: 'Serve the Apollo Sandbox landing page to browsers on `GET /graphql`.',
  }),
  readPlanner: setting({
    env: 'READ_PLANNER',
    type: bool,
    default: true,
    description:
      'Answer the queries the read planner covers with one SQL statement each (see [architecture.md](architecture.md#a-request)); `false` sends every query through the resolvers.',
  }),
  shutdownGraceMs: setting({
    env: 'SHUTDOWN_GRACE_MS',
    type: int(0, 600_000),
    default: 20_000,
    description:
      'How long SIGTERM waits for in-flight requests; must exceed `DB_STATEMENT_TIMEOUT_MS`, so they finish.',
  }),
  corsOrigins: setting({
    env: 'CORS_ORIGINS',
    type: corsOrigins,
    default: '*',
    description:
      'Origins browsers may call from: `*` (safe: credentials are never cookies), or a list such as `https://app.example.org`.',
  }),
  trustProxy: setting({
    env: 'TRUST_PROXY',
    type: trustedProxies,
    default: [],
    shownDefault: 'none',
    description:
      'Proxies whose `X-Forwarded-For` is believed: addresses, CIDRs, `loopback`, `linklocal`, `uniquelocal`.',
  }),
  maxBodyBytes: setting({
    env: 'MAX_BODY_BYTES',
    type: int(KiB, 64 * MiB),
    default: 256 * KiB,
    description: 'Largest request body without an API key (413 above).',
  }),
  maxBodyBytesWithKey: setting({
    env: 'MAX_BODY_BYTES_WITH_KEY',
    type: int(KiB, 256 * MiB),
    default: 8 * MiB,
    description: 'Largest request body with a key (bulk writes of 10,000 targets).',
  }),
  /** Limits on every operation, over HTTP and WebSocket alike. */
  limits: {
    maxTokens: setting({
      env: 'QUERY_MAX_TOKENS',
      type: int(10, 1_000_000),
      default: 5000,
      description: 'Tokens in one document.',
    }),
    maxQueryLength: setting({
      env: 'QUERY_MAX_LENGTH',
      type: int(100, 100_000_000),
      default: 100_000,
      description:
        'Characters in one document (a comment or string literal is one token however long; long values belong in variables).',
    }),
    maxDepth: setting({
      env: 'QUERY_MAX_DEPTH',
      type: int(1, 1000),
      default: 15,
      description: 'Depth of a selection, fragments included.',
    }),
    maxAliases: setting({
      env: 'QUERY_MAX_ALIASES',
      type: int(0, 10_000),
      default: 30,
      description: 'Aliases in one operation.',
    }),
    maxDirectives: setting({
      env: 'QUERY_MAX_DIRECTIVES',
      type: int(0, 10_000),
      default: 20,
      description: 'Directives in one operation.',
    }),
    maxVariableValues: setting({
      env: 'VARIABLES_MAX_VALUES',
      type: int(1, 100_000_000),
      default: 200_000,
      description: "Values (every scalar, list and object) in one request's variables.",
    }),
    maxVariableDepth: setting({
      env: 'VARIABLES_MAX_DEPTH',
      type: int(1, 1000),
      default: 8,
      description: "Nesting of lists and objects in one request's variables.",
    }),
    maxCost: setting({
      env: 'QUERY_MAX_COST',
      type: int(1, 100_000_000),
      default: 25_000,
      description:
        'Cost of one operation: list fields multiply by their page size (see [operations.md](operations.md#limits)).',
    }),
    introspection: setting({
      env: 'INTROSPECTION',
      type: bool,
      default: true,
      description:
        'Answer introspection (`__schema`, `__type`) on both transports: the playground and code generators need it.',
    }),
  },
  rateLimit: {
    enabled: setting({
      env: 'RATE_LIMIT',
      type: bool,
      default: true,
      description: 'Charge operations against the budgets below.',
    }),
    windowSeconds: setting({
      env: 'RATE_LIMIT_WINDOW_SECONDS',
      type: int(1, 86_400),
      default: 60,
      description: 'Length of a budget window.',
    }),
    anonymousPoints: setting({
      env: 'RATE_LIMIT_ANONYMOUS_POINTS',
      type: int(1, 2_000_000_000),
      default: 50_000,
      description: 'Cost points per window per client address without a key.',
    }),
    keyPoints: setting({
      env: 'RATE_LIMIT_KEY_POINTS',
      type: int(1, 2_000_000_000),
      default: 500_000,
      description: 'Cost points per window per API key (editors and admins).',
    }),
    anonymousRequestsPerSecond: setting({
      env: 'RATE_LIMIT_ANONYMOUS_RPS',
      type: int(1, 1_000_000),
      default: 100,
      description:
        'Requests per second per address without a key, per instance: bounds what a client can make the server parse and refuse, which costs no points.',
    }),
    keyRequestsPerSecond: setting({
      env: 'RATE_LIMIT_KEY_RPS',
      type: int(1, 1_000_000),
      default: 500,
      description: 'Requests per second per key, per instance.',
    }),
  },
  wsMaxPayloadBytes: setting({
    env: 'WS_MAX_PAYLOAD_BYTES',
    type: int(KiB, 64 * MiB),
    default: MiB,
    description: 'Largest WebSocket message a client may send (close 1009 above).',
  }),
  wsMaxSubscriptions: setting({
    env: 'WS_MAX_SUBSCRIPTIONS',
    type: int(1, 10_000),
    default: 50,
    description: 'Subscriptions one WebSocket connection may hold at once.',
  }),
  wsMaxConnections: setting({
    env: 'WS_MAX_CONNECTIONS',
    type: int(1, 1_000_000),
    default: 20_000,
    description:
      'Open WebSocket connections in all (each holds memory for its subscriptions); past it the upgrade is answered 503 with Retry-After.',
  }),
  wsMaxConnectionsPerAddress: setting({
    env: 'WS_MAX_CONNECTIONS_PER_ADDRESS',
    type: int(1, 1_000_000),
    default: 500,
    description:
      'Open WebSocket connections from one client address (an IPv6 /64 counts as one); past it the upgrade is answered 503 with Retry-After.',
  }),
  /** Bytes WebSocket clients may make the server hold: a SocketBudget's limits. */
  wsBudget: {
    socketBytes: setting({
      env: 'WS_MAX_BYTES_PER_SOCKET',
      type: int(64 * KiB, GiB),
      default: MiB,
      description:
        'Server memory one WebSocket connection may hold: its subscriptions (parsed documents and variables), a message still arriving and output not yet read (see [operations.md](operations.md#websocket-memory-budget)).',
    }),
    addressBytes: setting({
      env: 'WS_MAX_BYTES_PER_ADDRESS',
      type: int(64 * KiB, 64 * GiB),
      default: 32 * MiB,
      description: 'The same, for all the connections of one client address (an IPv6 /64).',
    }),
    totalBytes: setting({
      env: 'WS_MAX_BYTES',
      type: int(MiB, 256 * GiB),
      default: 512 * MiB,
      description: 'The same, for all connections to this instance.',
    }),
  },
  wsConnectionInitTimeoutMs: setting({
    env: 'WS_CONNECTION_INIT_TIMEOUT_MS',
    type: int(100, 600_000),
    default: 3000,
    description: 'A socket without `connection_init` by then is closed (4408).',
  }),
  subscriptionQueueLimit: setting({
    env: 'SUBSCRIPTION_QUEUE_LIMIT',
    type: int(1, 1_000_000),
    default: 1000,
    description:
      'Events a subscription may have waiting before it ends with `SUBSCRIPTION_OVERFLOW` (the client can resume).',
  }),
  livePollMs: setting({
    env: 'LIVE_POLL_MS',
    type: int(50, 600_000),
    default: 5000,
    description: 'The live feed reads the change log at least this often, besides on `NOTIFY`.',
  }),
  expirySweepMs: setting({
    env: 'EXPIRY_SWEEP_SECONDS',
    type: seconds(0, 86_400),
    default: 60_000,
    description: 'How often measures past their `expiresOn` become `EXPIRED`; `0` turns it off.',
  }),
};

/** Everything the process reads from its environment, parsed and validated once at start-up. */
export type Config = ValuesOf<typeof settings>;
export type NodeEnv = Config['nodeEnv'];
export type QueryLimits = Config['limits'];
export type RateLimitConfig = Config['rateLimit'];

export const defaultConfig: Config = readSettings(settings, {}, []);

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Reads the environment onto the defaults; throws one ConfigError listing every problem. */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Config> = {},
): Config {
  const problems: string[] = [];
  const config = readSettings(settings, env, problems);
  if (env.LOG_LEVEL === undefined && config.nodeEnv === 'test') config.logLevel = 'silent';
  // A statement still running when the grace period ends would hold the pool open past it.
  if (config.dbStatementTimeoutMs >= config.shutdownGraceMs && config.shutdownGraceMs > 0) {
    problems.push(
      `DB_STATEMENT_TIMEOUT_MS (${config.dbStatementTimeoutMs}) must be shorter than SHUTDOWN_GRACE_MS (${config.shutdownGraceMs}), so a draining server never waits on a statement past its grace period`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...config, ...overrides };
}
