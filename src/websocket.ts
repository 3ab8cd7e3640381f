import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import {
  type DocumentNode,
  type ExecutionResult,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  type GraphQLSchema,
} from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { CloseCode } from 'graphql-ws';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Caller } from './auth/role';
import { AppError, ErrorCode, errorAt } from './common/errors';
import { counted } from './common/grammar';
import { formatError, isInternal } from './common/format-error';
import type { Config } from './config';
import { type Context, createContext } from './context';
import { type DatabaseHealth, isUnavailable } from './database/health';
import { type Admission, type Refusal, subjectOf } from './limits/admission';
import { rateLimitKeyOf } from './limits/client-address';
import { credentialOf } from './limits/credentials';
import { DocumentGuard } from './limits/document-guard';
import { assertPageSizes } from './limits/query-limits';
import { type SocketAccount, SocketBudget, subscriptionCharge } from './limits/socket-budget';
import type { ChangeListener } from './live/change-listener';
import { FrameCache } from './live/frame-cache';
import { socketCounts, socketsByKey } from './live/socket-registry';
import { declaredVariables, overBudget, releaser } from './live/subscription-charge';
import { memoryReleaser } from './live/memory-release';
import { serveGraphQLWs, type SocketExtra } from './live/graphql-ws';
import { sharedSubscribe } from './live/shared-execution';
import type { Logger } from './logger';
import type { Services } from './services';

export interface WebSocketDependencies {
  config: Config;
  logger: Logger;
  schema: GraphQLSchema;
  services: Services;
  admission: Admission;
  health: DatabaseHealth;
  clientAddressOf: (request: http.IncomingMessage) => string;
  /** Hears revoked keys, to end their sockets on every instance. */
  listener?: ChangeListener;
}

/**
 * Close code for a connection refused for now (its address is over its request rate, or the
 * database is unreachable): WebSocket's own 1013 Try Again Later, which graphql-ws clients retry
 * with their back-off.
 */
export const CLOSE_TRY_AGAIN_LATER = 1013;

export const GRAPHQL_PATH = '/graphql';

interface LiveSocket extends SocketExtra {
  clientAddress: string;
  account: SocketAccount;
  caller: Caller | null;
  authorization: string | undefined;
}

/**
 * graphql-ws on the HTTP server's port and path. Only subscriptions are served here (queries and
 * mutations go over HTTP, where status codes and caching apply). Every connection and every
 * subscription goes through the same admission path as an HTTP request (limits/admission.ts),
 * and every byte a client makes the server hold is charged to its socket, its address and the
 * instance (limits/socket-budget.ts).
 */
