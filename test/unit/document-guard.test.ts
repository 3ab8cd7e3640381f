import { buildSchema, type DocumentNode } from 'graphql';
import { loadConfig } from '../../src/config';
import {
  BYTES_PER_DOCUMENT_NODE,
  documentBytes,
  DocumentGuard,
} from '../../src/limits/document-guard';

const schema = buildSchema('type Query { a: Int }');
const { limits } = loadConfig({ NODE_ENV: 'test' });

function cacheOf(guard: DocumentGuard): {
  entries: Map<string, { weight: number; checked: { document?: DocumentNode } }>;
  bytes: number;
} {
  const inside = guard as unknown as {
    cache: Map<string, { weight: number; checked: { document?: DocumentNode } }>;
    cachedBytes: number;
  };
  return { entries: inside.cache, bytes: inside.cachedBytes };
}

test('the cache holds at most its budget of bytes, however long the documents', () => {
  const guard = new DocumentGuard(schema, limits, 1000, 100_000);
  for (let i = 0; i < 50; i++) guard.check(`{ a } # ${String(i).padEnd(15_000, 'x')}`);
  const { entries, bytes } = cacheOf(guard);
  expect(bytes).toBeLessThanOrEqual(100_000);
  // Each weighs 2 x 15,008 characters plus its few nodes: 3 fit in 100,000.
  expect(entries.size).toBe(3);
  const weights = [...entries].map(([key, entry]) => {
    expect(entry.weight).toBe(documentBytes(key, entry.checked.document!));
    return entry.weight;
  });
  expect(weights.reduce((n, weight) => n + weight, 0)).toBe(bytes);
});

test('a dense document weighs its parsed nodes, not only its text', () => {
  const fields = Array.from({ length: 1000 }, (_, i) => `a${i}`);
  const wide = buildSchema(`type Query { ${fields.map((field) => `${field}: Int`).join(' ')} }`);
  const guard = new DocumentGuard(wide, limits, 1000, 10_000_000);
  const dense = `{ ${fields.join(' ')} }`;
  expect('document' in guard.check(dense)).toBe(true);
  const [entry] = [...cacheOf(guard).entries.values()];
  expect(entry!.weight).toBeGreaterThan(BYTES_PER_DOCUMENT_NODE * 2000);
  expect(entry!.weight).toBeGreaterThan(80 * dense.length);
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
  const { entries, bytes } = cacheOf(guard);
  expect([...entries.keys()].every((key) => key.startsWith('sha256:'))).toBe(true);
  expect(entries.size).toBe(2);
  expect(bytes).toBe(
    documentBytes(accepted, (document as { document: DocumentNode }).document) +
      2 * [...entries.keys()][1]!.length,
  );
});
