import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GraphQLSchema } from 'graphql';
import { createApollo, executeGraphQL } from './apollo';
import { ErrorCode } from './common/errors';
import type { Config } from './config';
import { createContext } from './context';
import type { DatabaseHealth } from './database/health';
import type { Sql } from './database/sql';
import { graphQLRequestOf, readBody } from './http/request-body';
import {
  sendGraphQLError,
  sendJson,
  sendRefusal,
  sendShuttingDown,
  sendUnavailable,
  setCorsHeaders,
} from './http/responses';
import { Admission, subjectOf } from './limits/admission';
import { clientAddressOf, fromTrustedProxyOf } from './limits/client-address';
import { DocumentGuard } from './limits/document-guard';
import { costReport, rateLimitHeaders } from './limits/cost-report';
import type { RateLimiter, RateLimitSubject } from './limits/rate-limiter';
import type { ChangeListener } from './live/change-listener';
import type { Logger } from './logger';
import type { Services } from './services';
import { GRAPHQL_PATH, serveWebSockets } from './websocket';

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
  const apollo = createApollo({
    config,
    logger,
    schema: deps.schema,
    sql: deps.sql,
    health,
    admission,
    httpServer,
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
      // A bad key is charged to the address; a request over its per-second rate or met by an
      // unreachable database touched no budget, and says so with Retry-After alone.
      const charged = who.refusal.kind === 'unauthenticated' ? { address: clientAddress } : null;
      return sendRefusal(req, res, who.refusal, config, await nothingCharged(res, charged));
    }
    const caller = who.value;
    const subject = subjectOf(caller, clientAddress);
    const body = await readBody(
      req,
      res,
      caller ? config.maxBodyBytesWithKey : config.maxBodyBytes,
      () => nothingCharged(res, subject),
    );
    if (body === undefined) return;
    const request = graphQLRequestOf(req, body.parsed);
    if (!request) {
      return sendGraphQLError(
        res,
        400,
        'The query string is not valid percent-encoded UTF-8.',
        ErrorCode.BAD_USER_INPUT,
        {},
        await nothingCharged(res, subject),
      );
    }
    // The limits, before Apollo parses and fully validates the document (see DocumentGuard).
    const checked = admission.request(guard, request, false);
    if (!checked.ok) {
      return sendRefusal(req, res, checked.refusal, config, await nothingCharged(res, subject));
    }
    await executeGraphQL(
      apollo,
      req,
      res,
      body.parsed,
      createContext(deps.services, caller, requestId, clientAddress),
      () => nothingCharged(res, subject),
    );
  }

  /**
   * The cost report of a request refused before its operation was costed: nothing charged, and
   * the budget left (with the RateLimit headers) when there is one to read.
   */
  async function nothingCharged(
    res: ServerResponse,
    subject: RateLimitSubject | null,
  ): Promise<Record<string, unknown>> {
    const budget = subject ? await admission.budget(subject) : undefined;
    if (budget) for (const [name, value] of rateLimitHeaders(budget)) res.setHeader(name, value);
    return { cost: costReport(0, 0, budget) };
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
