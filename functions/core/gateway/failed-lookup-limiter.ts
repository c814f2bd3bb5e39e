/**
 * Slows down one client that keeps presenting unknown tokens. A token has 256 random bits, so
 * guessing is hopeless anyway; this keeps a scanner from turning the gateway into a cheap table
 * probe and keeps its noise out of the logs.
 *
 * In memory, per instance: each Lambda instance (or local server) counts on its own, so a client
 * spread over many instances is slowed less. That is deliberate: the outer limit on AWS is the
 * HTTP API's stage throttling (and WAF if ever needed); this is the inexpensive inner one.
 */

export interface FailedLookupLimiterOptions {
  /** Failures inside the window before slowing down (default 5). */
  threshold?: number;
  /** Sliding window length (default 10 minutes). */
  windowMs?: number;
  /** Delay for the first request past the threshold; doubles with each further failure (default 250 ms). */
  baseDelayMs?: number;
  /** Longest delay; a request that would wait longer is refused with 429 instead (default 4 s). */
  maxDelayMs?: number;
  /** Clients remembered at most; the least recently failing are forgotten first (bounded memory). */
  maxClients?: number;
}

export type LimiterDecision =
  | { kind: 'allow' }
  | { kind: 'delay'; ms: number }
  | { kind: 'reject'; retryAfterSeconds: number };

export class FailedLookupLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly threshold: number;
  private readonly windowMs: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxClients: number;

  constructor(options: FailedLookupLimiterOptions = {}) {
    this.threshold = options.threshold ?? 5;
    this.windowMs = options.windowMs ?? 10 * 60_000;
    this.baseDelayMs = options.baseDelayMs ?? 250;
    this.maxDelayMs = options.maxDelayMs ?? 4_000;
    this.maxClients = options.maxClients ?? 10_000;
  }

  /** What to do with a request from `clientId` before its token is looked up. */
  check(clientId: string, now: number): LimiterDecision {
    const recent = this.recent(clientId, now);
    if (recent.length < this.threshold) return { kind: 'allow' };
    const excess = recent.length - this.threshold;
    const delay = this.baseDelayMs * 2 ** excess;
    if (delay <= this.maxDelayMs) return { kind: 'delay', ms: delay };
    // Wait until enough failures have left the window for the client to be below the threshold.
    const freesAt = (recent[recent.length - this.threshold] ?? now) + this.windowMs;
    return { kind: 'reject', retryAfterSeconds: Math.max(1, Math.ceil((freesAt - now) / 1000)) };
  }

  /** Counts one failed lookup (unknown or malformed token). */
  recordFailure(clientId: string, now: number): void {
    const recent = this.recent(clientId, now);
    recent.push(now);
    // Re-insert so Map order is "least recently failing first", which eviction relies on.
    this.failures.delete(clientId);
    this.failures.set(clientId, recent);
    while (this.failures.size > this.maxClients) {
      const oldest = this.failures.keys().next().value;
      if (oldest === undefined) break;
      this.failures.delete(oldest);
    }
  }

  private recent(clientId: string, now: number): number[] {
    const all = this.failures.get(clientId);
    if (!all) return [];
    const recent = all.filter((at) => now - at < this.windowMs);
    if (recent.length === 0) this.failures.delete(clientId);
    else this.failures.set(clientId, recent);
    return recent;
  }
}
