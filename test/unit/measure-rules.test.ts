import { DatePrecision } from '../../src/common/date-precision';
import type { MeasureRecord } from '../../src/measures/measure.columns';
import { MeasureKind, MeasureStatus } from '../../src/measures/measure.enums';
import { MAX_TARGETS, type UpdateMeasureInput } from '../../src/measures/measure.inputs';
import {
  checkDates,
  checkLift,
  checkNamedTargetTotal,
  checkRequiredOnUpdate,
  checkTargetCount,
  newRecord,
  statusByDates,
  uniqueTargetIds,
  updatedRecord,
} from '../../src/measures/measure.rules';

/** The write rules that need no database, on records built here. */

const TODAY = '2025-06-15';
const YESTERDAY = '2025-06-14';

/** What an add stores for the optional fields it is not given: newRecord's defaults. */
const ADD_DEFAULTS = {
  summary: null,
  targetCountryCode: null,
  beneficiaryCountryCode: null,
  announcedOnPrecision: DatePrecision.DAY,
  effectiveFrom: null,
  expiresOn: null,
  indefinite: false,
  status: MeasureStatus.IN_FORCE,
  liftedOn: null,
  inResponseToId: null,
} as const;

function record(fields: Partial<MeasureRecord> = {}): MeasureRecord {
  return {
    ...ADD_DEFAULTS,
    kind: MeasureKind.ASSET_FREEZE,
    title: 'A freeze',
    imposedByCode: 'GB',
    targetCountryCode: 'RU',
    targetCount: 0,
    announcedOn: '2025-03-10',
    ...fields,
  };
}

/** The API error `run` throws: its code, the field it names and its message. */
function errorOf(run: () => unknown): { code: string; field: string; message: string } {
  try {
    run();
  } catch (error) {
    const { extensions, message } = error as {
      extensions: { code: string; field: string };
      message: string;
    };
    return { code: extensions.code, field: extensions.field, message };
  }
  throw new Error('expected the rule to refuse');
}

describe('checkDates', () => {
  const none = new Set<string>();

  it('accepts effectiveFrom on the day of the announcement', () => {
    expect(() => checkDates(record({ effectiveFrom: '2025-03-10' }), 'input', none)).not.toThrow();
  });

  // Of two contradicting dates, the error names the one the caller sent.
  it.each([
    {
      dates: { effectiveFrom: '2025-03-09' },
      later: 'effectiveFrom',
      earlier: 'announcedOn',
      message: 'effectiveFrom (2025-03-09) is before announcedOn (2025-03-10).',
    },
    {
      dates: { effectiveFrom: '2025-04-01', expiresOn: '2025-03-31' },
      later: 'expiresOn',
      earlier: 'effectiveFrom',
      message: 'expiresOn (2025-03-31) is before effectiveFrom (2025-04-01).',
    },
  ])('refuses $later a day before $earlier, blaming the one sent', (c) => {
    const reversed = record(c.dates);
    expect(errorOf(() => checkDates(reversed, 'input', new Set([c.later])))).toEqual({
      code: 'BAD_USER_INPUT',
      field: `input.${c.later}`,
      message: c.message,
    });
    expect(errorOf(() => checkDates(reversed, 'input', new Set([c.earlier]))).field).toBe(
      `input.${c.earlier}`,
    );
  });

  it('accepts expiresOn on the day the measure takes effect', () => {
    const sameDay = record({ effectiveFrom: '2025-04-01', expiresOn: '2025-04-01' });
    expect(() => checkDates(sameDay, 'input', none)).not.toThrow();
  });

  it('without effectiveFrom, refuses expiresOn before announcedOn', () => {
    const reversed = record({ expiresOn: '2025-03-09' });
    expect(errorOf(() => checkDates(reversed, 'input', none)).message).toBe(
      'expiresOn (2025-03-09) is before announcedOn (2025-03-10).',
    );
  });

  it('refuses an indefinite measure with an expiresOn, blaming the field that was sent', () => {
    const both = record({ indefinite: true, expiresOn: '2026-01-01' });
    expect(errorOf(() => checkDates(both, 'input', new Set(['expiresOn']))).field).toBe(
      'input.expiresOn',
    );
    expect(errorOf(() => checkDates(both, 'input', new Set(['indefinite']))).field).toBe(
      'input.indefinite',
    );
    expect(() => checkDates(record({ indefinite: true }), 'input', none)).not.toThrow();
  });

  it('refuses an announcedOn moved after the day the measure was lifted', () => {
    const lifted = record({ status: MeasureStatus.LIFTED, liftedOn: '2025-03-09' });
    expect(errorOf(() => checkDates(lifted, 'input', new Set(['announcedOn'])))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.announcedOn',
      message: 'announcedOn (2025-03-10) is after the measure was lifted (2025-03-09).',
    });
    const sameDay = record({ status: MeasureStatus.LIFTED, liftedOn: '2025-03-10' });
    expect(() => checkDates(sameDay, 'input', none)).not.toThrow();
  });
});

