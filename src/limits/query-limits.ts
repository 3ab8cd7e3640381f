import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  type DocumentNode,
  getNamedType,
  getNullableType,
  GraphQLError,
  type GraphQLSchema,
  isLeafType,
  isListType,
  type ParseOptions,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { type ComplexityEstimator, getComplexity } from 'graphql-query-complexity';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../common/connection';
import { AppError, ErrorCode } from '../common/errors';
import type { QueryLimits } from '../config';

/**
 * The limits every operation must pass, over HTTP and over WebSocket alike: tokens at parse time,
 * depth, aliases and directives as validation rules (graphql-armor's), and cost once variables
 * are known. Each rejection is QUERY_TOO_COMPLEX and says which limit, so an honest client can
 * change its query.
 */
export function parseOptions(limits: QueryLimits): ParseOptions {
  return { maxTokens: limits.maxTokens, noLocation: false };
}

export function tooComplex(message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError(ErrorCode.QUERY_TOO_COMPLEX, message, details);
}

export function limitRules(limits: QueryLimits): ValidationRule[] {
  // armor's rules report through these callbacks; its own messages start with "Syntax Error: ".
  const report = (context: ValidationContext | null, error: GraphQLError) =>
    context?.reportError(tooComplex(error.message.replace(/^Syntax Error: /, '')));
  const options = { exposeLimits: true, propagateOnRejection: false, onReject: [report] };
  return [
    maxDepthRule({
      ...options,
      n: limits.maxDepth,
      flattenFragments: true,
      ignoreIntrospection: false,
    }),
    maxAliasesRule({ ...options, n: limits.maxAliases, allowList: [] }),
    maxDirectivesRule({ ...options, n: limits.maxDirectives }),
  ];
}

/** Items assumed for a list field without page arguments (statements, sources, responses...). */
const UNPAGED_LIST_ESTIMATE = 10;

/**
 * Cost ~ how many objects a query can return. Scalars are free (they come with their row); each
 * object costs 1 plus what is selected in it; a list multiplies by how many items it can hold:
 * `first`/`last` of a connection (literal or variable; values above the page limit are refused by
 * the field itself, so they count as the limit), 20 when omitted, the number of ids for `nodes`,
 * and 10 for lists without page arguments. A connection's `edges` add nothing of their own.
 * Introspection costs one per object: the schema is small and public, and the playground needs it.
 */
const estimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  const named = getNamedType(field.type);
  if (isLeafType(named)) return 0;
  if (type.name.startsWith('__') || field.name.startsWith('__')) return 1 + childComplexity;
  if (named.name.endsWith('Connection')) {
    const requested =
      typeof args.first === 'number'
        ? args.first
        : typeof args.last === 'number'
          ? args.last
          : DEFAULT_PAGE_SIZE;
    return 1 + childComplexity * Math.max(1, Math.min(requested, MAX_PAGE_SIZE));
  }
  if (type.name.endsWith('Connection') && field.name === 'edges') return childComplexity;
  if (isListType(getNullableType(field.type))) {
    const items =
      field.name === 'nodes' && Array.isArray(args.ids) ? args.ids.length : UNPAGED_LIST_ESTIMATE;
    return Math.max(1, items) * (1 + childComplexity);
  }
  return 1 + childComplexity;
};

/**
 * The cost of the operation that will run, with its variables. Undefined when the variables do
 * not fit the operation: execution will refuse them with a clear error, and nothing runs.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName: string | undefined | null,
): number | undefined {
  try {
    return getComplexity({
      schema,
      query: document,
      variables: variables ?? {},
      operationName: operationName ?? undefined,
      estimators: [estimator],
      maxQueryNodes: 20_000,
    });
  } catch (error) {
    if (error instanceof GraphQLError && /maximum allowed number of nodes/.test(error.message)) {
      return Number.POSITIVE_INFINITY;
    }
    return undefined;
  }
}

/** Throws QUERY_TOO_COMPLEX when the operation costs more than the limit; returns its cost. */
export function assertAffordable(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName: string | undefined | null,
  limits: QueryLimits,
): number {
  const cost = operationCost(schema, document, variables, operationName) ?? 0;
  if (cost > limits.maxCost) {
    throw tooComplex(
      `This query could touch ${Number.isFinite(cost) ? cost : 'too many'} objects; the limit is ` +
        `${limits.maxCost}. Ask for smaller pages (first/last) or fewer nested lists.`,
      { cost: Number.isFinite(cost) ? cost : null, maxCost: limits.maxCost },
    );
  }
  return cost;
}
