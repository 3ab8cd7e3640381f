import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '../common/errors';
import { type Extensions, sendGraphQLError } from './responses';

/** Reading a request before Apollo does: its body, within a size limit, and its query fields. */

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads the request body up to `limit` bytes and parses JSON bodies. Answers the request itself
 * (413, 400, with the top-level `extensions` that `extensionsOf` gives) and returns undefined
 * when the body cannot be used.
 */
export async function readBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
  extensionsOf: () => Promise<Extensions | undefined> = async () => undefined,
): Promise<{ parsed: unknown } | undefined> {
  if (req.method !== 'POST') return { parsed: undefined };
  const tooLarge = `Request body larger than ${limit} bytes.`;
  const refuse = async () => {
    // Closing at once would reset the connection under a client still sending, which then never
    // reads the answer: discard the rest for a moment, answer, and close after.
    req.resume();
    const cutOff = setTimeout(() => req.destroy(), 1000);
    req.once('end', () => clearTimeout(cutOff));
    const extensions = await extensionsOf();
    res.setHeader('connection', 'close');
    sendGraphQLError(res, 413, tooLarge, ErrorCode.BAD_USER_INPUT, {}, extensions);
    return undefined;
  };
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return refuse();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return refuse();
    chunks.push(chunk);
  }
  let text: string;
  try {
    text = UTF8.decode(Buffer.concat(chunks));
  } catch {
    sendGraphQLError(
      res,
      400,
      'The request body is not valid UTF-8.',
      ErrorCode.BAD_USER_INPUT,
      {},
      await extensionsOf(),
    );
    return undefined;
  }
  const contentType = req.headers['content-type'] ?? '';
  if (!/^application\/(graphql-response\+)?json\b/i.test(contentType)) return { parsed: text };
  try {
    return { parsed: text.length ? JSON.parse(text) : undefined };
  } catch {
    sendGraphQLError(
      res,
      400,
      'The request body is not valid JSON.',
      ErrorCode.BAD_USER_INPUT,
      {},
      await extensionsOf(),
    );
    return undefined;
  }
}

/**
 * The query text and variables of a GraphQL request: from the JSON body, or from GET's `query` and
 * `variables` parameters (variables that are not JSON are left for Apollo to refuse). Undefined
 * when GET's query string is not valid UTF-8, which URLSearchParams would quietly turn into U+FFFD.
 */
export function graphQLRequestOf(
  req: IncomingMessage,
  body: unknown,
): { query?: string; variables?: unknown; operationName?: unknown } | undefined {
  if (req.method !== 'GET') {
    const { query, variables, operationName } = (body ?? {}) as {
      query?: unknown;
      variables?: unknown;
      operationName?: unknown;
    };
    return { query: typeof query === 'string' ? query : undefined, variables, operationName };
  }
  const params = strictSearchParams(req.url!);
  if (!params) return undefined;
  let variables: unknown;
  try {
    variables = JSON.parse(params.get('variables') ?? 'null');
  } catch {
    variables = undefined;
  }
  return {
    query: params.get('query') ?? undefined,
    variables,
    operationName: params.get('operationName') ?? undefined,
  };
}

/**
 * A URL's query parameters, read as Apollo reads them (URLSearchParams), once its percent-encoded
 * bytes are known to be UTF-8: decodeURIComponent throws where URLSearchParams would substitute.
 */
function strictSearchParams(url: string): URLSearchParams | undefined {
  const search = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
  try {
    decodeURIComponent(search);
  } catch {
    return undefined;
  }
  return new URLSearchParams(search);
}
