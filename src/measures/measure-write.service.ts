import type { DataSource, EntityManager } from 'typeorm';
import { badUserInput, notFound } from '../common/errors';
import { assertValid } from '../common/validation';
import type { CountryService } from '../countries/country.service';
import { missingIds } from '../database/missing-ids';
import { touch, writeTransaction } from '../database/transaction';
import { appendChanges, type ChangeAuthor } from '../live/change-log';
import type { OfficialWriteService } from '../officials/official-write.service';
import type { OfficialService } from '../officials/official.service';
import type { SourceService } from '../sources/source.service';
import type { StatementService } from '../statements/statement.service';
import { measureChanges, statementChanges } from './measure.changes';
import type { MeasureRecord } from './measure.columns';
import { MeasureStatus } from './measure.enums';
import type { AddMeasureInput, UpdateMeasureInput } from './measure.inputs';
import {
  checkDates,
  checkLift,
  checkNamedTargetTotal,
  checkRequiredOnUpdate,
  checkTargetCount,
  liftWithLiftMeasure,
  type MeasureChanges,
  type NewMeasureFields,
  newRecord,
  statusByDates,
  uniqueTargetIds,
  updatedRecord,
} from './measure.rules';
import {
  idByExternalId,
  insertMeasure,
  linkTargets,
  lockMeasure,
  lockResponseChain,
  markLifted,
  measureState,
  namedTargetCount,
  relinkStatements,
  responseChainReaches,
  unlinkTargets,
  updateMeasure,
} from './measure.repository';
import type { MeasureService } from './measure.service';

/** The named targets of an add or update: existing officials by id, then new ones to record. */
interface NamedTargets {
  existing: number[];
  fresh: ReturnType<OfficialWriteService['normalize']>;
  count: number;
  /** Input path for errors, e.g. `input`. */
  path: string;
}

/**
 * addMeasure, updateMeasure and liftMeasure. Each is one transaction: every rule that needs no
 * database runs before it starts, the rest inside it, and any failure rolls all of it back.
 */
