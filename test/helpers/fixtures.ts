import { encodeGlobalId } from '../../src/common/global-id';
import type { TestDatabase } from './database';
import type { TestServer } from './server';

export interface OfficialRow {
  id: number;
  globalId: string;
  name: string;
  country: string;
  category: string;
}

export interface MeasureRow {
  id: number;
  globalId: string;
  title: string;
  kind: string;
  status: string;
  imposedBy: string;
  targetCountry: string | null;
  announcedOn: string;
  targetCount: number;
  createdAt: string;
}

export async function insertOfficial(
  db: TestDatabase,
  fields: {
    name: string;
    country: string;
    category?: string;
    nativeName?: string;
    aliases?: string[];
  },
): Promise<OfficialRow> {
  const [row] = await db.query<{ id: number }>(
    `INSERT INTO official (name, native_name, aliases, country_code, category)
     VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [
      fields.name,
      fields.nativeName ?? null,
      fields.aliases ?? [],
      fields.country,
      fields.category ?? 'OFFICIAL',
    ],
  );
  return {
    id: row!.id,
    globalId: encodeGlobalId('Official', row!.id),
    name: fields.name,
    country: fields.country,
    category: fields.category ?? 'OFFICIAL',
  };
}

export async function insertMeasure(
  db: TestDatabase,
  fields: {
    title: string;
    imposedBy: string;
    targetCountry?: string | null;
    kind?: string;
    status?: string;
    announcedOn: string;
    targetCount?: number;
    summary?: string;
    targets?: number[];
    inResponseTo?: number;
    createdAt?: string;
  },
): Promise<MeasureRow> {
  const [row] = await db.query<{ id: number; created_at: Date }>(
    `INSERT INTO measure (kind, title, summary, imposed_by_code, target_country_code, target_count,
       announced_on, status, in_response_to_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, coalesce($10::timestamptz, now()))
     RETURNING id, created_at`,
    [
      fields.kind ?? 'SANCTIONS_PACKAGE',
      fields.title,
      fields.summary ?? null,
      fields.imposedBy,
      fields.targetCountry ?? null,
      fields.targetCount ?? fields.targets?.length ?? 0,
      fields.announcedOn,
      fields.status ?? 'IN_FORCE',
      fields.inResponseTo ?? null,
      fields.createdAt ?? null,
    ],
  );
  const id = row!.id;
  for (const [i, officialId] of (fields.targets ?? []).entries()) {
    await db.query(
      'INSERT INTO measure_target (measure_id, official_id, position) VALUES ($1, $2, $3)',
      [id, officialId, i + 1],
    );
  }
  await db.query(`INSERT INTO source (measure_id, title) VALUES ($1, 'Test fixture')`, [id]);
  return {
    id,
    globalId: encodeGlobalId('Measure', id),
    title: fields.title,
    kind: fields.kind ?? 'SANCTIONS_PACKAGE',
    status: fields.status ?? 'IN_FORCE',
    imposedBy: fields.imposedBy,
    targetCountry: fields.targetCountry ?? null,
    announcedOn: fields.announcedOn,
    targetCount: fields.targetCount ?? fields.targets?.length ?? 0,
    createdAt: row!.created_at.toISOString(),
  };
}

export async function insertStatement(
  db: TestDatabase,
  fields: {
    country: string;
    issuedOn: string;
    issuer?: string;
    text?: string;
    speaker?: number;
    measures?: number[];
  },
): Promise<{ id: number; globalId: string; issuedOn: string }> {
  const [row] = await db.query<{ id: number }>(
    `INSERT INTO statement (issued_on, country_code, issuer, speaker_id, text)
     VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [
      fields.issuedOn,
      fields.country,
      fields.issuer ?? 'Ministry of Testing',
      fields.speaker ?? null,
      fields.text ?? 'Text.',
    ],
  );
  for (const measureId of fields.measures ?? []) {
    await db.query('INSERT INTO statement_measure (statement_id, measure_id) VALUES ($1, $2)', [
      row!.id,
      measureId,
    ]);
  }
  await db.query(
    `INSERT INTO source (statement_id, title, url) VALUES ($1, 'Statement source', 'https://example.org/s')`,
    [row!.id],
  );
  return { id: row!.id, globalId: encodeGlobalId('Statement', row!.id), issuedOn: fields.issuedOn };
}

/** Newest first, ties by id descending: the default order of measure lists. */
export function byAnnouncedDesc(a: MeasureRow, b: MeasureRow): number {
  return a.announcedOn === b.announcedOn ? b.id - a.id : a.announcedOn < b.announcedOn ? 1 : -1;
}

/** The least an AddMeasureInput needs (a GB package against RU), with `overrides` on top. */
export function measureInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'SANCTIONS_PACKAGE',
    title: 'Test measure',
    imposedBy: 'GB',
    targetCountry: 'RU',
    announcedOn: '2024-03-01',
    sources: [{ title: 'S' }],
    ...overrides,
  };
}

export const ADD_STATEMENT =
  'mutation($input: AddStatementInput!) { addStatement(input: $input) { id } }';

/** The least an AddStatementInput needs (a statement of `country`), with `overrides` on top. */
export function statementInput(
  country: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    issuedOn: '2024-01-01',
    country,
    issuer: 'MFA',
    text: 'Text',
    sources: [{ title: 'S' }],
    ...overrides,
  };
}

export const ADD_MEASURE =
  'mutation($input: AddMeasureInput!) { addMeasure(input: $input) { id } }';

let added = 0;

/** Records a measure through the API with `key` (measureInput plus `overrides`); returns its id. */
export async function addMeasureAs(
  server: TestServer,
  key: string,
  overrides: Record<string, unknown> = {},
): Promise<string> {
  added += 1;
  const response = await server.gqlAs(key, ADD_MEASURE, {
    input: measureInput({ title: `Test measure ${added}`, ...overrides }),
  });
  expect(response.errors).toBeUndefined();
  return (response.data as { addMeasure: { id: string } }).addMeasure.id;
}

/** Records a statement of `country` through the API with `key` (statementInput plus `overrides`); returns its id. */
export async function addStatementAs(
  server: TestServer,
  key: string,
  country: string,
  overrides: Record<string, unknown> = {},
): Promise<string> {
  const response = await server.gqlAs(key, ADD_STATEMENT, {
    input: statementInput(country, overrides),
  });
  expect(response.errors).toBeUndefined();
  return (response.data as { addStatement: { id: string } }).addStatement.id;
}
