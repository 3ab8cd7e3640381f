import { atPrecision, DatePrecision } from '../common/date-precision';
import { AppError, badUserInput, ErrorCode } from '../common/errors';
import { counted } from '../common/grammar';
import { EXPIRING_STATUSES, hasExpired, utcToday } from './measure-expiry';
import type { MeasureRecord } from './measure.columns';
import { MeasureStatus } from './measure.enums';
import { MAX_TARGETS, type UpdateMeasureInput } from './measure.inputs';

/**
 * The rules of addMeasure, updateMeasure and liftMeasure that need no database: they run on what
 * the caller sent and on the measure as stored, and throw the error the API answers with. The
 * write service runs them (the ones on the input before its transaction starts).
 */

/** What a write sets, checked and trimmed: a property left out keeps its value, null clears it. */
export type MeasureChanges = Partial<MeasureRecord>;

/** What addMeasure sets: the fields AddMeasureInput requires, and any of the others. */
export type NewMeasureFields = MeasureChanges &
  Pick<MeasureRecord, 'kind' | 'title' | 'imposedByCode' | 'announcedOn'>;

/** Fields of UpdateMeasureInput that cannot be cleared. */
const REQUIRED_ON_UPDATE = [
  'kind',
  'title',
  'imposedBy',
  'targetCount',
  'announcedOn',
  'announcedOnPrecision',
  'indefinite',
  'status',
  'sources',
] as const;

/** An update may leave a required field out (it keeps its value) but not set it to null. */
export function checkRequiredOnUpdate(input: UpdateMeasureInput): void {
  for (const field of REQUIRED_ON_UPDATE) {
    if (input[field] === null) {
      throw badUserInput(
        `input.${field}`,
        `input.${field} cannot be null; leave it out to keep the current value.`,
      );
    }
  }
}

/** LIFTED is set only by liftMeasure, which records the date (a measure added already lifted: add it, then lift it). */
export function liftWithLiftMeasure(): AppError {
  return badUserInput(
    'input.status',
    'Lift a measure with liftMeasure, which records when it was lifted and announces the lift.',
  );
}

/**
 * The ids of targetOfficialIds, decoded by `decode`; an official named twice is refused, with
 * the error naming both places. Decoding and the check go id by id, so the first bad entry is
 * the one reported, whichever its fault.
 */
export function uniqueTargetIds(
  globalIds: readonly string[],
  decode: (globalId: string, field: string) => number,
  path: string,
): number[] {
  const seen = new Map<number, number>();
  return globalIds.map((globalId, i) => {
    const field = `${path}.targetOfficialIds[${i}]`;
    const id = decode(globalId, field);
    const earlier = seen.get(id);
    if (earlier !== undefined) {
      throw badUserInput(
        field,
        `${field} repeats ${path}.targetOfficialIds[${earlier}]; name each target once.`,
      );
    }
    seen.set(id, i);
    return id;
  });
}

/** One call names at most MAX_TARGETS targets, existing and new together. */
export function checkNamedTargetTotal(count: number, path: string): void {
  if (count > MAX_TARGETS) {
    throw badUserInput(
      `${path}.newTargets`,
      `At most ${MAX_TARGETS} named targets in one call (got ${count}).`,
    );
  }
}

/** targetCount counts everyone the measure covers, so never fewer than the people it names. */
export function checkTargetCount(targetCount: number, named: number, field: string): void {
  if (targetCount < named) {
    throw badUserInput(
      field,
      `targetCount (${targetCount}) is less than the ${counted(named, 'named target')}.`,
    );
  }
}

/** The record addMeasure writes: what the input gives, the defaults for the rest. */
export function newRecord(fields: NewMeasureFields, namedTargets: number): MeasureRecord {
  const precision = fields.announcedOnPrecision ?? DatePrecision.DAY;
  return {
    kind: fields.kind,
    title: fields.title,
    summary: fields.summary ?? null,
    imposedByCode: fields.imposedByCode,
    targetCountryCode: fields.targetCountryCode ?? null,
    beneficiaryCountryCode: fields.beneficiaryCountryCode ?? null,
    targetCount: fields.targetCount ?? namedTargets,
    announcedOn: atPrecision(fields.announcedOn, precision),
    announcedOnPrecision: precision,
    effectiveFrom: fields.effectiveFrom ?? null,
    expiresOn: fields.expiresOn ?? null,
    indefinite: fields.indefinite ?? false,
    status: fields.status ?? MeasureStatus.IN_FORCE,
    liftedOn: null,
    inResponseToId: fields.inResponseToId ?? null,
  };
}

