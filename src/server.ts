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
import {
  type DocumentNode,
  getOperationAST,
  GraphQLError,
  type GraphQLSchema,
  parse,
  validate,
} from 'graphql';
import { WebSocketServer } from 'ws';
import type { Caller } from './auth/role';
import { AppError, ErrorCode } from './common/errors';
import { formatError, internalErrorPlugin } from './common/format-error';
import { serveGraphQLWs } from './live/graphql-ws';
import { sharedSubscribe } from './live/shared-execution';
import type { Config } from './config';
import { type Context, createContext } from './context';
import type { Logger } from './logger';
import type { Services } from './services';

export interface ServerDependencies {
  config: Config;
  logger: Logger;
  schema: GraphQLSchema;
  services: Services;
  /** Resolves when the database answers; `/readyz` reports it. */
  checkDatabase: () => Promise<void>;
}

export interface RunningServer {
  url: string;
  port: number;
  httpServer: http.Server;
  /** Refuses new requests, lets in-flight ones finish (up to the grace period), then closes. */
  stop(): Promise<void>;
}

const GRAPHQL_PATH = '/graphql';
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** One HTTP port: GraphQL at /graphql, health at /healthz and /readyz. */
export async function startServer(deps: ServerDependencies): Promise<RunningServer> {
  const { config, logger } = deps;
  let draining = false;

  const httpServer = http.createServer();
  const apollo = new ApolloServer<Context>({
    schema: deps.schema,
    introspection: true,
    // Credentials travel only in the Authorization header, never in cookies, so a cross-site
    // request cannot act as anyone: GETs without preflight headers (as urql sends) are safe.
    csrfPrevention: false,
    allowBatchedHttpRequests: false,
    // main.ts owns the signals: drain, then close the pool, then stop the embedded database.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: config.nodeEnv !== 'production',
    formatError: (formatted, error) => formatError(formatted, error, config),
    plugins: [
      ApolloServerPluginDrainHttpServer({
        httpServer,
        stopGracePeriodMillis: config.shutdownGraceMs,
      }),
      // The cache-control plugin wraps every field resolver; nothing here sets cache hints.
      ApolloServerPluginCacheControlDisabled(),
      internalErrorPlugin(logger),
      config.playground
        ? ApolloServerPluginLandingPageLocalDefault({
            embed: true,
            includeCookies: false,
            footer: false,
          })
        : ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();

  httpServer.on('request', (req, res) => {
    const requestId = requestIdOf(req);
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
      logger.error({ err: error, requestId }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal server error', requestId });
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
    if (path === '/readyz') {
      if (draining) return sendJson(res, 503, { status: 'shutting down' });
      try {
        await deps.checkDatabase();
        return sendJson(res, 200, { status: 'ready' });
      } catch {
        return sendJson(res, 503, { status: 'database unavailable' });
      }
    }
    if (path !== GRAPHQL_PATH)
      return sendJson(res, 404, { error: `no route ${path}; GraphQL is at ${GRAPHQL_PATH}` });
    setCorsHeaders(res);
    if (req.method === 'OPTIONS') {
      res.statusCode = 204;
      res.end();
      return;
    }
    // Authenticate before reading the body: a bad key is refused without parsing anything, and
    // only callers with a key may send the large bodies that bulk writes need.
    let caller: Caller | null;
    try {
      caller = await deps.services.apiKeys.authenticate(req.headers.authorization);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      req.resume();
      res.setHeader('www-authenticate', 'Bearer');
      return sendGraphQLError(res, 401, error.message, error.code);
    }
    const limit = caller ? config.maxBodyBytesWithKey : config.maxBodyBytes;
    const body = await readBody(req, res, limit);
    if (body === undefined) return;
    await executeGraphQL(req, res, body.parsed, requestId, caller);
  }

  async function executeGraphQL(
    req: IncomingMessage,
    res: ServerResponse,
    body: unknown,
    requestId: string,
    caller: Caller | null,
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
      context: async () => createContext(deps.services, caller, requestId),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const websockets = serveWebSockets(httpServer, deps);
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
      // Closes the listener, waits for in-flight requests, then closes idle and, after the grace
      // period, remaining connections.
      await apollo.stop();
    },
  };
}

/**
 * graphql-ws on the same port and path. Only subscriptions are served here (queries and
 * mutations go over HTTP, where limits, caching and status codes apply); each socket is
 * authenticated once, in connection_init, from `connectionParams.authorization`.
 */
function serveWebSockets(
  httpServer: http.Server,
  deps: ServerDependencies,
): { dispose(): void | Promise<void> } {
  const { config, logger, schema, services } = deps;
  const wsServer = new WebSocketServer({
    server: httpServer,
    path: GRAPHQL_PATH,
    maxPayload: config.wsMaxPayloadBytes,
  });
  const reject = (message: string, code = ErrorCode.BAD_USER_INPUT) => [
    new GraphQLError(message, { extensions: { code } }),
  ];
  const documents = new DocumentCache(schema);
  const format = (errors: readonly GraphQLError[]) =>
    errors.map((error) => formatError(error.toJSON(), error, config));

  return serveGraphQLWs<Record<string, unknown> | undefined>(
    {
      schema,
      connectionInitWaitTimeout: config.wsConnectionInitTimeoutMs,
      onConnect: async (ctx) => {
        const authorization = ctx.connectionParams?.authorization;
        if (authorization !== undefined && typeof authorization !== 'string') return false;
        try {
          ctx.extra.caller = await services.apiKeys.authenticate(authorization);
          return true;
        } catch (error) {
          if (error instanceof AppError) return false; // closes with 4403 Forbidden
          throw error;
        }
      },
      onSubscribe: (ctx, _id, payload) => {
        // ctx.subscriptions already holds this one.
        if (Object.keys(ctx.subscriptions).length > config.wsMaxSubscriptions) {
          return reject(
            `At most ${config.wsMaxSubscriptions} subscriptions per connection.`,
            ErrorCode.RATE_LIMITED,
          );
        }
        const checked = documents.check(payload.query);
        if ('errors' in checked) return checked.errors;
        const operation = getOperationAST(checked.document, payload.operationName);
        if (!operation) return reject('The document does not name one operation to run.');
        if (operation.operation !== 'subscription') {
          return reject(
            'Only subscriptions are served over WebSocket; send queries and mutations over HTTP.',
          );
        }
        return {
          schema,
          document: checked.document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: createContext(
            services,
            (ctx.extra.caller as Caller | null | undefined) ?? null,
            `ws-${randomUUID()}`,
          ),
        };
      },
      subscribe: sharedSubscribe(
        schema,
        (args) =>
          JSON.stringify([
            documents.idOf(args.document),
            args.operationName ?? null,
            args.variableValues ?? null,
          ]),
        (result, args) => {
          // Once per shared execution, not per subscriber: log the unexpected, mask it in production.
          if (!result.errors) return result;
          const requestId = (args.contextValue as Context).requestId;
          return {
            ...result,
            errors: result.errors.map((error) => {
              if (error.originalError && !(error.originalError instanceof GraphQLError)) {
                logger.error({ err: error.originalError, requestId }, 'subscription error');
              }
              const formatted = formatError(error.toJSON(), error, config);
              return new GraphQLError(formatted.message, {
                path: formatted.path,
                extensions: formatted.extensions,
              });
            }),
          };
        },
      ),
      onError: (_ctx, _id, _payload, errors) => format(errors),
    },
    wsServer,
    logger,
  );
}

/**
 * Parsed and validated documents by text. Subscribers of a dashboard send the same few documents:
 * each is parsed and validated once, and equal texts share one document object, which lets
 * sharedSubscribe recognise equal executions.
 */
class DocumentCache {
  private readonly byText = new Map<
    string,
    { document: DocumentNode } | { errors: GraphQLError[] }
  >();
  private readonly ids = new WeakMap<DocumentNode, number>();
  private nextId = 0;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly capacity = 1000,
  ) {}

  check(query: string): { document: DocumentNode } | { errors: GraphQLError[] } {
    let entry = this.byText.get(query);
    if (!entry) {
      entry = this.parseAndValidate(query);
      if (this.byText.size >= this.capacity) this.byText.delete(this.byText.keys().next().value!);
      this.byText.set(query, entry);
    }
    return entry;
  }

  idOf(document: DocumentNode): number {
    let id = this.ids.get(document);
    if (id === undefined) this.ids.set(document, (id = this.nextId++));
    return id;
  }

  private parseAndValidate(query: string): { document: DocumentNode } | { errors: GraphQLError[] } {
    const invalid = (e: GraphQLError) =>
      new GraphQLError(e.message, {
        nodes: e.nodes,
        extensions: { code: ErrorCode.BAD_USER_INPUT },
      });
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (error) {
      return {
        errors: [
          invalid(
            error instanceof GraphQLError
              ? error
              : new GraphQLError('The query could not be parsed.'),
          ),
        ],
      };
    }
    const errors = validate(this.schema, document);
    return errors.length > 0 ? { errors: errors.map(invalid) } : { document };
  }
}

function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

function setCorsHeaders(res: ServerResponse): void {
  res.setHeader('access-control-allow-origin', '*');
  res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
  res.setHeader(
    'access-control-allow-headers',
    'authorization, content-type, x-request-id, apollo-require-preflight, x-apollo-operation-name',
  );
  res.setHeader('access-control-max-age', '86400');
}

/**
 * Reads the request body up to MAX_BODY_BYTES and parses JSON bodies. Answers the request itself
 * (413, 400) and returns undefined when the body cannot be used.
 */
async function readBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
): Promise<{ parsed: unknown } | undefined> {
  if (req.method !== 'POST') return { parsed: undefined };
  const tooLarge = `Request body larger than ${limit} bytes.`;
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    sendGraphQLError(res, 413, tooLarge, 'BAD_USER_INPUT');
    req.resume();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      sendGraphQLError(res, 413, tooLarge, 'BAD_USER_INPUT');
      req.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const contentType = req.headers['content-type'] ?? '';
  if (!/^application\/(graphql-response\+)?json\b/i.test(contentType)) return { parsed: text };
  try {
    return { parsed: text.length ? JSON.parse(text) : undefined };
  } catch {
    sendGraphQLError(res, 400, 'The request body is not valid JSON.', 'BAD_USER_INPUT');
    return undefined;
  }
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
): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] });
}
