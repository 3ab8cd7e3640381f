import { isUnavailable } from '../database/health';
import type { ChangeListener, ChangeRow } from './change-listener';

/** What a subscriber receives: the object a change is about, and state shared per batch. */
export interface FeedEvent<Node, Shared> {
  seq: number;
  id: number;
  node: Node;
  /** Created once per batch of changes and shared by every subscriber it is delivered to. */
  shared: Shared;
}

/** What a feature provides to turn change-log rows into events for its subscribers. */
export interface TopicSource<Node, Filter, Shared> {
  /** The change-log rows this topic is about. */
  accepts(row: ChangeRow): boolean;
  /** Loads the objects of a batch, once for all subscribers. */
  load(ids: number[]): Promise<{ nodes: Map<number, Node>; shared: Shared }>;
  /** Equal keys mean equal filters: each distinct filter is evaluated once per batch. */
  filterKey(filter: Filter): string;
  /** The ids among `nodes` that `filter` matches. */
  matching(filter: Filter, nodes: Map<number, Node>): Promise<Set<number>> | Set<number>;
  /** The ids `filter` matches when that needs no database, else undefined (see matchingAll). */
  matchingNow?(filter: Filter, nodes: Map<number, Node>): Set<number> | undefined;
  /**
   * The ids among `nodes` that each of `filters` matches (or the error that filter failed with),
   * with a bounded amount of work however many filters there are. Sources whose filters need
   * the database provide it, so that one write never costs one statement per filter.
   */
  matchingAll?(
    filters: readonly Filter[],
    nodes: Map<number, Node>,
  ): Promise<(Set<number> | { error: unknown })[]>;
  /** Rows of this topic matching `filter` with after < seq <= upTo, in seq order. */
  replay(
    filter: Filter,
    after: number,
    upTo: number,
    limit: number,
  ): Promise<{ seq: number; id: number }[]>;
  /** The error that ends a subscription whose client does not keep up. */
  overflowError(lastDeliveredId: number | undefined, queued: number): Error;
}

export interface TopicOptions {
  /** Events a subscription may have waiting before it is ended (the client can resume). */
  queueLimit: number;
  replayPageSize?: number;
}

/**
 * Fans the changes of one kind out to this instance's subscribers, each with its own filter.
 *
 * Resume without loss or duplicates: a subscription is registered at the topic's current
 * position P (the last seq handed out). It then replays, from the change log, the matching rows
 * after its `since` up to P, and receives live every row after max(P, since). Because seq is
 * assigned in commit order (see change-log.ts), "after P" misses nothing that commits later,
 * and the two ranges neither overlap nor leave a gap.
 */
export class Topic<Node, Filter, Shared> {
  private readonly groups = new Map<
    string,
    { filter: Filter; members: Set<Subscription<Node, Filter, Shared>> }
  >();
  private position: number;

  constructor(
    private readonly source: TopicSource<Node, Filter, Shared>,
    listener: ChangeListener,
    private readonly options: TopicOptions,
  ) {
    this.position = listener.seq;
    listener.onBatch((rows) => this.onBatch(rows));
  }

  get subscriberCount(): number {
    let count = 0;
    for (const group of this.groups.values()) count += group.members.size;
    return count;
  }

  /** `since`: the seq of the last change the client saw, or null to start now. */
  subscribe(filter: Filter, since: number | null): AsyncIterableIterator<FeedEvent<Node, Shared>> {
    const key = this.source.filterKey(filter);
    const group = this.groups.get(key) ?? { filter, members: new Set() };
    this.groups.set(key, group);
    const subscription = new Subscription(this.source, filter, {
      liveAfter: Math.max(this.position, since ?? -1),
      replayFrom: since !== null && since < this.position ? since : undefined,
      replayUpTo: this.position,
      queueLimit: this.options.queueLimit,
      replayPageSize: this.options.replayPageSize ?? 200,
      onClose: (closed) => {
        group.members.delete(closed);
        if (group.members.size === 0 && this.groups.get(key) === group) this.groups.delete(key);
      },
    });
    group.members.add(subscription);
    return subscription;
  }

  private async onBatch(rows: ChangeRow[]): Promise<void> {
    const mine = rows.filter((row) => row.seq > this.position && this.source.accepts(row));
    if (mine.length > 0 && this.groups.size > 0) {
      const { nodes, shared } = await this.source.load([
        ...new Set(mine.map((row) => row.entityId)),
      ]);
      const events = mine.flatMap((row) => {
        const node = nodes.get(row.entityId);
        return node ? [{ seq: row.seq, id: row.entityId, node, shared }] : [];
      });
      // Each member is given the batch once: filters matched in memory at once, then those that
      // wait on the database, so what other clients' filters cost never delays them. Members
      // that register meanwhile are at the old position (it advances only at the end, in the
      // same synchronous step as the last delivery), so they get this batch live, never
      // neither nor both.
      const given = new Set<Subscription<Node, Filter, Shared>>();
      const deliver = (members: Set<Subscription<Node, Filter, Shared>>, ids: Set<number>) => {
        for (const member of members) {
          if (given.has(member)) continue;
          given.add(member);
          for (const event of events) if (ids.has(event.id)) member.deliver(event);
        }
      };
      const matched = new Map<string, Set<number>>();
      const failed = new Map<string, unknown>();
      for (const [key, group] of this.groups) {
        const now = this.source.matchingNow?.(group.filter, nodes);
        if (!now) continue;
        matched.set(key, now);
        deliver(group.members, now);
      }
      for (;;) {
        const pending = [...this.groups].filter(([key]) => !matched.has(key));
        if (pending.length === 0) break;
        const results = await this.matchAll(
          pending.map(([, group]) => group.filter),
          nodes,
        );
        pending.forEach(([key], i) => {
          const result = results[i]!;
          if (result instanceof Set) return matched.set(key, result);
          // The database away: the listener retries the whole batch when it is back. Anything
          // else is this filter's own failure (a text search that times out, say): its
          // subscribers are ended with the error, so one bad filter cannot hold up the feed of
          // every other subscriber on this instance.
          if (isUnavailable(result.error)) throw result.error;
          failed.set(key, result.error);
          matched.set(key, new Set());
        });
      }
      for (const [key, group] of this.groups) {
        if (!failed.has(key)) deliver(group.members, matched.get(key)!);
        else for (const member of group.members) member.fail(failed.get(key));
      }
    }
    this.position = Math.max(this.position, rows.at(-1)!.seq);
  }

