import { AppError, ErrorCode, notFound } from '../common/errors';
import { counted } from '../common/grammar';
import { encodeGlobalId } from '../common/global-id';
import type { Loaders } from '../context';
import type { CountryService } from '../countries/country.service';
import type { ChangeListener, ChangeRow } from '../live/change-listener';
import { type FeedEvent, Topic, type TopicOptions, type TopicSource } from '../live/topic';
import type { Statement } from './statement.entity';
import type { StatementService } from './statement.service';

export type StatementEvent = FeedEvent<Statement, Loaders>;

/** Country codes, or undefined for every country. */
type StatementFilter = string[] | undefined;

/** statementAdded: new statements, optionally of some countries only. */
export class StatementFeed {
  private readonly added: Topic<Statement, StatementFilter, Loaders>;

  constructor(
    private readonly statements: StatementService,
    private readonly countries: CountryService,
    listener: ChangeListener,
    newLoaders: () => Loaders,
    options: TopicOptions,
  ) {
    this.added = new Topic(new StatementTopicSource(statements, newLoaders), listener, options);
  }

  get subscriberCount(): number {
    return this.added.subscriberCount;
  }

  async subscribeAdded(
    country: string[] | null | undefined,
    since: string | null | undefined,
  ): Promise<AsyncIterableIterator<StatementEvent>> {
    const codes = this.countries.knownCodes(country, 'country');
    let sinceSeq: number | null = null;
    if (since != null) {
      const seq = await this.statements.addedSeq(this.statements.decodeId(since, 'since'));
      if (seq === undefined)
        throw notFound('since', 'There is no statement with this ID to resume after.');
      sinceSeq = seq;
    }
    return this.added.subscribe(codes?.sort(), sinceSeq);
  }
}

class StatementTopicSource implements TopicSource<Statement, StatementFilter, Loaders> {
  constructor(
    private readonly statements: StatementService,
    private readonly newLoaders: () => Loaders,
  ) {}

  accepts(row: ChangeRow): boolean {
    return row.entity === 'Statement' && row.action === 'added';
  }

  async load(ids: number[]): Promise<{ nodes: Map<number, Statement>; shared: Loaders }> {
    const shared = this.newLoaders();
    const nodes = new Map<number, Statement>();
    for (const statement of await this.statements.byIds(ids)) {
      nodes.set(statement.id, statement);
      shared.statements.byId.prime(statement.id, statement);
    }
    return { nodes, shared };
  }

  filterKey(filter: StatementFilter): string {
    return JSON.stringify(filter ?? null);
  }

  matching(filter: StatementFilter, nodes: Map<number, Statement>): Set<number> {
    const ids = new Set<number>();
    for (const [id, statement] of nodes)
      if (!filter || filter.includes(statement.countryCode)) ids.add(id);
    return ids;
  }

  replay(
    filter: StatementFilter,
    after: number,
    upTo: number,
    limit: number,
  ): Promise<{ seq: number; id: number }[]> {
    return this.statements.addedChanges(filter, after, upTo, limit);
  }

  overflowError(lastDeliveredId: number | undefined, queued: number): Error {
    const resumeFrom =
      lastDeliveredId !== undefined ? encodeGlobalId('Statement', lastDeliveredId) : null;
    return new AppError(
      ErrorCode.SUBSCRIPTION_OVERFLOW,
      `This subscription fell ${counted(queued, 'event')} behind and was ended. Subscribe again ` +
        `with since: ${resumeFrom ? `"${resumeFrom}"` : 'the since you used'} to continue ` +
        'without losing any.',
      { resumeFrom },
    );
  }
}
