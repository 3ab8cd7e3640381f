import {
  type FieldNode,
  type FragmentDefinitionNode,
  getArgumentValues,
  getVariableValues,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
} from 'graphql';
import { collectFields, collectSubfields } from 'graphql/execution/collectFields';
import type { PageArgs } from '../common/connection';
import { COUNTRY_COLUMNS } from '../countries/country.service';
import {
  countSql,
  type KeysetOrder,
  type KeyType,
  type PageWindow,
  pageSql,
  SqlParams,
} from '../database/keyset';
import { countFromOf, type ParentLink } from '../database/keyset-table';
import type { MeasureFilter, MeasureOrder } from '../measures/measure.inputs';
import { MEASURE_TABLE } from '../measures/measure.columns';
import {
  MEASURE_PARENTS,
  type MeasureListQuery,
  measureConditions,
} from '../measures/measure.service';
import { OFFICIAL_COLUMNS, OFFICIAL_TABLE } from '../officials/official.columns';
import { BY_TARGET_POSITION, TARGETS_OF_MEASURE } from '../officials/official.service';
import type { Services } from '../services';
import { STATEMENT_TABLE } from '../statements/statement.columns';

/**
 * The read planner: turns a validated query into ONE SQL statement that builds the whole `data`
 * JSON in PostgreSQL, so a request costs one round trip and no resolver runs. It covers the hot
 * paths (measures, a country, an official, a measure, with their common fields and nested
 * connections) and declines anything else by throwing Unsupported, which sends the request
 * through the resolvers as before. Arguments are validated by the same service methods the
 * resolvers call (an invalid one also declines, so the resolvers report it the usual way), lists
 * reuse the services' conditions, orders and keyset SQL, and every value is written as the
 * resolvers' scalars write it: the answer is the same JSON, byte for byte (test/planner.test.ts
 * compares the two paths).
 */
export class Unsupported extends Error {}

export interface PlannedStatement {
  text: string;
  values: unknown[];
}

/** The column maps, short: `M.column('id')` writes `m.id`. */
const M = MEASURE_TABLE;
const O = OFFICIAL_TABLE;
const S = STATEMENT_TABLE;

/** json_build_object takes at most 100 arguments: 50 keys. */
const MAX_KEYS = 50;

type Fields = Map<string, readonly FieldNode[]>;

interface Scope {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  services: Services;
  params: SqlParams;
  aliases: number;
}

/** The statement for `operation`, or undefined when the planner does not cover it. */
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

/** json_build_object of the selected fields, in selection order, under their response keys. */
function object(
  _scope: Scope,
  fields: Fields,
  value: (key: string, nodes: readonly FieldNode[]) => string,
): string {
  if (fields.size > MAX_KEYS) throw new Unsupported('too many fields');
  const pairs: string[] = [];
  for (const [key, nodes] of fields) pairs.push(`${literal(key)}, ${value(key, nodes)}`);
  return `json_build_object(${pairs.join(', ')})`;
}

/** A SQL string literal. */
function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function nextAlias(scope: Scope): string {
  scope.aliases += 1;
  return `p${scope.aliases}`;
}

function argumentsOf(
  scope: Scope,
  parent: GraphQLObjectType,
  nodes: readonly FieldNode[],
): { field: GraphQLField<unknown, unknown>; args: Record<string, unknown> } {
  const field = parent.getFields()[nodes[0]!.name.value];
  if (!field) throw new Unsupported(`unknown field ${nodes[0]!.name.value}`);
  return { field, args: getArgumentValues(field, nodes[0]!, scope.variables) };
}

function subfields(scope: Scope, type: string, nodes: readonly FieldNode[]): Fields {
  const objectType = scope.schema.getType(type) as GraphQLObjectType;
  return collectSubfields(scope.schema, scope.fragments, scope.variables, objectType, nodes);
}

