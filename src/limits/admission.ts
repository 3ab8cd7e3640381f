import type { DocumentNode, GraphQLSchema } from 'graphql';
import type { ApiKeyService } from '../auth/api-key.service';
import type { Caller } from '../auth/role';
import { AppError, ErrorCode } from '../common/errors';
import type { QueryLimits } from '../config';
import type { DatabaseHealth } from '../database/health';
import type { DocumentGuard } from './document-guard';
import { assertAffordable, variablesOverLimits } from './query-limits';
import {
  type Budget,
  BudgetSpent,
  type Charge,
  type RateLimiter,
  type RateLimitSubject,
} from './rate-limiter';

/** Longest operation name accepted; error messages never echo more of what a client sent. */
export const MAX_OPERATION_NAME_LENGTH = 100;

/**
 * Why an operation or a connection was not admitted. Each transport maps it once: HTTP to a
 * status code (401, 429, 503, or GraphQL's request errors), graphql-ws to a close code (4403,
 * 1013) or an error message for the subscription.
 */
export type Refusal =
  | { kind: 'unauthenticated'; error: AppError }
  | {
      kind: 'rate-limited';
      error: AppError;
      /** The operation's cost, when it was refused for being over the budget left. */
      cost?: number;
      budget?: Budget;
    }
  | { kind: 'unavailable' }
  | { kind: 'invalid'; errors: AppError[] };

/** An operation admitted and charged: its requested cost, and the charge to settle after it. */
export interface Charged {
  cost: number;
  /** Undefined when rate limits are off (or their store failed and the operation was let in). */
  charge?: Charge;
}

export type Admitted<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };

const admitted = <T>(value: T): Admitted<T> => ({ ok: true, value });
const refused = <T>(refusal: Refusal): Admitted<T> => ({ ok: false, refusal });

/** Whom a request is charged to: its key, or its client address without one. */
export function subjectOf(caller: Caller | null, clientAddress: string): RateLimitSubject {
  return caller ? { apiKeyId: caller.apiKeyId } : { address: clientAddress };
}

export interface AdmissionDependencies {
  apiKeys: ApiKeyService;
  rateLimiter: RateLimiter;
  health: DatabaseHealth;
  limits: QueryLimits;
}

/**
 * The one admission path of every operation, over HTTP and graphql-ws alike, in this order:
 * authenticate → admit the request (requests per second) → guard the document → check variables
 * and the operation name → cost → charge the cost. Keeping the steps here means the two
 * transports cannot drift apart; each maps the typed refusal to its own way of saying no.
 */
export class Admission {
  constructor(private readonly deps: AdmissionDependencies) {}

  /**
   * The caller named by `authorization` (absent: anonymous), admitted for one request. A
   * credential that is not a valid key is refused, never treated as anonymous, and charged to the
   * address as an anonymous request is, so a stream of made-up keys is bounded like one.
   */
  async caller(
    authorization: string | undefined,
    clientAddress: string,
  ): Promise<Admitted<Caller | null>> {
    let caller: Caller | null;
    try {
      caller = await this.deps.apiKeys.authenticate(authorization);
    } catch (error) {
      if (!(error instanceof AppError)) {
        if (this.deps.health.observe(error)) return refused({ kind: 'unavailable' });
        throw error;
      }
      const limited = await this.admit({ address: clientAddress });
      return refused(limited ?? { kind: 'unauthenticated', error });
    }
    const limited = await this.admit(subjectOf(caller, clientAddress));
    return limited ? refused(limited) : admitted(caller);
  }

  /**
   * The limits on the request's text, before anything runs: the document's tokens, depth,
   * aliases, directives and repeats (`guard`; fully validated against the schema when
   * `validate`), the variables' size and nesting, and the operation name's length.
   */
  request(
    guard: DocumentGuard,
    request: { query?: string; variables?: unknown; operationName?: unknown },
    validate: boolean,
  ): Admitted<DocumentNode | undefined> {
    if (
      typeof request.operationName === 'string' &&
      request.operationName.length > MAX_OPERATION_NAME_LENGTH
    ) {
      return refused({
        kind: 'invalid',
        errors: [
          new AppError(
            ErrorCode.BAD_USER_INPUT,
            `The operation name is longer than ${MAX_OPERATION_NAME_LENGTH} characters.`,
            { field: 'operationName' },
          ),
        ],
      });
    }
    let document: DocumentNode | undefined;
    if (request.query !== undefined) {
      const checked = validate ? guard.checkAndValidate(request.query) : guard.check(request.query);
      if ('errors' in checked) {
        return refused({ kind: 'invalid', errors: checked.errors as AppError[] });
      }
      document = checked.document;
    }
    const overLimits = variablesOverLimits(request.variables, this.deps.limits);
    if (overLimits.length > 0) return refused({ kind: 'invalid', errors: overLimits });
    return admitted(document);
  }

  /**
   * Refuses an operation over the cost limit, else charges its requested cost to the caller's
   * budget (refused when the budget left is smaller). Over HTTP the charge is then settled
   * against the actual cost (`settle`); a subscription keeps the cost charged when it started.
   */
  async charge(
    schema: GraphQLSchema,
    subject: RateLimitSubject,
    operation: {
      document: DocumentNode;
      variables: Record<string, unknown> | undefined;
      operationName: string | null | undefined;
    },
  ): Promise<Admitted<Charged>> {
    let cost: number | undefined;
    try {
      cost = assertAffordable(
        schema,
        operation.document,
        operation.variables,
        operation.operationName,
        this.deps.limits,
      );
      const charge = await this.deps.rateLimiter.charge(subject, cost);
      return admitted({ cost, charge });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return refused(
        error.code === ErrorCode.RATE_LIMITED
          ? {
              kind: 'rate-limited',
              error,
              cost,
              budget: error instanceof BudgetSpent ? error.budget : undefined,
            }
          : { kind: 'invalid', errors: [error] },
      );
    }
  }

  /** Settles a charge against the operation's actual cost; returns the budget left. */
  settle(charge: Charge, actual: number): Promise<Budget | undefined> {
    return this.deps.rateLimiter.settle(charge, actual);
  }

  /** The caller's budget left, charging nothing (undefined when rate limits are off). */
  budget(subject: RateLimitSubject): Promise<Budget | undefined> {
    return this.deps.rateLimiter.budget(subject);
  }

  private async admit(subject: RateLimitSubject): Promise<Refusal | undefined> {
    try {
      await this.deps.rateLimiter.admit(subject);
      return undefined;
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return { kind: 'rate-limited', error };
    }
  }
}