  /** The source's matchingAll, or its matching filter by filter. */
  private async matchAll(
    filters: Filter[],
    nodes: Map<number, Node>,
  ): Promise<(Set<number> | { error: unknown })[]> {
    if (this.source.matchingAll) return this.source.matchingAll(filters, nodes);
    const results: (Set<number> | { error: unknown })[] = [];
    for (const filter of filters) {
      try {
        results.push(await this.source.matching(filter, nodes));
      } catch (error) {
        results.push({ error });
      }
    }
    return results;
  }
}

interface SubscriptionPlan<Node, Filter, Shared> {
  liveAfter: number;
  replayFrom: number | undefined;
  replayUpTo: number;
  queueLimit: number;
  replayPageSize: number;
  onClose(subscription: Subscription<Node, Filter, Shared>): void;
}

/**
 * One subscriber's stream: replayed events first, then live ones from a bounded queue. A client
 * that falls `queueLimit` events behind is ended with the source's overflow error (its queue is
 * dropped at once, so a stuck client holds no memory), and can resume with `since`.
 */
class Subscription<Node, Filter, Shared> implements AsyncIterableIterator<FeedEvent<Node, Shared>> {
  private queue: FeedEvent<Node, Shared>[] = [];
  private replayed: FeedEvent<Node, Shared>[] = [];
  private replayCursor: number | undefined;
  private wake: (() => void) | undefined;
  private closed = false;
  private overflowed = false;
  private failure: unknown;
  private lastDeliveredId: number | undefined;

  constructor(
    private readonly source: TopicSource<Node, Filter, Shared>,
    private readonly filter: Filter,
    private readonly plan: SubscriptionPlan<Node, Filter, Shared>,
  ) {
    this.replayCursor = plan.replayFrom;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  deliver(event: FeedEvent<Node, Shared>): void {
    if (this.closed || this.overflowed || this.failure !== undefined) return;
    if (event.seq <= this.plan.liveAfter) return;
    if (this.queue.length >= this.plan.queueLimit) {
      this.overflowed = true;
      this.queue = [];
    } else {
      this.queue.push(event);
    }
    this.wake?.();
  }

  async next(): Promise<IteratorResult<FeedEvent<Node, Shared>>> {
    for (;;) {
      if (this.closed) return { done: true, value: undefined };
      if (this.replayCursor !== undefined || this.replayed.length > 0) {
        const replayed = await this.nextReplayed();
        if (this.closed) return { done: true, value: undefined };
        if (replayed) return this.yield(replayed);
      }
      if (this.overflowed) {
        const error = this.source.overflowError(this.lastDeliveredId, this.plan.queueLimit);
        this.close();
        throw error;
      }
      const live = this.queue.shift();
      if (live) return this.yield(live);
      if (this.failure !== undefined) {
        this.close();
        throw this.failure;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
  }

  /** Ends the subscription with `error` once the events already queued are delivered. */
  fail(error: unknown): void {
    if (this.closed || this.failure !== undefined) return;
    this.failure = error;
    this.wake?.();
  }

  async return(): Promise<IteratorResult<FeedEvent<Node, Shared>>> {
    this.close();
    return { done: true, value: undefined };
  }

  private yield(event: FeedEvent<Node, Shared>): IteratorResult<FeedEvent<Node, Shared>> {
    this.lastDeliveredId = event.id;
    return { done: false, value: event };
  }

  /** The next replayed event, reading the change log a page at a time as the client consumes. */
  private async nextReplayed(): Promise<FeedEvent<Node, Shared> | undefined> {
    while (this.replayed.length === 0 && this.replayCursor !== undefined) {
      const rows = await this.source.replay(
        this.filter,
        this.replayCursor,
        this.plan.replayUpTo,
        this.plan.replayPageSize,
      );
      if (rows.length === 0) {
        this.replayCursor = undefined;
        break;
      }
      this.replayCursor = rows.at(-1)!.seq;
      if (rows.length < this.plan.replayPageSize) this.replayCursor = undefined;
      const { nodes, shared } = await this.source.load([...new Set(rows.map((row) => row.id))]);
      for (const row of rows) {
        const node = nodes.get(row.id);
        if (node) this.replayed.push({ seq: row.seq, id: row.id, node, shared });
      }
    }
    return this.replayed.shift();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.replayed = [];
    this.plan.onClose(this);
    this.wake?.();
  }
}
