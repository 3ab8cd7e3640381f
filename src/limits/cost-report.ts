import type { Budget } from './rate-limiter';

/**
 * What every HTTP response says about cost: `extensions.cost` in the body, and the
 * RateLimit-Policy and RateLimit header fields of draft-ietf-httpapi-ratelimit-headers (the
 * policy as a quoted String item with `q` quota units per `w` seconds; what is left as `r`, and
 * `t` seconds until the window resets). The quota unit is the draft's default, "request", each
 * request consuming its cost in units, as the draft allows a server to weigh its requests.
 */
export const RATE_LIMIT_POLICY = 'default';

export interface CostReport {
  /** The cost charged before the operation ran (0 when it was refused before that). */
  requested: number;
  /** The cost charged once it had run (see actual-cost.ts); 0 when it did not run. */
  actual: number;
  /** The caller's budget left; null when rate limits are off or the budget cannot be read. */
  budget: { limit: number; remaining: number; resetSeconds: number } | null;
}

export function costReport(
  requested: number,
  actual: number,
  budget: Budget | undefined,
): CostReport {
  return {
    requested,
    actual,
    budget: budget
      ? { limit: budget.limit, remaining: budget.remaining, resetSeconds: budget.resetSeconds }
      : null,
  };
}

/** The RateLimit-Policy and RateLimit header fields for a budget, lower-cased names. */
export function rateLimitHeaders(budget: Budget): [string, string][] {
  const whole = (value: number) => Math.max(0, Math.floor(value));
  return [
    [
      'ratelimit-policy',
      `"${RATE_LIMIT_POLICY}";q=${whole(budget.limit)};w=${whole(budget.windowSeconds)}`,
    ],
    [
      'ratelimit',
      `"${RATE_LIMIT_POLICY}";r=${whole(budget.remaining)};t=${whole(budget.resetSeconds)}`,
    ],
  ];
}
