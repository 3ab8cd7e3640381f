import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { ApolloServer, HeaderMap, type HTTPGraphQLRequest } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { GraphQLSchema } from 'graphql';
import { formatError, internalErrorPlugin } from './common/format-error';
import type { Config } from './config';
import type { Context } from './context';
import type { DatabaseHealth } from './database/health';
import type { Sql } from './database/sql';
import type { Admission } from './limits/admission';
import { limitsPlugin } from './limits/limits-plugin';
import { limitRules, parseOptions } from './limits/query-limits';
import type { Logger } from './logger';
import { plannerPlugin } from './planner/planner-plugin';

export interface ApolloDependencies {
  config: Config;
  logger: Logger;
  schema: GraphQLSchema;
  /** The read path's statements, for the read planner. */
  sql: Sql;
  health: DatabaseHealth;
  admission: Admission;
  /** Drained by `apollo.stop()`. */
  httpServer: Server;
}

/** Apollo for the HTTP side, with the limits, the read planner and the landing page as plugins. */
export function createApollo(deps: ApolloDependencies): ApolloServer<Context> {
  const { config, logger, health, httpServer } = deps;
  return new ApolloServer<Context>({
    schema: deps.schema,
    // The schema is public (schema/schema.graphql) and the playground needs introspection; it
    // passes the same limits as any query. INTROSPECTION=false turns it off on both transports.
    introspection: config.limits.introspection,
    // Credentials travel only in the Authorization header, never in cookies, so a cross-site
    // request cannot act as anyone: GETs without preflight headers (as urql sends) are safe.
    csrfPrevention: false,
    allowBatchedHttpRequests: false,
    // Automatic persisted queries are not part of the API: off, so a request carrying a hash
    // gets PERSISTED_QUERY_NOT_SUPPORTED rather than Apollo's uncoded errors (and no cache to fill).
    persistedQueries: false,
    // main.ts owns the signals: close sockets, drain, close the pool, stop the embedded database.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: config.nodeEnv !== 'production',
    hideSchemaDetailsFromClientErrors: config.nodeEnv === 'production',
    parseOptions: parseOptions(config.limits),
    validationRules: limitRules(config.limits),
    formatError: (formatted, error) => formatError(formatted, error, config),
    plugins: [
      ApolloServerPluginDrainHttpServer({
        httpServer,
        stopGracePeriodMillis: config.shutdownGraceMs,
      }),
      // The cache-control plugin wraps every field resolver; nothing here sets cache hints.
      ApolloServerPluginCacheControlDisabled(),
      internalErrorPlugin(logger, health),
      limitsPlugin({ schema: deps.schema, admission: deps.admission }),
      // After the limits: a planned query is checked and charged like any other.
      ...(config.readPlanner
        ? [plannerPlugin({ schema: deps.schema, sql: deps.sql, logger, health })]
        : []),
      config.playground
        ? ApolloServerPluginLandingPageLocalDefault({
            // The schema changes only with a deployment: polling it would spend the visitor's
            // rate-limit budget on introspection every few seconds.
            embed: { initialState: { pollForSchemaUpdates: false } },
            includeCookies: false,
            footer: false,
          })
        : ApolloServerPluginLandingPageDisabled(),
    ],
  });
}

/**
 * Runs one HTTP request through Apollo and writes its answer. Apollo refuses some requests
 * without running any plugin (a batch, variables that are not an object, a query that is not a
 * string): their answers get the top-level `extensions` that `unreported` gives (see
 * limits-plugin.ts for all the others).
 */
export async function executeGraphQL(
  apollo: ApolloServer<Context>,
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
  context: Context,
  unreported: () => Promise<Record<string, unknown>> = async () => ({}),
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
    context: async () => context,
  });
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  // GraphQL over HTTP: with application/json, a request that failed before execution (parse,
  // validation, variables) is still a well-formed exchange and answers 200 with its errors;
  // application/graphql-response+json keeps Apollo's 4xx.
  const contentType = response.headers.get('content-type') ?? '';
  if (
    res.statusCode === 400 &&
    context.outcome.failedBeforeExecution &&
    contentType.startsWith('application/json')
  )
    res.statusCode = 200;
  if (response.body.kind === 'complete') {
    const text = response.body.string;
    res.end(context.outcome.costReported ? text : withExtensions(text, await unreported()));
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

/** A JSON answer with `extensions` added at its top level (as it was, when it is not an object). */
function withExtensions(text: string, extensions: Record<string, unknown>): string {
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    return text;
  }
  if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) return text;
  const existing = (answer as { extensions?: Record<string, unknown> }).extensions;
  return JSON.stringify({ ...answer, extensions: { ...existing, ...extensions } });
}
