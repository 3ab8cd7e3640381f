import type { EntityManager } from 'typeorm';
import { OFFICIAL_RECORD, OFFICIAL_TABLE, type OfficialRecord } from './official.columns';

/**
 * The SQL of recording officials, inside the caller's transaction (`em`); the errors the API
 * answers with are OfficialWriteService's.
 */

/** The official column map, short: `O.name('wikidataId')` writes `wikidata_id`. */
const O = OFFICIAL_TABLE;

/** The unique index that refuses a second official with the same Wikidata item. */
const WIKIDATA_INDEX = 'official_wikidata_idx';

/** One of these Wikidata items already recorded, if any. */
export async function takenWikidataId(
  em: EntityManager,
  wikidataIds: readonly string[],
): Promise<string | undefined> {
  const [taken]: { wikidataId: string }[] = await em.query(
    `SELECT ${O.select(['wikidataId'])} FROM ${O.from}
     WHERE ${O.column('wikidataId')} = ANY($1::text[]) LIMIT 1`,
    [wikidataIds],
  );
  return taken?.wikidataId;
}

/**
 * Inserts the officials in one statement, and returns their ids in input order. The rows travel
 * as one JSON array keyed by column name, which jsonb_populate_recordset reads as official rows.
 */
export async function insertOfficials(
  em: EntityManager,
  officials: readonly OfficialRecord[],
): Promise<number[]> {
  const columns = OFFICIAL_RECORD.map((property) => O.name(property));
  const rows: { id: number }[] = await em.query(
    `INSERT INTO ${O.table} (${columns.join(', ')})
     SELECT ${columns.map((column) => `o.${column}`).join(', ')}
     FROM jsonb_populate_recordset(NULL::${O.table}, $1::jsonb) WITH ORDINALITY AS o
     ORDER BY o.ordinality
     RETURNING ${O.name('id')}`,
    [
      JSON.stringify(
        officials.map((official) =>
          Object.fromEntries(
            OFFICIAL_RECORD.map((property) => [O.name(property), official[property]]),
          ),
        ),
      ),
    ],
  );
  // Identity values are drawn row by row in insertion order, so ascending ids follow the input.
  return rows.map((row) => row.id).sort((a, b) => a - b);
}

/** The Wikidata id of a unique violation on WIKIDATA_INDEX, if that is what `error` is. */
export function wikidataConflict(error: unknown): string | undefined {
  const driverError = (
    error as { driverError?: { code?: string; constraint?: string; detail?: string } }
  ).driverError;
  if (driverError?.code !== '23505' || driverError.constraint !== WIKIDATA_INDEX) {
    return undefined;
  }
  return /=\((Q\d+)\)/.exec(driverError.detail ?? '')?.[1];
}
