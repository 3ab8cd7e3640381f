import { GraphQLError, type GraphQLErrorOptions, type SourceLocation } from 'graphql';

/** The `extensions.code` values of the API (docs/api.md); clients switch on these. */
export enum ErrorCode {
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  RATE_LIMITED = 'RATE_LIMITED',
  QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
  /** A subscription ended because its client fell too far behind; resume with `since`. */
  SUBSCRIPTION_OVERFLOW = 'SUBSCRIPTION_OVERFLOW',
  /**
   * The database cannot serve the request now (unreachable, busy, read-only); retry shortly
   * (HTTP 503). Nothing was done, except when `extensions.recorded` is UNKNOWN: the connection
   * was lost while a write was being committed.
   */
  SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE',
}

/** The one error type the API raises on purpose: a code, a message for people, and details. */
export class AppError extends GraphQLError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    details: Record<string, unknown> = {},
  ) {
    super(message, { extensions: { code, ...details } });
    this.name = 'AppError';
  }
}

/** BAD_USER_INPUT naming the offending argument or input path, e.g. `filter.imposedBy[1]`. */
export function badUserInput(field: string, message: string): AppError {
  return new AppError(ErrorCode.BAD_USER_INPUT, message, { field });
}

export function notFound(field: string, message: string): AppError {
  return new AppError(ErrorCode.NOT_FOUND, message, { field });
}

/**
 * An error at `locations` (line and column in the document) that keeps no document: graphql-js
 * works locations out only from AST nodes or the source text, which a cached or long-lived error
 * would then hold on to. Clients need the line and column, not the text they sent.
 */
export function errorAt(
  message: string,
  locations: readonly SourceLocation[] | undefined,
  options: Pick<GraphQLErrorOptions, 'path' | 'extensions'> = {},
): GraphQLError {
  const error = new GraphQLError(message, options);
  if (locations && locations.length > 0) {
    Object.assign(error, { locations: locations.map(({ line, column }) => ({ line, column })) });
  }
  return error;
}
