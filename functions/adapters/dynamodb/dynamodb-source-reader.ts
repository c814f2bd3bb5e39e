import {
  type AttributeValue,
  type DynamoDBClient,
  QueryCommand,
  type QueryCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { PagePlanner, type ReadBudgets } from '../../core/collect/read-budget';
import type { KeyValue } from '../../core/data-map/data-map';
import { SourceThrottledError } from '../../core/errors';
import type { ReadPage, ReadPosition, SourceQuery, SourceReader } from '../../core/ports';
import type { StoreRecord } from '../../core/values';
import { fromItem } from './attribute-values';

/** What DynamoDB answers when a table's (or the account's) read capacity is spent. */
const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
]);

export interface ReaderOptions {
  /** The data map's table names as deployed (or ARNs), where they differ. */
  tables?: ReadonlyMap<string, string>;
  /** Read budgets by the data map's table name (collectors only). */
  budgets?: ReadBudgets;
  /**
   * How long one read may keep waiting out throttling (after the SDK's own retries) before the
   * step gives up with SourceThrottledError, which the workflow retries later. @default 4 minutes:
   * a collector at the end of its time budget (at most 10 minutes) still ends within Lambda's 15.
   */
  maxThrottleWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Reads and throttles of this reader so far (a Lambda container runs one invocation at a time). */
export interface ReadStats {
  pages: number;
  consumedUnits: number;
  throttled: number;
}

/**
 * Reads a player's items with Query on the table key or a global secondary index, following
 * LastEvaluatedKey to the last page (a single Query stops at 1 MB). At most two pages are held.
 *
 * Every Query asks for its consumed capacity. With a read budget for the table, each page first
 * reserves its estimated units from the shared token bucket and settles the difference after, and
 * its Limit is planned so the page fits the bucket. A throttled read waits (growing, jittered)
 * and is tried again from the same key: throttling slows an export down, it never fails it.
 */
export class DynamoDbSourceReader implements SourceReader {
  readonly stats: ReadStats = { pages: 0, consumedUnits: 0, throttled: 0 };
  private readonly tables: ReadonlyMap<string, string>;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly options: ReaderOptions = {},
  ) {
    this.tables = options.tables ?? new Map();
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async *pages(query: SourceQuery): AsyncIterable<StoreRecord[]> {
    for await (const page of this.pagesFrom(query)) yield page.records;
  }

  async *pagesFrom(query: SourceQuery, after?: ReadPosition): AsyncIterable<ReadPage> {
    const raw = this.rawPages(query, after as QueryCommandOutput['LastEvaluatedKey']);
    // One page is read ahead: the store serves page n+1 while page n is being written out, so
    // the export runs at the pace of the slower of the two instead of the sum of both.
    const iterator = raw[Symbol.asyncIterator]();
    let ahead = iterator.next();
    const excluded = rangeEnd(query);
    try {
      for (;;) {
        const page = await ahead;
        if (page.done) return;
        ahead = iterator.next();
        const { items, next } = page.value;
        // BETWEEN includes its upper end; that value belongs to the next shard.
        const kept = excluded ? items.filter((item) => !excluded(item)) : items;
        yield { records: kept.map(fromItem), ...(next ? { next } : {}) };
      }
    } finally {
      // A consumer that stops early (an error downstream) must not leave the read-ahead unhandled.
      ahead.catch(() => undefined);
    }
  }

  private async *rawPages(
    query: SourceQuery,
    after: QueryCommandOutput['LastEvaluatedKey'],
  ): AsyncGenerator<{ items: RawItem[]; next: QueryCommandOutput['LastEvaluatedKey'] }> {
    const budget = this.options.budgets?.get(query.table);
    const planner = budget ? new PagePlanner(budget.capacity) : undefined;
    let startKey = after;
    let plan = planner?.next();
    // The reservation of a page's units, made before its Query waits for it. After a page, its
    // settlement and the next page's reservation are one exchange with the bucket, running while
    // the page's records are written out: each round trip in line delays the next Query.
    let reserving: Promise<void> = budget && plan ? budget.take(plan.reserve) : Promise.resolve();
    do {
      await reserving;
      const page = await this.queryWaitingOutThrottling(query, startKey, plan?.limit);
      const used = page.ConsumedCapacity?.CapacityUnits ?? 0;
      this.stats.pages++;
      this.stats.consumedUnits += used;
      startKey = page.LastEvaluatedKey;
      if (budget && planner && plan) {
        planner.observe(page.Items?.length ?? 0, used);
        const next = startKey ? planner.next() : undefined;
        reserving = budget.settleAndTake(plan.reserve, used, next?.reserve ?? 0);
        // Its failure reaches the next await of it; a reader abandoned before that leaves no
        // unhandled rejection behind.
        reserving.catch(() => undefined);
        plan = next;
      }
      yield { items: page.Items ?? [], next: startKey };
    } while (startKey);
    await reserving;
  }

  private async queryWaitingOutThrottling(
    query: SourceQuery,
    startKey: QueryCommandOutput['LastEvaluatedKey'],
    limit: number | undefined,
  ): Promise<QueryCommandOutput> {
    const maxWaitMs = this.options.maxThrottleWaitMs ?? 4 * 60_000;
    let waitedMs = 0;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.client.send(
          new QueryCommand({
            TableName: this.tables.get(query.table) ?? query.table,
            ...(query.index ? { IndexName: query.index } : {}),
            ...keyCondition(query),
            ReturnConsumedCapacity: 'TOTAL',
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
            ...(limit ? { Limit: limit } : {}),
          }),
        );
      } catch (error) {
        if (!(error instanceof Error) || !THROTTLING.has(error.name)) throw error;
        this.stats.throttled++;
        if (waitedMs >= maxWaitMs) throw new SourceThrottledError(query.table, waitedMs);
        // Full jitter on 0.2 s · 2^attempt, at most 20 s: concurrent collectors spread out.
        const waitMs = Math.random() * Math.min(20_000, 200 * 2 ** attempt);
        waitedMs += waitMs;
        await this.sleep(waitMs);
      }
    }
  }
}