/**
 * The record updateMeasure writes: `current` with `changes` applied. `namedTargets` is the
 * number of targets the update names when it replaces them, else undefined.
 */
export function updatedRecord(
  current: MeasureRecord,
  changes: MeasureChanges,
  namedTargets: number | undefined,
): MeasureRecord {
  const next: MeasureRecord = { ...current };
  for (const [property, value] of Object.entries(changes)) {
    if (value !== undefined) Object.assign(next, { [property]: value });
  }
  // New targets without a new count: the count covers at least the people named.
  if (changes.targetCount === undefined && namedTargets !== undefined) {
    next.targetCount = Math.max(current.targetCount, namedTargets);
  }
  next.announcedOn = atPrecision(next.announcedOn, next.announcedOnPrecision);
  // Reinstated: a measure no longer lifted has no lifting date.
  if (changes.status != null && changes.status !== MeasureStatus.LIFTED) next.liftedOn = null;
  return next;
}

/**
 * Dates must not contradict each other. `provided` says which fields the caller sent, so that
 * of two contradicting dates the error names the one they gave.
 */
export function checkDates(r: MeasureRecord, path: string, provided: ReadonlySet<string>): void {
  const blame = (later: string, earlier: string) =>
    `${path}.${provided.has(later) || !provided.has(earlier) ? later : earlier}`;
  if (r.effectiveFrom && r.effectiveFrom < r.announcedOn) {
    throw badUserInput(
      blame('effectiveFrom', 'announcedOn'),
      `effectiveFrom (${r.effectiveFrom}) is before announcedOn (${r.announcedOn}).`,
    );
  }
  const start = r.effectiveFrom ?? r.announcedOn;
  if (r.expiresOn && r.expiresOn < start) {
    const earlier = r.effectiveFrom ? 'effectiveFrom' : 'announcedOn';
    throw badUserInput(
      blame('expiresOn', earlier),
      `expiresOn (${r.expiresOn}) is before ${earlier} (${start}).`,
    );
  }
  if (r.indefinite && r.expiresOn) {
    throw badUserInput(
      blame('expiresOn', 'indefinite'),
      'An indefinite measure has no expiresOn: leave expiresOn out, or set indefinite to false.',
    );
  }
  if (r.liftedOn && r.liftedOn < r.announcedOn) {
    throw badUserInput(
      `${path}.announcedOn`,
      `announcedOn (${r.announcedOn}) is after the measure was lifted (${r.liftedOn}).`,
    );
  }
}

/**
 * The dates overrule the status: a measure announced, in force or suspended whose expiresOn has
 * passed is EXPIRED (as the expiry sweep would make it a minute later), and an expired one whose
 * expiresOn this update moves into the future, or removes, is renewed: IN_FORCE, unless the
 * update says which status it has. `before` is the stored status (for an add, the one given).
 */
export function statusByDates(
  r: MeasureRecord,
  before: MeasureStatus,
  provided: ReadonlySet<string>,
  today: string = utcToday(),
): MeasureStatus {
  if (EXPIRING_STATUSES.includes(r.status) && hasExpired(r.expiresOn, today)) {
    return MeasureStatus.EXPIRED;
  }
  const renewed =
    (provided.has('expiresOn') || provided.has('indefinite')) && !hasExpired(r.expiresOn, today);
  if (before === MeasureStatus.EXPIRED && r.status === before && !provided.has('status') && renewed)
    return MeasureStatus.IN_FORCE;
  return r.status;
}

/** A measure is lifted once, and not before it was announced. */
export function checkLift(
  current: Pick<MeasureRecord, 'status' | 'liftedOn' | 'announcedOn'>,
  liftedOn: string,
): void {
  if (current.status === MeasureStatus.LIFTED) {
    throw new AppError(
      ErrorCode.CONFLICT,
      current.liftedOn
        ? `This measure was already lifted on ${current.liftedOn}.`
        : 'This measure is already lifted.',
      { field: 'id' },
    );
  }
  if (liftedOn < current.announcedOn) {
    throw badUserInput(
      'liftedOn',
      `liftedOn (${liftedOn}) is before the measure was announced (${current.announcedOn}).`,
    );
  }
}
