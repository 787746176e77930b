// Brute-force brakes for sign-in, TOTP and task-link endpoints. Two kinds, kept apart:
// - a rate limiter in memory, per IP and per account, that slows a guesser down and forgets on
//   restart (one process serves the console, so memory is enough);
// - the account lockout of the Juki-net rule (niigata:15.2.9), whose counter and lock time live
//   in the database with the account; here only the pure decisions about it.
// The clock is injected so tests step through windows without waiting.

export interface RateLimiterOptions {
  /** Hits allowed per key within the window. */
  limit: number;
  windowMs: number;
  now?: () => number;
  /** Keys remembered at most; past it the least recently hit key is forgotten. */
  maxKeys?: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** 0 when allowed; otherwise the whole seconds until one more hit is allowed (Retry-After). */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  hit(key: string): RateLimitDecision;
  /** Whether a hit would be allowed now, recording nothing (to count only failures). */
  check(key: string): RateLimitDecision;
  reset(key: string): void;
  /** Keys currently remembered (for tests and metrics). */
  readonly size: number;
}

/**
 * A sliding window log: each key keeps the times of its allowed hits within the last window, so
 * the limit holds over any window, not just per calendar minute. Refused hits are not recorded:
 * a client that keeps trying is let through again when its old hits age out, no later.
 *
 * Memory is bounded by maxKeys × limit timestamps. A guesser who fills the table with fresh keys
 * evicts older ones; the per-account lockout in the database is what such a guesser meets next.
 */
export function createRateLimiter(o: RateLimiterOptions): RateLimiter {
  if (!Number.isInteger(o.limit) || o.limit < 1) throw new RangeError('limit must be a positive integer');
  if (!(o.windowMs > 0)) throw new RangeError('windowMs must be positive');
  const now = o.now ?? Date.now;
  const maxKeys = o.maxKeys ?? 10_000;
  if (!Number.isInteger(maxKeys) || maxKeys < 1) throw new RangeError('maxKeys must be a positive integer');
  // A Map iterates in insertion order; a key is deleted and set again on each hit, so the first
  // key is the least recently hit one.
  const hits = new Map<string, number[]>();

  const decide = (kept: number[], t: number): RateLimitDecision => {
    if (kept.length < o.limit) return { allowed: true, retryAfterSeconds: 0 };
    const retryAfterMs = kept[kept.length - o.limit] + o.windowMs - t;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) };
  };

  return {
    check(key) {
      const t = now();
      return decide((hits.get(key) ?? []).filter((at) => at > t - o.windowMs), t);
    },
    hit(key) {
      const t = now();
      const kept = (hits.get(key) ?? []).filter((at) => at > t - o.windowMs);
      hits.delete(key);
      const refused = decide(kept, t);
      if (!refused.allowed) {
        hits.set(key, kept);
        return refused;
      }
      kept.push(t);
      hits.set(key, kept);
      while (hits.size > maxKeys) hits.delete(hits.keys().next().value as string);
      return { allowed: true, retryAfterSeconds: 0 };
    },
    reset(key) {
      hits.delete(key);
    },
    get size() {
      return hits.size;
    },
  };
}

// ---- account lockout ---------------------------------------------------------------------------

/**
 * Whether this failed sign-in, the `failuresAfterThis`-th in a row, locks the account: at the
 * profile's threshold and every one after it (a failure while locked extends nothing by itself;
 * the caller decides the new lock time).
 */
export function shouldLock(failuresAfterThis: number, threshold: number): boolean {
  if (!Number.isInteger(threshold) || threshold < 1) throw new RangeError('lockout threshold must be a positive integer');
  return failuresAfterThis >= threshold;
}

/** Locked while `now` is before `lockedUntil`; null means not locked (an admin unlock sets null). */
export function isLocked(lockedUntil: Date | null, now: Date): boolean {
  return lockedUntil !== null && now.getTime() < lockedUntil.getTime();
}

/** When a lock taken now ends. */
export function lockedUntilAfter(now: Date, lockoutMs: number): Date {
  return new Date(now.getTime() + lockoutMs);
}
