import {
  type FragmentDefinitionNode,
  getVariableValues,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
} from 'graphql';
import { collectFields } from 'graphql/execution/collectFields';
import { SqlParams } from '../database/keyset';
import type { Services } from '../services';
import { rootField } from './objects';
import { object, type Scope, Unsupported } from './scope';

/** What the planner runs instead of the resolvers: one statement answering `data`. */
export interface PlannedStatement {
  text: string;
  values: unknown[];
}

/**
 * The read planner: turns a validated query into ONE SQL statement that builds the whole `data`
 * JSON in PostgreSQL, so a request costs one round trip and no resolver runs. It covers the hot
 * paths (measures, a country, an official, a measure, with their common fields and nested
 * connections) and declines anything else by throwing Unsupported, which sends the request
 * through the resolvers as before. Arguments are validated by the same service methods the
 * resolvers call (an invalid one also declines, so the resolvers report it the usual way), lists
 * reuse the services' conditions, orders and keyset SQL, and every value is written as the
 * resolvers' scalars write it: the answer is the same JSON, byte for byte (test/e2e/reads/planner.test.ts
 * compares the two paths).
 *
 * Here the request is read; objects.ts builds the JSON of each object, connection.ts of each
 * connection, scope.ts holds what they share, sql-values.ts writes the values.
 *
 * Returns undefined when the planner does not cover `operation`.
 */
export function planRead(
  schema: GraphQLSchema,
  document: { definitions: readonly { kind: Kind }[] },
  operation: OperationDefinitionNode,
  rawVariables: Record<string, unknown> | undefined,
  services: Services,
): PlannedStatement | undefined {
  if (operation.operation !== 'query') return undefined;
  const coerced = getVariableValues(
    schema,
    operation.variableDefinitions ?? [],
    rawVariables ?? {},
  );
  if (coerced.errors) return undefined;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      const fragment = definition as FragmentDefinitionNode;
      fragments[fragment.name.value] = fragment;
    }
  }
  const scope: Scope = {
    schema,
    fragments,
    variables: coerced.coerced,
    services,
    params: new SqlParams(),
    aliases: 0,
  };
  const query = schema.getQueryType()!;
  try {
    const fields = collectFields(schema, fragments, scope.variables, query, operation.selectionSet);
    const data = object(scope, fields, (_key, nodes) => rootField(scope, query, nodes));
    return { text: `SELECT ${data}::text AS data`, values: scope.params.values };
  } catch (error) {
    // Unsupported, or an argument the resolvers will refuse with their usual error.
    if (error instanceof Unsupported || isAppError(error)) return undefined;
    throw error;
  }
}

function isAppError(error: unknown): boolean {
  return error instanceof Error && 'extensions' in error;
}
