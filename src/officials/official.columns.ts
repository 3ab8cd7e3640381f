import { TableColumns } from '../database/table-columns';
import type { Official } from './official.entity';

/** The official table's columns by Official property; the compiler asks for every stored one. */
export const OFFICIAL_TABLE = new TableColumns('official', 'o', {
  id: 'id',
  name: 'name',
  nativeName: 'native_name',
  aliases: 'aliases',
  countryCode: 'country_code',
  position: 'position',
  category: 'category',
  wikidataId: 'wikidata_id',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
} satisfies Record<Exclude<keyof Official, 'globalId'>, string>);

/** The columns an official is recorded with; the rest are the database's to set. */
export const OFFICIAL_RECORD = [
  'name',
  'nativeName',
  'aliases',
  'countryCode',
  'position',
  'category',
  'wikidataId',
] as const satisfies readonly (keyof Official)[];

/**
 * What the API shows of an official. Not their createdAt/updatedAt, which only the audit trail
 * reads: parsing two timestamps per row was a tenth of the CPU of a page of measures with targets.
 */
export const OFFICIAL_COLUMNS = OFFICIAL_TABLE.select(['id', ...OFFICIAL_RECORD]);

/** An official as the write path records it. */
export type OfficialRecord = Pick<Official, (typeof OFFICIAL_RECORD)[number]>;
