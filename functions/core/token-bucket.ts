/**
 * A token bucket several Lambdas share through a store (BucketStore) with optimistic concurrency:
 * the read budgets of the game's tables (collect/read-budget.ts) and the mail sending rate
 * (mail/paced-mailer.ts).
 *
 * The bucket refills at ¾ of the rate and holds at most ¼ of a second's worth: whatever second
 * one looks at, what was taken in it is at most one full bucket plus one second of refill, i.e.
 * the rate. A taker that only learns its true cost afterwards (a page's ConsumedCapacity) reserves
 * an estimate and settles the difference; a bucket may go below zero, and the next takes wait
 * until it has refilled.
 */

export interface BucketState {
  tokens: number;
  /** When `tokens` was computed, epoch ms. */
  at: number;
  version: number;
}

export interface BucketStore {
  get(key: string): Promise<BucketState | undefined>;
  /** Writes `next` only if the stored version is still `expectedVersion` (0: none stored yet). */
  put(key: string, next: BucketState, expectedVersion: number): Promise<boolean>;
}

export interface BudgetClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemBudgetClock: BudgetClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

const REFILL_SHARE = 0.75;
const CAPACITY_SHARE = 0.25;

/** One bucket, shared through the store. */
export class SharedTokenBucket {
  readonly ratePerMs: number;
  /** The most one reservation may ask for (a page is planned to fit). */
  readonly capacity: number;

  constructor(
    private readonly store: BucketStore,
    private readonly key: string,
    unitsPerSecond: number,
    private readonly clock: BudgetClock = systemBudgetClock,
  ) {
    if (!(unitsPerSecond > 0)) throw new RangeError(`A read budget must be positive, got ${unitsPerSecond}`);
    this.ratePerMs = (unitsPerSecond * REFILL_SHARE) / 1000;
    this.capacity = Math.max(1, unitsPerSecond * CAPACITY_SHARE);
  }

  /** Waits until `units` (at most `capacity`) are in the bucket, and takes them. */
  take(units: number): Promise<void> {
    return this.settleAndTake(0, 0, units);
  }

  /**
   * After a read: charges what it used beyond its reservation (the bucket may go negative), or
   * gives back what it did not use.
   */
  settle(reserved: number, used: number): Promise<void> {
    return this.settleAndTake(reserved, used, 0);
  }

  /**
   * Settles one read and reserves the next in one read and one write of the store: a collector
   * does this once per page, and each round trip to the bucket delays the next page's Query.
   * When the next reservation has to wait for the refill, the settlement is written first.
   */
  async settleAndTake(reserved: number, used: number, units: number): Promise<void> {
    let extra = used - reserved;
    const wanted = units > 0 ? Math.min(units, this.capacity) : 0;
    for (;;) {
      if (wanted === 0 && Math.abs(extra) < 0.5) return;
      const { state, available, now } = await this.read();
      const settled = Math.min(this.capacity, available - extra);
      const enough = wanted === 0 || settled >= wanted;
      if (enough || Math.abs(extra) >= 0.5) {
        const tokens = enough ? settled - wanted : settled;
        const next = { tokens, at: now, version: state.version + 1 };
        // Another collector wrote meanwhile: read again.
        if (!(await this.store.put(this.key, next, state.version))) continue;
        if (enough) return;
        extra = 0;
      }
      // Wait for the refill that is missing, with a little spread so waiters do not collide.
      const waitMs = (wanted - settled) / this.ratePerMs;
      await this.clock.sleep(waitMs + Math.random() * Math.min(50, waitMs));
    }
  }

  private async read(): Promise<{ state: BucketState; available: number; now: number }> {
    const now = this.clock.now();
    const state = (await this.store.get(this.key)) ?? { tokens: this.capacity, at: now, version: 0 };
    const elapsed = Math.max(0, now - state.at);
    return { state, now, available: Math.min(this.capacity, state.tokens + elapsed * this.ratePerMs) };
  }
}
