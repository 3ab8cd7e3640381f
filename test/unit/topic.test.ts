import type { ChangeListener, ChangeRow } from '../../src/live/change-listener';
import { type FeedEvent, Topic, type TopicSource } from '../../src/live/topic';

/** A change log in memory: rows are (seq, id); the filter is "ids divisible by n". */
class FakeLog implements TopicSource<string, number, null> {
  rows: ChangeRow[] = [];
  accepts(): boolean {
    return true;
  }
  async load(ids: number[]) {
    return { nodes: new Map(ids.map((id) => [id, `node ${id}`])), shared: null };
  }
  filterKey(filter: number): string {
    return String(filter);
  }
  matching(filter: number, nodes: Map<number, string>): Set<number> {
    return new Set([...nodes.keys()].filter((id) => id % filter === 0));
  }
  async replay(filter: number, after: number, upTo: number, limit: number) {
    return this.rows
      .filter((r) => r.seq > after && r.seq <= upTo && r.entityId % filter === 0)
      .slice(0, limit)
      .map((r) => ({ seq: r.seq, id: r.entityId }));
  }
  overflowError(lastDeliveredId: number | undefined): Error {
    return Object.assign(new Error('overflow'), { lastDeliveredId });
  }
}

function setup(queueLimit = 100) {
  const log = new FakeLog();
  let handler: ((rows: ChangeRow[]) => Promise<void>) | undefined;
  const listener = {
    seq: 0,
    onBatch: (h: typeof handler) => (handler = h),
  } as unknown as ChangeListener;
  const topic = new Topic(log, listener, { queueLimit, replayPageSize: 3 });
  let seq = 0;
  /** Commits rows with these ids, and hands them to the topic as the listener would. */
  const commit = async (...ids: number[]) => {
    const rows = ids.map((id) => ({
      seq: ++seq,
      entity: 'Measure' as const,
      entityId: id,
      action: 'added' as const,
    }));
    log.rows.push(...rows);
    await handler!(rows);
  };
  /** Commits rows the topic has not been told about yet (the listener is behind). */
  const commitUnseen = (...ids: number[]) => {
    const rows = ids.map((id) => ({
      seq: ++seq,
      entity: 'Measure' as const,
      entityId: id,
      action: 'added' as const,
    }));
    log.rows.push(...rows);
    return () => handler!(rows);
  };
  return { topic, commit, commitUnseen };
}

async function take(
  iterator: AsyncIterator<FeedEvent<string, null>>,
  n: number,
): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push((await iterator.next()).value.id);
  return ids;
}

test('live events reach matching subscribers only, in order', async () => {
  const { topic, commit } = setup();
  const evens = topic.subscribe(2, null);
  const all = topic.subscribe(1, null);
  await commit(1, 2, 3, 4);
  await commit(6);
  expect(await take(evens, 3)).toEqual([2, 4, 6]);
  expect(await take(all, 5)).toEqual([1, 2, 3, 4, 6]);
});

test('since: replays the missed matching rows in pages, then goes live without a gap or duplicate', async () => {
  const { topic, commit, commitUnseen } = setup();
  await commit(1, 2, 3, 4, 5, 6, 7, 8, 9, 10); // seq 1..10
  const resumed = topic.subscribe(1, 3); // saw seq 3
  const pending = commitUnseen(11, 12); // committed, but the listener has not delivered them yet
  await pending();
  await commit(13);
  expect(await take(resumed, 10)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
});

test('since ahead of this instance (another instance already delivered it): no duplicates', async () => {
  const { topic, commitUnseen } = setup();
  const deliver = commitUnseen(1, 2, 3);
  const resumed = topic.subscribe(1, 2); // the client saw seq 2 elsewhere
  await deliver();
  expect(await take(resumed, 1)).toEqual([3]);
});

test('a subscriber that falls behind is ended with the overflow error, naming the last delivered', async () => {
  const { topic, commit } = setup(3);
  const slow = topic.subscribe(1, null);
  await commit(1);
  expect(await take(slow, 1)).toEqual([1]);
  await commit(2, 3, 4, 5); // four waiting, limit three
  await expect(slow.next()).rejects.toMatchObject({ message: 'overflow', lastDeliveredId: 1 });
  expect(await slow.next()).toEqual({ done: true, value: undefined });
  expect(topic.subscriberCount).toBe(0);
});

test('return() unsubscribes, and a waiting next() ends', async () => {
  const { topic } = setup();
  const sub = topic.subscribe(1, null);
  const waiting = sub.next();
  await sub.return!();
  expect(await waiting).toEqual({ done: true, value: undefined });
  expect(topic.subscriberCount).toBe(0);
});

test('a batch that fails to load is offered again and delivered once', async () => {
  const { topic, commitUnseen } = setup();
  const sub = topic.subscribe(1, null);
  const source = (topic as unknown as { source: FakeLog }).source;
  const load = source.load.bind(source);
  let failures = 1;
  source.load = async (ids) => {
    if (failures-- > 0) throw new Error('database down');
    return load(ids);
  };
  const deliver = commitUnseen(1, 2);
  await expect(deliver()).rejects.toThrow('database down');
  await deliver();
  expect(await take(sub, 2)).toEqual([1, 2]);
});

test("one filter's failure ends its subscribers after what they were sent, and the others go on", async () => {
  const { topic, commit } = setup();
  const source = (topic as unknown as { source: FakeLog }).source;
  const matching = source.matching.bind(source);
  let failThrees = false;
  source.matching = (filter, nodes) => {
    if (filter === 3 && failThrees) throw new Error('text search timed out');
    return matching(filter, nodes);
  };
  const threes = topic.subscribe(3, null);
  const all = topic.subscribe(1, null);
  await commit(3);
  failThrees = true;
  await commit(6, 7);
  await commit(9);
  expect(await take(threes, 1)).toEqual([3]);
  await expect(threes.next()).rejects.toThrow('text search timed out');
  expect(await threes.next()).toEqual({ done: true, value: undefined });
  expect(await take(all, 4)).toEqual([3, 6, 7, 9]);
});

test('a filter failing because the database is away fails the batch, which is offered again', async () => {
  const { topic, commitUnseen } = setup();
  const source = (topic as unknown as { source: FakeLog }).source;
  const matching = source.matching.bind(source);
  let failures = 1;
  source.matching = (filter, nodes) => {
    if (failures-- > 0)
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    return matching(filter, nodes);
  };
  const sub = topic.subscribe(1, null);
  const deliver = commitUnseen(1, 2);
  await expect(deliver()).rejects.toThrow('ECONNREFUSED');
  await deliver();
  expect(await take(sub, 2)).toEqual([1, 2]);
});

test('a subscriber joining a filter while its matching fails is ended too, not left without the batch', async () => {
  const { topic, commit } = setup();
  const source = (topic as unknown as { source: FakeLog }).source;
  const matching = source.matching.bind(source);
  let late: ReturnType<typeof topic.subscribe> | undefined;
  source.matching = ((filter: number, nodes: Map<number, string>) => {
    if (filter !== 3) return matching(filter, nodes);
    return (async () => {
      await Promise.resolve();
      late = topic.subscribe(3, null); // joins while the match is under way
      throw new Error('text search timed out');
    })();
  }) as typeof source.matching;
  const early = topic.subscribe(3, null);
  await commit(3, 6);
  await expect(early.next()).rejects.toThrow('text search timed out');
  await expect(late!.next()).rejects.toThrow('text search timed out');
});
