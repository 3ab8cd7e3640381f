import { GraphQLScalarType } from 'graphql';
import { GraphQLDateTimeISO, GraphQLLocalDate } from 'graphql-scalars';

/**
 * `Date` of API.md: a calendar date, YYYY-MM-DD. Dates stay strings from Postgres to the client
 * (the pg parser for `date` is disabled), so no time zone can shift them by a day.
 */
export const DateScalar = new GraphQLScalarType({
  ...GraphQLLocalDate.toConfig(),
  name: 'Date',
  description: 'A calendar date, `YYYY-MM-DD` (ISO 8601), e.g. `2022-05-04`.',
  specifiedByURL: 'https://www.iso.org/iso-8601-date-and-time-format.html',
});

/** `DateTime` of API.md: an instant, serialised as ISO 8601 in UTC. */
export const DateTimeScalar = new GraphQLScalarType({
  ...GraphQLDateTimeISO.toConfig(),
  name: 'DateTime',
  description: 'An instant in ISO 8601 format, in UTC, e.g. `2022-05-04T09:30:00.000Z`.',
});
