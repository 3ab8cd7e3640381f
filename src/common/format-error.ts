import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Config } from '../config';
import type { Context } from '../context';
import type { Logger } from '../logger';
import { ErrorCode } from './errors';

/** Errors we raise on purpose (and graphql-js' own) are GraphQLErrors; anything else is a bug. */
function isInternal(error: unknown): boolean {
  return !(unwrapResolverError(error) instanceof GraphQLError);
}

/**
 * Clients see every deliberate error as raised. An unexpected one becomes INTERNAL_SERVER_ERROR;
 * in production its message, stack and any SQL stay in the log, found there by the request id.
 */
export function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
  config: Config,
): GraphQLFormattedError {
  if (!isInternal(error) || config.nodeEnv !== 'production') return formatted;
  return {
    message: 'Internal server error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}

/** Logs unexpected errors with the request id, and gives that id to the client to quote. */
export function internalErrorPlugin(logger: Logger): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const error of errors) {
            if (isInternal(error)) {
              logger.error(
                {
                  err: unwrapResolverError(error),
                  requestId: contextValue.requestId,
                  path: error.path,
                },
                'internal error',
              );
            }
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
