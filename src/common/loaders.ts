import DataLoader from 'dataloader';

/** What a resolver may return: graphql-js completes a plain value without waiting a turn. */
export type MaybePromise<T> = T | Promise<T>;

/** Builds an object of `type` from a row without running its constructor (rows are trusted). */
export function hydrate<T extends object, R extends object>(type: { prototype: T }, row: R): T & R {
  return Object.assign(Object.create(type.prototype) as T, row);
}

/** A DataLoader by primary key: rows come back in any order, results must follow the keys. */
export function byKeyLoader<K, V extends object>(
  fetch: (keys: readonly K[]) => Promise<V[]>,
  keyOf: (value: V) => K,
): DataLoader<K, V | null> {
  return new DataLoader<K, V | null>(async (keys) => {
    const found = new Map<K, V>();
    for (const value of await fetch(keys)) found.set(keyOf(value), value);
    return keys.map((key) => found.get(key) ?? null);
  });
}

/** Groups rows carrying their parent's key into one list per requested key. */
export function groupByParent<K, V extends { parentKey: K }>(keys: readonly K[], rows: V[]): V[][] {
  const groups = new Map<K, V[]>();
  for (const row of rows) {
    const group = groups.get(row.parentKey);
    if (group) group.push(row);
    else groups.set(row.parentKey, [row]);
  }
  return keys.map((key) => groups.get(key) ?? []);
}

/**
 * DataLoaders for lists that take arguments (a filter, an order, a page): one loader per distinct
 * set of arguments, so the same connection under 50 parents is still one batch.
 */
export class LoadersByArguments<K, V> {
  private readonly loaders = new Map<string, DataLoader<K, V>>();

  get(argumentsKey: string, batch: (keys: readonly K[]) => Promise<V[]>): DataLoader<K, V> {
    let loader = this.loaders.get(argumentsKey);
    if (!loader) {
      loader = new DataLoader<K, V>(batch);
      this.loaders.set(argumentsKey, loader);
    }
    return loader;
  }
}
