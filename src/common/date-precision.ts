import { registerEnumType } from 'type-graphql';

/** How much of a historical date is known: the rest of `announcedOn` is a placeholder (-01). */
export enum DatePrecision {
  DAY = 'DAY',
  MONTH = 'MONTH',
  YEAR = 'YEAR',
}

registerEnumType(DatePrecision, {
  name: 'DatePrecision',
  description:
    'How precisely a date is known. A MONTH date is stored as its first day, a YEAR date as 1 January.',
});
