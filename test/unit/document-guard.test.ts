import { buildSchema } from 'graphql';
import { loadConfig } from '../../src/config';
import { DocumentGuard } from '../../src/limits/document-guard';

const schema = buildSchema('type Query { a: Int }');
const { limits } = loadConfig({ NODE_ENV: 'test' });

function cacheOf(guard: DocumentGuard): { entries: Map<string, unknown>; length: number } {
  const inside = guard as unknown as { cache: Map<string, unknown>; cachedLength: number };
  return { entries: inside.cache, length: inside.cachedLength };
}

test('the cache holds at most its budget of characters, however long the documents', () => {
  const guard = new DocumentGuard(schema, limits, 1000, 100_000);
  for (let i = 0; i < 50; i++) guard.check(`{ a } # ${String(i).padEnd(15_000, 'x')}`);
  const { entries, length } = cacheOf(guard);
  expect(length).toBeLessThanOrEqual(100_000);
  expect(entries.size).toBe(6); // 6 x 15,008 characters fit in 100,000
  expect([...entries.keys()].reduce((n, key) => n + key.length, 0)).toBe(length);
});

test('a long document is cached by its digest: refused, as its errors alone; accepted, weighing its length', () => {
  const guard = new DocumentGuard(schema, limits);
  const accepted = `{ b } # ${'x'.repeat(20_000)}`; // b is Apollo's to refuse: it validates the schema
  const document = guard.check(accepted);
  expect('document' in document).toBe(true);
  expect(guard.check(accepted)).toBe(document);
  const tooLong = `{ a } # ${'x'.repeat(limits.maxQueryLength)}`;
  const once = guard.check(tooLong);
  expect(guard.check(tooLong)).toBe(once);
  expect('errors' in once && once.errors[0]!.extensions.code).toBe('QUERY_TOO_COMPLEX');
  expect('errors' in once && once.errors[0]!.source).toBeUndefined();
  const { entries, length } = cacheOf(guard);
  expect([...entries.keys()].every((key) => key.startsWith('sha256:'))).toBe(true);
  expect(entries.size).toBe(2);
  expect(length).toBe(accepted.length + [...entries.keys()][1]!.length);
});
