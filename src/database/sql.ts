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
 * The read planner's statements follow the shape of each client's query, so clients can make
 * many; they get a budget of their own, which keeps them from using up the resolvers' names.
 */
const MAX_NAMED_PLANS = 200;

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
  private readonly planNames = new Map<string, string>();

  constructor(private readonly pool: Pool) {}

  async rows<Row extends QueryResultRow>(
    text: string,
    values: readonly unknown[] = [],
    options: { planned?: boolean } = {},
  ): Promise<Row[]> {
    if (sqlChannel.hasSubscribers) sqlChannel.publish({ text, values } satisfies SqlEvent);
    const result = await this.pool.query<Row>({
      name: options.planned
        ? statementName(this.planNames, MAX_NAMED_PLANS, 'p', text)
        : statementName(this.names, MAX_NAMED_STATEMENTS, 'r', text),
      text,
      values: values as unknown[],
    });
    return result.rows;
  }
}

/** The prepared statement's name for `text`, while `names` has room; undefined runs it unnamed. */
function statementName(
  names: Map<string, string>,
  max: number,
  prefix: string,
  text: string,
): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < max) {
    name = `${prefix}_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return name;
}
