import type { TestDatabase } from './database';
import type { GraphQLResponse } from './server';

/** The response's data, after checking that it has no errors. */
export function ok<T>(response: GraphQLResponse<T>): T {
  expect(response.errors).toBeUndefined();
  return response.data!;
}

/** Exactly one error: BAD_USER_INPUT naming `field`, with a message free of internals. */
export function expectBadInput(response: GraphQLResponse, field: string): void {
  expect(response.errors).toHaveLength(1);
  expect(response.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
  expect(response.errors![0]!.message).not.toMatch(/stack|SELECT/i);
}

/** Rows in a table, read straight from the database. */
export async function rowCount(db: TestDatabase, table: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return row!.n;
}
