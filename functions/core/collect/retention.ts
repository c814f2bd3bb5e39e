import type { SourceSpec } from '../data-map/data-map';
import type { StoreRecord } from '../values';

const DAY_MS = 86_400_000;

/**
 * A predicate that says whether an item is past the retention the data map states for its source,
 * measured from the export's generatedAt (not the wall clock: every collector of one export, and
 * any retry, draws the same line).
 *
 * An item whose retention field is missing or not a date is kept: nothing shows it is expired,
 * and under Art. 15 data that is held is data the player gets to see.
 */
export function retentionFilter(source: SourceSpec, generatedAt: string): (item: StoreRecord) => boolean {
  const retention = source.retention;
  if (!retention) return () => false;
  const cutoff = Date.parse(generatedAt) - retention.days * DAY_MS;
  if (Number.isNaN(cutoff)) throw new RangeError(`generatedAt is not a date: ${generatedAt}`);
  return (item) => {
    const value = item[retention.field];
    if (typeof value !== 'string') return false;
    const at = Date.parse(value);
    return !Number.isNaN(at) && at < cutoff;
  };
}
