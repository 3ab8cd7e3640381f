import type { DataSource, EntityManager } from 'typeorm';
import { AppError, ErrorCode } from '../common/errors';
import { assertValid } from '../common/validation';
import type { CountryService } from '../countries/country.service';
import { writeTransaction } from '../database/transaction';
import { appendChanges, type ChangeAuthor } from '../live/change-log';
import type { AddOfficialInput } from './official.inputs';

interface NormalizedOfficial {
  name: string;
  nativeName: string | null;
  aliases: string[];
  countryCode: string;
  position: string | null;
  category: string;
  wikidataId: string | null;
}

/** Records officials: on their own (addOfficial) or as the new targets of a measure. */
export class OfficialWriteService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly countries: CountryService,
  ) {}

  async add(input: AddOfficialInput, author: ChangeAuthor): Promise<number> {
    await assertValid(input, 'input');
    const [official] = this.normalize([input], 'input', false);
    return writeTransaction(this.dataSource, async (em) => {
      const [id] = await this.insertMany(em, [official!], () => 'input');
      await appendChanges(em, [{ entity: 'Official', entityId: id!, action: 'added' }], author);
      return id!;
    });
  }

  /**
   * Checks what needs no database (country codes) and trims; `path` names the list in errors.
   * Validation rules of AddOfficialInput itself must have run already.
   */
  normalize(inputs: AddOfficialInput[], path: string, isList = true): NormalizedOfficial[] {
    const at = (i: number) => (isList ? `${path}[${i}]` : path);
    const seenWikidata = new Map<string, number>();
    return inputs.map((input, i) => {
      const wikidataId = input.wikidataId ?? null;
      if (wikidataId) {
        const earlier = seenWikidata.get(wikidataId);
        if (earlier !== undefined) {
          throw new AppError(
            ErrorCode.BAD_USER_INPUT,
            `${at(i)}.wikidataId repeats ${at(earlier)}.wikidataId.`,
            {
              field: `${at(i)}.wikidataId`,
            },
          );
        }
        seenWikidata.set(wikidataId, i);
      }
      return {
        name: input.name.trim(),
        nativeName: input.nativeName?.trim() || null,
        aliases: (input.aliases ?? []).map((alias) => alias.trim()),
        countryCode: this.countries.knownCode(input.country, `${at(i)}.country`),
        position: input.position?.trim() || null,
        category: input.category,
        wikidataId,
      };
    });
  }

  /**
   * Inserts officials in one statement and returns their ids in input order. A Wikidata item
   * already recorded is a CONFLICT naming the existing official.
   */
  async insertMany(
    em: EntityManager,
    officials: NormalizedOfficial[],
    pathOf: (index: number) => string,
  ): Promise<number[]> {
    if (officials.length === 0) return [];
    const wikidataIds = officials.map((o) => o.wikidataId);
    const conflict = (wikidataId: string) =>
      new AppError(
        ErrorCode.CONFLICT,
        `An official with Wikidata id ${wikidataId} is already recorded.`,
        { field: `${pathOf(wikidataIds.indexOf(wikidataId))}.wikidataId` },
      );
    const taken: { wikidata_id: string }[] = await em.query(
      'SELECT wikidata_id FROM official WHERE wikidata_id = ANY($1::text[]) LIMIT 1',
      [wikidataIds.filter((id) => id !== null)],
    );
    if (taken.length > 0) throw conflict(taken[0]!.wikidata_id);
    try {
      return await this.insertRows(em, officials);
    } catch (error) {
      // A concurrent write recorded the same item between the check and the insert.
      const taken = wikidataConflict(error);
      if (taken) throw conflict(taken);
      throw error;
    }
  }

  private async insertRows(em: EntityManager, officials: NormalizedOfficial[]): Promise<number[]> {
    const rows: { id: number }[] = await em.query(
      `INSERT INTO official (name, native_name, aliases, country_code, position, category, wikidata_id)
       SELECT o.name, o.native_name, coalesce(
           (SELECT array_agg(a) FROM jsonb_array_elements_text(o.aliases) AS a), '{}'),
         o.country_code, o.position, o.category, o.wikidata_id
       FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (name text, native_name text,
           aliases jsonb, country_code text, position text, category text, wikidata_id text))
         WITH ORDINALITY AS o(name, native_name, aliases, country_code, position, category,
           wikidata_id, n)
       ORDER BY o.n
       RETURNING id`,
      [
        JSON.stringify(
          officials.map((o) => ({
            name: o.name,
            native_name: o.nativeName,
            aliases: o.aliases,
            country_code: o.countryCode,
            position: o.position,
            category: o.category,
            wikidata_id: o.wikidataId,
          })),
        ),
      ],
    );
    // Identity values are drawn row by row in insertion order, so ascending ids follow the input.
    return rows.map((row) => row.id).sort((a, b) => a - b);
  }
}

/** The Wikidata id of a unique violation on official_wikidata_idx, if that is what `error` is. */
function wikidataConflict(error: unknown): string | undefined {
  const driverError = (
    error as { driverError?: { code?: string; constraint?: string; detail?: string } }
  ).driverError;
  if (driverError?.code !== '23505' || driverError.constraint !== 'official_wikidata_idx') {
    return undefined;
  }
  return /=\((Q\d+)\)/.exec(driverError.detail ?? '')?.[1];
}
