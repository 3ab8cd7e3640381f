import type { TestDatabase } from './database';
import type { GraphQLResponse } from './server';

/**
 * What the write-path tests share: the mutations by the fields they read back, the change log's
 * newest seq (to check that a refused write appended nothing), and an answer's error code.
 */

export const UPDATE_MEASURE =
  'mutation($id: ID!, $input: UpdateMeasureInput!) { updateMeasure(id: $id, input: $input) { id inResponseTo { id } } }';
export const LIFT_MEASURE =
  'mutation($id: ID!, $on: Date!) { liftMeasure(id: $id, liftedOn: $on) { id status liftedOn } }';
export const ADD_OFFICIAL =
  'mutation($input: AddOfficialInput!) { addOfficial(input: $input) { id } }';

/** The newest seq in the change log (0 when it is empty). */
export async function lastSeq(db: TestDatabase): Promise<number> {
  const [row] = await db.query<{ seq: string | null }>('SELECT max(seq) AS seq FROM change_log');
  return Number(row!.seq ?? 0);
}

/** The code of an answer's first error, or 'OK' when it has none. */
export function codeOf(response: { errors?: { extensions?: Record<string, unknown> }[] }): string {
  return response.errors ? String(response.errors[0]!.extensions?.code) : 'OK';
}

/** The integer key inside a global ID. */
export const numericId = (globalId: string) =>
  Number(Buffer.from(globalId, 'base64url').toString().split(':')[1]);

const TABLES = [
  'measure',
  'official',
  'measure_target',
  'source',
  'statement_measure',
  'change_log',
  'api_key',
] as const;
export type RowCounts = Record<(typeof TABLES)[number], number>;

/** Row counts of every table a write touches, read in one statement. */
export async function rowCounts(db: TestDatabase): Promise<RowCounts> {
  const [row] = await db.query<RowCounts>(
    `SELECT ${TABLES.map((t) => `(SELECT count(*)::int FROM ${t}) AS ${t}`).join(', ')}`,
  );
  return row!;
}

/** Exactly one error with this code and field; the mutation's result is not there. */
export function refused(
  response: GraphQLResponse,
  code: string,
  field?: string,
): { message: string; extensions: Record<string, unknown> } {
  expect(response.errors).toHaveLength(1);
  const error = response.errors![0]!;
  expect(error.extensions).toMatchObject(field === undefined ? { code } : { code, field });
  expect(response.data ?? null).toBeNull();
  return { message: error.message, extensions: error.extensions! };
}
