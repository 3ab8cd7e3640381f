import {
  type FieldNode,
  type FragmentDefinitionNode,
  getArgumentValues,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { collectSubfields } from 'graphql/execution/collectFields';
import type { PageArgs } from '../common/connection';
import type { SqlParams } from '../database/keyset';
import type { Services } from '../services';
import { literal } from './sql-values';

/** Thrown where the planner does not cover a query: the resolvers answer it instead. */
export class Unsupported extends Error {}

/** json_build_object takes at most 100 arguments: 50 keys. */
const MAX_KEYS = 50;

/** The fields selected on an object, by response key. */
export type Fields = Map<string, readonly FieldNode[]>;

/** What planning one operation carries along: the schema and request, and the SQL built so far. */
export interface Scope {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  services: Services;
  params: SqlParams;
  aliases: number;
}

/** json_build_object of the selected fields, in selection order, under their response keys. */
export function object(
  _scope: Scope,
  fields: Fields,
  value: (key: string, nodes: readonly FieldNode[]) => string,
): string {
  if (fields.size > MAX_KEYS) throw new Unsupported('too many fields');
  const pairs: string[] = [];
  for (const [key, nodes] of fields) pairs.push(`${literal(key)}, ${value(key, nodes)}`);
  return `json_build_object(${pairs.join(', ')})`;
}

/** A fresh alias for a subquery (p1, p2, ...), unique within the statement. */
export function nextAlias(scope: Scope): string {
  scope.aliases += 1;
  return `p${scope.aliases}`;
}

/** The field's definition on `parent` and its arguments, coerced as graphql-js would. */
export function argumentsOf(
  scope: Scope,
  parent: GraphQLObjectType,
  nodes: readonly FieldNode[],
): { field: GraphQLField<unknown, unknown>; args: Record<string, unknown> } {
  const field = parent.getFields()[nodes[0]!.name.value];
  if (!field) throw new Unsupported(`unknown field ${nodes[0]!.name.value}`);
  return { field, args: getArgumentValues(field, nodes[0]!, scope.variables) };
}

/** The fields selected under `nodes` on the object type `type`, fragments resolved. */
export function subfields(scope: Scope, type: string, nodes: readonly FieldNode[]): Fields {
  const objectType = scope.schema.getType(type) as GraphQLObjectType;
  return collectSubfields(scope.schema, scope.fragments, scope.variables, objectType, nodes);
}

/** A connection's cursor arguments, as the resolvers pass them on. */
export function pageArgs(args: Record<string, unknown>): PageArgs {
  return {
    first: args.first as number | null | undefined,
    after: args.after as string | null | undefined,
    last: args.last as number | null | undefined,
    before: args.before as string | null | undefined,
  };
}

/** One object from a statement of at most one row, or null. */
export function single(scope: Scope, select: string, build: (alias: string) => string): string {
  const alias = nextAlias(scope);
  return `(SELECT ${build(alias)} FROM (${select}) ${alias})`;
}

/** A list of objects in the statement's order (`orderBy` over its alias), [] when empty. */
export function list(
  scope: Scope,
  select: string,
  orderBy: (alias: string) => string,
  build: (alias: string) => string,
): string {
  const alias = nextAlias(scope);
  return `(SELECT coalesce(json_agg(${build(alias)} ORDER BY ${orderBy(alias)}), '[]'::json) FROM (${select}) ${alias})`;
}
