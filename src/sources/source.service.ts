import type { EntityManager } from 'typeorm';
import { groupByParent, hydrate } from '../common/loaders';
import type { Sql } from '../database/sql';
import { Source } from './source.entity';
import type { SourceInput } from './source.inputs';

export type SourceOwner = { measureId: number } | { statementId: number };

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

  /** Records citations for a measure or statement, in the given order (within a transaction). */
  async insert(em: EntityManager, owner: SourceOwner, sources: SourceInput[]): Promise<void> {
    await em.query(
      `INSERT INTO source (measure_id, statement_id, title, url, publisher, published_on)
       SELECT $1, $2, s.title, s.url, s.publisher, s.published_on
       FROM ROWS FROM (jsonb_to_recordset($3::jsonb)
           AS (title text, url text, publisher text, published_on date))
         WITH ORDINALITY AS s(title, url, publisher, published_on, n)
       ORDER BY s.n`,
      [
        'measureId' in owner ? owner.measureId : null,
        'statementId' in owner ? owner.statementId : null,
        JSON.stringify(
          sources.map((source) => ({
            title: source.title.trim(),
            url: source.url ?? null,
            publisher: source.publisher?.trim() || null,
            published_on: source.publishedOn ?? null,
          })),
        ),
      ],
    );
  }

  async replace(em: EntityManager, owner: SourceOwner, sources: SourceInput[]): Promise<void> {
    if ('measureId' in owner)
      await em.query('DELETE FROM source WHERE measure_id = $1', [owner.measureId]);
    else await em.query('DELETE FROM source WHERE statement_id = $1', [owner.statementId]);
    await this.insert(em, owner, sources);
  }
}
