import {
  type ArgumentNode,
  GraphQLError,
  Kind,
  parse,
  type Source,
  type ValueNode,
  visit,
} from 'graphql';

const VALUE_KINDS = new Set<string>([
  Kind.INT,
  Kind.FLOAT,
  Kind.STRING,
  Kind.BOOLEAN,
  Kind.NULL,
  Kind.ENUM,
  Kind.LIST,
  Kind.OBJECT,
  // 'Field "bogus" is not defined by type "AddMeasureInput".' is reported on the field itself.
  Kind.OBJECT_FIELD,
]);

/** Documents are parsed a second time only within the size the limits let through. */
const MAX_SOURCE_LENGTH = 100_000;

/**
 * Which input a BAD_USER_INPUT error that graphql-js raised (not our own code, which names the
 * field itself) is about, in the form our own errors use: `input.announcedOn`,
 * `filter.kind[1]`, or the variable's path when the value came in a variable. Undefined when the
 * error is not about an input value.
 */
export function inputFieldOf(error: GraphQLError): string | undefined {
  const message = error.message;
  // Variable coercion: 'Variable "$input" got invalid value "x" at "input.announcedOn"; ...'.
  const variable = /^Variable "\$(\w+)"(?: got invalid value .*? at "([^"]+)")?/s.exec(message);
  if (variable) {
    const path = variable[2] ?? variable[1]!;
    // '...; Field "title" of required type "String!" was not provided.' (or '... is not defined
    // by type "AddMeasureInput".'): the problem is that field of the object at `path`. The
    // object's printed value, before it, may contain anything, so the last such clause counts.
    const clause = message.slice(message.lastIndexOf('; Field "') + 2);
    const field = /^Field "(\w+)" (?:of required type|is not defined by type)/.exec(clause);
    return field ? `${path}.${field[1]}` : path;
  }
  // 'Field "measures" argument "first" of type "Int!" is required, but it was not provided.'
  const required = /argument "(\w+)" of type "[^"]+" is required/.exec(message);
  if (required) return required[1];
  // 'Unknown argument "bogus" on field "Query.measures".'
  const unknown = /^Unknown argument "(\w+)" on field/.exec(message);
  if (unknown) return unknown[1];
  // Only errors about a literal input value (ValuesOfCorrectTypeRule's, a scalar's parseLiteral)
  // are looked up in the document; nothing else (a parse error above all) is parsed again.
  const node = error.nodes?.[0];
  if (!node || !VALUE_KINDS.has(node.kind)) return undefined;
  const source = error.source;
  const position = error.positions?.[0];
  if (!source || position === undefined || source.body.length > MAX_SOURCE_LENGTH) {
    return undefined;
  }
  const path = literalPathAt(source, position);
  if (!path) return undefined;
  // 'Field "AddMeasureInput.title" of required type "String!" was not provided.'
  const missing = /^Field "\w+\.(\w+)" of required type/.exec(message);
  return missing ? `${path}.${missing[1]}` : path;
}

/** Per document (its Source, shared by all its nodes and errors): value position → input path. */
const indexes = new WeakMap<Source, Map<number, string>>();

/**
 * The argument path (`input.sources[0].url`) of the literal value at `position` in a document.
 * The document is parsed and indexed once, however many errors a request has (validation
 * reports up to a hundred), so looking up each costs a map lookup.
 */
function literalPathAt(source: Source, position: number): string | undefined {
  let index = indexes.get(source);
  if (!index) indexes.set(source, (index = indexValues(source)));
  return index.get(position);
}

function indexValues(source: Source): Map<number, string> {
  const index = new Map<number, string>();
  let document;
  try {
    document = parse(source);
  } catch {
    return index;
  }
  const walk = (value: ValueNode, path: string): void => {
    if (value.loc) index.set(value.loc.start, path);
    if (value.kind === Kind.OBJECT) {
      for (const field of value.fields) {
        const fieldPath = `${path}.${field.name.value}`;
        if (field.loc) index.set(field.loc.start, fieldPath);
        walk(field.value, fieldPath);
      }
    } else if (value.kind === Kind.LIST) {
      value.values.forEach((item, i) => walk(item, `${path}[${i}]`));
    }
  };
  visit(document, {
    Argument(node: ArgumentNode) {
      walk(node.value, node.name.value);
    },
  });
  return index;
}
