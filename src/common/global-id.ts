import { badUserInput } from './errors';
import { withArticle } from './grammar';

export const INT4_MAX = 2_147_483_647;

/** A positive int4, as every integer key in PostgreSQL is: a larger one would be refused there. */
const intKey = (key: string) => /^[1-9][0-9]{0,9}$/.test(key) && Number(key) <= INT4_MAX;

/** Types addressable through `node(id)`, with the test of their database key. */
export const NODE_TYPES = {
  Country: (key: string) => /^[A-Z]{2}$/.test(key),
  Official: intKey,
  Measure: intKey,
  Statement: intKey,
  ApiKey: intKey,
} as const;

export type NodeTypeName = keyof typeof NODE_TYPES;

export interface GlobalId {
  type: NodeTypeName;
  key: string;
}

/** Opaque Relay ID: base64url of `Type:key`. Clients must not parse it; we may change it. */
export function encodeGlobalId(type: NodeTypeName, key: string | number): string {
  return Buffer.from(`${type}:${key}`).toString('base64url');
}

/** Decodes any global ID; a malformed one is BAD_USER_INPUT naming `field`. */
export function decodeGlobalId(id: string, field: string): GlobalId {
  if (id.length <= 64 && /^[A-Za-z0-9_-]+$/.test(id)) {
    const decoded = Buffer.from(id, 'base64url').toString('utf8');
    const colon = decoded.indexOf(':');
    const type = decoded.slice(0, colon) as NodeTypeName;
    const key = decoded.slice(colon + 1);
    // Only the one spelling we hand out: base64url ignores stray trailing bits, so other strings
    // would decode to the same object, and a cache or a client comparing IDs would see two.
    const valid = colon > 0 && Object.hasOwn(NODE_TYPES, type) && NODE_TYPES[type](key);
    if (valid && encodeGlobalId(type, key) === id) {
      return { type, key };
    }
  }
  throw badUserInput(field, `"${truncate(id)}" is not a valid ID.`);
}

/** Decodes an ID that must name a `type`; returns the integer key. */
export function decodeIntId(id: string, type: NodeTypeName, field: string): number {
  const decoded = decodeGlobalId(id, field);
  if (decoded.type !== type) {
    throw badUserInput(
      field,
      `Expected the ID of ${withArticle(type)}, got the ID of ${withArticle(decoded.type)}.`,
    );
  }
  return Number(decoded.key);
}

function truncate(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}
