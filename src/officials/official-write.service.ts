import type { DataSource, EntityManager } from 'typeorm';
import { assertValid } from '../common/validation';
import type { CountryService } from '../countries/country.service';
import { writeTransaction } from '../database/transaction';
import { appendChanges, type ChangeAuthor } from '../live/change-log';
import type { OfficialRecord } from './official.columns';
import type { AddOfficialInput } from './official.inputs';
import { insertOfficials, takenWikidataId, wikidataConflict } from './official.repository';
import { normalizeOfficials, wikidataTaken } from './official.rules';

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
   * Checks what needs no database (country codes, repeated Wikidata items) and trims; `path`
   * names the list in errors. Validation rules of AddOfficialInput itself must have run already.
   */
  normalize(inputs: AddOfficialInput[], path: string, isList = true): OfficialRecord[] {
    return normalizeOfficials(
      inputs,
      (i) => (isList ? `${path}[${i}]` : path),
      (code, field) => this.countries.knownCode(code, field),
    );
  }

  /**
   * Inserts officials in one statement and returns their ids in input order. A Wikidata item
   * already recorded is a CONFLICT naming the existing official.
   */
  async insertMany(
    em: EntityManager,
    officials: OfficialRecord[],
    pathOf: (index: number) => string,
  ): Promise<number[]> {
    if (officials.length === 0) return [];
    const wikidataIds = officials.map((o) => o.wikidataId);
    const conflict = (wikidataId: string) =>
      wikidataTaken(wikidataId, `${pathOf(wikidataIds.indexOf(wikidataId))}.wikidataId`);
    const taken = await takenWikidataId(
      em,
      wikidataIds.filter((id) => id !== null),
    );
    if (taken !== undefined) throw conflict(taken);
    try {
      return await insertOfficials(em, officials);
    } catch (error) {
      // A concurrent write recorded the same item between the check and the insert.
      const taken = wikidataConflict(error);
      if (taken) throw conflict(taken);
      throw error;
    }
  }
}
