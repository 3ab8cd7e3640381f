import { type ApolloServerPlugin, HeaderMap } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import type { Sql } from '../database/sql';
import type { Logger } from '../logger';
import type { Services } from '../services';
import { planRead } from './read-planner';

/**
 * Answers a query the read planner covers with its one statement, after the limits plugin has
 * checked and charged it and before graphql-js would execute it; anything else (or a failed
 * statement, which the resolvers then meet and report as usual) goes through the resolvers.
 */
export function plannerPlugin<C extends { services: Services }>(deps: {
  schema: GraphQLSchema;
  sql: Sql;
  logger: Logger;
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
