import { registerEnumType } from 'type-graphql';

/** How much of a historical date is known: the rest of `announcedOn` is a placeholder (-01). */
export enum DatePrecision {
  DAY = 'DAY',
  MONTH = 'MONTH',
  YEAR = 'YEAR',
}

/**
 * The date as stored for its precision: a MONTH date on its first day, a YEAR date on 1 January,
 * so the placeholder part never differs between two records of the same month (filters, order).
 */
export function atPrecision(date: string, precision: DatePrecision): string {
  if (precision === DatePrecision.MONTH) return `${date.slice(0, 7)}-01`;
  if (precision === DatePrecision.YEAR) return `${date.slice(0, 4)}-01-01`;
  return date;
}

registerEnumType(DatePrecision, {
  name: 'DatePrecision',
  description:
    'How precisely a date is known. A MONTH date is stored as its first day, a YEAR date as 1 January.',
});
