import { type ApolloServerPlugin, HeaderMap } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import { ErrorCode } from '../common/errors';
import { unavailableMessage } from '../common/format-error';
import { type DatabaseHealth, isUnavailable } from '../database/health';
import type { Sql } from '../database/sql';
import type { Logger } from '../logger';
import type { Services } from '../services';
import { planRead } from './read-planner';

/**
 * Answers a query the read planner covers with its one statement, after the limits plugin has
 * checked and charged it and before graphql-js would execute it; anything else goes through the
 * resolvers. A planned statement that fails because the database cannot serve it now (a timeout,
 * no connection) is answered 503 at once, as the resolvers would answer it: running the resolvers
 * after it would double the wait and the load exactly when the database is struggling. Any other
 * failure is left to the resolvers, which meet it and report it as usual.
 */
export function plannerPlugin<C extends { services: Services; requestId: string }>(deps: {
  schema: GraphQLSchema;
  sql: Sql;
  logger: Logger;
  health: DatabaseHealth;
}): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async responseForOperation({ document, operation, request, contextValue }) {
          // Apollo asks even when operationName names no operation; it reports that itself.
          if (!operation) return null;
          const planned = planRead(
            deps.schema,
            document,
            operation,
            request.variables,
            contextValue.services,
          );
          if (!planned) return null;
          let text: string;
          try {
            const [row] = await deps.sql.rows<{ data: string }>(planned.text, planned.values, {
              planned: true,
            });
            text = row!.data;
          } catch (error) {
            if (isUnavailable(error)) {
              if (!deps.health.observe(error)) {
                deps.logger.warn(
                  { err: error, requestId: contextValue.requestId },
                  'database busy',
                );
              }
              return unavailable(error);
            }
            deps.logger.debug({ err: error }, 'planned statement failed; resolvers take over');
            return null;
          }
          return {
            http: { status: undefined, headers: new HeaderMap() },
            body: {
              kind: 'single',
              singleResult: { data: JSON.parse(text) as Record<string, unknown> },
            },
          };
        },
      };
    },
  };
}

/** 503 with Retry-After, and the message formatError gives the same failure on the resolvers' path. */
function unavailable(error: unknown) {
  const message = unavailableMessage(error);
  return {
    http: { status: 503, headers: new HeaderMap([['retry-after', '1']]) },
    body: {
      kind: 'single' as const,
      singleResult: {
        data: null,
        errors: [{ message, extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } }],
      },
    },
  };
}
