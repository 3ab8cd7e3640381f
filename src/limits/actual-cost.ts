import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  getDirectiveValues,
  getNamedType,
  getOperationAST,
  getVariableValues,
  type GraphQLField,
  GraphQLIncludeDirective,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  GraphQLSkipDirective,
  isAbstractType,
  isObjectType,
  Kind,
  type NamedTypeNode,
  SchemaMetaFieldDef,
  type SelectionNode,
  type SelectionSetNode,
  typeFromAST,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
} from 'graphql';
import { costKindOf, totalCountCost } from './query-limits';

/**
 * The cost of what an operation returned: the cost model of query-limits.ts applied to the
 * result instead of the page sizes asked for. A list counts the items it holds, a connection
 * the edges of its page, a `totalCount` only if it is in the result, a link or an object that
 * came back null nothing. It walks the response data rather than counting in resolvers because
 * the read planner answers most queries with one SQL statement, and no resolver runs then.
 *
 * The walk follows the operation's selections as graphql-js executes them (fragments, @skip and
 * @include with the request's variables). An object of an interface type carries no type name
 * unless the query asked for one; it is read as whichever possible type would have produced
 * exactly its keys, the most expensive one when several would.
 */
export function actualCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | undefined,
  data: unknown,
): number {
  const operation = getOperationAST(document, operationName ?? undefined);
  const root = operation && schema.getRootType(operation.operation);
  if (!operation || !root || !isRecord(data)) return 1;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {});
  if (coerced.errors) return 1;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition);
  }
  const walk = new ResultWalk(schema, fragments, coerced.coerced);
  return Math.max(1, Math.ceil(walk.object(root, [operation.selectionSet], data)));
}

type Fields = Map<string, FieldNode[]>;

class ResultWalk {
  /** Fields per selection sets and runtime type: each item of a list shares its siblings'. */
  private readonly collected = new WeakMap<readonly SelectionSetNode[], Map<string, Fields>>();
  private readonly subselections = new WeakMap<FieldNode[], SelectionSetNode[]>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly fragments: Map<string, FragmentDefinitionNode>,
    private readonly variables: Record<string, unknown>,
  ) {}

  /** What an object in the result costs: the sum of its fields (the object itself is free). */
  object(type: GraphQLNamedType, selections: readonly SelectionSetNode[], value: unknown): number {
    if (!isRecord(value)) return 0;
    if (isObjectType(type)) return this.fieldsOf(type, selections, value);
    if (!isAbstractType(type)) return 0;
    const keys = Object.keys(value);
    let cost: number | undefined;
    for (const possible of this.schema.getPossibleTypes(type)) {
      const fields = this.collect(possible, selections);
      if (fields.size !== keys.length || !keys.every((key) => fields.has(key))) continue;
      cost = Math.max(cost ?? 0, this.fieldsOf(possible, selections, value));
    }
    return cost ?? 0;
  }

  private fieldsOf(
    type: GraphQLObjectType,
    selections: readonly SelectionSetNode[],
    value: Record<string, unknown>,
  ): number {
    let cost = 0;
    for (const [key, nodes] of this.collect(type, selections)) {
      if (!(key in value)) continue;
      const field = this.fieldDefinition(type, nodes[0]!.name.value);
      if (field) cost += this.field(type, field, nodes, value[key]);
    }
    return cost;
  }

  private field(
    parent: GraphQLObjectType,
    field: GraphQLField<unknown, unknown>,
    nodes: FieldNode[],
    value: unknown,
  ): number {
    if (value === null || value === undefined) return 0;
    const type = getNamedType(field.type);
    const selections = this.subselectionsOf(nodes);
    switch (costKindOf(parent, field)) {
      case 'leaf':
        return 0;
      case 'introspection':
      case 'edges':
      case 'list':
        return this.items(value, (item) => 1 + this.object(type, selections, item));
      case 'connection': {
        let counts = 0;
        if (isObjectType(type) && isRecord(value)) {
          for (const [key, inner] of this.collect(type, selections)) {
            if (inner[0]!.name.value === 'totalCount' && key in value) counts += 1;
          }
        }
        return 1 + counts * totalCountCost(parent) + this.object(type, selections, value);
      }
      case 'link':
        return this.object(type, selections, value);
    }
  }

  /** Each item of a (possibly nested) list, or the value itself when it is not a list. */
  private items(value: unknown, each: (item: unknown) => number): number {
    if (!Array.isArray(value)) return each(value);
    let cost = 0;
    for (const item of value) {
      if (item !== null && item !== undefined) cost += this.items(item, each);
    }
    return cost;
  }

  private fieldDefinition(
    type: GraphQLObjectType,
    name: string,
  ): GraphQLField<unknown, unknown> | undefined {
    if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
    if (type === this.schema.getQueryType()) {
      if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
      if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
    }
    return type.getFields()[name];
  }

  private subselectionsOf(nodes: FieldNode[]): SelectionSetNode[] {
    let selections = this.subselections.get(nodes);
    if (!selections) {
      selections = nodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
      this.subselections.set(nodes, selections);
    }
    return selections;
  }

  /** The fields graphql-js executes for an object of `type`, by response key. */
  private collect(type: GraphQLObjectType, selections: readonly SelectionSetNode[]): Fields {
    let byType = this.collected.get(selections);
    if (!byType) {
      byType = new Map();
      this.collected.set(selections, byType);
    }
    let fields = byType.get(type.name);
    if (fields) return fields;
    fields = new Map();
    const spread = new Set<string>();
    const visit = (set: SelectionSetNode) => {
      for (const selection of set.selections) {
        if (!this.included(selection)) continue;
        if (selection.kind === Kind.FIELD) {
          const key = selection.alias?.value ?? selection.name.value;
          const nodes = fields!.get(key);
          if (nodes) nodes.push(selection);
          else fields!.set(key, [selection]);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          if (!selection.typeCondition || this.applies(selection.typeCondition, type))
            visit(selection.selectionSet);
        } else if (!spread.has(selection.name.value)) {
          spread.add(selection.name.value);
          const fragment = this.fragments.get(selection.name.value);
          if (fragment && this.applies(fragment.typeCondition, type)) visit(fragment.selectionSet);
        }
      }
    };
    for (const set of selections) visit(set);
    byType.set(type.name, fields);
    return fields;
  }

  private included(node: SelectionNode): boolean {
    if (!node.directives?.length) return true;
    if (getDirectiveValues(GraphQLSkipDirective, node, this.variables)?.if === true) return false;
    return getDirectiveValues(GraphQLIncludeDirective, node, this.variables)?.if !== false;
  }

  private applies(condition: NamedTypeNode, type: GraphQLObjectType): boolean {
    const conditionType = typeFromAST(this.schema, condition);
    if (conditionType === type) return true;
    return (
      conditionType !== undefined &&
      isAbstractType(conditionType) &&
      this.schema.isSubType(conditionType, type)
    );
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
