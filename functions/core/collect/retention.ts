import type { SourceSpec } from '../data-map/data-map';
import type { StoreRecord } from '../values';

const DAY_MS = 86_400_000;

/** Records held past the retention the data map states for their source: exported, and reported. */
export interface RetentionFinding {
  /** The field the age is measured on, and the stated retention in days. */
  field: string;
  days: number;
  /** How many of the exported records are older than that. */
  records: number;
  /** The oldest such date, so operators see how far behind the deletion job is. */
  oldest: string;
}

/**
 * Counts the records past the retention the data map states, measured from the export's
 * generatedAt (not the wall clock: every collector of one export, and any retry, draws the same
 * line). It never filters: a record that is held is part of the player's copy (Art. 15 is about
 * what is processed, not what the policy says should be left); a late deletion is the operators'
 * to fix, and this is how they learn of it.
 *
 * A record whose retention field is missing or not a date is not counted: nothing shows its age.
 */
export class RetentionCheck {
  private readonly cutoff: number;
  private records = 0;
  private oldest: number | undefined;

  constructor(
    private readonly source: SourceSpec,
    generatedAt: string,
  ) {
    const at = Date.parse(generatedAt);
    if (Number.isNaN(at)) throw new RangeError(`generatedAt is not a date: ${generatedAt}`);
    this.cutoff = at - (source.retention?.days ?? 0) * DAY_MS;
  }

  observe(item: StoreRecord): void {
    const retention = this.source.retention;
    if (!retention) return;
    const value = item[retention.field];
    if (typeof value !== 'string') return;
    const at = Date.parse(value);
    if (Number.isNaN(at) || at >= this.cutoff) return;
    this.records++;
    if (this.oldest === undefined || at < this.oldest) this.oldest = at;
  }

  finding(): RetentionFinding | undefined {
    const retention = this.source.retention;
    if (!retention || this.records === 0 || this.oldest === undefined) return undefined;
    return {
      field: retention.field,
      days: retention.days,
      records: this.records,
      oldest: new Date(this.oldest).toISOString(),
    };
  }
}
