import { TableColumns } from '../database/table-columns';
import type { StatementMeasure } from './statement-measure.entity';
import type { Statement } from './statement.entity';

/** The statement table's columns by Statement property; the compiler asks for every stored one. */
export const STATEMENT_TABLE = new TableColumns('statement', 's', {
  id: 'id',
  issuedOn: 'issued_on',
  issuedOnPrecision: 'issued_on_precision',
  countryCode: 'country_code',
  issuer: 'issuer',
  speakerId: 'speaker_id',
  title: 'title',
  text: 'text',
  quotes: 'quotes',
  language: 'language',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
} satisfies Record<Exclude<keyof Statement, 'globalId'>, string>);

/** The columns a statement is recorded with; the rest are the database's to set. */
export const STATEMENT_RECORD = [
  'issuedOn',
  'issuedOnPrecision',
  'countryCode',
  'issuer',
  'speakerId',
  'title',
  'text',
  'quotes',
  'language',
] as const satisfies readonly (keyof Statement)[];

/** A statement as the write path records it. */
export type StatementRecord = Pick<Statement, (typeof STATEMENT_RECORD)[number]>;

/** The statement_measure link table: the measures a statement announces or justifies. */
export const STATEMENT_MEASURE_TABLE = new TableColumns('statement_measure', 'sm', {
  statementId: 'statement_id',
  measureId: 'measure_id',
} satisfies Record<keyof StatementMeasure, string>);
