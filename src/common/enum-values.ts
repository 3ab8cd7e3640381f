import {
  type GraphQLEnumType,
  GraphQLError,
  type GraphQLSchema,
  isEnumType,
  isIntrospectionType,
  Kind,
  type ValueNode,
} from 'graphql';

/**
 * What to add to graphql-js's refusal of `given` as a value of `type`: the values it takes. An
 * enum's values are public API (the schema lists them, clients switch on them), unlike the
 * field names that production keeps out of messages, so they are said in production too.
 * `quoted`: the value was a string, where an enum value is a bare name.
 */
export function enumValuesHint(type: GraphQLEnumType, given: unknown, quoted: boolean): string {
  const names = type.getValues().map((value) => value.name);
  if (quoted && typeof given === 'string' && names.includes(given)) {
    return `Write enum values without quotes: ${given}.`;
  }
  return `Valid values: ${names.join(', ')}.`;
}

/** Enums already wrapped, should a type object be shared by two schemas. */
const explaining = new WeakSet<GraphQLEnumType>();

/**
 * Makes every enum of `schema` list its values when it refuses one, in a literal (validation,
 * both transports) or in a variable (coercion), then returns the schema. graphql-js's own
 * message stays first; its "Did you mean" suggestion is left out, as the list says more, and a
 * production message keeps it whole.
 */
export function listEnumValuesInErrors(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isEnumType(type) || isIntrospectionType(type) || explaining.has(type)) continue;
    explaining.add(type);
    const parseValue = type.parseValue.bind(type);
    const parseLiteral = type.parseLiteral.bind(type);
    // A variable's value: JSON has no bare names, so a string is the right form there.
    type.parseValue = (value: unknown) =>
      explained(type, value, false, () => parseValue(value, true));
    type.parseLiteral = (node: ValueNode, variables?: Parameters<typeof parseLiteral>[1]) =>
      explained(type, 'value' in node ? node.value : undefined, node.kind === Kind.STRING, () =>
        parseLiteral(node, variables, true),
      );
  }
  return schema;
}

function explained<T>(type: GraphQLEnumType, given: unknown, quoted: boolean, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    throw new GraphQLError(`${error.message} ${enumValuesHint(type, given, quoted)}`, {
      nodes: error.nodes,
      extensions: error.extensions,
    });
  }
}
