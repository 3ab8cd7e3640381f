import { type GraphQLResolveInfo, Kind, type SelectionSetNode } from 'graphql';
import { ArgsType, Field, Int, ObjectType, type ClassType } from 'type-graphql';
import type { Key, KeysetOrder, KeyType, Page, PageWindow } from '../database/keyset';
import { badUserInput } from './errors';
import { INT4_MAX } from './global-id';
import type { MaybePromise } from './loaders';
import { isDate } from './scalars';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Relay's cursor arguments: `first`/`after` pages forward, `last`/`before` backward. */
@ArgsType()
export class PageArgs {
  @Field(() => Int, {
    nullable: true,
    description: `Items after \`after\`, from the start. Default ${DEFAULT_PAGE_SIZE}, at most ${MAX_PAGE_SIZE}.`,
  })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'A cursor from this same list and order.' })
  after?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: `Items before \`before\`, from the end. At most ${MAX_PAGE_SIZE}.`,
  })
  last?: number | null;

  @Field(() => String, { nullable: true, description: 'A cursor from this same list and order.' })
  before?: string | null;

  /** Not an argument: set by `counted` when the client selected totalCount. */
  withCount?: boolean;
}

/**
 * The page arguments of a connection field, marked with whether its selection asks for
 * totalCount, so the page and the count are read in one statement (see keyset.ts).
 */
export function counted(page: PageArgs, info: GraphQLResolveInfo): PageArgs {
  page.withCount = info.fieldNodes.some((node) => selects(node.selectionSet, 'totalCount', info));
  return page;
}

function selects(
  set: SelectionSetNode | undefined,
  name: string,
  info: GraphQLResolveInfo,
  depth = 0,
): boolean {
  if (!set || depth > 10) return false;
  return set.selections.some((selection) => {
    if (selection.kind === Kind.FIELD) return selection.name.value === name;
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      return selects(selection.selectionSet, name, info, depth + 1);
    }
    const fragment = info.fragments[selection.name.value];
    return selects(fragment?.selectionSet, name, info, depth + 1);
  });
}

@ObjectType({ simpleResolvers: true })
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field()
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

/** What a connection field returns; `totalCount` runs its count query only when selected. */
export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
  totalCount: () => MaybePromise<number>;
}

/** Declares `<Name>Connection` and `<Name>Edge` for a node type. */
export function ConnectionType<T extends object>(
  nodeType: ClassType<T>,
  name: string,
): ClassType<Connection<T>> {
  @ObjectType(`${name}Edge`, { simpleResolvers: true })
  class EdgeType {
    @Field({ description: 'Pass to `after` or `before` to page from this item.' })
    cursor!: string;

    @Field(() => nodeType)
    node!: T;
  }

  @ObjectType(`${name}Connection`, { simpleResolvers: true })
  class ConnectionClass {
    @Field(() => [EdgeType])
    edges!: EdgeType[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    @Field(() => Int, { description: 'Items in the whole list, ignoring the cursor arguments.' })
    totalCount!: () => MaybePromise<number>;
  }

  return ConnectionClass;
}

/** `first` or `last` within 0..MAX_PAGE_SIZE, else BAD_USER_INPUT naming it. */
export function checkPageSize(field: 'first' | 'last', value: number | null | undefined): void {
  if (value != null && (value < 0 || value > MAX_PAGE_SIZE)) {
    throw badUserInput(field, `${field} must be between 0 and ${MAX_PAGE_SIZE}, got ${value}.`);
  }
}

/** Validates cursor arguments against the list's order; every problem names its argument. */
export function pageWindow<Row>(args: PageArgs, order: KeysetOrder<Row>): PageWindow {
  const { first, last, after, before } = args;
  checkPageSize('first', first);
  checkPageSize('last', last);
  if (first != null && last != null) {
    throw badUserInput('last', 'Pass first or last, not both.');
  }
  const backward = last != null;
  return {
    limit: (backward ? last : first) ?? DEFAULT_PAGE_SIZE,
    withCount: args.withCount,
    backward,
    after: after != null ? decodeCursor(after, order, 'after') : undefined,
    before: before != null ? decodeCursor(before, order, 'before') : undefined,
  };
}

export function encodeCursor(orderId: string, key: Key): string {
  return Buffer.from(JSON.stringify([orderId, ...key])).toString('base64url');
}

/** Cursor keys are checked as strictly as PostgreSQL will read them (a refusal there is a 500). */
const KEY_PATTERNS: Record<KeyType, (value: unknown) => boolean> = {
  int: (v) => Number.isSafeInteger(v) && Math.abs(v as number) <= INT4_MAX,
  text: (v) => typeof v === 'string' && v.length <= 1000 && !v.includes('\u0000'),
  date: isDate,
  timestamptz: (v) =>
    typeof v === 'string' &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(v) &&
    !Number.isNaN(Date.parse(v)) &&
    new Date(v).toISOString() === v,
};

export function decodeCursor<Row>(cursor: string, order: KeysetOrder<Row>, field: string): Key {
  let parsed: unknown;
  try {
    if (cursor.length > 2000 || !/^[A-Za-z0-9_-]*$/.test(cursor)) throw new Error();
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badUserInput(field, `"${cursor.slice(0, 40)}" is not a valid cursor.`);
  }
  const parts = Array.isArray(parsed) ? (parsed as unknown[]) : [];
  const valid =
    parts.length === order.columns.length + 1 &&
    typeof parts[0] === 'string' &&
    order.columns.every((column, i) => KEY_PATTERNS[column.type](parts[i + 1]));
  if (!valid) throw badUserInput(field, `"${cursor.slice(0, 40)}" is not a valid cursor.`);
  if (parts[0] !== order.id) {
    throw badUserInput(field, 'This cursor belongs to another list or ordering.');
  }
  return parts.slice(1) as Key;
}

export function toConnection<T>(
  page: Page<T>,
  orderId: string,
  totalCount: () => Promise<number>,
): Connection<T> {
  const edges = page.items.map((node, i) => ({
    node,
    cursor: encodeCursor(orderId, page.keys[i]!),
  }));
  return {
    edges,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    // Read with the page when the client selected it (see `counted`), else counted on demand.
    totalCount: page.totalCount === undefined ? totalCount : () => page.totalCount!,
  };
}
