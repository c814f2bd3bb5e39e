import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { BatchWriteItemCommand, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { parse } from 'lossless-json';
import { toItem } from '../functions/adapters/dynamodb/attribute-values';
import { ExactNumber, isPlainObject, type StoreRecord, type Value } from '../functions/core/values';

export class DataFileError extends Error {
  override name = 'DataFileError';
}

const BATCH = 25;
const PARALLEL_BATCHES = 8;

/** Writes items with BatchWriteItem, several batches in flight, retrying unprocessed items. */
export async function loadItems(
  client: DynamoDBClient,
  table: string,
  items: Iterable<StoreRecord> | AsyncIterable<StoreRecord>,
): Promise<number> {
  let count = 0;
  let batch: WriteRequest[] = [];
  const inFlight = new Set<Promise<void>>();
  const send = async (requests: WriteRequest[]) => {
    let pending = requests;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
      const result = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
      pending = result.UnprocessedItems?.[table] ?? [];
    }
  };
  const flush = async () => {
    const requests = batch;
    batch = [];
    const job = send(requests).finally(() => inFlight.delete(job));
    inFlight.add(job);
    if (inFlight.size >= PARALLEL_BATCHES) await Promise.race(inFlight);
  };
  for await (const record of items) {
    batch.push({ PutRequest: { Item: toItem(record) } });
    count++;
    if (batch.length === BATCH) await flush();
  }
  if (batch.length > 0) await flush();
  await Promise.all(inFlight);
  return count;
}

/** One JSON object per line; numbers become exact decimals, as written. */
export function parseItemLine(line: string): StoreRecord {
  const value = parse(line, undefined, (text) => new ExactNumber(text)) as Value;
  if (!isPlainObject(value)) throw new Error('each line must be one JSON object');
  return value;
}

async function* itemsOfFile(path: string): AsyncGenerator<StoreRecord> {
  const lines = createInterface({
    input: createReadStream(path, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let number = 0;
  for await (const line of lines) {
    number++;
    if (line.trim() === '') continue;
    try {
      yield parseItemLine(line);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new DataFileError(`${basename(path)} line ${number}: malformed item (${reason})`);
    }
  }
}

/**
 * Loads `<dir>/<table>.jsonl` into the tables. A file for a table that does not exist is an error,
 * not something to skip: a typo would otherwise silently export nothing.
 */
export async function loadDataDirectory(
  client: DynamoDBClient,
  dir: string,
  knownTables: string[],
): Promise<Record<string, number>> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.jsonl')).sort();
  } catch {
    throw new DataFileError(`Cannot read the data folder ${dir}`);
  }
  const unknown = names.filter((name) => !knownTables.includes(name.slice(0, -'.jsonl'.length)));
  if (unknown.length > 0) {
    throw new DataFileError(`${unknown.join(', ')}: no such table (known tables: ${knownTables.join(', ')})`);
  }
  if (names.length === 0) throw new DataFileError(`No <table>.jsonl files in ${dir}`);
  const counts: Record<string, number> = {};
  for (const name of names) {
    const table = name.slice(0, -'.jsonl'.length);
    counts[table] = await loadItems(client, table, itemsOfFile(join(dir, name)));
  }
  return counts;
}