/** base64url without padding, as Buffer.toString('base64url') writes it. */
function base64url(sql: string): string {
  return `translate(rtrim(replace(encode(convert_to(${sql}, 'UTF8'), 'base64'), E'\\n', ''), '='), '+/', '-_')`;
}

/** A global ID, as encodeGlobalId writes it. */
function globalId(type: string, keySql: string): string {
  return base64url(`${literal(`${type}:`)} || ${keySql}`);
}

/** An instant as DateTime serialises it (Date.toISOString). */
function dateTime(sql: string): string {
  return `to_char(${sql} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

function pageArgs(args: Record<string, unknown>): PageArgs {
  return {
    first: args.first as number | null | undefined,
    after: args.after as string | null | undefined,
    last: args.last as number | null | undefined,
    before: args.before as string | null | undefined,
  };
}

// --- Query ---------------------------------------------------------------------------------

function rootField(scope: Scope, query: GraphQLObjectType, nodes: readonly FieldNode[]): string {
  const name = nodes[0]!.name.value;
  if (name === '__typename') return literal(query.name);
  const { args } = argumentsOf(scope, query, nodes);
  const { services, params } = scope;
  switch (name) {
    case 'measures': {
      const list = services.measures.prepareList(
        args.filter as MeasureFilter | null,
        args.orderBy as MeasureOrder | null,
        pageArgs(args),
      );
      return measureConnection(scope, list, null, nodes);
    }
    case 'measure': {
      const id = services.measures.decodeId(args.id as string);
      return single(
        scope,
        `SELECT ${M.selectAll} FROM ${M.from} WHERE ${M.column('id')} = ${params.add(id, 'int4')}`,
        (a) => measure(scope, a, subfields(scope, 'Measure', nodes)),
      );
    }
    case 'country': {
      const code = services.countries.normalizeCode(args.code as string, 'code');
      return single(
        scope,
        `SELECT ${COUNTRY_COLUMNS} FROM country c WHERE c.code = ${params.add(code, 'text')}`,
        (a) => country(scope, a, subfields(scope, 'Country', nodes)),
      );
    }
    case 'official': {
      const id = services.officials.decodeId(args.id as string);
      return single(
        scope,
        `SELECT ${OFFICIAL_COLUMNS} FROM ${O.from} WHERE ${O.column('id')} = ${params.add(id, 'int4')}`,
        (a) => official(scope, a, subfields(scope, 'Official', nodes)),
      );
    }
    default:
      throw new Unsupported(`Query.${name}`);
  }
}

/** One object from a statement of at most one row, or null. */
function single(scope: Scope, select: string, build: (alias: string) => string): string {
  const alias = nextAlias(scope);
  return `(SELECT ${build(alias)} FROM (${select}) ${alias})`;
}

/** A list of objects in the statement's order (`orderBy` over its alias), [] when empty. */
function list(
  scope: Scope,
  select: string,
  orderBy: (alias: string) => string,
  build: (alias: string) => string,
): string {
  const alias = nextAlias(scope);
  return `(SELECT coalesce(json_agg(${build(alias)} ORDER BY ${orderBy(alias)}), '[]'::json) FROM (${select}) ${alias})`;
}

// --- Objects -------------------------------------------------------------------------------

function country(scope: Scope, a: string, fields: Fields): string {
  const { services } = scope;
  return object(scope, fields, (_key, nodes) => {
    const name = nodes[0]!.name.value;
    switch (name) {
      case '__typename':
        return literal('Country');
      case 'id':
        return globalId('Country', `${a}.code`);
      case 'code':
      case 'alpha3':
      case 'name':
      case 'region':
        return `${a}.${name}`;
      case 'measuresImposed':
      case 'measuresReceived': {
        const type = scope.schema.getType('Country') as GraphQLObjectType;
        const { args } = argumentsOf(scope, type, nodes);
        const query = services.measures.prepareList(
          args.filter as MeasureFilter | null,
          args.orderBy as MeasureOrder | null,
          pageArgs(args),
        );
        const parent = MEASURE_PARENTS[name === 'measuresImposed' ? 'imposedBy' : 'targetCountry'];
        return measureConnection(scope, query, { link: parent, key: `${a}.code` }, nodes);
      }
      default:
        throw new Unsupported(`Country.${name}`);
    }
  });
}

/** Country fields that the code alone answers. */
const FROM_CODE = new Set(['code', 'id', '__typename']);

/**
 * A country by the code in `codeSql` (null when the code is null). A selection of only its code
 * (and id) is built from the code itself: the foreign key vouches for the country, and a page of
 * measures with ten targets each would otherwise look up five hundred countries.
 */
function countryByCode(scope: Scope, codeSql: string, nodes: readonly FieldNode[]): string {
  const fields = subfields(scope, 'Country', nodes);
  if ([...fields.values()].every((field) => FROM_CODE.has(field[0]!.name.value))) {
    const built = object(scope, fields, (_key, fieldNodes) => {
      const name = fieldNodes[0]!.name.value;
      if (name === 'code') return codeSql;
      if (name === 'id') return globalId('Country', codeSql);
      return literal('Country');
    });
    return `CASE WHEN ${codeSql} IS NULL THEN NULL ELSE ${built} END`;
  }
  return single(scope, `SELECT ${COUNTRY_COLUMNS} FROM country c WHERE c.code = ${codeSql}`, (a) =>
    country(scope, a, fields),
  );
}

function measure(scope: Scope, a: string, fields: Fields): string {
  const { services } = scope;
  return object(scope, fields, (_key, nodes) => {
    const name = nodes[0]!.name.value;
    switch (name) {
      case '__typename':
        return literal('Measure');
      case 'id':
        return globalId('Measure', `${a}.id`);
      case 'kind':
      case 'title':
      case 'summary':
      case 'indefinite':
      case 'status':
        return `${a}.${name}`;
      case 'targetCount':
      case 'announcedOn':
      case 'announcedOnPrecision':
      case 'effectiveFrom':
      case 'expiresOn':
      case 'liftedOn':
        return `${a}."${name}"`;
      case 'createdAt':
      case 'updatedAt':
        return dateTime(`${a}."${name}"`);
      case 'imposedBy':
        return countryByCode(scope, `${a}."imposedByCode"`, nodes);
      case 'targetCountry':
        return countryByCode(scope, `${a}."targetCountryCode"`, nodes);
      case 'beneficiaryCountry':
        return countryByCode(scope, `${a}."beneficiaryCountryCode"`, nodes);
      case 'inResponseTo':
        return single(
          scope,
          `SELECT ${M.selectAll} FROM ${M.from} WHERE ${M.column('id')} = ${a}."inResponseToId"`,
          (b) => measure(scope, b, subfields(scope, 'Measure', nodes)),
        );
      case 'responses':
        return list(
          scope,
          `SELECT ${M.selectAll} FROM ${M.from} WHERE ${M.column('inResponseToId')} = ${a}.id`,
          (b) => `${b}."announcedOn", ${b}.id`,
          (b) => measure(scope, b, subfields(scope, 'Measure', nodes)),
        );
      case 'statements':
        return list(
          scope,
          `SELECT ${S.selectAll} FROM statement_measure sm JOIN ${S.from} ON ${S.column('id')} = sm.statement_id WHERE sm.measure_id = ${a}.id`,
          (b) => `${b}."issuedOn", ${b}.id`,
          (b) => statement(scope, b, subfields(scope, 'Statement', nodes)),
        );
      case 'targets': {
        const type = scope.schema.getType('Measure') as GraphQLObjectType;
        const { args } = argumentsOf(scope, type, nodes);
        const window = services.officials.targetsWindow(pageArgs(args));
        return connection(scope, {
          typeName: 'Official',
          select: `${OFFICIAL_COLUMNS}, ${TARGETS_OF_MEASURE.select}`,
          from: O.from,
          where: [],
          parent: { link: TARGETS_OF_MEASURE, key: `${a}.id` },
          order: BY_TARGET_POSITION,
          window,
          nodes,
          node: (b, nodeFields) => official(scope, b, nodeFields),
        });
      }
      default:
        throw new Unsupported(`Measure.${name}`);
    }
  });
}

function official(scope: Scope, a: string, fields: Fields): string {
  const { services } = scope;
  return object(scope, fields, (_key, nodes) => {
    const name = nodes[0]!.name.value;
    switch (name) {
      case '__typename':
        return literal('Official');
      case 'id':
        return globalId('Official', `${a}.id`);
      case 'name':
      case 'aliases':
      case 'position':
      case 'category':
        return `${a}.${name}`;
      case 'nativeName':
      case 'wikidataId':
        return `${a}."${name}"`;
      case 'country':
        return countryByCode(scope, `${a}."countryCode"`, nodes);
      case 'measures': {
        const type = scope.schema.getType('Official') as GraphQLObjectType;
        const { args } = argumentsOf(scope, type, nodes);
        const query = services.measures.prepareList(
          null,
          args.orderBy as MeasureOrder | null,
          pageArgs(args),
        );
        return measureConnection(
          scope,
          query,
          { link: MEASURE_PARENTS.targetOfficial, key: `${a}.id` },
          nodes,
        );
      }
      default:
        throw new Unsupported(`Official.${name}`);
    }
  });
}

function statement(scope: Scope, a: string, fields: Fields): string {
  return object(scope, fields, (_key, nodes) => {
    const name = nodes[0]!.name.value;
    switch (name) {
      case '__typename':
        return literal('Statement');
      case 'id':
        return globalId('Statement', `${a}.id`);
      case 'issuer':
      case 'title':
      case 'text':
      case 'quotes':
      case 'language':
        return `${a}.${name}`;
      case 'issuedOn':
      case 'issuedOnPrecision':
        return `${a}."${name}"`;
      case 'createdAt':
      case 'updatedAt':
        return dateTime(`${a}."${name}"`);
      case 'country':
        return countryByCode(scope, `${a}."countryCode"`, nodes);
      default:
        throw new Unsupported(`Statement.${name}`);
    }
  });
}

// --- Connections ---------------------------------------------------------------------------

function measureConnection(
  scope: Scope,
  query: MeasureListQuery,
  parent: { link: ParentLink; key: string } | null,
  nodes: readonly FieldNode[],
): string {
  return connection(scope, {
    typeName: 'Measure',
    select: M.selectAll,
    from: M.from,
    where: measureConditions(query.filter, scope.params),
    parent,
    order: query.order,
    window: query.window,
    nodes,
    node: (b, nodeFields) => measure(scope, b, nodeFields),
  });
}

interface ConnectionSpec {
  typeName: string;
  select: string;
  from: string;
  /** The filter's conditions. */
  where: string[];
  /** For a list under a parent: how it hangs off it, and the parent's key (SQL). */
  parent?: { link: ParentLink; key: string } | null;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  order: KeysetOrder<any>;
  window: PageWindow;
  nodes: readonly FieldNode[];
  node: (alias: string, fields: Fields) => string;
}

/** A cursor as encodeCursor writes it: base64url of JSON.stringify([orderId, ...key]). */
function cursor(orderId: string, keys: { sql: string; type: KeyType }[]): string {
  const parts = keys.map(({ sql, type }) => {
    switch (type) {
      case 'int':
        return `${sql}::text`;
      case 'date':
        return `'"' || to_char(${sql}, 'YYYY-MM-DD') || '"'`;
      case 'timestamptz':
        return `'"' || ${dateTime(sql)} || '"'`;
      case 'text':
        return `to_json(${sql})::text`;
    }
  });
  return base64url(
    [
      literal(`[${JSON.stringify(orderId)},`),
      ...parts.flatMap((part, i) => (i === 0 ? [part] : [`','`, part])),
      `']'`,
    ].join(' || '),
  );
}

/**
 * A Relay connection: a keyset page read with one row more than asked (which tells whether
 * another page follows), numbered in reading order, then aggregated in the list's own order,
 * as toPage and toConnection build it from the same rows.
 */
function connection(scope: Scope, spec: ConnectionSpec): string {
  const { params } = scope;
  const { order, window } = spec;
  const keyColumns = order.columns.map((column, i) => `${column.sql} AS "__k${i}"`).join(', ');
  const { parent } = spec;
  const ofParent = parent ? [`${parent.link.column} = ${parent.key}`] : [];
  // The same page statement the resolvers run, with the order's keys as columns of their own.
  const page = pageSql(
    {
      select: `${spec.select}, ${keyColumns}`,
      from: parent?.link.from ?? spec.from,
      where: spec.where,
      params,
      order,
      window: { ...window, withCount: false },
    },
    ofParent,
  );
  const countFrom = parent ? countFromOf(parent.link, spec.from, spec.where) : spec.from;
  const r = nextAlias(scope);
  const reading = window.backward !== (order.direction === 'DESC') ? 'DESC' : 'ASC';
  const readingOrder = order.columns.map((_c, i) => `"__k${i}" ${reading}`).join(', ');
  const natural = (direction: 'ASC' | 'DESC') =>
    order.columns.map((_c, i) => `${r}."__k${i}" ${direction}`).join(', ');
  const reverse = order.direction === 'ASC' ? 'DESC' : 'ASC';
  const cursorSql = cursor(
    order.id,
    order.columns.map((column, i) => ({ sql: `${r}."__k${i}"`, type: column.type })),
  );
  const included = `FILTER (WHERE ${r}.__i <= ${window.limit})`;
  const hasMore = `(count(*) > ${window.limit})`;
  const connectionType = `${spec.typeName}Connection`;
  const fields = subfields(scope, connectionType, spec.nodes);
  const built = object(scope, fields, (_key, nodes) => {
    const name = nodes[0]!.name.value;
    switch (name) {
      case '__typename':
        return literal(connectionType);
      case 'totalCount':
        return `(${countSql(countFrom, [...ofParent, ...spec.where])})`;
      case 'edges': {
        const edgeFields = subfields(scope, `${spec.typeName}Edge`, nodes);
        const edge = object(scope, edgeFields, (_k, edgeNodes) => {
          const edgeField = edgeNodes[0]!.name.value;
          if (edgeField === '__typename') return literal(`${spec.typeName}Edge`);
          if (edgeField === 'cursor') return cursorSql;
          if (edgeField === 'node') return spec.node(r, subfields(scope, spec.typeName, edgeNodes));
          throw new Unsupported(`Edge.${edgeField}`);
        });
        return `coalesce(json_agg(${edge} ORDER BY ${natural(order.direction)}) ${included}, '[]'::json)`;
      }
      case 'pageInfo': {
        const infoFields = subfields(scope, 'PageInfo', nodes);
        return object(scope, infoFields, (_k, infoNodes) => {
          switch (infoNodes[0]!.name.value) {
            case '__typename':
              return literal('PageInfo');
            case 'hasNextPage':
              return window.backward ? String(window.before !== undefined) : hasMore;
            case 'hasPreviousPage':
              return window.backward ? hasMore : String(window.after !== undefined);
            case 'startCursor':
              return `(array_agg(${cursorSql} ORDER BY ${natural(order.direction)}) ${included})[1]`;
            case 'endCursor':
              return `(array_agg(${cursorSql} ORDER BY ${natural(reverse)}) ${included})[1]`;
            default:
              throw new Unsupported(`PageInfo.${infoNodes[0]!.name.value}`);
          }
        });
      }
      default:
        throw new Unsupported(`${connectionType}.${name}`);
    }
  });
  // GROUP BY (): one row even when nothing selected aggregates (only totalCount, say).
  return `(SELECT ${built} FROM (SELECT *, row_number() OVER (ORDER BY ${readingOrder}) AS __i FROM (${page}) q) ${r} GROUP BY ())`;
}
