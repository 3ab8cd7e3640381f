import { decodeCursor, encodeCursor, pageWindow } from '../../src/common/connection';
import {
  keysetPerParentSql,
  keysetSql,
  type KeysetOrder,
  SqlParams,
  toPage,
} from '../../src/database/keyset';

interface Row {
  day: string;
  id: number;
}

const ORDER: KeysetOrder<Row> = {
  id: 'test:DAY',
  direction: 'DESC',
  columns: [
    { sql: 't.day', type: 'date', value: (r) => r.day },
    { sql: 't.id', type: 'int', value: (r) => r.id },
  ],
};

function fieldOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return (error as { extensions: { field: unknown } }).extensions.field;
  }
  return undefined;
}

describe('pageWindow', () => {
  test('defaults to the first 20', () => {
    expect(pageWindow({}, ORDER)).toEqual({
      limit: 20,
      backward: false,
      after: undefined,
      before: undefined,
    });
  });

  test('last pages backward; cursors decode to keys', () => {
    const cursor = encodeCursor('test:DAY', ['2024-01-02', 7]);
    expect(pageWindow({ last: 5, before: cursor }, ORDER)).toEqual({
      limit: 5,
      backward: true,
      after: undefined,
      before: ['2024-01-02', 7],
    });
  });

  test.each([
    [{ first: 101 }, 'first'],
    [{ first: -1 }, 'first'],
    [{ last: 1000 }, 'last'],
    [{ first: 1, last: 1 }, 'last'],
    [{ after: 'x' }, 'after'],
    [{ before: encodeCursor('test:DAY', ['2024-01-02', 'seven']) }, 'before'],
    [{ after: encodeCursor('test:DAY', ['2024-1-2', 7]) }, 'after'],
    [{ after: encodeCursor('other:DAY', ['2024-01-02', 7]) }, 'after'],
    [{ after: encodeCursor('test:DAY', ['2024-01-02']) }, 'after'],
  ])('%j is rejected naming %s', (args, field) => {
    expect(fieldOf(() => pageWindow(args, ORDER))).toBe(field);
  });

  test('a cursor round-trips', () => {
    expect(decodeCursor(encodeCursor('test:DAY', ['2024-01-02', 7]), ORDER, 'after')).toEqual([
      '2024-01-02',
      7,
    ]);
  });
});

describe('keyset SQL', () => {
  test('forward: seek past the cursor in the order direction, one extra row', () => {
    const params = new SqlParams();
    const text = keysetSql({
      select: 't.*',
      from: 'thing t',
      where: ['t.kind = $1'],
      params: (params.add('x'), params),
      order: ORDER,
      window: { limit: 10, backward: false, after: ['2024-01-02', 7] },
    });
    expect(text).toBe(
      'SELECT t.* FROM thing t WHERE t.kind = $1 AND (t.day, t.id) < ($2::date, $3::int4) ORDER BY t.day DESC, t.id DESC LIMIT 11',
    );
    expect(params.values).toEqual(['x', '2024-01-02', 7]);
  });

  test('backward: the order flips and so does the seek', () => {
    const params = new SqlParams();
    const text = keysetSql({
      select: 't.*',
      from: 'thing t',
      where: [],
      params,
      order: ORDER,
      window: { limit: 3, backward: true, before: ['2024-01-02', 7] },
    });
    expect(text).toBe(
      'SELECT t.* FROM thing t WHERE (t.day, t.id) > ($1::date, $2::int4) ORDER BY t.day ASC, t.id ASC LIMIT 4',
    );
  });

  test('per parent: one LATERAL subquery per key', () => {
    const params = new SqlParams();
    const keys = params.add([1, 2], 'int4[]');
    const text = keysetPerParentSql(
      {
        select: 't.*',
        from: 'thing t',
        where: [],
        params,
        order: ORDER,
        window: { limit: 2, backward: false },
      },
      { column: 't.parent_id', keys },
    );
    expect(text).toContain('FROM unnest($1::int4[]) AS p(key) CROSS JOIN LATERAL');
    expect(text).toContain('WHERE t.parent_id = p.key ORDER BY t.day DESC, t.id DESC LIMIT 3');
  });
});

describe('toPage', () => {
  const rows = (n: number): Row[] =>
    Array.from({ length: n }, (_, i) => ({ day: '2024-01-01', id: 100 - i }));

  test('an extra row means there is a next page; an after cursor means a previous one', () => {
    const page = toPage(rows(4), ORDER, { limit: 3, backward: false, after: ['2024-01-02', 1] });
    expect(page.items.map((r) => r.id)).toEqual([100, 99, 98]);
    expect(page).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    expect(page.keys[0]).toEqual(['2024-01-01', 100]);
  });

  test('backward pages come back in list order', () => {
    const page = toPage(rows(2), ORDER, { limit: 3, backward: true });
    expect(page.items.map((r) => r.id)).toEqual([99, 100]);
    expect(page).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
  });
});
