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

test('a long document is cached by its digest when refused, and not at all when accepted', () => {
  const guard = new DocumentGuard(schema, limits);
  const refused = `{ b } # ${'x'.repeat(20_000)}`;
  const first = guard.check(refused);
  expect('errors' in first).toBe(false); // b is not checked here: Apollo validates the schema
  const tooLong = `{ a } # ${'x'.repeat(limits.maxQueryLength)}`;
  const once = guard.check(tooLong);
  expect(guard.check(tooLong)).toBe(once);
  expect('errors' in once && once.errors[0]!.extensions.code).toBe('QUERY_TOO_COMPLEX');
  const keys = [...cacheOf(guard).entries.keys()];
  expect(keys).toHaveLength(1);
  expect(keys[0]).toMatch(/^sha256:/);
});
