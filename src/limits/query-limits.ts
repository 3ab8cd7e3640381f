import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  type ArgumentNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  getNamedType,
  getNullableType,
  GraphQLError,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isObjectType,
  Kind,
  NoSchemaIntrospectionCustomRule,
  type OperationDefinitionNode,
  type ParseOptions,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  visit,
} from 'graphql';
import { type ComplexityEstimator, getComplexity } from 'graphql-query-complexity';
import { checkPageSize, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../common/connection';
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
    ...(limits.introspection ? [] : [NoSchemaIntrospectionCustomRule]),
  ];
}

/**
 * Items assumed for a list field without page arguments (a measure's statements, sources and
 * responses, a statement's measures and sources): these lists are a record's own few citations
 * and links, not collections to page through. The cost charged after execution counts what they
 * held (see actual-cost.ts), so a longer one is paid for all the same.
 */
const UNPAGED_LIST_ESTIMATE = 5;

/**
 * A connection's `totalCount` is a count over every matching row, however small the page: at the
 * root (with a text filter on the measures) the most expensive thing a query can ask for. Nested
 * ones count each parent's rows, for all parents in one grouped statement, and the list around
 * them already multiplies them by the number of parents.
 */
const ROOT_TOTAL_COUNT_COST = 50;
const NESTED_TOTAL_COUNT_COST = 5;

/** What one `totalCount` in a connection on `parentType` costs. */
export function totalCountCost(parentType: GraphQLNamedType): number {
  return parentType.name === 'Query' ? ROOT_TOTAL_COUNT_COST : NESTED_TOTAL_COUNT_COST;
}

/**
 * How a field counts towards cost (see estimatorFor), decided by its schema alone so that the
 * cost requested before execution and the cost counted in the result (actual-cost.ts) follow
 * the same rules.
 */
export type CostKind =
  /** A scalar or enum, or a list of them: free, it comes with its row. */
  | 'leaf'
  /** A field of the introspection types: every object it returns counts 1. */
  | 'introspection'
  /** A connection: 1, plus its `totalCount`, plus what its edges hold. */
  | 'connection'
  /** A connection's `edges`: each edge (with its node) counts 1 plus what its node holds. */
  | 'edges'
  /** Any other list of objects: each item counts 1 plus what it holds. */
  | 'list'
  /** One object reached from another (`imposedBy`, `country`, `inResponseTo`): free. */
  | 'link';

export function costKindOf(
  parentType: GraphQLNamedType,
  field: GraphQLField<unknown, unknown>,
): CostKind {
  const named = getNamedType(field.type);
  if (isLeafType(named)) return 'leaf';
  if (parentType.name.startsWith('__') || field.name.startsWith('__')) return 'introspection';
  if (named.name.endsWith('Connection')) return 'connection';
  if (parentType.name.endsWith('Connection') && field.name === 'edges') return 'edges';
  if (isListType(getNullableType(field.type))) return 'list';
  return 'link';
}

/**
 * Cost ~ how many items of lists a query can return, as GitHub counts the nodes of a query:
 * each item of a list costs 1 plus what is selected in it, and a list multiplies that by how
 * many items it can hold: `first`/`last` of a connection (literal or variable; values above the
 * page limit are refused by the field itself, so they count as the limit), 20 when omitted, the
 * number of ids for `nodes`, and UNPAGED_LIST_ESTIMATE for lists without page arguments. A
 * connection costs 1 of its own (one more statement, or one more group of one) and its
 * `totalCount` ROOT_TOTAL_COUNT_COST or NESTED_TOTAL_COUNT_COST. Scalars are free, and so is a
 * single object reached through a link (`imposedBy`, a target's `country`, `pageInfo`): at most
 * one per item around it, read in the same batch as its siblings, and the document's size bounds
 * how many links it names. Every operation costs at least 1.
 *
 * Introspection is counted as the objects it returns, links included, its lists by their sizes
 * in this schema (see introspectionListSizes), so that aliased copies of the schema cost what
 * they return.
 */
const estimatorFor =
  (
    fragments: Map<string, FragmentDefinitionNode>,
    introspectionLists: Map<string, number>,
  ): ComplexityEstimator =>
  ({ type, field, node, args, childComplexity }) => {
    switch (costKindOf(type, field)) {
      case 'leaf':
        // totalCount is charged by the connection around it (see below), which knows where it is.
        return 0;
      case 'introspection': {
        const items = isListType(getNullableType(field.type))
          ? (introspectionLists.get(`${type.name}.${field.name}`) ?? UNPAGED_LIST_ESTIMATE)
          : field.name === 'ofType'
            ? OF_TYPE_ESTIMATE
            : 1;
        return items * (1 + childComplexity);
      }
      case 'connection': {
        // totalCount is counted once, not once per item of the page.
        const counted =
          totalCountCost(type) * totalCountsIn(node.selectionSet, fragments, new Set());
        return 1 + counted + childComplexity * pageSizeOf(args);
      }
      case 'edges':
        return 1 + childComplexity;
      case 'list': {
        const items =
          field.name === 'nodes' && Array.isArray(args.ids)
            ? args.ids.length
            : UNPAGED_LIST_ESTIMATE;
        return Math.max(1, items) * (1 + childComplexity);
      }
      case 'link':
        return childComplexity;
    }
  };

/** The items a connection's page can hold: `first`, else `last`, else the default page. */
function pageSizeOf(args: Record<string, unknown>): number {
  const requested =
    typeof args.first === 'number'
      ? args.first
      : typeof args.last === 'number'
        ? args.last
        : DEFAULT_PAGE_SIZE;
  return Math.max(1, Math.min(requested, MAX_PAGE_SIZE));
}

