/**
 * Token buckets per key (a user, or an address for the login endpoints), in this process:
 * `capacity` requests at once, refilled evenly over `perMs`. The clock is the app clock, so
 * tests can move it. Buckets that are full again are forgotten, so memory stays bounded.
 */
export interface RateLimiter {
  /** Takes one token; false when the key has none left (answer 429). */
  take(key: string): boolean;
  /** Seconds until the key has a token again (for Retry-After). */
  retryAfter(key: string): number;
}

export function createRateLimiter(opts: { capacity: number; perMs: number; now: () => Date; maxKeys?: number }): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const rate = opts.capacity / opts.perMs;
  const maxKeys = opts.maxKeys ?? 50_000;

  function refill(key: string, now: number) {
    const b = buckets.get(key);
    if (!b) return { tokens: opts.capacity, at: now };
    const tokens = Math.min(opts.capacity, b.tokens + (now - b.at) * rate);
    return { tokens, at: now };
  }

  function prune(now: number) {
    for (const [key, b] of buckets) {
      if (b.tokens + (now - b.at) * rate >= opts.capacity) buckets.delete(key);
    }
    // Still too many (a flood of distinct keys): forget the oldest.
    for (const key of buckets.keys()) {
      if (buckets.size <= maxKeys) break;
      buckets.delete(key);
    }
  }

  return {
    take(key) {
      const now = opts.now().getTime();
      const b = refill(key, now);
      if (b.tokens < 1) {
        buckets.set(key, b);
        return false;
      }
      b.tokens -= 1;
      buckets.set(key, b);
      if (buckets.size > maxKeys) prune(now);
      return true;
    },
    retryAfter(key) {
      const now = opts.now().getTime();
      const b = refill(key, now);
      return b.tokens >= 1 ? 0 : Math.ceil((1 - b.tokens) / rate / 1000);
    },
  };
}
