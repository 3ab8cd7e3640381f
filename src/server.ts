import Negotiator from 'negotiator';
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap, type HTTPGraphQLRequest } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { AppError, ErrorCode } from './common/errors';
import { formatError, internalErrorPlugin } from './common/format-error';
import type { Config } from './config';
import { type Context, createContext } from './context';
import type { DatabaseHealth } from './database/health';
import { clientAddressOf, fromTrustedProxyOf } from './limits/client-address';
import { DocumentGuard } from './limits/document-guard';
import { limitsPlugin } from './limits/limits-plugin';
import { limitRules, parseOptions } from './limits/query-limits';
import { Admission, type Refusal } from './limits/admission';
import type { ChangeListener } from './live/change-listener';
import type { RateLimiter } from './limits/rate-limiter';
import type { Logger } from './logger';
import type { Services } from './services';
import { GRAPHQL_PATH, serveWebSockets } from './websocket';
import type { Sql } from './database/sql';
import { plannerPlugin } from './planner/planner-plugin';

export interface ServerDependencies {
  config: Config;
  logger: Logger;
  schema: GraphQLSchema;
  services: Services;
  /** Hears the change log: the WebSocket side ends the sockets of revoked keys. */
  listener?: ChangeListener;
  /** The read path's statements, for the read planner. */
  sql: Sql;
  rateLimiter: RateLimiter;
  health: DatabaseHealth;
  /** Resolves when the database answers; `/readyz` reports it. */
  checkDatabase: () => Promise<void>;
}

