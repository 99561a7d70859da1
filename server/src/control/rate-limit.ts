/**
 * The per-caller rate limit (spec/control-server.md, "Rate limit"): a token bucket per
 * caller key (an API token's id, a JWT's subject) holding `perMinute` requests, refilled
 * continuously. Over it: 429 with `retry-after`. In memory: one server process.
 */
export interface RateLimit {
  /** Whether a request may go now; otherwise the seconds until one may. */
  take(key: string): { ok: true } | { ok: false; retryAfter: number };
}

export function rateLimit(perMinute: number, now: () => number = Date.now): RateLimit {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const rate = perMinute / 60_000;
  return {
    take(key) {
      const t = now();
      const bucket = buckets.get(key) ?? { tokens: perMinute, at: t };
      bucket.tokens = Math.min(perMinute, bucket.tokens + (t - bucket.at) * rate);
      bucket.at = t;
      buckets.set(key, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { ok: true };
      }
      return { ok: false, retryAfter: Math.max(1, Math.ceil((1 - bucket.tokens) / rate / 1000)) };
    },
  };
}
