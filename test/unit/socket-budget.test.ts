import { parse } from 'graphql';
import { BYTES_PER_DOCUMENT_NODE, documentNodes } from '../../src/limits/document-guard';
import {
  SOCKET_OVERHEAD_BYTES,
  SocketBudget,
  subscriptionCharge,
  valueBytes,
} from '../../src/limits/socket-budget';

const limits = { socketBytes: 100_000, addressBytes: 250_000, totalBytes: 400_000 };

test('a socket is charged its overhead, and its subscriptions up to its own limit', () => {
  const budget = new SocketBudget(limits);
  const account = budget.open('a');
  if (typeof account === 'string') throw new Error(account);
  expect(budget.addressBytes('a')).toBe(SOCKET_OVERHEAD_BYTES);
  const room = limits.socketBytes - SOCKET_OVERHEAD_BYTES;
  expect(account.reserve(room + 1)).toBe('socket');
  expect(account.reserve(room)).toBeUndefined();
  expect(account.reserve(1)).toBe('socket');
  account.release(room);
  expect(account.bytes).toBe(SOCKET_OVERHEAD_BYTES);
  account.close();
  expect(budget.totalBytes).toBe(0);
  expect(budget.addressBytes('a')).toBe(0);
});

test('the sockets of one address share its limit; other addresses share the total', () => {
  const budget = new SocketBudget(limits);
  const opened = [budget.open('a'), budget.open('a'), budget.open('a')];
  for (const account of opened) {
    if (typeof account === 'string') throw new Error(account);
    expect(account.reserve(51_000)).toBeUndefined();
  }
  // 3 x (24 KiB + 51,000) = 226,728 bytes held by address a: another socket passes 250,000.
  expect(budget.wouldOpen('a')).toBe('address');
  expect(budget.open('a')).toBe('address');
  const b = budget.open('b');
  if (typeof b === 'string') throw new Error(b);
  expect(b.reserve(60_000)).toBeUndefined();
  // 226,728 + 84,576 + 24,576 held: another 70,000 passes the total of 400,000.
  const c = budget.open('c');
  if (typeof c === 'string') throw new Error(c);
  expect(c.reserve(70_000)).toBe('total');
  for (const account of opened) if (typeof account !== 'string') account.close();
  expect(c.reserve(70_000)).toBeUndefined();
});

test('bytes in transit count like the rest, and are given back as they leave', () => {
  const budget = new SocketBudget(limits);
  const account = budget.open('a');
  if (typeof account === 'string') throw new Error(account);
  const room = limits.socketBytes - SOCKET_OVERHEAD_BYTES;
  expect(account.holdTransit('unsent', room - 1000)).toBeUndefined();
  expect(account.holdTransit('inbound', 1001)).toBe('socket');
  expect(account.holdTransit('inbound', 1000)).toBeUndefined();
  expect(budget.addressBytes('a')).toBe(limits.socketBytes);
  expect(account.holdTransit('unsent', 0)).toBeUndefined();
  expect(account.unsent).toBe(0);
  expect(budget.addressBytes('a')).toBe(SOCKET_OVERHEAD_BYTES + 1000);
});

test('a subscription is charged by its parsed size, not its message length', () => {
  const small = parse('subscription { measureAdded { id } }');
  const dense = parse(
    `subscription { measureAdded { ${Array.from({ length: 300 }, (_, i) => `f${i}: id`).join(' ')} } }`,
  );
  expect(documentNodes(dense)).toBeGreaterThan(900);
  const base = { id: '1', query: 'q', variables: undefined };
  const charged = (document: typeof small, variables: unknown = undefined) =>
    subscriptionCharge({ ...base, document, variables });
  expect(charged(dense) - charged(small)).toBe(
    BYTES_PER_DOCUMENT_NODE * (documentNodes(dense) - documentNodes(small)),
  );
  // 10,000 empty objects are 30 KB of JSON and about 670 KB of heap.
  const objects = Array.from({ length: 10_000 }, () => ({}));
  expect(valueBytes(objects)).toBeGreaterThanOrEqual(10_000 * 64);
  expect(charged(small, { v: objects }) - charged(small)).toBeGreaterThan(600_000);
});
