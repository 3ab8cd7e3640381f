import type { DataSource, EntityManager } from 'typeorm';
import type { DatePrecision } from '../src/common/date-precision';
import { Country } from '../src/countries/country.entity';
import { appendChanges, type Change } from '../src/live/change-log';
import type { Logger } from '../src/logger';
import { MeasureTarget } from '../src/measures/measure-target.entity';
import { Measure } from '../src/measures/measure.entity';
import type { MeasureKind, MeasureStatus } from '../src/measures/measure.enums';
import type { OfficialCategory } from '../src/officials/official-category';
import { Official } from '../src/officials/official.entity';
import { Source } from '../src/sources/source.entity';
import { StatementMeasure } from '../src/statements/statement-measure.entity';
import { Statement } from '../src/statements/statement.entity';
import countries from './countries.json';
import foundingJson from './founding-example.json';

interface SourceSeed {
  title: string;
  url: string | null;
  publisher: string | null;
  publishedOn: string | null;
}

interface OfficialSeed {
  name: string;
  nativeName?: string;
  aliases?: string[];
  country: string;
  position?: string;
  category: OfficialCategory;
  wikidataId?: string;
}

interface MeasureSeed {
  externalId: string;
  kind: MeasureKind;
  title: string;
  summary?: string;
  imposedBy: string;
  targetCountry?: string;
  beneficiaryCountry?: string;
  targets?: string[];
  targetCount: number;
  announcedOn: string;
  announcedOnPrecision: DatePrecision;
  effectiveFrom?: string;
  expiresOn?: string;
  indefinite?: boolean;
  status: MeasureStatus;
  inResponseTo?: string;
  sources: string[];
}

interface StatementSeed {
  issuedOn: string;
  issuedOnPrecision: DatePrecision;
  country: string;
  issuer: string;
  speaker?: string;
  title?: string;
  text: string;
  quotes: string[];
  language?: string;
  measures: string[];
  sources: string[];
}

/** The shape of founding-example.json: records refer to each other by their keys. */
interface FoundingExample {
  sources: Record<string, SourceSeed>;
  officials: Record<string, OfficialSeed>;
  measures: Record<string, MeasureSeed>;
  statements: Record<string, StatementSeed>;
}

const founding = foundingJson as unknown as FoundingExample;

export interface SeedResult {
  countries: number;
  /** Founding-example records written by this run (0 when all were there already). */
  foundingRecordsAdded: number;
}

/**
 * Idempotent: countries are upserted; each founding-example record is written unless it is there
 * already (officials by name and country, measures by externalId, statements by country, date,
 * issuer and text, linked to the same seeded measures), all in one transaction, so records added to the data files later reach
 * databases seeded before. Records already there are left as they are: corrections to them go
 * through the API or a migration, like any other edit.
 */
export async function seedDatabase(dataSource: DataSource, logger: Logger): Promise<SeedResult> {
  const result = await dataSource.transaction(async (em) => {
    await em
      .createQueryBuilder()
      .insert()
      .into(Country)
      .values(countries)
      .orUpdate(['alpha3', 'name', 'region'], ['code'])
      .execute();
    return { countries: countries.length, foundingRecordsAdded: await insertFoundingExample(em) };
  });
  logger.info(result, 'seed data in place');
  return result;
}

