import { atPrecision, DatePrecision } from '../common/date-precision';
import type { StatementRecord } from './statement.columns';
import type { AddStatementInput } from './statement.inputs';

/**
 * The statement addStatement records, with no database: the date stored for its precision, the
 * issuer and title trimmed (a blank title is none); the text and quotes stay verbatim, as
 * published. `countryCode` and `speakerId` are the input's, checked by the caller.
 */
export function newStatement(
  input: AddStatementInput,
  countryCode: string,
  speakerId: number | null,
): StatementRecord {
  const precision = input.issuedOnPrecision ?? DatePrecision.DAY;
  return {
    issuedOn: atPrecision(input.issuedOn, precision),
    issuedOnPrecision: precision,
    countryCode,
    issuer: input.issuer.trim(),
    speakerId,
    title: input.title?.trim() || null,
    text: input.text,
    quotes: input.quotes ?? [],
    language: input.language ?? null,
  };
}
