import type { Caller } from '../auth/role';
import type { ChangeAuthor } from '../live/change-log';

/** The author of a write, as the change log records it. */
export function authorOf(caller: Caller | null, requestId: string | null): ChangeAuthor {
  return { apiKeyId: caller?.apiKeyId ?? null, requestId };
}
