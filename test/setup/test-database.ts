import { Client } from 'pg';

/** Set by the global setup for every test worker. */
export const TEST_ENV = {
  adminUrl: 'RETORSION_TEST_ADMIN_URL',
  template: 'RETORSION_TEST_TEMPLATE',
  runId: 'RETORSION_TEST_RUN',
} as const;

/** `url` with its database replaced. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
