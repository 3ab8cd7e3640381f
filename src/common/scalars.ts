import { GraphQLError, GraphQLScalarType, type ValueNode } from 'graphql';
import { GraphQLDateTimeISO, GraphQLLocalDate } from 'graphql-scalars';

/**
 * `Date` of the API: a calendar date, YYYY-MM-DD. Dates stay strings from Postgres to the client
 * (the pg parser for `date` is disabled), so no time zone can shift them by a day.
 */
const localDate = GraphQLLocalDate.toConfig();
const DATE_SHAPE = /^\d{4}-\d{2}-\d{2}$/;

/** graphql-scalars checks the calendar (no 2021-02-29); PostgreSQL also has no year 0. */
function checkYear(value: string, node?: ValueNode): string {
  if (value.startsWith('0000')) {
    throw new GraphQLError(`Value is not a valid Date: ${value} (the first year is 0001).`, {
      nodes: node,
    });
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
  parseValue: (value) => checkYear(localDate.parseValue!(value) as string),
  parseLiteral: (node, variables) =>
    checkYear(localDate.parseLiteral!(node, variables) as string, node),
});

/** `DateTime` of the API: an instant, serialised as ISO 8601 in UTC. */
export const DateTimeScalar = new GraphQLScalarType({
  ...GraphQLDateTimeISO.toConfig(),
  name: 'DateTime',
  description: 'An instant in ISO 8601 format, in UTC, e.g. `2022-05-04T09:30:00.000Z`.',
});