export function serveWebSockets(
  httpServer: http.Server,
  deps: WebSocketDependencies,
): { dispose(): Promise<void>; budget: SocketBudget } {
  const { config, logger, schema, services, admission } = deps;
  const budget = new SocketBudget(config.wsBudget, memoryReleaser(logger));
  const sockets = socketCounts(config, deps.clientAddressOf);
  const byKey = socketsByKey();
  deps.listener?.onBatch(async (rows) => {
    for (const row of rows) {
      if (row.entity === 'ApiKey' && row.action === 'revoked') byKey.revoked(row.entityId);
    }
  });

  const wsServer = new WebSocketServer({
    server: httpServer,
    path: GRAPHQL_PATH,
    maxPayload: config.wsMaxPayloadBytes,
    verifyClient: (info, done) => {
      const origin = info.req.headers.origin;
      // CORS_ORIGINS binds the browser's WebSocket too: it sends Origin, and a page from an
      // unlisted origin must not read the feed with its visitor's connection.
      if (config.corsOrigins !== '*' && origin && !config.corsOrigins.includes(origin)) {
        return done(false, 403, 'Origin not allowed');
      }
      if (sockets.admits(info.req) && !budget.wouldOpen(addressKey(info.req))) return done(true);
      done(false, 503, 'Too many WebSocket connections; try again later', { 'Retry-After': '10' });
    },
  });
  const addressKey = (request: http.IncomingMessage) =>
    rateLimitKeyOf(deps.clientAddressOf(request));
  // A guard of its own: its cache then holds only subscription documents, which a flood of
  // distinct HTTP queries cannot evict (equal texts must keep sharing one document, see idOf).
  const guard = new DocumentGuard(schema, config.limits);
  const idOf = documentIds();
  const frames = new FrameCache();
  const reject = (message: string, code = ErrorCode.BAD_USER_INPUT) => [
    new GraphQLError(message, { extensions: { code } }),
  ];
  /**
   * One error as a client sees it, as over HTTP (format-error.ts): the unexpected is logged with
   * the request id and, in production, masked. What a subscription's iterator throws (a failed
   * replay) arrives wrapped in a GraphQLError without a path, so the error judged is the one
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
    return errorAt(formatted.message, formatted.locations, { path: formatted.path, extensions });
  };
  /** A refusal as the socket says it: close codes for who is asking, errors for what. */
  const refuse = (socket: WebSocket, refusal: Refusal): 'closed' | readonly GraphQLError[] => {
    switch (refusal.kind) {
      case 'unauthenticated':
        socket.close(CloseCode.Forbidden, 'Forbidden: not a valid API key');
        return 'closed';
      case 'unavailable':
        socket.close(CLOSE_TRY_AGAIN_LATER, 'Database unavailable; reconnect shortly');
        return 'closed';
      case 'rate-limited':
        return [refusal.error];
      case 'invalid':
        return refusal.errors;
    }
  };

  const served = serveGraphQLWs<LiveSocket>(wsServer, {
    logger,
    extraOf(socket, request) {
      const clientAddress = deps.clientAddressOf(request);
      const account = budget.open(rateLimitKeyOf(clientAddress));
      if (typeof account === 'string') {
        socket.close(CLOSE_TRY_AGAIN_LATER, 'Too many WebSocket connections; try again later');
        return undefined;
      }
      sockets.track(socket, request);
      socket.once('close', () => account.close());
      return { socket, request, clientAddress, account, caller: null, authorization: undefined };
    },
    holdTransit: (extra, kind, bytes) => !extra.account.holdTransit(kind, bytes),
    hooks: {
      connectionInitWaitMs: config.wsConnectionInitTimeoutMs,
      async onConnect(ctx) {
        const { extra } = ctx;
        const credential = credentialOf(ctx.connectionParams);
        if (!credential.ok) {
          extra.socket.close(CloseCode.Forbidden, `Forbidden: ${credential.problem}`);
          return 'closed';
        }
        const who = await admission.caller(credential.authorization, extra.clientAddress);
        if (!who.ok) {
          if (who.refusal.kind === 'rate-limited') {
            extra.socket.close(CLOSE_TRY_AGAIN_LATER, 'Rate limit reached; reconnect later');
            return 'closed';
          }
          refuse(extra.socket, who.refusal);
          return 'closed';
        }
        extra.caller = who.value;
        extra.authorization = credential.authorization;
        if (who.value) byKey.add(who.value.apiKeyId, extra.socket);
        return true;
      },
      async onSubscribe(ctx, id, payload) {
        const { extra } = ctx;
        const held = { bytes: 0 };
        // Made outside this frame: it lives as long as the subscription, this frame's payload
        // (with whatever variables the client sent) must not.
        const release = releaser(extra.account, held);
        if (ctx.running > config.wsMaxSubscriptions) {
          const error = reject(
            `At most ${counted(config.wsMaxSubscriptions, 'subscription')} per connection.`,
            ErrorCode.RATE_LIMITED,
          );
          return { args: error, release };
        }
        const outcome = await admitSubscription(extra, id, payload, held);
        if (outcome === 'closed') release();
        return outcome === 'closed' ? 'closed' : { args: outcome, release };
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
      formatErrors: (errors) =>
        errors.map((error) => present(error, `ws-${randomUUID()}`).toJSON()),
      nextFrame: (id: string, result: ExecutionResult) => frames.next(id, result),
    },
  });

  /**
   * The admission path for one subscription, after the socket's own limits. What the parsed
   * subscription will hold is charged to the socket's budget (and noted in `held`) before
   * anything runs.
   */
  async function admitSubscription(
    extra: LiveSocket,
    id: string,
    payload: { query: string; operationName?: string | null; variables?: unknown },
    held: { bytes: number },
  ) {
    // The key is checked again for every subscription: one revoked since the socket opened no
    // longer speaks for it. While the database is unreachable the socket keeps its caller.
    const who = await admission.caller(extra.authorization, extra.clientAddress);
    let caller = extra.caller;
    if (who.ok) caller = who.value;
    else if (who.refusal.kind !== 'unavailable') return refuse(extra.socket, who.refusal);
    const request = admission.request(guard, payload, true);
    if (!request.ok) return refuse(extra.socket, request.refusal);
    const document = request.value as DocumentNode;
    const operation = getOperationAST(document, payload.operationName);
    if (!operation) return reject('The document does not name one operation to run.');
    if (operation.operation !== 'subscription') {
      return reject(
        'Only subscriptions are served over WebSocket; send queries and mutations over HTTP.',
      );
    }
    const variables = declaredVariables(operation, payload.variables);
    const { query, operationName } = payload;
    const charge = subscriptionCharge({ id, query, operationName, document, variables });
    const refusal = extra.account.reserve(charge);
    if (refusal) return [overBudget(refusal, extra.account, charge)];
    held.bytes = charge;
    // Variables are coerced here, as Apollo does over HTTP, so a bad one is refused once with
    // BAD_USER_INPUT rather than by every execution of the subscription.
    const coerced = getVariableValues(
      schema,
      operation.variableDefinitions ?? [],
      variables ?? {},
      {
        maxErrors: 5,
      },
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
      assertPageSizes(document, operation, coerced.coerced);
    } catch (error) {
      if (error instanceof AppError) return [error];
      throw error;
    }
    const charged = await admission.charge(schema, subjectOf(caller, extra.clientAddress), {
      document,
      variables,
      operationName: payload.operationName,
    });
    if (!charged.ok) return refuse(extra.socket, charged.refusal);
    return {
      schema,
      document,
      operationName: payload.operationName,
      variableValues: variables,
      contextValue: createContext(services, caller, `ws-${randomUUID()}`, extra.clientAddress),
    };
  }

  return { budget, dispose: () => served.dispose() };
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
