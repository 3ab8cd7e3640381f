import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import {
  type DocumentNode,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  type GraphQLSchema,
} from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Caller } from './auth/role';
import { AppError, ErrorCode } from './common/errors';
import { formatError, isInternal } from './common/format-error';
import type { Config } from './config';
import { type Context, createContext } from './context';
import { type DatabaseHealth, isUnavailable } from './database/health';
import { rateLimitKeyOf } from './limits/client-address';
import { DocumentGuard } from './limits/document-guard';
import { assertAffordable, assertPageSizes, variablesOverLimits } from './limits/query-limits';
import type { RateLimiter } from './limits/rate-limiter';
import { serveGraphQLWs } from './live/graphql-ws';
import { sharedSubscribe } from './live/shared-execution';
import type { Logger } from './logger';
import type { Services } from './services';

export interface WebSocketDependencies {
  config: Config;
  logger: Logger;
  schema: GraphQLSchema;
  services: Services;
  rateLimiter: RateLimiter;
  health: DatabaseHealth;
  clientAddressOf: (request: http.IncomingMessage) => string;
}

/**
 * Close code for a connection refused for now (its address is over its request rate, or the
 * database is unreachable): WebSocket's own 1013 Try Again Later, which graphql-ws clients retry
 * with their back-off.
 */
export const CLOSE_TRY_AGAIN_LATER = 1013;

export const GRAPHQL_PATH = '/graphql';

/**
 * graphql-ws on the HTTP server's port and path. Only subscriptions are served here (queries and
 * mutations go over HTTP, where status codes and caching apply); every subscription passes the
 * same limits as an HTTP operation (tokens, depth, aliases, directives, cost with its variables)
 * and is charged to the same rate-limit budget. Each socket is authenticated once, in
 * connection_init, from `connectionParams.authorization`.
 */
