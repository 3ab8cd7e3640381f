import type { Pool } from 'pg';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError, ErrorCode } from '../common/errors';
import type { RateLimitConfig } from '../config';
import type { Logger } from '../logger';
import { rateLimitKeyOf } from './client-address';

/** Who is charged: an API key, or a client address (an IPv6 /64) for anonymous callers. */
export type RateLimitSubject = { apiKeyId: number } | { address: string };

/**
 * Requests are charged their query cost against a budget per window: one per API key (editors
 * and admins get the larger one), one per client address for anonymous callers. The counters are
 * in Postgres (rate-limiter-flexible's store, in the rate_limit table), so every instance behind
 * the load balancer shares them and there is no other service to run. Should Postgres fail, an
 * in-memory limiter per instance stands in rather than letting everything through.
 */
export class RateLimiter {
  private readonly anonymous: RateLimiterPostgres;
  private readonly keyed: RateLimiterPostgres;
  private readonly anonymousRequests: RateLimiterMemory;
  private readonly keyedRequests: RateLimiterMemory;

  constructor(
    pool: Pool,
    private readonly config: RateLimitConfig,
    private readonly logger: Logger,
  ) {
    const limiter = (keyPrefix: string, points: number) =>
      new RateLimiterPostgres({
        storeClient: pool,
        storeType: 'pool',
        tableName: 'rate_limit',
        tableCreated: true, // by a migration
        keyPrefix,
        points,
        duration: config.windowSeconds,
        insuranceLimiter: new RateLimiterMemory({
          keyPrefix,
          points,
          duration: config.windowSeconds,
        }),
      });
    this.anonymous = limiter('address', config.anonymousPoints);
    this.keyed = limiter('key', config.keyPoints);
    this.anonymousRequests = new RateLimiterMemory({
      points: config.anonymousRequestsPerSecond,
      duration: 1,
    });
    this.keyedRequests = new RateLimiterMemory({
      points: config.keyRequestsPerSecond,
      duration: 1,
    });
  }

  /**
   * Counts one request (in memory, per instance) before anything is parsed: a client sending
   * documents that are refused before they cost anything is still bounded.
   */
  async admit(subject: RateLimitSubject): Promise<void> {
    if (!this.config.enabled) return;
    const [limiter, key] =
      'apiKeyId' in subject
        ? [this.keyedRequests, String(subject.apiKeyId)]
        : [this.anonymousRequests, rateLimitKeyOf(subject.address)];
    try {
      await limiter.consume(key, 1);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      throw new AppError(
        ErrorCode.RATE_LIMITED,
        `Rate limit reached: ${limiter.points} requests per second. Try again in 1 s.`,
        { retryAfterSeconds: 1 },
      );
    }
  }

  /**
   * Charges the cost an operation requested, before it runs; throws BudgetSpent (RATE_LIMITED,
   * with retryAfterSeconds) when the budget left is smaller, after giving the points back: an
   * operation refused does nothing and costs nothing. Returns the charge, to be settled against
   * the actual cost once the operation has run; undefined when rate limits are off or the store
   * failed (the operation is then let through, as before).
   */
  async charge(subject: RateLimitSubject, cost: number): Promise<Charge | undefined> {
    if (!this.config.enabled || cost <= 0) return undefined;
    const [limiter, key] = this.budgetOf(subject);
    const points = Math.ceil(cost);
    const chargedAt = Date.now();
    try {
      const charged = await limiter.consume(key, points);
      return {
        subject,
        points,
        windowEndsAt: chargedAt + charged.msBeforeNext,
        budget: this.stateOf(limiter, charged),
      };
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) {
        this.logger.warn({ err: rejection }, 'rate limiter failed; request allowed');
        return undefined;
      }
      // rate-limiter-flexible counts a refused consumption too: give it back.
      const left = await limiter.reward(key, points).catch(() => rejection);
      const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw new BudgetSpent(
        `Rate limit reached: ${limiter.points} cost points per ${this.config.windowSeconds} s. ` +
          `Try again in ${retryAfter} s.`,
        retryAfter,
        { ...this.stateOf(limiter, left), resetSeconds: retryAfter },
      );
    }
  }

  /**
   * Settles a charge against what the operation actually cost, as Shopify's API does: the
   * difference is given back (`reward`) or, when a list held more than its estimate, taken
   * (`penalty`). A refund is dropped once the window that held the charge has ended: the charge
   * went with it. Returns the budget left.
   */
  async settle(charge: Charge, actual: number): Promise<Budget | undefined> {
    const difference = charge.points - Math.ceil(actual);
    if (difference === 0) return charge.budget;
    const [limiter, key] = this.budgetOf(charge.subject);
    try {
      if (difference > 0 && Date.now() >= charge.windowEndsAt)
        return await this.budget(charge.subject);
      const settled =
        difference > 0
          ? await limiter.reward(key, difference)
          : await limiter.penalty(key, -difference);
      return this.stateOf(limiter, settled);
    } catch (error) {
      this.logger.warn({ err: error }, 'rate limiter failed to settle a charge');
      return charge.budget;
    }
  }

  /** The budget left, without charging anything; undefined when rate limits are off. */
  async budget(subject: RateLimitSubject): Promise<Budget | undefined> {
    if (!this.config.enabled) return undefined;
    const [limiter, key] = this.budgetOf(subject);
    try {
      const state = await limiter.get(key);
      return state
        ? this.stateOf(limiter, state)
        : {
            limit: limiter.points,
            remaining: limiter.points,
            resetSeconds: this.config.windowSeconds,
            windowSeconds: this.config.windowSeconds,
          };
    } catch (error) {
      this.logger.warn({ err: error }, 'rate limiter failed to read a budget');
      return undefined;
    }
  }

  private budgetOf(subject: RateLimitSubject): [RateLimiterPostgres, string] {
    return 'apiKeyId' in subject
      ? [this.keyed, String(subject.apiKeyId)]
      : [this.anonymous, rateLimitKeyOf(subject.address)];
  }

  private stateOf(limiter: RateLimiterPostgres, state: RateLimiterRes): Budget {
    return {
      limit: limiter.points,
      remaining: Math.min(limiter.points, Math.max(0, state.remainingPoints)),
      resetSeconds:
        state.msBeforeNext >= 0 ? Math.ceil(state.msBeforeNext / 1000) : this.config.windowSeconds,
      windowSeconds: this.config.windowSeconds,
    };
  }
}

/** What is left of a budget, as responses report it (extensions.cost, RateLimit headers). */
export interface Budget {
  limit: number;
  remaining: number;
  /** Seconds until the window ends and the budget is whole again. */
  resetSeconds: number;
  windowSeconds: number;
}

/** A cost charged before an operation ran, to be settled once its actual cost is known. */
export interface Charge {
  subject: RateLimitSubject;
  points: number;
  /** When the window the points were charged in ends (ms since the epoch). */
  windowEndsAt: number;
  /** The budget left just after the charge. */
  budget: Budget;
}

/** RATE_LIMITED because the budget left is smaller than the operation's cost. */
export class BudgetSpent extends AppError {
  constructor(
    message: string,
    retryAfterSeconds: number,
    readonly budget: Budget,
  ) {
    super(ErrorCode.RATE_LIMITED, message, { retryAfterSeconds });
  }
}
