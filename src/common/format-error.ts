import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Config } from '../config';
import {
  busyDatabaseMessage,
  type DatabaseHealth,
  isPoolExhausted,
  isUnavailable,
} from '../database/health';
import type { Logger } from '../logger';
import { ErrorCode } from './errors';
import { inputFieldOf } from './input-path';

/**
 * Errors we raise on purpose carry a code (as do graphql-js' and Apollo's request errors, given
 * theirs by Apollo); anything else is a bug.
 */
export function isInternal(error: unknown): boolean {
  const original = unwrapResolverError(error);
  if (!(original instanceof GraphQLError)) return true;
  // Raised while executing (it has a path) yet without a code: not one of ours (every deliberate
  // error carries its code) but graphql-js's or a library's, e.g. a scalar that cannot serialize
  // what a resolver returned. A bug: logged, and masked in production.
  return (
    error instanceof GraphQLError &&
    error.path !== undefined &&
    typeof original.extensions?.code !== 'string'
  );
}

/** Apollo's codes for documents it cannot parse or validate, and for malformed requests. */
const DOCUMENT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  // An operationName that names no operation, or none with a document of several.
  'OPERATION_RESOLUTION_FAILURE',
]);

/**
 * Every error a client sees, over HTTP and WebSocket: deliberate errors as raised; documents that
 * cannot be parsed or validated as BAD_USER_INPUT (a document over the token limit as
 * QUERY_TOO_COMPLEX); an unreachable database as SERVICE_UNAVAILABLE; anything else as
 * INTERNAL_SERVER_ERROR whose message, stack and SQL stay in the log in production (found there
 * by the request id). Production also drops graphql-js' "Did you mean ...?" hints, which would
 * map the schema for a prober field by field.
 */
export function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
  config: Config,
): GraphQLFormattedError {
  const production = config.nodeEnv === 'production';
  const original = unwrapResolverError(error);
  if (isUnavailable(original)) {
    return {
      message: unavailableMessage(original),
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: ErrorCode.SERVICE_UNAVAILABLE },
    };
  }
  if (isInternal(error)) {
    if (!production) return formatted;
    return {
      message: 'Internal server error',
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  }
  const code = formatted.extensions?.code;
  const message = cutEchoes(production ? withoutSuggestions(formatted.message) : formatted.message);
  if (typeof code === 'string' && DOCUMENT_CODES.has(code)) {
    // graphql-js says "more that"; accept the fix too.
    const tooLong = /contains more tha[nt] \d+ tokens/.test(message);
    return {
      ...formatted,
      message,
      extensions: {
        ...formatted.extensions,
        ...withField(formatted, original),
        code: tooLong ? ErrorCode.QUERY_TOO_COMPLEX : ErrorCode.BAD_USER_INPUT,
      },
    };
  }
  if (code === ErrorCode.BAD_USER_INPUT) {
    const field = withField(formatted, original);
    if (field.field !== undefined) {
      return { ...formatted, message, extensions: { ...formatted.extensions, ...field } };
    }
  }
  return message === formatted.message ? formatted : { ...formatted, message };
}

/** What a client is told when the database cannot serve its request now (see isUnavailable). */
export function unavailableMessage(error: unknown): string {
  return isPoolExhausted(error)
    ? 'The server is busy; try again shortly.'
    : (busyDatabaseMessage(error) ?? 'The database is unavailable; try again shortly.');
}

/**
 * `extensions.field` for a BAD_USER_INPUT about an input value that graphql-js refused (a bad
 * Date, an unknown enum value, a missing required field), as our own errors carry it.
 */
function withField(formatted: GraphQLFormattedError, error: unknown): { field?: string } {
  if (formatted.extensions?.field !== undefined || !(error instanceof GraphQLError)) return {};
  const field = inputFieldOf(error);
  return field === undefined ? {} : { field };
}

/** Longest client-given name (of an operation, field, argument...) an error message repeats. */
const MAX_ECHOED_NAME = 100;

/**
 * graphql-js quotes what the client wrote ("Unknown operation named \"...\"."): a name of
 * 90,000 characters would be sent back whole. Each quoted run is cut to MAX_ECHOED_NAME.
 */
export function cutEchoes(message: string): string {
  if (message.length <= MAX_ECHOED_NAME) return message;
  return message.replace(
    new RegExp(`"([^"]{${MAX_ECHOED_NAME + 1},})"`, 'g'),
    (_, name: string) => `"${name.slice(0, MAX_ECHOED_NAME)}…"`,
  );
}

/** "Did you mean ...?" hints reveal the schema to a prober. */
export function withoutSuggestions(message: string): string {
  return message.replace(/\s*Did you mean .+\?$/, '');
}

/**
 * Logs unexpected errors with the request id, and gives that id to the client to quote; tells
 * the database health tracker about connectivity errors.
 */
export function internalErrorPlugin<C extends { requestId: string }>(
  logger: Logger,
  health: DatabaseHealth,
): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const error of errors) {
            if (!isInternal(error)) continue;
            const original = unwrapResolverError(error);
            if (health.observe(original)) continue;
            if (isUnavailable(original)) {
              // The database is busy or refusing (a timeout, read-only, full): the client was
              // told to retry; worth watching, not a bug.
              logger.warn({ err: original, requestId: contextValue.requestId }, 'database busy');
              continue;
            }
            logger.error(
              { err: original, requestId: contextValue.requestId, path: error.path },
              'internal error',
            );
          }
        },
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single') return;
          for (const error of response.body.singleResult.errors ?? []) {
            if (error.extensions?.code === ErrorCode.INTERNAL_SERVER_ERROR) {
              (error.extensions as Record<string, unknown>).requestId = contextValue.requestId;
            }
          }
        },
      };
    },
  };
}
