import { groupByParent, hydrate } from '../common/loaders';
import type { Sql } from '../database/sql';
import { Source } from './source.entity';

const COLUMNS = 'src.id, src.title, src.url, src.publisher, src.published_on AS "publishedOn"';

/** Citations, in the order they were recorded. */
export class SourceService {
  constructor(private readonly sql: Sql) {}

  ofMeasures(measureIds: readonly number[]): Promise<Source[][]> {
    return this.ofParents('measure_id', measureIds);
  }

  ofStatements(statementIds: readonly number[]): Promise<Source[][]> {
    return this.ofParents('statement_id', statementIds);
  }

  private async ofParents(
    column: 'measure_id' | 'statement_id',
    ids: readonly number[],
  ): Promise<Source[][]> {
    const rows = await this.sql.rows<Source & { parentKey: number }>(
      `SELECT src.${column} AS "parentKey", ${COLUMNS} FROM source src
       WHERE src.${column} = ANY($1::int4[]) ORDER BY src.id`,
      [ids],
    );
    return groupByParent(
      ids,
      rows.map((row) => hydrate(Source, row)),
    );
  }
}
