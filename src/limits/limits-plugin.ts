import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { Caller } from '../auth/role';
import { ErrorCode } from '../common/errors';
import { isUnavailable } from '../database/health';
import { actualCost } from './actual-cost';
import { type Admission, subjectOf } from './admission';
import { costReport, rateLimitHeaders } from './cost-report';
import type { Budget, Charge } from './rate-limiter';

/** What the plugin needs from the request context. */
export interface LimitedContext {
  caller: Caller | null;
  clientAddress: string;
  outcome: {
    /** Whether the request failed before execution (parse, validation, variables, limits). */
    failedBeforeExecution: boolean;
    /** Set once the answer carries `extensions.cost`. */
    costReported: boolean;
  };
}

/** Apollo's codes for errors found before execution starts. */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_USER_INPUT',
  ErrorCode.QUERY_TOO_COMPLEX,
]);

/**
 * Over HTTP: once variables are known, refuses operations over the cost limit, then charges the
 * caller's rate-limit budget with the requested cost. Once the operation has run, settles the
 * charge against its actual cost (the objects in the result; see actual-cost.ts), and reports
 * both with the budget left in `extensions.cost` and the RateLimit headers. Sets the HTTP status
 * of limit errors: 429 with Retry-After when rate-limited, 503 when the database is unreachable.
 */
export function limitsPlugin<C extends LimitedContext>(deps: {
  schema: GraphQLSchema;
  admission: Admission;
}): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      /** The cost charged up front; stays 0 when the operation was refused before that. */
      let requested = 0;
      /** Whether the operation passed its limits and ran. */
      let ran = false;
      let charge: Charge | undefined;
      /** The budget, when a refusal already told it. */
      let known: Budget | undefined;
      return {
        async didResolveOperation({ document, request, operation, operationName, contextValue }) {
          // Apollo would run a subscription over HTTP as if it were a query, with no event.
          if (operation?.operation === 'subscription') {
            throw new GraphQLError(
              `Subscriptions are served over WebSocket (graphql-transport-ws) at this URL, not over HTTP.`,
              { extensions: { code: ErrorCode.BAD_USER_INPUT, http: { status: 400 } } },
            );
          }
          const { caller, clientAddress } = contextValue;
          const charged = await deps.admission.charge(
            deps.schema,
            subjectOf(caller, clientAddress),
            { document, variables: request.variables, operationName },
          );
          if (!charged.ok) {
            const { refusal } = charged;
            if (refusal.kind === 'rate-limited') {
              requested = refusal.cost ?? 0;
              known = refusal.budget;
              throw refusal.error;
            }
            if (refusal.kind === 'invalid') {
              const cost = refusal.errors[0]?.extensions.cost;
              if (typeof cost === 'number') requested = cost;
              throw refusal.errors[0];
            }
            return;
          }
          ({ cost: requested, charge } = charged.value);
          ran = true;
        },
        async willSendResponse(requestContext) {
          const { response, errors, contextValue } = requestContext;
          const codes = new Set((errors ?? []).map((error) => error.extensions?.code));
          if (codes.has(ErrorCode.RATE_LIMITED)) {
            const limited = errors!.find(
              (error) => error.extensions?.code === ErrorCode.RATE_LIMITED,
            )!;
            response.http.status = 429;
            response.http.headers.set(
              'retry-after',
              String(limited.extensions.retryAfterSeconds ?? 60),
            );
          } else if ((errors ?? []).some((error) => isUnavailable(unwrapResolverError(error)))) {
            response.http.status = 503;
            response.http.headers.set('retry-after', '1');
          } else if (
            response.body.kind === 'single' &&
            !('data' in response.body.singleResult && response.body.singleResult.data)
          ) {
            contextValue.outcome.failedBeforeExecution = [...codes].some((code) =>
              REQUEST_ERROR_CODES.has(code as string),
            );
            if (codes.has(ErrorCode.QUERY_TOO_COMPLEX)) response.http.status = 400;
          }
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          let actual = 0;
          if (ran && requestContext.document) {
            const returned = actualCost(
              deps.schema,
              requestContext.document,
              requestContext.operationName,
              requestContext.request.variables,
              result.data,
            );
            // Partial data says little of the work done before an error: charged as requested.
            actual = errors?.length ? Math.max(requested, returned) : returned;
          }
          const budget = charge
            ? await deps.admission.settle(charge, actual)
            : (known ??
              (await deps.admission.budget(
                subjectOf(contextValue.caller, contextValue.clientAddress),
              )));
          result.extensions = { ...result.extensions, cost: costReport(requested, actual, budget) };
          contextValue.outcome.costReported = true;
          if (budget) {
            for (const [name, value] of rateLimitHeaders(budget))
              response.http.headers.set(name, value);
          }
        },
      };
    },
  };
}
