import { isIP } from 'node:net';
import path from 'node:path';
import { checkTrustProxy } from './limits/client-address';
import type { SocketBudgetLimits } from './limits/socket-budget';

export type NodeEnv = 'production' | 'development' | 'test';

/** Everything the process reads from its environment, parsed and validated once at start-up. */
export interface Config {
  nodeEnv: NodeEnv;
  host: string;
  port: number;
  logLevel: string;
  /** External Postgres. When absent, an embedded server is started with its data in `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  embeddedPostgresPort?: number;
  dbPoolSize: number;
  /** Serve Apollo's landing page (an embedded Sandbox) on GET /graphql from a browser. */
  playground: boolean;
  /**
   * Answer the queries the read planner covers with one SQL statement each (src/planner); off,
   * every query goes through the resolvers.
   */
  readPlanner: boolean;
  /** How long shutdown waits for in-flight requests before closing them, in milliseconds. */
  shutdownGraceMs: number;
  /** Largest request body from anonymous callers (queries are small). */
  maxBodyBytes: number;
  /** Largest request body from callers with a valid API key (bulk writes: 10,000 targets). */
  maxBodyBytesWithKey: number;
  /** Largest WebSocket message a client may send. */
  wsMaxPayloadBytes: number;
  /** Subscriptions one WebSocket connection may hold at once. */
  wsMaxSubscriptions: number;
  /** Open WebSocket connections in all, and from one client address. */
  wsMaxConnections: number;
  wsMaxConnectionsPerAddress: number;
  /** Bytes WebSocket clients may make the server hold: per socket, per address, in all. */
  wsBudget: SocketBudgetLimits;
  /** A socket that has not sent connection_init by then is closed (4408). */
  wsConnectionInitTimeoutMs: number;
  /** Events a subscription may have waiting; a client further behind is ended (and can resume). */
  subscriptionQueueLimit: number;
  /** The live feed reads the change log at least this often, besides on NOTIFY. */
  livePollMs: number;
  /** How often each instance expires measures whose expiresOn has passed, in ms; 0: never. */
  expirySweepMs: number;
  /** Worker processes sharing the port (one per core is usual); 1 runs in this process. */
  workers: number;
  /** A statement running longer is cancelled (the request fails, the connection survives). */
  dbStatementTimeoutMs: number;
  dbConnectTimeoutMs: number;
  /** Limits on every operation, over HTTP and WebSocket alike. */
  limits: QueryLimits;
  rateLimit: RateLimitConfig;
  /** Proxies whose X-Forwarded-For is believed (addresses, CIDRs, or loopback/linklocal/uniquelocal). */
  trustProxy: string[];
  /** Origins allowed by CORS: '*' (safe, as credentials are never cookies) or a list. */
  corsOrigins: '*' | string[];
}

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  maxTokens: number;
  /** Characters in one document (comments and string literals are one token however long). */
  maxQueryLength: number;
  /** Values (every scalar, list and object) in one request's variables. */
  maxVariableValues: number;
  /** Nesting of lists and objects in one request's variables. */
  maxVariableDepth: number;
  /** Answer introspection (`__schema`, `__type`): the playground and code generators need it. */
  introspection: boolean;
  /** Estimated rows and fields: list fields multiply by their page size (see query-cost.ts). */
  maxCost: number;
}

export interface RateLimitConfig {
  enabled: boolean;
  windowSeconds: number;
  /** Cost points per window for a client address without a key. */
  anonymousPoints: number;
  /** Cost points per window for each API key (editors and admins). */
  keyPoints: number;
  /**
   * Requests per second per client address without a key (per instance, in memory): bounds what
   * a client can make the server parse and refuse, which costs no points.
   */
  anonymousRequestsPerSecond: number;
  keyRequestsPerSecond: number;
}