export function serveWebSockets(
  httpServer: http.Server,
  deps: WebSocketDependencies,
): { dispose(): Promise<void> } {
  const { config, logger, schema, services } = deps;
  const sockets = socketCounts(config, deps.clientAddressOf);
  const wsServer = new WebSocketServer({
    server: httpServer,
    path: GRAPHQL_PATH,
    maxPayload: config.wsMaxPayloadBytes,
    verifyClient: (info, done) => {
      if (sockets.admits(info.req)) return done(true);
      done(false, 503, 'Too many WebSocket connections; try again later', { 'Retry-After': '10' });
    },
  });
  wsServer.on('connection', (socket: WebSocket, request: http.IncomingMessage) =>
    sockets.track(socket, request),
  );
  // A guard of its own: its cache then holds only subscription documents, which a flood of
  // distinct HTTP queries cannot evict (equal texts must keep sharing one document, see idOf).
  const guard = new DocumentGuard(schema, config.limits);
  const idOf = documentIds();
  const reject = (message: string, code = ErrorCode.BAD_USER_INPUT) => [
    new GraphQLError(message, { extensions: { code } }),
  ];
  /**
   * One error as a client sees it, as over HTTP (format-error.ts): the unexpected is logged with
   * the request id and, in production, masked. graphql-ws wraps what a subscription's iterator
   * throws (a failed replay) in a GraphQLError without a path, so the error judged is the one
   * inside it; a resolver's error has a path and formatError unwraps it.
   */
  const present = (error: GraphQLError, requestId: string): GraphQLError => {
    const judged = !error.path && error.originalError ? error.originalError : error;
    const internal = isInternal(judged);
    const cause = unwrapResolverError(judged);
    if (internal && !deps.health.observe(cause)) {
      if (isUnavailable(cause)) logger.warn({ err: cause, requestId }, 'database busy');
      else logger.error({ err: cause, requestId }, 'subscription error');
    }
    const formatted = formatError(error.toJSON(), judged, config);
    const extensions = internal ? { ...formatted.extensions, requestId } : formatted.extensions;
    return new GraphQLError(formatted.message, { path: formatted.path, extensions });
  };

  return serveGraphQLWs<Record<string, unknown> | undefined>(
    {
      schema,
      connectionInitWaitTimeout: config.wsConnectionInitTimeoutMs,
      onConnect: async (ctx) => {
        const clientAddress = deps.clientAddressOf(ctx.extra.request);
        // Every connection is charged to its address first, as an anonymous request is: opening
        // sockets (each with a key to look up) is bounded like sending requests.
        try {
          await deps.rateLimiter.admit({ address: clientAddress });
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          ctx.extra.socket.close(CLOSE_TRY_AGAIN_LATER, 'Rate limit reached; reconnect later');
          return false;
        }
        // Absent or null (a client signed out): anonymous. Anything else must be a valid key.
        const authorization = ctx.connectionParams?.authorization ?? undefined;
        if (authorization !== undefined && typeof authorization !== 'string') return false;
        try {
          ctx.extra.caller = await services.apiKeys.authenticate(authorization);
          ctx.extra.authorization = authorization;
          ctx.extra.clientAddress = clientAddress;
          return true;
        } catch (error) {
          if (error instanceof AppError) return false; // closes with 4403 Forbidden
          if (!deps.health.observe(error)) throw error;
          // The key cannot be checked while the database is unreachable: not a server bug
          // (4500) but a reason to come back, which graphql-ws clients do with their back-off.
          ctx.extra.socket.close(CLOSE_TRY_AGAIN_LATER, 'Database unavailable; reconnect shortly');
          return false;
        }
      },
      onSubscribe: async (ctx, _id, payload) => {
        // ctx.subscriptions already holds this one.
        if (Object.keys(ctx.subscriptions).length > config.wsMaxSubscriptions) {
          return reject(
            `At most ${config.wsMaxSubscriptions} subscriptions per connection.`,
            ErrorCode.RATE_LIMITED,
          );
        }
        let caller = (ctx.extra.caller as Caller | null | undefined) ?? null;
        if (caller && deps.health.available) {
          // The key is checked again for every subscription: one revoked since the socket opened
          // no longer speaks for it (its subscriptions already running end with the socket).
          // While the database is unreachable the socket keeps the caller it was opened with.
          try {
            caller = await services.apiKeys.authenticate(ctx.extra.authorization as string);
          } catch (error) {
            if (error instanceof AppError) {
              ctx.extra.socket.close(4403, 'Forbidden');
              return [error];
            }
            if (!deps.health.observe(error)) throw error;
          }
        }
        const clientAddress = String(ctx.extra.clientAddress);
        const subject = caller ? { apiKeyId: caller.apiKeyId } : { address: clientAddress };
        try {
          await deps.rateLimiter.admit(subject);
        } catch (error) {
          if (error instanceof AppError) return [error];
          throw error;
        }
        const checked = guard.checkAndValidate(payload.query);
        if ('errors' in checked) return checked.errors;
        const operation = getOperationAST(checked.document, payload.operationName);
        if (!operation) return reject('The document does not name one operation to run.');
        if (operation.operation !== 'subscription') {
          return reject(
            'Only subscriptions are served over WebSocket; send queries and mutations over HTTP.',
          );
        }
        const overLimits = variablesOverLimits(payload.variables, config.limits);
        if (overLimits.length > 0) return overLimits;
        // Variables are coerced here, as Apollo does over HTTP, so a bad one is refused once with
        // BAD_USER_INPUT rather than by every execution of the subscription.
        const coerced = getVariableValues(
          schema,
          operation.variableDefinitions ?? [],
          payload.variables ?? {},
          { maxErrors: 5 },
        );
        if (coerced.errors) {
          return coerced.errors.map(
            (error) =>
              new GraphQLError(error.message, {
                nodes: error.nodes,
                extensions: { code: ErrorCode.BAD_USER_INPUT },
              }),
          );
        }
        try {
          assertPageSizes(checked.document, operation, coerced.coerced);
          const cost = assertAffordable(
            schema,
            checked.document,
            payload.variables ?? undefined,
            payload.operationName,
            config.limits,
          );
          await deps.rateLimiter.charge(subject, cost);
        } catch (error) {
          if (error instanceof AppError) return [error];
          throw error;
        }
        return {
          schema,
          document: checked.document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: createContext(services, caller, `ws-${randomUUID()}`, clientAddress),
        };
      },
      subscribe: sharedSubscribe(
        schema,
        (args) =>
          JSON.stringify([
            idOf(args.document),
            args.operationName ?? null,
            args.variableValues ?? null,
          ]),
        (result, args) => {
          // Once per shared execution, not per subscriber.
          if (!result.errors) return result;
          const { requestId } = args.contextValue as Context;
          return { ...result, errors: result.errors.map((error) => present(error, requestId)) };
        },
      ),
      // The request id is ours, not the client's subscription id, which it may reuse.
      onError: (_ctx, _id, _payload, errors) =>
        errors.map((error) => present(error, `ws-${randomUUID()}`).toJSON()),
    },
    wsServer,
    logger,
  );
}

/**
 * A number per document object: equal texts share one (DocumentGuard caches by text), which lets
 * sharedSubscribe recognise equal executions.
 */
function documentIds(): (document: DocumentNode) => number {
  const ids = new WeakMap<DocumentNode, number>();
  let next = 0;
  return (document) => {
    let id = ids.get(document);
    if (id === undefined) ids.set(document, (id = next++));
    return id;
  };
}

/**
 * Open sockets, in all and per client address (an IPv6 /64 counting as one, as for rate limits).
 * Each socket holds memory for its subscriptions whatever they cost, so their number is bounded
 * where the upgrade is asked for: past either limit the answer is 503 with Retry-After, which
 * graphql-ws clients meet with their retry back-off.
 */
function socketCounts(
  config: Config,
  clientAddressOf: (request: http.IncomingMessage) => string,
): {
  admits(request: http.IncomingMessage): boolean;
  track(socket: WebSocket, request: http.IncomingMessage): void;
} {
  let total = 0;
  const perAddress = new Map<string, number>();
  const keyOf = (request: http.IncomingMessage) => rateLimitKeyOf(clientAddressOf(request));
  return {
    admits(request) {
      return (
        total < config.wsMaxConnections &&
        (perAddress.get(keyOf(request)) ?? 0) < config.wsMaxConnectionsPerAddress
      );
    },
    track(socket, request) {
      const key = keyOf(request);
      total += 1;
      perAddress.set(key, (perAddress.get(key) ?? 0) + 1);
      socket.once('close', () => {
        total -= 1;
        const left = (perAddress.get(key) ?? 1) - 1;
        if (left > 0) perAddress.set(key, left);
        else perAddress.delete(key);
      });
    },
  };
}