type RawItem = Record<string, AttributeValue>;

function keyValue(value: KeyValue): AttributeValue {
  return typeof value === 'number' ? { N: String(value) } : { S: value };
}

/**
 * The partition key, and a shard's range of the sort key. A key condition takes one comparison
 * of the sort key: `from ≤ sk < below` is read as BETWEEN (both ends included) without the items
 * at `below` (see rangeEnd), which the next shard reads.
 */
function keyCondition(query: SourceQuery) {
  const names: Record<string, string> = { '#pk': query.partitionAttribute };
  const values: Record<string, AttributeValue> = { ':pk': { S: query.partitionValue } };
  const range = query.range;
  let sort = '';
  if (range && (range.from !== undefined || range.below !== undefined)) {
    names['#sk'] = range.attribute;
    if (range.from !== undefined) values[':from'] = keyValue(range.from);
    if (range.below !== undefined) values[':below'] = keyValue(range.below);
    sort =
      range.from === undefined
        ? ' AND #sk < :below'
        : range.below === undefined
          ? ' AND #sk >= :from'
          : ' AND #sk BETWEEN :from AND :below';
  }
  return {
    KeyConditionExpression: `#pk = :pk${sort}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/** For a BETWEEN range: whether an item sits at its upper end, which belongs to the next shard. */
function rangeEnd(query: SourceQuery): ((item: RawItem) => boolean) | undefined {
  const range = query.range;
  if (!range || range.from === undefined || range.below === undefined) return undefined;
  const { attribute, below } = range;
  return typeof below === 'number'
    ? (item) => item[attribute]?.N !== undefined && Number(item[attribute]?.N) === below
    : (item) => item[attribute]?.S === below;
}
