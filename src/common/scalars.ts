import { GraphQLError, GraphQLScalarType, Kind, print, type ValueNode } from 'graphql';
import { GraphQLDateTimeISO, GraphQLLocalDate } from 'graphql-scalars';

/**
 * `Date` of the API: a calendar date, YYYY-MM-DD. Dates stay strings from Postgres to the client
 * (the pg parser for `date` is disabled), so no time zone can shift them by a day.
 */
const localDate = GraphQLLocalDate.toConfig();
const DATE_SHAPE = /^\d{4}-\d{2}-\d{2}$/;

/** What a refused Date says it got: at most 40 characters of it, quoted when a string. */
function shown(value: unknown, node?: ValueNode): string {
  const text = node ? print(node) : (JSON.stringify(value) ?? String(value));
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/**
 * A Date from a client: a string YYYY-MM-DD naming a day of the calendar (graphql-scalars checks
 * that), from the year 0001 (PostgreSQL has no year 0). The messages name the API's scalar,
 * `Date`, and say what to write, where graphql-scalars' name its `LocalDate`.
 */
function parseDate(value: unknown, node?: ValueNode): string {
  const refuse = (why: string) => new GraphQLError(why, { nodes: node });
  if (typeof value !== 'string') {
    throw refuse(`A Date is a string, YYYY-MM-DD (e.g. "2022-05-04"); got ${shown(value, node)}.`);
  }
  if (!DATE_SHAPE.test(value)) {
    throw refuse(`${shown(value)} is not a valid Date: write YYYY-MM-DD, e.g. "2022-05-04".`);
  }
  if (value.startsWith('0000')) {
    throw refuse(`${shown(value)} is not a valid Date: the first year is 0001.`);
  }
  try {
    localDate.parseValue!(value);
  } catch {
    throw refuse(`${shown(value)} is not a valid Date: there is no such day.`);
  }
  return value;
}

/** Whether `value` is a Date the API (and PostgreSQL) accepts. */
export function isDate(value: unknown): value is string {
  try {
    DateScalar.parseValue(value);
    return true;
  } catch {
    return false;
  }
}

export const DateScalar = new GraphQLScalarType({
  ...localDate,
  name: 'Date',
  description: 'A calendar date, `YYYY-MM-DD` (ISO 8601), e.g. `2022-05-04`.',
  specifiedByURL: 'https://www.iso.org/iso-8601-date-and-time-format.html',
  // Every Date the API returns was read from a PostgreSQL `date` column (or checked on input), so
  // a string of the right shape is sent as it is: graphql-scalars' full check (a regular
  // expression and a Date object per value) cost a tenth of a large page's CPU.
  serialize: (value) =>
    typeof value === 'string' && DATE_SHAPE.test(value) ? value : localDate.serialize!(value),
  parseValue: (value) => parseDate(value),
  parseLiteral: (node) => parseDate(node.kind === Kind.STRING ? node.value : undefined, node),
});

/** `DateTime` of the API: an instant, serialised as ISO 8601 in UTC. */
export const DateTimeScalar = new GraphQLScalarType({
  ...GraphQLDateTimeISO.toConfig(),
  name: 'DateTime',
  description: 'An instant in ISO 8601 format, in UTC, e.g. `2022-05-04T09:30:00.000Z`.',
});
