import { createHash } from 'node:crypto';
import {
  type ASTVisitor,
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  Kind,
  parse,
  type SelectionSetNode,
  validate,
  type ValidationContext,
  visit,
} from 'graphql';
import { errorAt } from '../common/errors';
import type { QueryLimits } from '../config';
import { limitRules, parseOptions, tooComplex } from './query-limits';

/**
 * Heap per node of a parsed document, with its location and token: measured 287 bytes for a
 * 3,606-node document (1 MB of heap for 11 KB of text, 95 times its size).
 */
export const BYTES_PER_DOCUMENT_NODE = 300;

const nodeCounts = new WeakMap<DocumentNode, number>();

/** Nodes of a parsed document (cached: equal texts share one document object). */
export function documentNodes(document: DocumentNode): number {
  let count = nodeCounts.get(document);
  if (count === undefined) {
    let nodes = 0;
    visit(document, { enter: () => void (nodes += 1) });
    nodeCounts.set(document, (count = nodes));
  }
  return count;
}

/** What a document holds once parsed: its text (UTF-16 at worst) and its nodes. */
export function documentBytes(query: string, document: DocumentNode): number {
  return 2 * query.length + BYTES_PER_DOCUMENT_NODE * documentNodes(document);
}

/** The same response key (or fragment spread) more often than this in one selection set is refused. */
const MAX_REPEATS = 5;

/**
 * Refuses a selection set that names the same field, alias or fragment over and over: it adds
 * nothing to the answer, and graphql-js's check that overlapping fields can be merged costs time
 * quadratic in their number. Fields that inline fragments and fragment spreads bring into a
 * selection set count with its own, since they merge into the same response object. Runs on the
 * operation's entry, before any selection set is visited.
 */
function repeatedFieldsRule(context: ValidationContext): ASTVisitor {
  const check = (
    selectionSet: SelectionSetNode | undefined,
    seen: Set<SelectionSetNode>,
  ): string | undefined => {
    if (!selectionSet || seen.has(selectionSet)) return undefined;
    seen.add(selectionSet);
    const counts = new Map<string, number>();
    const spread = new Set<string>();
    const nested: SelectionSetNode[] = [];
    const count = (key: string, what: string): string | undefined => {
      const times = (counts.get(key) ?? 0) + 1;
      counts.set(key, times);
      return times > MAX_REPEATS
        ? `${what} is selected more than ${MAX_REPEATS} times in one selection set; once is enough.`
        : undefined;
    };
    const collect = (set: SelectionSetNode): string | undefined => {
      for (const selection of set.selections) {
        let problem: string | undefined;
        if (selection.kind === Kind.FIELD) {
          const key = selection.alias?.value ?? selection.name.value;
          problem = count(key, `"${key}"`);
          if (selection.selectionSet) nested.push(selection.selectionSet);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          problem = collect(selection.selectionSet);
        } else {
          const name = selection.name.value;
          problem = count(`...${name}`, `The fragment "${name}"`);
          const fragment = context.getFragment(name);
          // A fragment that (indirectly) spreads itself is NoFragmentCyclesRule's to report.
          if (!problem && fragment && !spread.has(name)) {
            spread.add(name);
            problem = collect(fragment.selectionSet);
          }
        }
        if (problem) return problem;
      }
      return undefined;
    };
    const problem = collect(selectionSet);
    if (problem) return problem;
    for (const set of nested) {
      const inner = check(set, seen);
      if (inner) return inner;
    }
    return undefined;
  };
  return {
    Document(node) {
      const seen = new Set<SelectionSetNode>();
      for (const definition of node.definitions) {
        if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
        const problem = check(definition.selectionSet, seen);
        if (problem) context.reportError(tooComplex(problem));
      }
    },
  };
}

/**
 * Fields an operation may expand to, each fragment counted as often as it is spread. Dashboards
 * and the playground's introspection stay in the hundreds; a few fragments that each spread the
 * next several times reach millions within every other limit, and working out their cost (or
 * running them) walks every copy.
 */
export const MAX_EXPANDED_FIELDS = 2000;

/**
 * Refuses an operation that expands to more than MAX_EXPANDED_FIELDS fields. Each fragment's size
 * is worked out once, so the check is linear in the document's length however many times its
 * fragments are spread.
 */
function expandedFieldsRule(context: ValidationContext): ASTVisitor {
  const sizes = new Map<string, number>();
  const visiting = new Set<string>();
  const size = (selectionSet: SelectionSetNode | undefined): number => {
    let fields = 0;
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        fields += 1 + size(selection.selectionSet);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        fields += size(selection.selectionSet);
      } else {
        const name = selection.name.value;
        let known = sizes.get(name);
        // A fragment that (indirectly) spreads itself is NoFragmentCyclesRule's to report.
        if (known === undefined && !visiting.has(name)) {
          visiting.add(name);
          known = size(context.getFragment(name)?.selectionSet);
          visiting.delete(name);
          sizes.set(name, known);
        }
        fields += known ?? 0;
      }
    }
    return fields;
  };
  return {
    Document(node) {
      for (const definition of node.definitions) {
        if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
        const fields = size(definition.selectionSet);
        if (fields > MAX_EXPANDED_FIELDS) {
          context.reportError(
            tooComplex(
              `This query expands to ${fields} fields (each fragment counted every time it is ` +
                `spread); the limit is ${MAX_EXPANDED_FIELDS}.`,
              { expandedFields: fields, maxExpandedFields: MAX_EXPANDED_FIELDS },
            ),
          );
          return;
        }
      }
    },
  };
}

