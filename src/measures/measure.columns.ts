import { TableColumns } from '../database/table-columns';
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
