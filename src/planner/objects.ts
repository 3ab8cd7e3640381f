import type { FieldNode, GraphQLObjectType } from 'graphql';
import type { Country } from '../countries/country.entity';
import { COUNTRY_COLUMNS } from '../countries/country.service';
import type { ParentLink } from '../database/keyset-table';
import { MEASURE_TABLE } from '../measures/measure.columns';
import type { Measure } from '../measures/measure.entity';
import type { MeasureFilter, MeasureOrder } from '../measures/measure.inputs';
import {
  MEASURE_PARENTS,
  type MeasureListQuery,
  measureConditions,
} from '../measures/measure.service';
import { OFFICIAL_COLUMNS, OFFICIAL_TABLE } from '../officials/official.columns';
import type { Official } from '../officials/official.entity';
import { BY_TARGET_POSITION, TARGETS_OF_MEASURE } from '../officials/official.service';
import { STATEMENT_MEASURE_TABLE, STATEMENT_TABLE } from '../statements/statement.columns';
import type { Statement } from '../statements/statement.entity';
import { connection } from './connection';
import {
  argumentsOf,
  type Fields,
  list,
  object,
  pageArgs,
  type Scope,
  single,
  subfields,
  Unsupported,
} from './scope';
import { dateTime, globalId, literal, property } from './sql-values';

/**
 * The objects the planner builds: the root fields it covers, then Country, Measure, Official and
 * Statement with the fields it covers, each as the JSON the resolvers would answer.
 */

/** The column maps, short: `M.column('id')` writes `m.id`. */
const M = MEASURE_TABLE;
const O = OFFICIAL_TABLE;
const S = STATEMENT_TABLE;
const SM = STATEMENT_MEASURE_TABLE;

/** A field of Query: the roots the planner covers, each as its JSON. */
export function rootField(
  scope: Scope,
  query: GraphQLObjectType,
  nodes: readonly FieldNode[],
): string {
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

function country(scope: Scope, a: string, fields: Fields): string {
  const { services } = scope;
  return object(scope, fields, (_key, nodes) => {
    const name = nodes[0]!.name.value;
    switch (name) {
      case '__typename':
        return literal('Country');
      case 'id':
        return globalId('Country', property<Country>(a, 'code'));
      case 'code':
      case 'alpha3':
      case 'name':
      case 'region':
        return property(a, name);
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
        return measureConnection(
          scope,
          query,
          { link: parent, key: property<Country>(a, 'code') },
          nodes,
        );
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
        return globalId('Measure', property<Measure>(a, 'id'));
      case 'kind':
      case 'title':
      case 'summary':
      case 'indefinite':
      case 'status':
      case 'targetCount':
      case 'announcedOn':
      case 'announcedOnPrecision':
      case 'effectiveFrom':
      case 'expiresOn':
      case 'liftedOn':
        return property(a, name);
      case 'createdAt':
      case 'updatedAt':
        return dateTime(property(a, name));
      case 'imposedBy':
        return countryByCode(scope, property<Measure>(a, 'imposedByCode'), nodes);
      case 'targetCountry':
        return countryByCode(scope, property<Measure>(a, 'targetCountryCode'), nodes);
      case 'beneficiaryCountry':
        return countryByCode(scope, property<Measure>(a, 'beneficiaryCountryCode'), nodes);
      case 'inResponseTo':
        return single(
          scope,
          `SELECT ${M.selectAll} FROM ${M.from} WHERE ${M.column('id')} = ${property<Measure>(a, 'inResponseToId')}`,
          (b) => measure(scope, b, subfields(scope, 'Measure', nodes)),
        );
      case 'responses':
        return list(
          scope,
          `SELECT ${M.selectAll} FROM ${M.from} WHERE ${M.column('inResponseToId')} = ${property<Measure>(a, 'id')}`,
          (b) => `${property<Measure>(b, 'announcedOn')}, ${property<Measure>(b, 'id')}`,
          (b) => measure(scope, b, subfields(scope, 'Measure', nodes)),
        );
      case 'statements':
        return list(
          scope,
          `SELECT ${S.selectAll} FROM ${SM.from} JOIN ${S.from} ON ${S.column('id')} = ${SM.column('statementId')} WHERE ${SM.column('measureId')} = ${property<Measure>(a, 'id')}`,
          (b) => `${property<Statement>(b, 'issuedOn')}, ${property<Statement>(b, 'id')}`,
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
          parent: { link: TARGETS_OF_MEASURE, key: property<Measure>(a, 'id') },
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
        return globalId('Official', property<Official>(a, 'id'));
      case 'name':
      case 'aliases':
      case 'position':
      case 'category':
      case 'nativeName':
      case 'wikidataId':
        return property(a, name);
      case 'country':
        return countryByCode(scope, property<Official>(a, 'countryCode'), nodes);
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
          { link: MEASURE_PARENTS.targetOfficial, key: property<Official>(a, 'id') },
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
        return globalId('Statement', property<Statement>(a, 'id'));
      case 'issuer':
      case 'title':
      case 'text':
      case 'quotes':
      case 'language':
      case 'issuedOn':
      case 'issuedOnPrecision':
        return property(a, name);
      case 'createdAt':
      case 'updatedAt':
        return dateTime(property(a, name));
      case 'country':
        return countryByCode(scope, property<Statement>(a, 'countryCode'), nodes);
      default:
        throw new Unsupported(`Statement.${name}`);
    }
  });
}

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