/** graphql-js's own validation errors, coded as Apollo codes them (formatError maps the code). */
function validationFailed(error: GraphQLError): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
  });
}

/** The error without its nodes (and so without the document's text and AST), at its locations. */
function detached(error: GraphQLError): GraphQLError {
  return errorAt(error.message, error.locations, { extensions: error.extensions });
}

export type Checked = { document: DocumentNode } | { errors: GraphQLError[] };

/** Documents longer than this are cached by the digest of their text. */
const MAX_CACHED_LENGTH = 16 * 1024;

/**
 * Parses a document within the length and token limits and checks the cheap structural limits
 * (depth, aliases, directives, repeated fields) before anything else looks at it, so that a
 * hostile document costs a parse and a walk, never graphql-js's full validation. Results are
 * cached by text, since dashboards send the same few documents; the cache is bounded by the bytes
 * its texts and parsed documents hold (see documentBytes), not only their number, so that long
 * or dense distinct documents cannot fill the heap. Both transports
 * go through here.
 */
export class DocumentGuard {
  private readonly cache = new Map<string, { checked: Checked; weight: number }>();
  private cachedBytes = 0;
  /** graphql-js's full validation of documents that passed the limits, by document object. */
  private readonly validated = new WeakMap<DocumentNode, GraphQLError[]>();
  private readonly rules;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly limits: QueryLimits,
    private readonly capacity = 1000,
    private readonly capacityBytes = 32 * 1024 * 1024,
  ) {
    this.rules = [repeatedFieldsRule, expandedFieldsRule, ...limitRules(limits)];
  }

  check(query: string): Checked {
    // A long text is remembered by its digest, so a flood of one oversized document costs a hash
    // per request. Its entry weighs its text and parsed document when it holds the document
    // (equal texts must keep sharing one document, see websocket.ts); a refusal keeps only
    // messages and codes, not the text the errors' nodes would hold on to.
    const long = query.length > MAX_CACHED_LENGTH;
    const key = long ? `sha256:${createHash('sha256').update(query).digest('base64')}` : query;
    const cached = this.cache.get(key);
    if (cached) return cached.checked;
    let checked = this.parseAndCheck(query);
    if (long && 'errors' in checked) checked = { errors: checked.errors.map(detached) };
    this.remember(
      key,
      checked,
      'document' in checked ? documentBytes(query, checked.document) : 2 * key.length,
    );
    return checked;
  }

  private remember(key: string, checked: Checked, weight: number): void {
    if (weight > this.capacityBytes) return;
    while (
      this.cache.size > 0 &&
      (this.cache.size >= this.capacity || this.cachedBytes + weight > this.capacityBytes)
    ) {
      const [oldestKey, oldest] = this.cache.entries().next().value!;
      this.cache.delete(oldestKey);
      this.cachedBytes -= oldest.weight;
    }
    this.cache.set(key, { checked, weight });
    this.cachedBytes += weight;
  }

  /**
   * `check`, then graphql-js's full validation against the schema: for WebSocket, where no Apollo
   * validates after the guard. Cached with the document, which equal texts share.
   */
  checkAndValidate(query: string): Checked {
    const checked = this.check(query);
    if ('errors' in checked) return checked;
    let errors = this.validated.get(checked.document);
    if (!errors) {
      // Coded as Apollo codes them, so formatError maps them the same way for both transports.
      errors = validate(this.schema, checked.document).map(validationFailed);
      this.validated.set(checked.document, errors);
    }
    return errors.length > 0 ? { errors } : checked;
  }

  private parseAndCheck(query: string): Checked {
    if (query.length > this.limits.maxQueryLength) {
      return {
        errors: [
          tooComplex(
            `The query is ${query.length} characters long; the limit is ` +
              `${this.limits.maxQueryLength}. Send long values as variables.`,
          ),
        ],
      };
    }
    let document: DocumentNode;
    try {
      document = parse(query, parseOptions(this.limits));
    } catch (error) {
      // The line and column where parsing stopped, as graphql-js gives them: a client (or the
      // playground) points at the mistake. Not the source itself, which the cache would keep.
      const syntax = error instanceof GraphQLError ? error : undefined;
      return {
        errors: [
          errorAt(syntax?.message ?? 'The query could not be parsed.', syntax?.locations, {
            extensions: { code: 'GRAPHQL_PARSE_FAILED' },
          }),
        ],
      };
    }
    // Each rule reports at most once; stop at the first problem.
    const errors = validate(this.schema, document, this.rules, { maxErrors: 1 })
      .filter((error) => !/^Too many validation errors/.test(error.message))
      .map((error) => (error.extensions.code ? error : validationFailed(error)));
    return errors.length > 0 ? { errors } : { document };
  }
}