describe('statusByDates', () => {
  const none = new Set<string>();

  it('keeps a measure in force on its expiresOn: it applies up to and including that day', () => {
    const r = record({ expiresOn: TODAY });
    expect(statusByDates(r, r.status, none, TODAY)).toBe(MeasureStatus.IN_FORCE);
  });

  it.each([MeasureStatus.ANNOUNCED, MeasureStatus.IN_FORCE, MeasureStatus.SUSPENDED])(
    'expires a %s measure the day after its expiresOn',
    (status) => {
      const r = record({ status, expiresOn: YESTERDAY });
      expect(statusByDates(r, status, none, TODAY)).toBe(MeasureStatus.EXPIRED);
    },
  );

  it('leaves a lifted measure lifted, whatever its expiresOn', () => {
    const r = record({ status: MeasureStatus.LIFTED, expiresOn: YESTERDAY });
    expect(statusByDates(r, MeasureStatus.LIFTED, none, TODAY)).toBe(MeasureStatus.LIFTED);
  });

  it('renews an expired measure whose expiresOn the update moves to today', () => {
    const r = record({ status: MeasureStatus.EXPIRED, expiresOn: TODAY });
    const provided = new Set(['expiresOn']);
    expect(statusByDates(r, MeasureStatus.EXPIRED, provided, TODAY)).toBe(MeasureStatus.IN_FORCE);
  });

  it('renews an expired measure the update makes indefinite', () => {
    const r = record({ status: MeasureStatus.EXPIRED, indefinite: true });
    const provided = new Set(['indefinite', 'expiresOn']);
    expect(statusByDates(r, MeasureStatus.EXPIRED, provided, TODAY)).toBe(MeasureStatus.IN_FORCE);
  });

  it('does not renew when the update also says the status, or leaves the dates alone', () => {
    const r = record({ status: MeasureStatus.EXPIRED, expiresOn: TODAY });
    const withStatus = new Set(['expiresOn', 'status']);
    expect(statusByDates(r, MeasureStatus.EXPIRED, withStatus, TODAY)).toBe(MeasureStatus.EXPIRED);
    expect(statusByDates(r, MeasureStatus.EXPIRED, new Set(['title']), TODAY)).toBe(
      MeasureStatus.EXPIRED,
    );
  });

  it('does not renew an expired measure whose new expiresOn has passed too', () => {
    const r = record({ status: MeasureStatus.EXPIRED, expiresOn: YESTERDAY });
    const provided = new Set(['expiresOn']);
    expect(statusByDates(r, MeasureStatus.EXPIRED, provided, TODAY)).toBe(MeasureStatus.EXPIRED);
  });
});

describe('target counts', () => {
  it('accepts a targetCount equal to the people named, and refuses one fewer', () => {
    expect(() => checkTargetCount(3, 3, 'input.targetCount')).not.toThrow();
    expect(errorOf(() => checkTargetCount(2, 3, 'input.targetCount'))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.targetCount',
      message: 'targetCount (2) is less than the 3 named targets.',
    });
  });

  it(`accepts ${MAX_TARGETS} named targets in one call, and refuses one more`, () => {
    expect(() => checkNamedTargetTotal(MAX_TARGETS, 'input')).not.toThrow();
    expect(errorOf(() => checkNamedTargetTotal(MAX_TARGETS + 1, 'input')).field).toBe(
      'input.newTargets',
    );
  });
});

