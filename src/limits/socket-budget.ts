import type { DocumentNode } from 'graphql';
import { documentBytes } from './document-guard';

/**
 * Bytes that WebSocket clients make the server hold, bounded per socket, per client address and
 * in all. Counts alone (sockets, subscriptions) do not bound memory: one subscription can carry
 * a 1 MiB message, and a socket that stops reading holds whatever is sent to it.
 *
 * What is charged:
 * - each open socket, a fixed `socketBytes` (ws's buffers, the protocol state, a keep-alive timer);
 * - each running subscription, what its subscribe message made the server keep: its id and
 *   text, its parsed document by node count, its variables as parsed values, plus a fixed part
 *   (its iterator, context and loaders);
 * - bytes in transit: a message still arriving, and output the client has not read yet.
 *
 * The worst case that clients without a key can reach is `totalBytes` in all and
 * `addressBytes` from one address (docs/operations.md works it out for the defaults).
 */
export interface SocketBudgetLimits {
  /** What one socket may hold: its subscriptions plus its unsent bytes. */
  socketBytes: number;
  /** What all the sockets of one client address (an IPv6 /64) may hold together. */
  addressBytes: number;
  /** What all sockets may hold together, on this instance. */
  totalBytes: number;
}

/** Fixed charge per open socket, measured: about 20 KiB of RSS per idle socket at 10,000. */
export const SOCKET_OVERHEAD_BYTES = 24 * 1024;
/** Fixed charge per running subscription: iterator, context, loaders, protocol state. */
export const SUBSCRIPTION_OVERHEAD_BYTES = 4 * 1024;
/**
 * Heap that a JSON value holds once parsed, roughly and never under: measured 67 bytes per empty
 * object (its JSON is 3 bytes), so a message's length says little of what its variables cost.
 */
export function valueBytes(value: unknown): number {
  if (value === null || typeof value !== 'object') {
    return typeof value === 'string' ? 16 + 2 * value.length : 8;
  }
  if (Array.isArray(value)) {
    return value.reduce((sum: number, item) => sum + valueBytes(item), 32 + 8 * value.length);
  }
  let bytes = 64;
  for (const [key, item] of Object.entries(value)) bytes += 16 + 2 * key.length + valueBytes(item);
  return bytes;
}

/** What a running subscription makes the server hold, from what its client sent. */
export function subscriptionCharge(subscription: {
  id: string;
  query: string;
  document: DocumentNode;
  variables: unknown;
  operationName?: string | null;
}): number {
  return (
    SUBSCRIPTION_OVERHEAD_BYTES +
    2 * (subscription.id.length + (subscription.operationName?.length ?? 0)) +
    documentBytes(subscription.query, subscription.document) +
    valueBytes(subscription.variables ?? null)
  );
}

export type BudgetRefusal = 'socket' | 'address' | 'total';

/** One socket's account: what it holds, charged to its address and to the total as well. */
export class SocketAccount {
  private held = SOCKET_OVERHEAD_BYTES;
  /** Bytes in transit: a message still arriving, and output the client has not read yet. */
  private readonly transit = { inbound: 0, unsent: 0 };
  private closed = false;

  constructor(
    private readonly budget: SocketBudget,
    readonly addressKey: string,
  ) {}

  /** Bytes held by this socket's subscriptions and itself (not counting unsent bytes). */
  get bytes(): number {
    return this.held;
  }

  /** Charges `bytes`, or says which limit it would pass (and charges nothing). */
  reserve(bytes: number): BudgetRefusal | undefined {
    if (this.closed) return 'socket';
    if (this.held + bytes > this.budget.limits.socketBytes) return 'socket';
    const refusal = this.budget.charge(this.addressKey, bytes);
    if (refusal) return refusal;
    this.held += bytes;
    return undefined;
  }

  release(bytes: number): void {
    if (this.closed) return;
    const released = Math.min(bytes, this.held);
    this.held -= released;
    this.budget.credit(this.addressKey, released);
  }

  /**
   * Sets the bytes in transit of one kind: a message still arriving (received, not yet whole),
   * or output waiting for the client to read it. A client can hold either for as long as its
   * connection lives, so both count like the rest; the refusal says which limit they passed.
   */
  holdTransit(kind: 'inbound' | 'unsent', bytes: number): BudgetRefusal | undefined {
    const delta = bytes - this.transit[kind];
    if (delta === 0) return undefined;
    if (delta < 0) {
      this.release(-delta);
      this.transit[kind] = bytes;
      return undefined;
    }
    const refusal = this.reserve(delta);
    if (!refusal) this.transit[kind] = bytes;
    return refusal;
  }

  /** Output held for the client now (see holdTransit). */
  get unsent(): number {
    return this.transit.unsent;
  }

  /** Releases everything the socket held. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.budget.credit(this.addressKey, this.held);
    this.budget.closed(this.held);
    this.held = 0;
    this.closed = true;
  }
}

/** The accounts of every socket on this instance. */
export class SocketBudget {
  private total = 0;
  private readonly perAddress = new Map<string, number>();

  /** `onRelease` hears what each closing socket gives back, e.g. to collect garbage after a crowd. */
  constructor(
    readonly limits: SocketBudgetLimits,
    private readonly onRelease: (bytes: number) => void = () => undefined,
  ) {}

  /** Bytes held in all, and by one address: for the logs, the tests and the benchmarks. */
  get totalBytes(): number {
    return this.total;
  }

  addressBytes(addressKey: string): number {
    return this.perAddress.get(addressKey) ?? 0;
  }

  /** Opens an account for a new socket, or says which limit its fixed charge would pass. */
  open(addressKey: string): SocketAccount | BudgetRefusal {
    const refusal = this.charge(addressKey, SOCKET_OVERHEAD_BYTES);
    return refusal ?? new SocketAccount(this, addressKey);
  }

  /** Whether a socket from `addressKey` could be opened now (nothing is charged). */
  wouldOpen(addressKey: string): BudgetRefusal | undefined {
    return this.refusal(addressKey, SOCKET_OVERHEAD_BYTES);
  }

  /** @internal for SocketAccount */
  charge(addressKey: string, bytes: number): BudgetRefusal | undefined {
    const refusal = this.refusal(addressKey, bytes);
    if (refusal) return refusal;
    this.total += bytes;
    this.perAddress.set(addressKey, this.addressBytes(addressKey) + bytes);
    return undefined;
  }

  /** @internal for SocketAccount: a socket gave back `bytes` as it closed. */
  closed(bytes: number): void {
    this.onRelease(bytes);
  }

  /** @internal for SocketAccount */
  credit(addressKey: string, bytes: number): void {
    this.total -= bytes;
    const left = this.addressBytes(addressKey) - bytes;
    if (left > 0) this.perAddress.set(addressKey, left);
    else this.perAddress.delete(addressKey);
  }

  private refusal(addressKey: string, bytes: number): BudgetRefusal | undefined {
    if (this.addressBytes(addressKey) + bytes > this.limits.addressBytes) return 'address';
    if (this.total + bytes > this.limits.totalBytes) return 'total';
    return undefined;
  }
}
