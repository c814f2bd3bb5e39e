import {
  type AttributeValue,
  BatchWriteItemCommand,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import type { StoreRecord } from '../../core/values';
import { toItem } from './attribute-values';

/** An item as DynamoDB stores it: every attribute with its type (S, N, B, SS, NS, BS, NULL, BOOL, L, M). */
export type AttributeItem = Record<string, AttributeValue>;

type Items<T> = Iterable<T> | AsyncIterable<T>;

// ---------------------------------------------------------------------------------------------
// Writing: one batched path for plain records and typed items

const BATCH = 25;
const PARALLEL_BATCHES = 8;

export interface BatchOptions<T> {
  itemOf: (entry: T) => AttributeItem;
  /**
   * The identity of an item's key. When given, two puts of one key never share a batch
   * (BatchWriteItem refuses that) nor run in parallel batches: the later line wins, as with PutItem.
   */
  keyOf?: (item: AttributeItem) => string;
  /** Called with a batch DynamoDB refused as invalid; may explain it better than DynamoDB does. */
  onRefused?: (entries: readonly T[], error: Error) => Promise<never>;
}

/** Writes plain records (numbers as ExactNumber), the way a game's code would put them. */
export function loadItems(client: DynamoDBClient, table: string, items: Items<StoreRecord>): Promise<number> {
  return writeInBatches(client, table, items, { itemOf: toItem });
}

/** Writes typed items as they are: a string set stays a set, a binary stays binary. */
export function loadAttributeItems(
  client: DynamoDBClient,
  table: string,
  items: Items<AttributeItem>,
): Promise<number> {
  return writeInBatches(client, table, items, { itemOf: (item) => item });
}

/** BatchWriteItem, several batches in flight, retrying unprocessed items. */
export async function writeInBatches<T>(
  client: DynamoDBClient,
  table: string,
  entries: Items<T>,
  options: BatchOptions<T>,
): Promise<number> {
  const writer = new BatchWriter(client, table, options);
  for await (const entry of entries) await writer.add(entry);
  return writer.finish();
}

class BatchWriter<T> {
  private batch: T[] = [];
  private batchKeys = new Set<string>();
  private readonly inFlight = new Map<Promise<void>, ReadonlySet<string>>();
  // Kept rather than thrown from the batch's promise: a second failing batch would otherwise be
  // an unhandled rejection that kills the process with a stack trace instead of one clear line.
  private failure: unknown;
  private count = 0;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly options: BatchOptions<T>,
  ) {}

  async add(entry: T): Promise<void> {
    this.throwIfFailed();
    const key = this.options.keyOf?.(this.options.itemOf(entry));
    if (key !== undefined) {
      if (this.batchKeys.has(key)) await this.flush();
      await this.batchesHolding(key);
      this.batchKeys.add(key);
    }
    this.batch.push(entry);
    this.count++;
    if (this.batch.length === BATCH) await this.flush();
  }

  async finish(): Promise<number> {
    if (this.batch.length > 0) await this.flush();
    await Promise.all(this.inFlight.keys());
    this.throwIfFailed();
    return this.count;
  }

  private async flush(): Promise<void> {
    const entries = this.batch;
    const keys = this.batchKeys;
    this.batch = [];
    this.batchKeys = new Set();
    const job: Promise<void> = this.send(entries)
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .finally(() => this.inFlight.delete(job));
    this.inFlight.set(job, keys);
    if (this.inFlight.size >= PARALLEL_BATCHES) await Promise.race(this.inFlight.keys());
    this.throwIfFailed();
  }

  private async batchesHolding(key: string): Promise<void> {
    for (const [job, keys] of this.inFlight) if (keys.has(key)) await job;
  }

  private async send(entries: T[]): Promise<void> {
    let pending: WriteRequest[] = entries.map((entry) => ({
      PutRequest: { Item: this.options.itemOf(entry) },
    }));
    try {
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0)
          await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
        const result = await this.client.send(
          new BatchWriteItemCommand({ RequestItems: { [this.table]: pending } }),
        );
        pending = result.UnprocessedItems?.[this.table] ?? [];
      }
    } catch (error) {
      if (this.options.onRefused && isValidationError(error)) await this.options.onRefused(entries, error);
      throw error;
    }
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}

export function isValidationError(error: unknown): error is Error {
  return error instanceof Error && error.name === 'ValidationException';
}