export class MeasureWriteService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly countries: CountryService,
    private readonly measures: MeasureService,
    private readonly officials: OfficialService,
    private readonly officialWriter: OfficialWriteService,
    private readonly statements: StatementService,
    private readonly sources: SourceService,
  ) {}

  /** Returns the id of the new measure, or of the existing one with the same externalId. */
  async add(input: AddMeasureInput, author: ChangeAuthor): Promise<number> {
    await assertValid(input, 'input');
    if (input.status === MeasureStatus.LIFTED) {
      // Refused since LIFTED needs a date only liftMeasure records; but a replay of an add stored
      // before that rule existed still answers with what it stored.
      const externalId = input.externalId?.trim();
      const stored = externalId ? await idByExternalId(this.dataSource, externalId) : undefined;
      if (stored !== undefined) return stored;
      throw liftWithLiftMeasure();
    }
    const targets = this.namedTargets(input, 'input');
    const record = newRecord(this.changesOf(input), targets.count);
    checkTargetCount(record.targetCount, targets.count, 'input.targetCount');
    checkDates(record, 'input', new Set(Object.keys(input)));
    record.status = statusByDates(record, record.status, new Set());
    const statementIds = this.statementIds(input.statementIds, 'input.statementIds');
    const externalId = input.externalId?.trim() || null;

    return writeTransaction(this.dataSource, async (em) => {
      await this.checkReferences(em, targets, record.inResponseToId, statementIds);
      const inserted = await insertMeasure(em, record, externalId);
      if (inserted.existing) return inserted.id; // a replay: nothing is written
      const id = inserted.id;
      const newOfficialIds = await this.writeTargets(em, id, targets);
      await this.sources.insert(em, { measureId: id }, input.sources);
      const relinked = await this.linkStatements(em, id, statementIds ?? [], false);
      const answered = await this.answered(em, null, record.inResponseToId);
      await appendChanges(
        em,
        measureChanges(id, 'added', newOfficialIds, relinked, answered),
        author,
      );
      return id;
    });
  }

  async update(id: number, input: UpdateMeasureInput, author: ChangeAuthor): Promise<void> {
    await assertValid(input, 'input');
    checkRequiredOnUpdate(input);
    if (input.status === MeasureStatus.LIFTED) throw liftWithLiftMeasure();
    const replacesTargets = input.targetOfficialIds != null || input.newTargets != null;
    const targets = replacesTargets ? this.namedTargets(input, 'input') : undefined;
    const statementIds =
      input.statementIds === undefined
        ? undefined
        : (this.statementIds(input.statementIds, 'input.statementIds') ?? []);
    const provided = new Set(
      Object.keys(input).filter((key) => input[key as keyof UpdateMeasureInput] !== undefined),
    );

    await writeTransaction(this.dataSource, async (em) => {
      // Before the row: an edit of inResponseTo locks the measures it answers (answered()),
      // and another such edit may hold one of them while it waits for this lock.
      if (input.inResponseToId !== undefined) await lockResponseChain(em);
      const current = await this.lockMeasure(em, id);
      const before = await measureState(em, id);
      const next = updatedRecord(current, this.changesOf(input), targets?.count);
      const namedCount = targets ? targets.count : await namedTargetCount(em, id);
      checkTargetCount(next.targetCount, namedCount, 'input.targetCount');
      checkDates(next, 'input', provided);
      next.status = statusByDates(next, current.status, provided);
      if (next.inResponseToId !== null && next.inResponseToId !== current.inResponseToId) {
        await this.assertNoCycle(em, id, next.inResponseToId);
      }
      await this.checkReferences(em, targets, next.inResponseToId, statementIds);

      await updateMeasure(em, id, next);
      let newOfficialIds: number[] = [];
      if (targets) {
        await unlinkTargets(em, id);
        newOfficialIds = await this.writeTargets(em, id, targets);
      }
      if (input.sources) await this.sources.replace(em, { measureId: id }, input.sources);
      const relinked = statementIds ? await this.linkStatements(em, id, statementIds, true) : [];
      // An update that leaves everything as it was is no change: nothing is written, no
      // measureUpdated event, updatedAt stays.
      if ((await measureState(em, id)) === before) throw UNCHANGED;
      const answered = await this.answered(em, current.inResponseToId, next.inResponseToId);
      await appendChanges(
        em,
        measureChanges(id, 'updated', newOfficialIds, relinked, answered),
        author,
      );
    }).catch((error: unknown) => {
      if (error !== UNCHANGED) throw error;
    });
  }

  async lift(
    id: number,
    liftedOn: string,
    statementId: string | null,
    author: ChangeAuthor,
  ): Promise<void> {
    const statement =
      statementId != null ? this.statements.decodeId(statementId, 'statementId') : null;
    await writeTransaction(this.dataSource, async (em) => {
      const current = await this.lockMeasure(em, id);
      checkLift(current, liftedOn);
      if (statement !== null) {
        if ((await missingIds(em, 'statement', [statement])) >= 0)
          throw notFound('statementId', 'There is no statement with this ID.');
      }
      await markLifted(em, id, liftedOn);
      const relinked =
        statement !== null ? await this.linkStatements(em, id, [statement], false) : [];
      await appendChanges(
        em,
        [{ entity: 'Measure', entityId: id, action: 'lifted' }, ...statementChanges(relinked)],
        author,
      );
    });
  }

  private namedTargets(input: AddMeasureInput | UpdateMeasureInput, path: string): NamedTargets {
    const existing = uniqueTargetIds(
      input.targetOfficialIds ?? [],
      (globalId, field) => this.officials.decodeId(globalId, field),
      path,
    );
    const fresh = this.officialWriter.normalize(input.newTargets ?? [], `${path}.newTargets`);
    const count = existing.length + fresh.length;
    checkNamedTargetTotal(count, path);
    return { existing, fresh, count, path };
  }

  /**
   * The input's fields as the record's columns, each checked and trimmed: country codes must be
   * known and ids well-formed. Only what the input gives is there (see MeasureChanges);
   * AddMeasureInput requires kind, title, imposedBy and announcedOn, so an add's have them.
   */
  private changesOf(input: AddMeasureInput): NewMeasureFields;
  private changesOf(input: UpdateMeasureInput): MeasureChanges;
  private changesOf(input: AddMeasureInput | UpdateMeasureInput): MeasureChanges {
    const changes: MeasureChanges = {};
    if (input.kind != null) changes.kind = input.kind;
    if (input.title != null) changes.title = input.title.trim();
    if (input.summary !== undefined) changes.summary = input.summary?.trim() || null;
    if (input.imposedBy != null)
      changes.imposedByCode = this.countries.knownCode(input.imposedBy, 'input.imposedBy');
    if (input.targetCountry !== undefined) {
      changes.targetCountryCode = this.optionalCountry(input.targetCountry, 'input.targetCountry');
    }
    if (input.beneficiaryCountry !== undefined) {
      changes.beneficiaryCountryCode = this.optionalCountry(
        input.beneficiaryCountry,
        'input.beneficiaryCountry',
      );
    }
    if (input.targetCount != null) changes.targetCount = input.targetCount;
    if (input.announcedOn != null) changes.announcedOn = input.announcedOn;
    if (input.announcedOnPrecision != null)
      changes.announcedOnPrecision = input.announcedOnPrecision;
    if (input.effectiveFrom !== undefined) changes.effectiveFrom = input.effectiveFrom ?? null;
    if (input.expiresOn !== undefined) changes.expiresOn = input.expiresOn ?? null;
    if (input.indefinite != null) changes.indefinite = input.indefinite;
    if (input.status != null) changes.status = input.status;
    if (input.inResponseToId !== undefined) {
      changes.inResponseToId = this.optionalMeasureId(input.inResponseToId, 'input.inResponseToId');
    }
    return changes;
  }

  private optionalCountry(code: string | null | undefined, field: string): string | null {
    return code == null ? null : this.countries.knownCode(code, field);
  }

  private optionalMeasureId(id: string | null | undefined, field: string): number | null {
    return id == null ? null : this.measures.decodeId(id, field);
  }

  private statementIds(ids: string[] | null | undefined, field: string): number[] | undefined {
    if (ids == null) return undefined;
    // Repeats are kept, so an unknown id is named at its own index; linking ignores repeats.
    return ids.map((id, i) => this.statements.decodeId(id, `${field}[${i}]`));
  }

  private async lockMeasure(em: EntityManager, id: number): Promise<MeasureRecord> {
    const current = await lockMeasure(em, id);
    if (!current) throw notFound('id', 'There is no measure with this ID.');
    return current;
  }

  /** Every referenced object must exist; the first that does not is named. */
  private async checkReferences(
    em: EntityManager,
    targets: NamedTargets | undefined,
    inResponseToId: number | null,
    statementIds: number[] | undefined,
  ): Promise<void> {
    if (targets && targets.existing.length > 0) {
      const missing = await missingIds(em, 'official', targets.existing);
      if (missing >= 0) {
        throw badUserInput(
          `${targets.path}.targetOfficialIds[${missing}]`,
          'There is no official with this ID.',
        );
      }
    }
    if (inResponseToId !== null && (await missingIds(em, 'measure', [inResponseToId])) >= 0) {
      throw badUserInput('input.inResponseToId', 'There is no measure with this ID.');
    }
    if (statementIds && statementIds.length > 0) {
      const missing = await missingIds(em, 'statement', statementIds);
      if (missing >= 0)
        throw badUserInput(`input.statementIds[${missing}]`, 'There is no statement with this ID.');
    }
  }

  /** Refuses an inResponseTo that would lead back to this measure. */
  private async assertNoCycle(
    em: EntityManager,
    id: number,
    inResponseToId: number,
  ): Promise<void> {
    await lockResponseChain(em);
    if (await responseChainReaches(em, inResponseToId, id)) {
      throw badUserInput(
        'input.inResponseToId',
        'inResponseToId would make a cycle: that measure already answers this one, directly or through others.',
      );
    }
  }

  /** Creates the new officials and links all named targets in order; returns the new ids. */
  private async writeTargets(
    em: EntityManager,
    measureId: number,
    targets: NamedTargets,
  ): Promise<number[]> {
    const newIds = await this.officialWriter.insertMany(
      em,
      targets.fresh,
      (i) => `${targets.path}.newTargets[${i}]`,
    );
    await linkTargets(em, measureId, [...targets.existing, ...newIds]);
    return newIds;
  }

  /**
   * The measures whose `responses` a change of inResponseTo from `before` to `after` changes
   * (the one no longer answered, the one now answered), after moving their updatedAt: the change
   * log records them as updated, as it records statements whose links change.
   */
  private async answered(
    em: EntityManager,
    before: number | null,
    after: number | null,
  ): Promise<number[]> {
    if (before === after) return [];
    const ids = [before, after].filter((id): id is number => id !== null).sort((a, b) => a - b);
    await touch(em, 'measure', ids);
    return ids;
  }

  /**
   * Links the measure to these statements, replacing its links when `replace`. Returns the
   * statements whose `measures` changed, after moving their updatedAt: the change log records
   * them as updated, as addStatement records the measures it links.
   */
  private async linkStatements(
    em: EntityManager,
    measureId: number,
    statementIds: number[],
    replace: boolean,
  ): Promise<number[]> {
    const changed = await relinkStatements(em, measureId, statementIds, replace);
    await touch(em, 'statement', changed);
    return changed;
  }
}

/** Thrown inside an update's transaction to roll it back when it changed nothing. */
const UNCHANGED = Symbol('unchanged');
