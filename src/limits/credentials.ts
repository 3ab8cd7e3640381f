/**
 * Names under which clients put credentials in graphql-ws's connectionParams, compared without
 * case: `authorization` is the documented one; the others are what client libraries and
 * tutorials use. A value under any of them must be a valid key.
 */
const CREDENTIAL_NAMES = new Set([
  'authorization',
  'auth',
  'authtoken',
  'auth_token',
  'token',
  'accesstoken',
  'access_token',
  'apikey',
  'api_key',
  'api-key',
  'x-api-key',
  'bearer',
  'key',
]);

export type Credential =
  { ok: true; authorization: string | undefined } | { ok: false; problem: string };

/**
 * The one credential in connectionParams, as an Authorization header value. Fields with a
 * credential's name are looked for at the top level and under `headers`, in any case: a key sent
 * under `Authorization` or `headers.authorization` is as binding as one under `authorization`,
 * never silently ignored (which would acknowledge the socket as anonymous, where HTTP says 401).
 * A bare key (under a name other than authorization) gets its `Bearer ` prefix; null, undefined
 * or an empty string means no credential (signed out).
 * Two different credentials, or one that is not a string, are refused.
 */
export function credentialOf(params: Record<string, unknown> | undefined): Credential {
  const found = new Set<string>();
  const look = (object: unknown): string | undefined => {
    if (!object || typeof object !== 'object' || Array.isArray(object)) return undefined;
    for (const [name, value] of Object.entries(object)) {
      if (!CREDENTIAL_NAMES.has(name.toLowerCase()) || value === null || value === undefined)
        continue;
      if (typeof value !== 'string') return `connectionParams.${name} must be a string`;
      const trimmed = value.trim();
      if (trimmed === '') continue; // as absent: the documented way to send no key
      // `authorization` holds a header value, as over HTTP; the other names hold a bare key.
      const header = name.toLowerCase() === 'authorization' || /^bearer\s/i.test(trimmed);
      found.add(header ? value : `Bearer ${trimmed}`);
    }
    return undefined;
  };
  const problem =
    look(params) ??
    look(Object.entries(params ?? {}).find(([name]) => name.toLowerCase() === 'headers')?.[1]);
  if (problem) return { ok: false, problem };
  if (found.size > 1) return { ok: false, problem: 'more than one credential in connectionParams' };
  return { ok: true, authorization: [...found][0] };
}
