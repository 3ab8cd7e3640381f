import { createHash } from 'node:crypto';
import diagnosticsChannel from 'node:diagnostics_channel';
import type { Pool, QueryResultRow } from 'pg';

/**
 * Every read statement is published here before it runs. Nothing is published while no one
 * subscribes; tests subscribe to count the statements a request issues.
 */
export const sqlChannel = diagnosticsChannel.channel('retorsion:sql');

export interface SqlEvent {
  text: string;
  values: readonly unknown[];
}

const MAX_NAMED_STATEMENTS = 2000;

/**
 * The updated_at a write sets: the moment of its statement, not of its transaction's start (which
 * now() is), and never earlier than the stored one, so a write that commits later never leaves an
 * earlier time than one that committed before it.
 */
export const UPDATED_AT_NOW = 'greatest(updated_at, clock_timestamp())';

/**
 * The read path's access to Postgres: plain rows, no ORM hydration. Statements are prepared once
 * per connection under a name derived from their text, so Postgres plans each shape once per
 * connection. The generated SQL has a bounded number of shapes: values travel as parameters,
 * except a page's LIMIT (1-101), which stays in the text on purpose: with LIMIT $n a generic plan
 * would be costed for an unknown limit and could trade the index walk for a sort. Past
 * MAX_NAMED_STATEMENTS texts, statements run unnamed (planned every time) rather than grow.
 */
export class Sql {
  private readonly names = new Map<string, string>();

  constructor(private readonly pool: Pool) {}

  async rows<Row extends QueryResultRow>(
    text: string,
    values: readonly unknown[] = [],
  ): Promise<Row[]> {
    if (sqlChannel.hasSubscribers) sqlChannel.publish({ text, values } satisfies SqlEvent);
    const result = await this.pool.query<Row>({
      name: this.statementName(text),
      text,
      values: values as unknown[],
    });
    return result.rows;
  }

  private statementName(text: string): string | undefined {
    let name = this.names.get(text);
    if (name === undefined && this.names.size < MAX_NAMED_STATEMENTS) {
      name = `r_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
      this.names.set(text, name);
    }
    return name;
  }
}
