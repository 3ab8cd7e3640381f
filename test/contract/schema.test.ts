import { readFileSync } from 'node:fs';
import {
  type GraphQLField,
  type GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  Kind,
  parse,
  print,
  type TypeNode,
} from 'graphql';
import { buildAppSchema, printAppSchema, SCHEMA_FILE } from '../../src/schema';

/** Parts of the contract that later issues implement; each issue removes its entries. */
const NOT_YET_IMPLEMENTED = new Set<string>();

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await buildAppSchema();
});

test('schema/schema.graphql is what the code emits (run `npm run schema:emit` after a change)', () => {
  expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(printAppSchema(schema));
});

const contract = parse(readFileSync('test/contract/api-contract.graphql', 'utf8'));
const typeString = (node: TypeNode): string => print(node);

describe('every name the API contract promises is in the schema, with the same type', () => {
  for (const definition of contract.definitions) {
    if (!('name' in definition) || !definition.name) continue;
    const name = definition.name.value;
    if (NOT_YET_IMPLEMENTED.has(name)) {
      test.todo(`${name} (a later issue)`);
      continue;
    }
    test(name, () => {
      const type = schema.getType(name);
      expect(type).toBeDefined();
      if (definition.kind === Kind.ENUM_TYPE_DEFINITION) {
        expect(isEnumType(type)).toBe(true);
        const values = isEnumType(type) ? type.getValues().map((v) => v.name) : [];
        for (const value of definition.values ?? []) expect(values).toContain(value.name.value);
        return;
      }
      if (definition.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION) {
        expect(isInputObjectType(type)).toBe(true);
        const fields = isInputObjectType(type) ? type.getFields() : {};
        for (const field of definition.fields ?? []) {
          expect(`${field.name.value}: ${fields[field.name.value]?.type.toString()}`).toBe(
            `${field.name.value}: ${typeString(field.type)}`,
          );
        }
        return;
      }
      if (definition.kind === Kind.OBJECT_TYPE_DEFINITION) {
        expect(isObjectType(type)).toBe(true);
        if (!isObjectType(type)) return;
        const interfaces = type.getInterfaces().map((i) => i.name);
        for (const implemented of definition.interfaces ?? [])
          expect(interfaces).toContain(implemented.name.value);
        const fields = type.getFields() as Record<string, GraphQLField<unknown, unknown>>;
        for (const field of definition.fields ?? []) {
          const actual = fields[field.name.value];
          expect(`${field.name.value}: ${actual?.type.toString()}`).toBe(
            `${field.name.value}: ${typeString(field.type)}`,
          );
          const args = Object.fromEntries(
            (actual?.args ?? []).map((a) => [a.name, a.type.toString()]),
          );
          for (const arg of field.arguments ?? []) {
            expect(`${field.name.value}(${arg.name.value}: ${args[arg.name.value]})`).toBe(
              `${field.name.value}(${arg.name.value}: ${typeString(arg.type)})`,
            );
          }
        }
      }
    });
  }
});

test('Query.apiKeys, which the contract gives in a comment', () => {
  expect(schema.getQueryType()!.getFields().apiKeys!.type.toString()).toBe('[ApiKey!]!');
});

test('AddMeasureInput defaults are the ones the contract gives', () => {
  const type = schema.getType('AddMeasureInput');
  const fields = isInputObjectType(type) ? type.getFields() : {};
  expect(fields.announcedOnPrecision!.defaultValue).toBe('DAY');
  expect(fields.indefinite!.defaultValue).toBe(false);
  expect(fields.status!.defaultValue).toBe('IN_FORCE');
});

test('Relay conventions: Node, connections, edges and PageInfo', () => {
  const node = schema.getType('Node');
  expect(isInterfaceType(node) && node.getFields().id!.type.toString()).toBe('ID!');
  for (const name of ['Country', 'Official', 'Measure', 'Statement']) {
    const connection = schema.getType(`${name}Connection`);
    expect(isObjectType(connection)).toBe(true);
    if (!isObjectType(connection)) continue;
    const fields = connection.getFields();
    expect(fields.edges!.type.toString()).toBe(`[${name}Edge!]!`);
    expect(fields.pageInfo!.type.toString()).toBe('PageInfo!');
    expect(fields.totalCount!.type.toString()).toBe('Int!');
    const edge = schema.getType(`${name}Edge`);
    expect(isObjectType(edge) && edge.getFields().node!.type.toString()).toBe(`${name}!`);
    expect(isObjectType(edge) && edge.getFields().cursor!.type.toString()).toBe('String!');
  }
  const pageInfo = schema.getType('PageInfo');
  expect(isObjectType(pageInfo) && Object.keys(pageInfo.getFields()).sort()).toEqual([
    'endCursor',
    'hasNextPage',
    'hasPreviousPage',
    'startCursor',
  ]);
});
