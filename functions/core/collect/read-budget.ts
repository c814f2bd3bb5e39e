/**
 * Read budgets: the exports together may use at most `unitsPerSecond` read capacity units of a
 * game table, whatever the number of exports and collectors, so the game's own reads keep the
 * rest. One token bucket per table, kept in a shared store (BucketStore) that every collector of
 * every export reads and writes with optimistic concurrency.
 *
 * The bucket refills at ¾ of the budget and holds at most ¼ of it: whatever second one looks at,
 * what was taken in it is at most one full bucket plus one second of refill, i.e. the budget.
 * A page's capacity is only known after the read (ConsumedCapacity), so a collector reserves an
 * estimate before each page and settles the difference after it; a bucket may go below zero,
 * and the next reservations wait until it has refilled.
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

/** One table's budget, shared through the store. */
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
  async take(units: number): Promise<void> {
    const wanted = Math.min(units, this.capacity);
    if (!(wanted > 0)) return;
    for (;;) {
      const { state, available, now } = await this.read();
      if (available >= wanted) {
        const next = { tokens: available - wanted, at: now, version: state.version + 1 };
        if (await this.store.put(this.key, next, state.version)) return;
        continue; // another collector took some meanwhile: read again
      }
      // Wait for the refill that is missing, with a little spread so waiters do not collide.
      const waitMs = (wanted - available) / this.ratePerMs;
      await this.clock.sleep(waitMs + Math.random() * Math.min(50, waitMs));
    }
  }

  /**
   * After a read: charges what it used beyond its reservation (the bucket may go negative), or
   * gives back what it did not use.
   */
  async settle(reserved: number, used: number): Promise<void> {
    const extra = used - reserved;
    if (Math.abs(extra) < 0.5) return;
    for (;;) {
      const { state, available, now } = await this.read();
      const tokens = Math.min(this.capacity, available - extra);
      if (await this.store.put(this.key, { tokens, at: now, version: state.version + 1 }, state.version))
        return;
    }
  }

  private async read(): Promise<{ state: BucketState; available: number; now: number }> {
    const now = this.clock.now();
    const state = (await this.store.get(this.key)) ?? { tokens: this.capacity, at: now, version: 0 };
    const elapsed = Math.max(0, now - state.at);
    return { state, now, available: Math.min(this.capacity, state.tokens + elapsed * this.ratePerMs) };
  }
}

/** An eventually consistent read of up to 4 KB costs half a unit: the guess before any page was read. */
const FIRST_GUESS_UNITS_PER_ITEM = 0.5;
const FIRST_PAGE_ITEMS = 25;
/** DynamoDB's own page limit is 1 MB (128 units eventually consistent); more items never come back. */
const MAX_LIMIT = 10_000;
const SAFETY = 1.2;

/**
 * Sizes each page of one source's Query so its capacity fits a reservation of the bucket: the
 * first page is small, later ones follow the units per item the store reported so far.
 */
export class PagePlanner {
  private items = 0;
  private units = 0;

  constructor(private readonly maxUnitsPerPage: number) {}

  next(): { limit: number; reserve: number } {
    if (this.items === 0) {
      const limit = FIRST_PAGE_ITEMS;
      return { limit, reserve: Math.min(this.maxUnitsPerPage, limit * FIRST_GUESS_UNITS_PER_ITEM) };
    }
    const perItem = Math.max(this.units / this.items, 0.01) * SAFETY;
    const limit = Math.max(1, Math.min(MAX_LIMIT, Math.floor(this.maxUnitsPerPage / perItem)));
    return { limit, reserve: Math.min(this.maxUnitsPerPage, Math.ceil(limit * perItem)) };
  }

  observe(items: number, units: number): void {
    this.items += items;
    this.units += units;
  }
}

/** The key of a table's bucket in the shared store. */
export const budgetKey = (table: string) => `BUDGET#${table}`;

/** Budgets by the data map's table name; tables without one are read as fast as the store answers. */
export type ReadBudgets = ReadonlyMap<string, SharedTokenBucket>;
