import { AppError, ErrorCode, notFound } from '../common/errors';
import { counted } from '../common/grammar';
import { encodeGlobalId } from '../common/global-id';
import type { Loaders } from '../context';
import type { ChangeListener, ChangeRow } from '../live/change-listener';
import type { ChangeAction } from '../live/change-log';
import { type FeedEvent, Topic, type TopicOptions, type TopicSource } from '../live/topic';
import type { Measure } from './measure.entity';
import type { MeasureFilter } from './measure.inputs';
import type { MeasureService, NormalizedMeasureFilter } from './measure.service';

export type MeasureEvent = FeedEvent<Measure, Loaders>;

/** measureAdded and measureUpdated: the measure topics of this instance's live feed. */
export class MeasureFeed {
  private readonly added: Topic<Measure, NormalizedMeasureFilter, Loaders>;
  private readonly updated: Topic<Measure, NormalizedMeasureFilter, Loaders>;

  constructor(
    private readonly measures: MeasureService,
    listener: ChangeListener,
    newLoaders: () => Loaders,
    options: TopicOptions,
  ) {
    this.added = new Topic(
      new MeasureTopicSource(measures, newLoaders, ['added'], true),
      listener,
      options,
    );
    this.updated = new Topic(
      new MeasureTopicSource(measures, newLoaders, ['updated', 'lifted', 'expired'], false),
      listener,
      options,
    );
  }

  get subscriberCount(): number {
    return this.added.subscriberCount + this.updated.subscriberCount;
  }

  /** Validates like the measures query; `since` is the ID of the last measure the client saw. */
  async subscribeAdded(
    filter: MeasureFilter | null | undefined,
    since: string | null | undefined,
  ): Promise<AsyncIterableIterator<MeasureEvent>> {
    const normalized = this.measures.normalizeFilter(filter);
    let sinceSeq: number | null = null;
    if (since != null) {
      const seq = await this.measures.addedSeq(this.measures.decodeId(since, 'since'));
      if (seq === undefined)
        throw notFound('since', 'There is no measure with this ID to resume after.');
      sinceSeq = seq;
    }
    return this.added.subscribe(normalized, sinceSeq);
  }

  subscribeUpdated(filter: MeasureFilter | null | undefined): AsyncIterableIterator<MeasureEvent> {
    return this.updated.subscribe(this.measures.normalizeFilter(filter), null);
  }
}

class MeasureTopicSource implements TopicSource<Measure, NormalizedMeasureFilter, Loaders> {
  constructor(
    private readonly measures: MeasureService,
    private readonly newLoaders: () => Loaders,
    private readonly actions: readonly ChangeAction[],
    private readonly resumable: boolean,
  ) {}

  accepts(row: ChangeRow): boolean {
    return row.entity === 'Measure' && this.actions.includes(row.action);
  }

  async load(ids: number[]): Promise<{ nodes: Map<number, Measure>; shared: Loaders }> {
    const shared = this.newLoaders();
    const nodes = new Map<number, Measure>();
    for (const measure of await this.measures.byIds(ids)) {
      nodes.set(measure.id, measure);
      shared.measures.byId.prime(measure.id, measure);
    }
    return { nodes, shared };
  }

  filterKey(filter: NormalizedMeasureFilter): string {
    return JSON.stringify(filter);
  }

  /**
   * The same conditions as the measures query. Those on the measure's own columns are checked
   * here; full text and named targets go to SQL, so their semantics cannot drift.
   */
  matching(
    filter: NormalizedMeasureFilter,
    nodes: Map<number, Measure>,
  ): Promise<Set<number>> | Set<number> {
    return this.matchingNow(filter, nodes) ?? this.measures.matchingIds([...nodes.keys()], filter);
  }

  /** A filter on the measure's own columns only, matched in memory. */
  matchingNow(
    filter: NormalizedMeasureFilter,
    nodes: Map<number, Measure>,
  ): Set<number> | undefined {
    if (filter.text !== undefined || filter.targetsOfficial !== undefined) return undefined;
    const ids = new Set<number>();
    for (const [id, m] of nodes) if (matchesColumns(filter, m)) ids.add(id);
    return ids;
  }

  /**
   * Every filter's conditions on the measure's own columns in memory, and the text and
   * named-official conditions of all of them in one statement.
   */
  async matchingAll(
    filters: readonly NormalizedMeasureFilter[],
    nodes: Map<number, Measure>,
  ): Promise<(Set<number> | { error: unknown })[]> {
    const inSql = filters.filter((f) => f.text !== undefined || f.targetsOfficial !== undefined);
    const needsSql = new Set(inSql);
    let bySql = new Map<NormalizedMeasureFilter, Set<number>>();
    let failure: { error: unknown } | undefined;
    if (inSql.length > 0) {
      try {
        const matched = await this.measures.matchingTextAndTargets([...nodes.keys()], inSql);
        bySql = new Map(inSql.map((filter, i) => [filter, matched[i]!]));
      } catch (error) {
        failure = { error };
      }
    }
    return filters.map((filter) => {
      const sql = bySql.get(filter);
      if (failure && needsSql.has(filter)) return failure;
      const ids = new Set<number>();
      for (const [id, m] of nodes) {
        if (matchesColumns(filter, m) && (!sql || sql.has(id))) ids.add(id);
      }
      return ids;
    });
  }

  replay(
    filter: NormalizedMeasureFilter,
    after: number,
    upTo: number,
    limit: number,
  ): Promise<{ seq: number; id: number }[]> {
    return this.measures.changesMatching(filter, this.actions, after, upTo, limit);
  }

  overflowError(lastDeliveredId: number | undefined, queued: number): Error {
    const resumeFrom =
      lastDeliveredId !== undefined ? encodeGlobalId('Measure', lastDeliveredId) : null;
    const how = this.resumable
      ? resumeFrom
        ? ` Subscribe again with since: "${resumeFrom}" to continue without losing any.`
        : ' Subscribe again with the since you used to continue without losing any.'
      : ' Subscribe again, and re-read the measures you follow, as changes in between were not sent.';
    return new AppError(
      ErrorCode.SUBSCRIPTION_OVERFLOW,
      `This subscription fell ${counted(queued, 'event')} behind and was ended.${how}`,
      {
        resumeFrom,
      },
    );
  }
}

export function matchesColumns(filter: NormalizedMeasureFilter, m: Measure): boolean {
  return (
    (!filter.imposedBy || filter.imposedBy.includes(m.imposedByCode)) &&
    (!filter.targetCountry ||
      (m.targetCountryCode !== null && filter.targetCountry.includes(m.targetCountryCode))) &&
    (!filter.kind || filter.kind.includes(m.kind)) &&
    (!filter.status || filter.status.includes(m.status)) &&
    (!filter.announcedFrom || m.announcedOn >= filter.announcedFrom) &&
    (!filter.announcedTo || m.announcedOn <= filter.announcedTo)
  );
}
