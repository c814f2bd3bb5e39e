import type { SharedTokenBucket } from '../token-bucket';

/**
 * Read budgets: the exports together may use at most a budget of read capacity units per second
 * of a game table, whatever the number of exports and collectors, so the game's own reads keep
 * the rest: one shared token bucket per table (../token-bucket.ts). A page's capacity is only
 * known after the read (ConsumedCapacity), so a collector reserves an estimate before each page
 * (PagePlanner sizes the page to fit) and settles the difference after it.
 */

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
