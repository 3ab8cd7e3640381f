import type { DataSource } from 'typeorm';
import { badUserInput } from '../common/errors';
import { assertValid } from '../common/validation';
import type { CountryService } from '../countries/country.service';
import { missingIds } from '../database/missing-ids';
import { touch, writeTransaction } from '../database/transaction';
import { appendChanges, type ChangeAuthor } from '../live/change-log';
import type { MeasureService } from '../measures/measure.service';
import type { OfficialService } from '../officials/official.service';
import type { SourceService } from '../sources/source.service';
import type { AddStatementInput } from './statement.inputs';
import { insertStatement, linkMeasures } from './statement.repository';
import { newStatement } from './statement.rules';

/** addStatement: one transaction for the statement, its measure links and its sources. */
export class StatementWriteService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly countries: CountryService,
    private readonly officials: OfficialService,
    private readonly measures: MeasureService,
    private readonly sources: SourceService,
  ) {}

  async add(input: AddStatementInput, author: ChangeAuthor): Promise<number> {
    await assertValid(input, 'input');
    const countryCode = this.countries.knownCode(input.country, 'input.country');
    const speakerId =
      input.speakerId != null ? this.officials.decodeId(input.speakerId, 'input.speakerId') : null;
    const listed = (input.measureIds ?? []).map((id, i) =>
      this.measures.decodeId(id, `input.measureIds[${i}]`),
    );
    const measureIds = [...new Set(listed)];
    return writeTransaction(this.dataSource, async (em) => {
      if (speakerId !== null && (await missingIds(em, 'official', [speakerId])) >= 0) {
        throw badUserInput('input.speakerId', 'There is no official with this ID.');
      }
      const missing = await missingIds(em, 'measure', listed);
      if (missing >= 0)
        throw badUserInput(`input.measureIds[${missing}]`, 'There is no measure with this ID.');
      const id = await insertStatement(em, newStatement(input, countryCode, speakerId));
      if (measureIds.length > 0) {
        await linkMeasures(em, id, measureIds);
        // Each linked measure's `statements` changed: it is updated, for readers of updatedAt
        // and for measureUpdated subscribers, like any other change to a measure.
        await touch(em, 'measure', measureIds);
      }
      await this.sources.insert(em, { statementId: id }, input.sources);
      await appendChanges(
        em,
        [
          { entity: 'Statement', entityId: id, action: 'added' },
          ...measureIds.map((measureId) => ({
            entity: 'Measure' as const,
            entityId: measureId,
            action: 'updated' as const,
          })),
        ],
        author,
      );
      return id;
    });
  }
}
