import { TableColumns } from '../database/table-columns';
import type { MeasureTarget } from './measure-target.entity';
import type { Measure } from './measure.entity';

/** The measure table's columns by Measure property; the compiler asks for every stored one. */
export const MEASURE_TABLE = new TableColumns('measure', 'm', {
  id: 'id',
  kind: 'kind',
  title: 'title',
  summary: 'summary',
  imposedByCode: 'imposed_by_code',
  targetCountryCode: 'target_country_code',
  beneficiaryCountryCode: 'beneficiary_country_code',
  targetCount: 'target_count',
  announcedOn: 'announced_on',
  announcedOnPrecision: 'announced_on_precision',
  effectiveFrom: 'effective_from',
  expiresOn: 'expires_on',
  indefinite: 'indefinite',
  status: 'status',
  liftedOn: 'lifted_on',
  inResponseToId: 'in_response_to_id',
  externalId: 'external_id',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
} satisfies Record<Exclude<keyof Measure, 'globalId'>, string>);

/**
 * The columns the write path reads and writes as one record: all but the id, the idempotency key
 * and the timestamps, which the database or the first add sets.
 */
export const MEASURE_RECORD = [
  'kind',
  'title',
  'summary',
  'imposedByCode',
  'targetCountryCode',
  'beneficiaryCountryCode',
  'targetCount',
  'announcedOn',
  'announcedOnPrecision',
  'effectiveFrom',
  'expiresOn',
  'indefinite',
  'status',
  'liftedOn',
  'inResponseToId',
] as const satisfies readonly (keyof Measure)[];

/** A measure's own columns, as the write path handles them. */
export type MeasureRecord = Pick<Measure, (typeof MEASURE_RECORD)[number]>;

/** The measure_target link table: a measure's named targets, in the order recorded. */
export const MEASURE_TARGET_TABLE = new TableColumns('measure_target', 'mt', {
  measureId: 'measure_id',
  officialId: 'official_id',
  position: 'position',
} satisfies Record<keyof MeasureTarget, string>);