export interface RunningServer {
  url: string;
  port: number;
  httpServer: http.Server;
  /** Closes sockets (1001), refuses new requests, lets in-flight ones finish, then closes. */
  stop(): Promise<void>;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** One HTTP port: GraphQL at /graphql (HTTP and WebSocket), health at /healthz and /readyz. */
export async function startServer(deps: ServerDependencies): Promise<RunningServer> {
  const { config, logger, health } = deps;
  const addressOf = clientAddressOf(config.trustProxy);
  const guard = new DocumentGuard(deps.schema, config.limits);
  const admission = new Admission({
    apiKeys: deps.services.apiKeys,
    rateLimiter: deps.rateLimiter,
    health,
    limits: config.limits,
  });
  let draining = false;

  const httpServer = http.createServer({ requestTimeout: 60_000, headersTimeout: 20_000 });
  const apollo = new ApolloServer<Context>({
    schema: deps.schema,
    // The schema is public (schema/schema.graphql) and the playground needs introspection; it
    // passes the same limits as any query. INTROSPECTION=false turns it off on both transports.
    introspection: config.limits.introspection,
    // Credentials travel only in the Authorization header, never in cookies, so a cross-site
    // request cannot act as anyone: GETs without preflight headers (as urql sends) are safe.
    csrfPrevention: false,
    allowBatchedHttpRequests: false,
    // Automatic persisted queries are not part of the API: off, so a request carrying a hash
    // gets PERSISTED_QUERY_NOT_SUPPORTED rather than Apollo's uncoded errors (and no cache to fill).
    persistedQueries: false,
    // main.ts owns the signals: close sockets, drain, close the pool, stop the embedded database.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: config.nodeEnv !== 'production',
    hideSchemaDetailsFromClientErrors: config.nodeEnv === 'production',
    parseOptions: parseOptions(config.limits),
    validationRules: limitRules(config.limits),
    formatError: (formatted, error) => formatError(formatted, error, config),
    plugins: [
      ApolloServerPluginDrainHttpServer({
        httpServer,
        stopGracePeriodMillis: config.shutdownGraceMs,
      }),
      // The cache-control plugin wraps every field resolver; nothing here sets cache hints.
      ApolloServerPluginCacheControlDisabled(),
      internalErrorPlugin(logger, health),
      limitsPlugin({ schema: deps.schema, admission }),
      // After the limits: a planned query is checked and charged like any other.
      ...(config.readPlanner
        ? [plannerPlugin({ schema: deps.schema, sql: deps.sql, logger, health })]
        : []),
      config.playground
        ? ApolloServerPluginLandingPageLocalDefault({
            // The schema changes only with a deployment: polling it would spend the visitor's
            // rate-limit budget on introspection every few seconds.
            embed: { initialState: { pollForSchemaUpdates: false } },
            includeCookies: false,
            footer: false,
          })
        : ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();

  const fromTrustedProxy = fromTrustedProxyOf(config.trustProxy);
  httpServer.on('request', (req, res) => {
    const requestId = requestIdOf(req, fromTrustedProxy(req));
    res.setHeader('x-request-id', requestId);
    const started = performance.now();
    res.on('finish', () => {
      logger.info(
        {
          requestId,
          method: req.method,
          path: req.url?.split('?')[0],
          status: res.statusCode,
          ms: Math.round((performance.now() - started) * 10) / 10,
        },
        'request',
      );
    });
    route(req, res, requestId).catch((error: unknown) => {
      // A client that goes away mid-request is an event, not a fault of ours.
      if (req.destroyed || isClientAbort(error)) {
        logger.info({ requestId, reason: (error as Error).message }, 'client went away');
        if (!res.headersSent) res.destroy();
        return;
      }
      logger.error({ err: error, requestId }, 'request failed');
      if (!res.headersSent)
        sendGraphQLError(res, 500, 'Internal server error', ErrorCode.INTERNAL_SERVER_ERROR, {
          requestId,
        });
      else res.destroy();
    });
  });

  async function route(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
  ): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') return ready(res);
    if (path !== GRAPHQL_PATH)
      return sendJson(res, 404, { error: `no route ${path}; GraphQL is at ${GRAPHQL_PATH}` });
    setCorsHeaders(req, res, config.corsOrigins);
    if (req.method === 'OPTIONS') {
      res.statusCode = 204;
      res.end();
      return;
    }
    if (draining) return sendShuttingDown(req, res);
    if (!health.available) return sendUnavailable(req, res);
    const clientAddress = addressOf(req);
    // Authenticate before reading the body: a bad key is refused without parsing anything, and
    // only callers with a key may send the large bodies that bulk writes need.
    const who = await admission.caller(req.headers.authorization, clientAddress);
    if (!who.ok) {
      req.resume();
      return sendRefusal(req, res, who.refusal, config);
    }
    const caller = who.value;
    const body = await readBody(
      req,
      res,
      caller ? config.maxBodyBytesWithKey : config.maxBodyBytes,
    );
    if (body === undefined) return;
    const request = graphQLRequestOf(req, body.parsed);
    if (!request) {
      return sendGraphQLError(
        res,
        400,
        'The query string is not valid percent-encoded UTF-8.',
        ErrorCode.BAD_USER_INPUT,
      );
    }
    // The limits, before Apollo parses and fully validates the document (see DocumentGuard).
    const checked = admission.request(guard, request, false);
    if (!checked.ok) return sendRefusal(req, res, checked.refusal, config);
    await executeGraphQL(
      req,
      res,
      body.parsed,
      createContext(deps.services, caller, requestId, clientAddress),
    );
  }

  async function ready(res: ServerResponse): Promise<void> {
    if (draining) return sendJson(res, 503, { status: 'shutting down' });
    try {
      await deps.checkDatabase();
      health.reachable(); // what /readyz says, requests get: no second of 503s after it
      return sendJson(res, 200, { status: 'ready' });
    } catch (error) {
      health.observe(error);
      return sendJson(res, 503, { status: 'database unavailable' });
    }
  }

  async function executeGraphQL(
    req: IncomingMessage,
    res: ServerResponse,
    body: unknown,
    context: Context,
  ): Promise<void> {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const httpGraphQLRequest: HTTPGraphQLRequest = {
      method: req.method!.toUpperCase(),
      headers,
      search: new URL(req.url!, 'http://localhost').search,
      body,
    };
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest,
      context: async () => context,
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    // GraphQL over HTTP: with application/json, a request that failed before execution (parse,
    // validation, variables) is still a well-formed exchange and answers 200 with its errors;
    // application/graphql-response+json keeps Apollo's 4xx.
    const contentType = response.headers.get('content-type') ?? '';
    if (
      res.statusCode === 400 &&
      context.outcome.failedBeforeExecution &&
      contentType.startsWith('application/json')
    )
      res.statusCode = 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  const websockets = serveWebSockets(httpServer, {
    config,
    logger,
    schema: deps.schema,
    services: deps.services,
    admission,
    health,
    clientAddressOf: addressOf,
    listener: deps.listener,
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const { port } = httpServer.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const url = `http://${host}:${port}${GRAPHQL_PATH}`;
  logger.info({ url }, 'serving GraphQL');

  return {
    url,
    port,
    httpServer,
    async stop() {
      draining = true;
      // Close the sockets first, with 1001 Going Away: the HTTP drain below would otherwise end
      // upgraded connections without a close frame.
      await websockets.dispose();
      // Stops accepting, waits for in-flight requests (up to the grace period), closes the rest.
      await apollo.stop();
    },
  };
}

/** The errors Node gives a request whose client closed its connection before the end. */
function isClientAbort(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return (
    code === 'ECONNRESET' ||
    code === 'ERR_STREAM_PREMATURE_CLOSE' ||
    code === 'EPIPE' ||
    (error instanceof Error && error.message === 'aborted')
  );
}

/** A sane X-Request-Id from a trusted proxy (so one request has one id end to end), else a new one. */
function requestIdOf(req: IncomingMessage, fromTrustedProxy: boolean): string {
  const given = req.headers['x-request-id'];
  return fromTrustedProxy && typeof given === 'string' && REQUEST_ID.test(given)
    ? given
    : randomUUID();
}

function setCorsHeaders(
  req: IncomingMessage,
  res: ServerResponse,
  origins: Config['corsOrigins'],
): void {
  if (origins === '*') {
    res.setHeader('access-control-allow-origin', '*');
  } else {
    res.setHeader('vary', 'origin');
    const origin = req.headers.origin;
    if (origin && origins.includes(origin)) res.setHeader('access-control-allow-origin', origin);
  }
  res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
  res.setHeader(
    'access-control-allow-headers',
    'authorization, content-type, x-request-id, apollo-require-preflight, x-apollo-operation-name',
  );
  res.setHeader('access-control-expose-headers', 'x-request-id, retry-after');
  res.setHeader('access-control-max-age', '86400');
}

/**
 * Reads the request body up to `limit` bytes and parses JSON bodies. Answers the request itself
 * (413, 400) and returns undefined when the body cannot be used.
 */
async function readBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
): Promise<{ parsed: unknown } | undefined> {
  if (req.method !== 'POST') return { parsed: undefined };
  const tooLarge = `Request body larger than ${limit} bytes.`;
  const refuse = () => {
    // Closing at once would reset the connection under a client still sending, which then never
    // reads the answer: discard the rest for a moment, answer, and close after.
    res.setHeader('connection', 'close');
    sendGraphQLError(res, 413, tooLarge, ErrorCode.BAD_USER_INPUT);
    req.resume();
    const cutOff = setTimeout(() => req.destroy(), 1000);
    req.once('end', () => clearTimeout(cutOff));
    return undefined;
  };
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return refuse();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return refuse();
    chunks.push(chunk);
  }
  let text: string;
  try {
    text = UTF8.decode(Buffer.concat(chunks));
  } catch {
    sendGraphQLError(res, 400, 'The request body is not valid UTF-8.', ErrorCode.BAD_USER_INPUT);
    return undefined;
  }
  const contentType = req.headers['content-type'] ?? '';
  if (!/^application\/(graphql-response\+)?json\b/i.test(contentType)) return { parsed: text };
  try {
    return { parsed: text.length ? JSON.parse(text) : undefined };
  } catch {
    sendGraphQLError(res, 400, 'The request body is not valid JSON.', ErrorCode.BAD_USER_INPUT);
    return undefined;
  }
}

/**
 * The query text and variables of a GraphQL request: from the JSON body, or from GET's `query` and
 * `variables` parameters (variables that are not JSON are left for Apollo to refuse). Undefined
 * when GET's query string is not valid UTF-8, which URLSearchParams would quietly turn into U+FFFD.
 */
function graphQLRequestOf(
  req: IncomingMessage,
  body: unknown,
): { query?: string; variables?: unknown; operationName?: unknown } | undefined {
  if (req.method !== 'GET') {
    const { query, variables, operationName } = (body ?? {}) as {
      query?: unknown;
      variables?: unknown;
      operationName?: unknown;
    };
    return { query: typeof query === 'string' ? query : undefined, variables, operationName };
  }
  const params = strictSearchParams(req.url!);
  if (!params) return undefined;
  let variables: unknown;
  try {
    variables = JSON.parse(params.get('variables') ?? 'null');
  } catch {
    variables = undefined;
  }
  return {
    query: params.get('query') ?? undefined,
    variables,
    operationName: params.get('operationName') ?? undefined,
  };
}

/**
 * A URL's query parameters, read as Apollo reads them (URLSearchParams), once its percent-encoded
 * bytes are known to be UTF-8: decodeURIComponent throws where URLSearchParams would substitute.
 */
function strictSearchParams(url: string): URLSearchParams | undefined {
  const search = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
  try {
    decodeURIComponent(search);
  } catch {
    return undefined;
  }
  return new URLSearchParams(search);
}

/**
 * Whether the client prefers application/graphql-response+json, chosen as Apollo chooses for the
 * errors it answers itself (Negotiator: order and q-values count; no Accept means JSON), so one
 * request gets one media type whichever layer refuses it.
 */
function prefersGraphQLResponse(req: IncomingMessage): boolean {
  if (!req.headers.accept) return false;
  const chosen = new Negotiator({ headers: { accept: req.headers.accept } }).mediaType([
    'application/json',
    'application/graphql-response+json',
  ]);
  return chosen === 'application/graphql-response+json';
}

/**
 * Errors found before execution, answered as GraphQL over HTTP says: 400 with
 * application/graphql-response+json when the client accepts it, else 200 with application/json.
 */
function sendRequestErrors(
  req: IncomingMessage,
  res: ServerResponse,
  errors: GraphQLFormattedError[],
): void {
  const modern = prefersGraphQLResponse(req);
  res.statusCode = modern ? 400 : 200;
  res.setHeader(
    'content-type',
    `${modern ? 'application/graphql-response+json' : 'application/json'}; charset=utf-8`,
  );
  res.end(JSON.stringify({ errors }));
}

/** A refused admission (limits/admission.ts) as HTTP says it. */
function sendRefusal(
  req: IncomingMessage,
  res: ServerResponse,
  refusal: Refusal,
  config: Config,
): void {
  switch (refusal.kind) {
    case 'unauthenticated':
      res.setHeader('www-authenticate', 'Bearer');
      return sendGraphQLError(res, 401, refusal.error.message, refusal.error.code);
    case 'rate-limited':
      return sendRateLimited(res, refusal.error);
    case 'unavailable':
      return sendUnavailable(req, res);
    case 'invalid':
      return sendRequestErrors(
        req,
        res,
        refusal.errors.map((error) => formatError(error.toJSON(), error, config)),
      );
  }
}

/** While the database cannot be reached: at once, without trying it. */
function sendUnavailable(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  res.setHeader('retry-after', '1');
  sendGraphQLError(
    res,
    503,
    'The database is unavailable; try again shortly.',
    ErrorCode.SERVICE_UNAVAILABLE,
  );
}

/** A request that reached a draining server on a kept-alive connection: try another instance. */
function sendShuttingDown(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  res.setHeader('connection', 'close');
  res.setHeader('retry-after', '1');
  sendGraphQLError(
    res,
    503,
    'This server is shutting down; try again.',
    ErrorCode.SERVICE_UNAVAILABLE,
  );
}

function sendRateLimited(res: ServerResponse, error: AppError): void {
  const retryAfter = Number(error.extensions.retryAfterSeconds ?? 1);
  res.setHeader('retry-after', String(retryAfter));
  sendGraphQLError(res, 429, error.message, error.code, { retryAfterSeconds: retryAfter });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}

function sendGraphQLError(
  res: ServerResponse,
  status: number,
  message: string,
  code: string,
  details: Record<string, unknown> = {},
): void {
  sendJson(res, status, { errors: [{ message, extensions: { code, ...details } }] });
}
