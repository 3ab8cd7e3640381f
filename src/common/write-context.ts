import type DataLoader from 'dataloader';
import type { Caller } from '../auth/role';
import type { Context, Loaders } from '../context';
import type { ChangeAuthor } from '../live/change-log';

/** The author of a write, as the change log records it. */
export function authorOf(caller: Caller | null, requestId: string | null): ChangeAuthor {
  return { apiKeyId: caller?.apiKeyId ?? null, requestId };
}

/**
 * A mutation's answer: the object it just wrote, read through fresh loaders (what the request
 * read before the write is dropped), so its fields and links show the committed state.
 */
export async function reloadWritten<T>(
  context: Context,
  loaderOf: (loaders: Loaders) => DataLoader<number, T | null>,
  id: number,
): Promise<T> {
  context.refreshLoaders();
  const written = await loaderOf(context.loaders).load(id);
  if (!written) throw new Error(`object ${id} vanished after it was written`);
  return written;
}