/** Writes the founding-example records that are missing; returns how many it wrote. */
async function insertFoundingExample(em: EntityManager): Promise<number> {
  const changes: Change[] = [];
  const officialIds = new Map<string, number>();
  for (const [key, seed] of Object.entries(founding.officials)) {
    const existing = await em.findOneBy(Official, { name: seed.name, countryCode: seed.country });
    const official =
      existing ??
      (await em.save(
        em.create(Official, {
          name: seed.name,
          nativeName: seed.nativeName ?? null,
          aliases: seed.aliases ?? [],
          countryCode: seed.country,
          position: seed.position ?? null,
          category: seed.category,
          wikidataId: seed.wikidataId ?? null,
        }),
      ));
    officialIds.set(key, official.id);
    if (!existing) changes.push({ entity: 'Official', entityId: official.id, action: 'added' });
  }

  const measureIds = new Map<string, number>();
  for (const [key, seed] of Object.entries(founding.measures)) {
    const existing = await em.findOneBy(Measure, { externalId: seed.externalId });
    if (existing) {
      measureIds.set(key, existing.id);
      continue;
    }
    const measure = await em.save(
      em.create(Measure, {
        externalId: seed.externalId,
        kind: seed.kind,
        title: seed.title,
        summary: seed.summary ?? null,
        imposedByCode: seed.imposedBy,
        targetCountryCode: seed.targetCountry ?? null,
        beneficiaryCountryCode: seed.beneficiaryCountry ?? null,
        targetCount: seed.targetCount,
        announcedOn: seed.announcedOn,
        announcedOnPrecision: seed.announcedOnPrecision,
        effectiveFrom: seed.effectiveFrom ?? null,
        expiresOn: seed.expiresOn ?? null,
        indefinite: seed.indefinite ?? false,
        status: seed.status,
        inResponseToId: seed.inResponseTo ? requireKey(measureIds, seed.inResponseTo) : null,
      }),
    );
    measureIds.set(key, measure.id);
    changes.push({ entity: 'Measure', entityId: measure.id, action: 'added' });
    const targets = (seed.targets ?? []).map((target, i) => ({
      measureId: measure.id,
      officialId: requireKey(officialIds, target),
      position: i + 1,
    }));
    if (targets.length > 0) await em.insert(MeasureTarget, targets);
    await insertSources(em, seed.sources, { measureId: measure.id });
  }

  for (const seed of Object.values(founding.statements)) {
    // The same statement about the same seeded measures (a copy recorded through the API about
    // other measures does not count).
    const linkedTo = seed.measures.map((key) => requireKey(measureIds, key));
    const existing: unknown[] = await em.query(
      `SELECT 1 FROM statement s
        WHERE s.country_code = $1 AND s.issued_on = $2 AND s.issuer = $3 AND s.text = $4
          AND (cardinality($5::int4[]) = 0 OR EXISTS (
            SELECT 1 FROM statement_measure sm
             WHERE sm.statement_id = s.id AND sm.measure_id = ANY($5::int4[])))
        LIMIT 1`,
      [seed.country, seed.issuedOn, seed.issuer, seed.text, linkedTo],
    );
    if (existing.length > 0) continue;
    const statement = await em.save(
      em.create(Statement, {
        issuedOn: seed.issuedOn,
        issuedOnPrecision: seed.issuedOnPrecision,
        countryCode: seed.country,
        issuer: seed.issuer,
        speakerId: seed.speaker ? requireKey(officialIds, seed.speaker) : null,
        title: seed.title ?? null,
        text: seed.text,
        quotes: seed.quotes,
        language: seed.language ?? null,
      }),
    );
    await em.insert(
      StatementMeasure,
      seed.measures.map((key) => ({
        statementId: statement.id,
        measureId: requireKey(measureIds, key),
      })),
    );
    await insertSources(em, seed.sources, { statementId: statement.id });
    changes.push({ entity: 'Statement', entityId: statement.id, action: 'added' });
  }
  if (changes.length > 0) await appendChanges(em, changes, { apiKeyId: null, requestId: 'seed' });
  return changes.length;
}

async function insertSources(
  em: EntityManager,
  keys: string[],
  owner: { measureId: number } | { statementId: number },
): Promise<void> {
  for (const key of keys) {
    const source = founding.sources[key];
    if (!source) throw new Error(`founding-example.json: unknown source "${key}"`);
    await em.insert(Source, { ...source, ...owner });
  }
}

function requireKey(ids: Map<string, number>, key: string): number {
  const id = ids.get(key);
  if (id === undefined)
    throw new Error(`founding-example.json: "${key}" is not defined before use`);
  return id;
}