/**
 * A type reference is wrapped (non-null, list) about half the time: clients ask for `ofType`
 * seven or more levels deep, and most of those levels are null.
 */
const OF_TYPE_ESTIMATE = 0.5;

const introspectionListsBySchema = new WeakMap<GraphQLSchema, Map<string, number>>();

/**
 * The size of each introspection list in this schema, averaged over what holds it: `types` is
 * the number of types, `__Type.fields` the fields per type (over all types, as `types { fields }`
 * multiplies them), `__Field.args` the arguments per field, and so on. The schema's own
 * introspection then costs about the objects it returns, and a type asked for by name about
 * an average type.
 */
function introspectionListSizes(schema: GraphQLSchema): Map<string, number> {
  let sizes = introspectionListsBySchema.get(schema);
  if (sizes) return sizes;
  const types = Object.values(schema.getTypeMap());
  const directives = schema.getDirectives();
  let fields = 0;
  let args = 0;
  let interfaces = 0;
  let possibleTypes = 0;
  let enumValues = 0;
  let inputFields = 0;
  for (const type of types) {
    if (isObjectType(type) || isInterfaceType(type)) {
      const own = Object.values(type.getFields());
      fields += own.length;
      args += own.reduce((sum, field) => sum + field.args.length, 0);
      interfaces += type.getInterfaces().length;
    }
    if (isAbstractType(type)) possibleTypes += schema.getPossibleTypes(type).length;
    if (isEnumType(type)) enumValues += type.getValues().length;
    if (isInputObjectType(type)) inputFields += Object.keys(type.getFields()).length;
  }
  const per = (total: number, over: number) => (over > 0 ? total / over : 0);
  const directiveArgs = directives.reduce((sum, directive) => sum + directive.args.length, 0);
  sizes = new Map([
    ['__Schema.types', types.length],
    ['__Schema.directives', directives.length],
    ['__Type.fields', per(fields, types.length)],
    ['__Type.interfaces', per(interfaces, types.length)],
    ['__Type.possibleTypes', per(possibleTypes, types.length)],
    ['__Type.enumValues', per(enumValues, types.length)],
    ['__Type.inputFields', per(inputFields, types.length)],
    ['__Field.args', per(args, fields)],
    ['__Directive.args', per(directiveArgs, directives.length)],
  ]);
  introspectionListsBySchema.set(schema, sizes);
  return sizes;
}

/** `totalCount` selections in a connection's selection set, fragments included. */
function totalCountsIn(
  selectionSet: SelectionSetNode | undefined,
  fragments: Map<string, FragmentDefinitionNode>,
  spread: Set<string>,
): number {
  let count = 0;
  for (const selection of selectionSet?.selections ?? []) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value === 'totalCount') count += 1;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      count += totalCountsIn(selection.selectionSet, fragments, spread);
    } else if (!spread.has(selection.name.value)) {
      spread.add(selection.name.value);
      const fragment = fragments.get(selection.name.value);
      count += totalCountsIn(fragment?.selectionSet, fragments, spread);
    }
  }
  return count;
}

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
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition);
  }
  try {
    const cost = getComplexity({
      schema,
      query: document,
      variables: variables ?? {},
      operationName: operationName ?? undefined,
      estimators: [estimatorFor(fragments, introspectionListSizes(schema))],
      maxQueryNodes: 20_000,
    });
    return Math.max(1, Math.ceil(cost));
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

/**
 * QUERY_TOO_COMPLEX when a request's variables hold more values, or nest deeper, than the limits
 * allow (none when they fit). The body size bounds their bytes; this bounds the work of coercing
 * them, which a body of small values (`[0,0,0,...]`) can make large for its size.
 */
export function variablesOverLimits(variables: unknown, limits: QueryLimits): AppError[] {
  let values = 0;
  const problem = (value: unknown, depth: number): string | undefined => {
    if (++values > limits.maxVariableValues) {
      return `The variables hold more than ${limits.maxVariableValues} values.`;
    }
    if (value === null || typeof value !== 'object') return undefined;
    if (depth > limits.maxVariableDepth) {
      return `The variables nest deeper than ${limits.maxVariableDepth} levels.`;
    }
    for (const item of Array.isArray(value) ? value : Object.values(value)) {
      const found = problem(item, depth + 1);
      if (found) return found;
    }
    return undefined;
  };
  const found = variables !== null && typeof variables === 'object' && problem(variables, 0);
  if (!found) return [];
  return [
    tooComplex(found, {
      maxVariableValues: limits.maxVariableValues,
      maxVariableDepth: limits.maxVariableDepth,
    }),
  ];
}

/**
 * Refuses, before a subscription starts, a page size its connections would refuse at every event
 * (`first`/`last` outside 0..100, written in the document or passed as a variable), so the client
 * hears it once, as over HTTP, rather than in every event.
 */
export function assertPageSizes(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): void {
  const visitor = {
    Argument(node: ArgumentNode) {
      const name = node.name.value;
      if (name !== 'first' && name !== 'last') return;
      const value =
        node.value.kind === Kind.INT
          ? Number(node.value.value)
          : node.value.kind === Kind.VARIABLE
            ? variables[node.value.name.value]
            : undefined;
      if (typeof value === 'number') checkPageSize(name, value);
    },
  };
  visit(operation, visitor);
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) visit(definition, visitor);
  }
}