describe('uniqueTargetIds', () => {
  const decode = (globalId: string, field: string) => {
    if (!/^\d+$/.test(globalId)) throw Object.assign(new Error('bad id'), { field });
    return Number(globalId);
  };

  it('decodes the ids in order', () => {
    expect(uniqueTargetIds(['3', '1', '2'], decode, 'input')).toEqual([3, 1, 2]);
  });

  it('refuses an official named twice, naming both places', () => {
    expect(errorOf(() => uniqueTargetIds(['1', '2', '1'], decode, 'input'))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.targetOfficialIds[2]',
      message:
        'input.targetOfficialIds[2] repeats input.targetOfficialIds[0]; name each target once.',
    });
  });

  it('reports the first bad entry, whichever its fault', () => {
    expect(() => uniqueTargetIds(['1', '1', 'x'], decode, 'input')).toThrow(/repeats/);
    expect(() => uniqueTargetIds(['1', 'x', '1'], decode, 'input')).toThrow('bad id');
  });
});

describe('newRecord', () => {
  const required = {
    kind: MeasureKind.ENTRY_BAN,
    title: 'Entry ban',
    imposedByCode: 'RU',
    announcedOn: '2024-05-17',
  };

  it('fills in the defaults, counting the named targets when no targetCount is given', () => {
    expect(newRecord(required, 4)).toEqual({ ...required, ...ADD_DEFAULTS, targetCount: 4 });
  });

  it('keeps a targetCount given, and stores a MONTH date on its first day', () => {
    const r = newRecord(
      { ...required, targetCount: 500, announcedOnPrecision: DatePrecision.MONTH },
      4,
    );
    expect(r.targetCount).toBe(500);
    expect(r.announcedOn).toBe('2024-05-01');
  });
});

describe('updatedRecord', () => {
  const current = record({
    summary: 'Old summary',
    targetCount: 7,
    status: MeasureStatus.LIFTED,
    liftedOn: '2025-05-01',
  });

  it('changes what the update gives, clears what it sets to null, keeps the rest', () => {
    const next = updatedRecord(current, { title: 'New title', summary: null }, undefined);
    expect(next).toEqual({ ...current, title: 'New title', summary: null });
    expect(current.title).toBe('A freeze'); // the stored record is left as it was
  });

  it('clears liftedOn when the update reinstates the measure', () => {
    const next = updatedRecord(current, { status: MeasureStatus.SUSPENDED }, undefined);
    expect(next.status).toBe(MeasureStatus.SUSPENDED);
    expect(next.liftedOn).toBeNull();
    expect(updatedRecord(current, { title: 'x' }, undefined).liftedOn).toBe('2025-05-01');
  });

  it('raises targetCount to the targets named, never lowers it, and a given count wins', () => {
    expect(updatedRecord(current, {}, 9).targetCount).toBe(9);
    expect(updatedRecord(current, {}, 2).targetCount).toBe(7);
    expect(updatedRecord(current, { targetCount: 1 }, 9).targetCount).toBe(1);
    expect(updatedRecord(current, {}, undefined).targetCount).toBe(7);
  });

  it('moves the stored announcedOn to the start of the year when the precision becomes YEAR', () => {
    const next = updatedRecord(current, { announcedOnPrecision: DatePrecision.YEAR }, undefined);
    expect(next.announcedOn).toBe('2025-01-01');
  });
});

describe('checkRequiredOnUpdate', () => {
  it('refuses null for a field that cannot be cleared, and lets it be left out', () => {
    const cleared = { title: null } as UpdateMeasureInput;
    expect(errorOf(() => checkRequiredOnUpdate(cleared))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.title',
      message: 'input.title cannot be null; leave it out to keep the current value.',
    });
    expect(() => checkRequiredOnUpdate({} as UpdateMeasureInput)).not.toThrow();
  });

  it('lets a nullable field be cleared', () => {
    const cleared = { summary: null, expiresOn: null } as UpdateMeasureInput;
    expect(() => checkRequiredOnUpdate(cleared)).not.toThrow();
  });
});

describe('checkLift', () => {
  it('lifts on the day of the announcement', () => {
    expect(() => checkLift(record(), '2025-03-10')).not.toThrow();
  });

  it('refuses a liftedOn before the announcement', () => {
    expect(errorOf(() => checkLift(record(), '2025-03-09'))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'liftedOn',
      message: 'liftedOn (2025-03-09) is before the measure was announced (2025-03-10).',
    });
  });

  it('refuses to lift a measure twice, saying when it was', () => {
    const lifted = record({ status: MeasureStatus.LIFTED, liftedOn: '2025-04-01' });
    expect(errorOf(() => checkLift(lifted, '2025-05-01'))).toEqual({
      code: 'CONFLICT',
      field: 'id',
      message: 'This measure was already lifted on 2025-04-01.',
    });
  });
});
