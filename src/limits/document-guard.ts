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
} from 'graphql';
import type { QueryLimits } from '../config';
import { limitRules, parseOptions, tooComplex } from './query-limits';

/** The same response key more often than this in one selection set is refused. */
const MAX_REPEATS = 5;

/**
 * Refuses a selection set that names the same field (or alias) over and over: it adds nothing
 * to the answer, and graphql-js's check that overlapping fields can be merged costs time
 * quadratic in their number. Runs on the operation's entry, before any selection set is visited.
 */
function repeatedFieldsRule(context: ValidationContext): ASTVisitor {
  const check = (
    selectionSet: SelectionSetNode | undefined,
    seen: Set<SelectionSetNode>,
  ): string | undefined => {
    if (!selectionSet || seen.has(selectionSet)) return undefined;
    seen.add(selectionSet);
    const counts = new Map<string, number>();
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        const count = (counts.get(key) ?? 0) + 1;
        if (count > MAX_REPEATS) {
          return `"${key}" is selected more than ${MAX_REPEATS} times in one selection set; once is enough.`;
        }
        counts.set(key, count);
      }
      const nested =
        selection.kind === Kind.FRAGMENT_SPREAD
          ? context.getFragment(selection.name.value)?.selectionSet
          : selection.selectionSet;
      const problem = check(nested, seen);
      if (problem) return problem;
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

export type Checked = { document: DocumentNode } | { errors: GraphQLError[] };

/**
 * Parses a document within the token limit and checks the cheap structural limits (depth,
 * aliases, directives, repeated fields) before anything else looks at it, so that a hostile
 * document costs a parse and a walk, never graphql-js's full validation. Results are cached by
 * text: dashboards send the same few documents. Both transports go through here.
 */
export class DocumentGuard {
  private readonly cache = new Map<string, Checked>();
  /** graphql-js's full validation of documents that passed the limits, by document object. */
  private readonly validated = new WeakMap<DocumentNode, GraphQLError[]>();
  private readonly rules;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly limits: QueryLimits,
    private readonly capacity = 1000,
  ) {
    this.rules = [repeatedFieldsRule, ...limitRules(limits)];
  }

  check(query: string): Checked {
    let checked = this.cache.get(query);
    if (!checked) {
      checked = this.parseAndCheck(query);
      if (this.cache.size >= this.capacity) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(query, checked);
    }
    return checked;
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
      errors = validate(this.schema, checked.document).map(
        (e) =>
          new GraphQLError(e.message, {
            nodes: e.nodes,
            extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
          }),
      );
      this.validated.set(checked.document, errors);
    }
    return errors.length > 0 ? { errors } : checked;
  }

  private parseAndCheck(query: string): Checked {
    let document: DocumentNode;
    try {
      document = parse(query, parseOptions(this.limits));
    } catch (error) {
      const message =
        error instanceof GraphQLError ? error.message : 'The query could not be parsed.';
      return {
        errors: [new GraphQLError(message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })],
      };
    }
    // Each rule reports at most once; stop at the first problem.
    const errors = validate(this.schema, document, this.rules, { maxErrors: 1 }).filter(
      (error) => !/^Too many validation errors/.test(error.message),
    );
    return errors.length > 0 ? { errors } : { document };
  }
}