export const defaultConfig: Config = {
  nodeEnv: 'development',
  host: '0.0.0.0',
  port: 4000,
  logLevel: 'info',
  dataDir: path.resolve('.data'),
  dbPoolSize: 10,
  playground: true,
  readPlanner: true,
  shutdownGraceMs: 20_000,
  maxBodyBytes: 256 * 1024,
  maxBodyBytesWithKey: 8 * 1024 * 1024,
  wsMaxPayloadBytes: 1024 * 1024,
  wsMaxSubscriptions: 50,
  wsMaxConnections: 20_000,
  wsMaxConnectionsPerAddress: 500,
  wsBudget: {
    socketBytes: 1024 * 1024,
    addressBytes: 32 * 1024 * 1024,
    totalBytes: 512 * 1024 * 1024,
  },
  wsConnectionInitTimeoutMs: 3000,
  subscriptionQueueLimit: 1000,
  livePollMs: 5000,
  expirySweepMs: 60_000,
  workers: 1,
  dbStatementTimeoutMs: 15_000,
  dbConnectTimeoutMs: 5000,
  limits: {
    maxDepth: 15,
    maxAliases: 30,
    maxDirectives: 20,
    maxTokens: 5000,
    maxQueryLength: 100_000,
    maxVariableValues: 200_000,
    maxVariableDepth: 8,
    introspection: true,
    maxCost: 25_000,
  },
  rateLimit: {
    enabled: true,
    windowSeconds: 60,
    anonymousPoints: 50_000,
    keyPoints: 500_000,
    anonymousRequestsPerSecond: 100,
    keyRequestsPerSecond: 500,
  },
  trustProxy: [],
  corsOrigins: '*',
};

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads the environment onto the defaults; throws one ConfigError listing every problem. */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Config> = {},
): Config {
  const problems: string[] = [];
  const config: Config = { ...defaultConfig };

  const nodeEnv = env.NODE_ENV ?? defaultConfig.nodeEnv;
  if (nodeEnv === 'production' || nodeEnv === 'development' || nodeEnv === 'test') {
    config.nodeEnv = nodeEnv;
  } else {
    problems.push(`NODE_ENV must be production, development or test (got "${nodeEnv}")`);
  }

  const int = (name: string, min: number, max: number): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    // Decimal digits only: Number() would read "  " as 0 and accept "0x1F90" or "1e3".
    const value = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
      return undefined;
    }
    return value;
  };
  const bool = (name: string): boolean | undefined => {
    const raw = env[name]?.toLowerCase();
    if (raw === undefined || raw === '') return undefined;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    problems.push(`${name} must be true or false (got "${env[name]}")`);
    return undefined;
  };

  config.port = int('PORT', 0, 65535) ?? config.port;
  if (env.HOST) {
    // An IP address or a host name; whether it resolves to this machine is found when listening,
    // which then stops with a clear message.
    const host = env.HOST.trim();
    if (isIP(host) || isHostName(host)) config.host = host;
    else problems.push(`HOST must be an IP address or a host name (got "${env.HOST}")`);
  }

  const logLevel = env.LOG_LEVEL ?? (config.nodeEnv === 'test' ? 'silent' : config.logLevel);
  if (LOG_LEVELS.includes(logLevel)) config.logLevel = logLevel;
  else problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);

  if (env.DATABASE_URL) {
    try {
      const url = new URL(env.DATABASE_URL);
      if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
        problems.push('DATABASE_URL must start with postgres:// or postgresql://');
      }
      config.databaseUrl = env.DATABASE_URL;
    } catch {
      problems.push('DATABASE_URL is not a valid URL');
    }
  }
  if (env.DATA_DIR) config.dataDir = path.resolve(env.DATA_DIR);
  config.embeddedPostgresPort = int('EMBEDDED_PG_PORT', 1, 65535);
  config.dbPoolSize = int('DB_POOL_SIZE', 1, 1000) ?? config.dbPoolSize;
  config.playground = bool('PLAYGROUND') ?? config.playground;
  config.readPlanner = bool('READ_PLANNER') ?? config.readPlanner;
  config.shutdownGraceMs = int('SHUTDOWN_GRACE_MS', 0, 600_000) ?? config.shutdownGraceMs;
  config.maxBodyBytes = int('MAX_BODY_BYTES', 1024, 64 * 1024 * 1024) ?? config.maxBodyBytes;
  config.maxBodyBytesWithKey =
    int('MAX_BODY_BYTES_WITH_KEY', 1024, 256 * 1024 * 1024) ?? config.maxBodyBytesWithKey;
  config.wsMaxPayloadBytes =
    int('WS_MAX_PAYLOAD_BYTES', 1024, 64 * 1024 * 1024) ?? config.wsMaxPayloadBytes;
  config.wsMaxSubscriptions = int('WS_MAX_SUBSCRIPTIONS', 1, 10_000) ?? config.wsMaxSubscriptions;
  config.wsMaxConnections = int('WS_MAX_CONNECTIONS', 1, 1_000_000) ?? config.wsMaxConnections;
  config.wsMaxConnectionsPerAddress =
    int('WS_MAX_CONNECTIONS_PER_ADDRESS', 1, 1_000_000) ?? config.wsMaxConnectionsPerAddress;
  config.wsBudget = {
    socketBytes:
      int('WS_MAX_BYTES_PER_SOCKET', 64 * 1024, 1024 * 1024 * 1024) ?? config.wsBudget.socketBytes,
    addressBytes:
      int('WS_MAX_BYTES_PER_ADDRESS', 64 * 1024, 64 * 1024 * 1024 * 1024) ??
      config.wsBudget.addressBytes,
    totalBytes:
      int('WS_MAX_BYTES', 1024 * 1024, 256 * 1024 * 1024 * 1024) ?? config.wsBudget.totalBytes,
  };
  config.wsConnectionInitTimeoutMs =
    int('WS_CONNECTION_INIT_TIMEOUT_MS', 100, 600_000) ?? config.wsConnectionInitTimeoutMs;
  config.subscriptionQueueLimit =
    int('SUBSCRIPTION_QUEUE_LIMIT', 1, 1_000_000) ?? config.subscriptionQueueLimit;
  config.livePollMs = int('LIVE_POLL_MS', 50, 600_000) ?? config.livePollMs;
  const expirySeconds = int('EXPIRY_SWEEP_SECONDS', 0, 86_400);
  if (expirySeconds !== undefined) config.expirySweepMs = expirySeconds * 1000;
  config.workers = int('WORKERS', 1, 64) ?? config.workers;
  config.dbStatementTimeoutMs =
    int('DB_STATEMENT_TIMEOUT_MS', 100, 3_600_000) ?? config.dbStatementTimeoutMs;
  config.dbConnectTimeoutMs =
    int('DB_CONNECT_TIMEOUT_MS', 100, 600_000) ?? config.dbConnectTimeoutMs;
  config.limits = {
    maxDepth: int('QUERY_MAX_DEPTH', 1, 1000) ?? config.limits.maxDepth,
    maxAliases: int('QUERY_MAX_ALIASES', 0, 10_000) ?? config.limits.maxAliases,
    maxDirectives: int('QUERY_MAX_DIRECTIVES', 0, 10_000) ?? config.limits.maxDirectives,
    maxTokens: int('QUERY_MAX_TOKENS', 10, 1_000_000) ?? config.limits.maxTokens,
    maxQueryLength: int('QUERY_MAX_LENGTH', 100, 100_000_000) ?? config.limits.maxQueryLength,
    maxVariableValues:
      int('VARIABLES_MAX_VALUES', 1, 100_000_000) ?? config.limits.maxVariableValues,
    maxVariableDepth: int('VARIABLES_MAX_DEPTH', 1, 1000) ?? config.limits.maxVariableDepth,
    introspection: bool('INTROSPECTION') ?? config.limits.introspection,
    maxCost: int('QUERY_MAX_COST', 1, 100_000_000) ?? config.limits.maxCost,
  };
  config.rateLimit = {
    enabled: bool('RATE_LIMIT') ?? config.rateLimit.enabled,
    windowSeconds: int('RATE_LIMIT_WINDOW_SECONDS', 1, 86_400) ?? config.rateLimit.windowSeconds,
    anonymousPoints:
      int('RATE_LIMIT_ANONYMOUS_POINTS', 1, 2_000_000_000) ?? config.rateLimit.anonymousPoints,
    keyPoints: int('RATE_LIMIT_KEY_POINTS', 1, 2_000_000_000) ?? config.rateLimit.keyPoints,
    anonymousRequestsPerSecond:
      int('RATE_LIMIT_ANONYMOUS_RPS', 1, 1_000_000) ?? config.rateLimit.anonymousRequestsPerSecond,
    keyRequestsPerSecond:
      int('RATE_LIMIT_KEY_RPS', 1, 1_000_000) ?? config.rateLimit.keyRequestsPerSecond,
  };
  if (env.TRUST_PROXY) {
    config.trustProxy = env.TRUST_PROXY.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    try {
      checkTrustProxy(config.trustProxy);
    } catch (error) {
      problems.push(`TRUST_PROXY: ${(error as Error).message}`);
    }
  }
  if (env.CORS_ORIGINS && env.CORS_ORIGINS.trim() !== '*') {
    config.corsOrigins = env.CORS_ORIGINS.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    // Compared with the Origin header as they are: anything that is not an origin would
    // silently match nothing (a path, a trailing slash, no scheme, a "*" among others).
    for (const origin of config.corsOrigins) {
      if (!/^https?:\/\/[^/\s*]+$/i.test(origin)) {
        problems.push(
          `CORS_ORIGINS must be * or a comma-separated list of origins like https://app.example.org (got "${origin}")`,
        );
      }
    }
  }
  // A statement still running when the grace period ends would hold the pool open past it.
  if (config.dbStatementTimeoutMs >= config.shutdownGraceMs && config.shutdownGraceMs > 0) {
    problems.push(
      `DB_STATEMENT_TIMEOUT_MS (${config.dbStatementTimeoutMs}) must be shorter than SHUTDOWN_GRACE_MS (${config.shutdownGraceMs}), so a draining server never waits on a statement past its grace period`,
    );
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return { ...config, ...overrides };
}

/** A DNS name as a URL would take it as its host, unchanged (no port, path, spaces, ...). */
function isHostName(host: string): boolean {
  try {
    return new URL(`http://${host}`).host === host.toLowerCase();
  } catch {
    return false;
  }
}
