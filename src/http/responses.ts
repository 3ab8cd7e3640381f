import Negotiator from 'negotiator';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphQLFormattedError } from 'graphql';
import { type AppError, ErrorCode } from '../common/errors';
import { formatError } from '../common/format-error';
import type { Config } from '../config';
import type { Refusal } from '../limits/admission';
import { costReport } from '../limits/cost-report';

/**
 * The answers the HTTP server writes itself, before or instead of Apollo: JSON, GraphQL errors in
 * the media type the client prefers, refusals with their status and headers, and CORS headers.
 * Each GraphQL answer carries top-level `extensions` (`cost`, see limits/cost-report.ts) when
 * given.
 */

/** Top-level extensions of a GraphQL response. */
export type Extensions = Record<string, unknown>;

export function setCorsHeaders(
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
  res.setHeader(
    'access-control-expose-headers',
    'x-request-id, retry-after, ratelimit, ratelimit-policy',
  );
  res.setHeader('access-control-max-age', '86400');
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
  extensions?: Extensions,
): void {
  const modern = prefersGraphQLResponse(req);
  res.statusCode = modern ? 400 : 200;
  res.setHeader(
    'content-type',
    `${modern ? 'application/graphql-response+json' : 'application/json'}; charset=utf-8`,
  );
  res.end(JSON.stringify(extensions ? { errors, extensions } : { errors }));
}

/** A refused admission (limits/admission.ts) as HTTP says it. */
export function sendRefusal(
  req: IncomingMessage,
  res: ServerResponse,
  refusal: Refusal,
  config: Config,
  extensions?: Extensions,
): void {
  switch (refusal.kind) {
    case 'unauthenticated':
      res.setHeader('www-authenticate', 'Bearer');
      return sendGraphQLError(res, 401, refusal.error.message, refusal.error.code, {}, extensions);
    case 'rate-limited':
      return sendRateLimited(res, refusal.error, extensions);
    case 'unavailable':
      return sendUnavailable(req, res);
    case 'invalid':
      return sendRequestErrors(
        req,
        res,
        refusal.errors.map((error) => formatError(error.toJSON(), error, config)),
        extensions,
      );
  }
}

/** `extensions.cost` when nothing was charged and the budget cannot be read (the database is down). */
const NOTHING_CHARGED = { cost: costReport(0, 0, undefined) };

/** While the database cannot be reached: at once, without trying it. */
export function sendUnavailable(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  res.setHeader('retry-after', '1');
  sendGraphQLError(
    res,
    503,
    'The database is unavailable; try again shortly.',
    ErrorCode.SERVICE_UNAVAILABLE,
    {},
    NOTHING_CHARGED,
  );
}

/** A request that reached a draining server on a kept-alive connection: try another instance. */
export function sendShuttingDown(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  res.setHeader('connection', 'close');
  res.setHeader('retry-after', '1');
  sendGraphQLError(
    res,
    503,
    'This server is shutting down; try again.',
    ErrorCode.SERVICE_UNAVAILABLE,
    {},
    NOTHING_CHARGED,
  );
}

function sendRateLimited(res: ServerResponse, error: AppError, extensions?: Extensions): void {
  const retryAfter = Number(error.extensions.retryAfterSeconds ?? 1);
  res.setHeader('retry-after', String(retryAfter));
  sendGraphQLError(
    res,
    429,
    error.message,
    error.code,
    { retryAfterSeconds: retryAfter },
    extensions,
  );
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}

export function sendGraphQLError(
  res: ServerResponse,
  status: number,
  message: string,
  code: string,
  details: Record<string, unknown> = {},
  extensions?: Extensions,
): void {
  const errors = [{ message, extensions: { code, ...details } }];
  sendJson(res, status, extensions ? { errors, extensions } : { errors });
}
