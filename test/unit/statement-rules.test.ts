import { DatePrecision } from '../../src/common/date-precision';
import type { AddStatementInput } from '../../src/statements/statement.inputs';
import { newStatement } from '../../src/statements/statement.rules';

/** The statement addStatement records, before any database. */

const input = {
  issuedOn: '2022-03-15',
  country: 'ru',
  issuer: '  Ministry of Foreign Affairs ',
  text: '  Said verbatim.  ',
  sources: [],
} as unknown as AddStatementInput;

it('stores a DAY date as given, trims the issuer, keeps the text verbatim', () => {
  expect(newStatement(input, 'RU', 4)).toEqual({
    issuedOn: '2022-03-15',
    issuedOnPrecision: DatePrecision.DAY,
    countryCode: 'RU',
    issuer: 'Ministry of Foreign Affairs',
    speakerId: 4,
    title: null,
    text: '  Said verbatim.  ',
    quotes: [],
    language: null,
  });
});

it.each([
  [DatePrecision.MONTH, '2022-03-01'],
  [DatePrecision.YEAR, '2022-01-01'],
])('stores a %s date on the first day of its period', (precision, stored) => {
  const record = newStatement({ ...input, issuedOnPrecision: precision }, 'RU', null);
  expect(record.issuedOn).toBe(stored);
  expect(record.issuedOnPrecision).toBe(precision);
});

it('records a blank title as none, and keeps the quotes as published', () => {
  const record = newStatement({ ...input, title: '   ', quotes: [' "No." '] }, 'RU', null);
  expect(record.title).toBeNull();
  expect(record.quotes).toEqual([' "No." ']);
});
