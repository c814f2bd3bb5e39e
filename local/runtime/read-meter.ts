/**
 * Read capacity as the store counted it: units per table per one-second window (aligned to the
 * wall clock's seconds), taken from the ConsumedCapacity of every read the endpoint forwarded to
 * dynalite, whoever made it. What `npm run load` reports and what a read budget is judged by.
 */
export class ReadMeter {
  private readonly windows = new Map<string, Map<number, number>>();
  private readonly totals = new Map<string, number>();

  record(table: string, units: number, atMs = Date.now()): void {
    if (!(units > 0)) return;
    const second = Math.floor(atMs / 1000);
    let perSecond = this.windows.get(table);
    if (!perSecond) {
      perSecond = new Map();
      this.windows.set(table, perSecond);
    }
    perSecond.set(second, (perSecond.get(second) ?? 0) + units);
    this.totals.set(table, (this.totals.get(table) ?? 0) + units);
  }

  /** The busiest second of each table. */
  peakPerSecond(): Record<string, number> {
    return Object.fromEntries(
      [...this.windows].map(([table, seconds]) => [table, Math.max(0, ...seconds.values())]),
    );
  }

  totalUnits(): Record<string, number> {
    return Object.fromEntries(this.totals);
  }

  reset(): void {
    this.windows.clear();
    this.totals.clear();
  }
}

type ConsumedCapacity = { TableName?: string; CapacityUnits?: number };

/**
 * The units of one DynamoDB answer, by table (BatchGetItem answers a list, the others one entry).
 * dynalite writes ConsumedCapacity as the answer's last member, so only the text from its last
 * occurrence is parsed: parsing a whole 1 MB page per read made the metered endpoint a third
 * slower. (An item attribute of that name comes earlier, inside Items.)
 */
export function consumedCapacityOf(body: string): ConsumedCapacity[] {
  const at = body.lastIndexOf('"ConsumedCapacity":');
  if (at < 0) return [];
  try {
    const consumed = (
      JSON.parse(`{${body.slice(at).replace(/}\s*$/, '')}}`) as {
        ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[];
      }
    ).ConsumedCapacity;
    if (!consumed) return [];
    return Array.isArray(consumed) ? consumed : [consumed];
  } catch {
    return [];
  }
}
