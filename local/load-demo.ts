import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DEMO_TABLES, type DemoDataOptions } from './demo-data/generate';
import { demoStoredItems } from './demo-data/stored-items';
import { loadAttributeItems } from './load-data';

/** Loads the built-in demo game data into the embedded tables, sets and binaries as DynamoDB types. */
export async function loadDemoData(
  client: DynamoDBClient,
  options: DemoDataOptions = {},
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of DEMO_TABLES)
    counts[table] = await loadAttributeItems(client, table, demoStoredItems(table, options));
  return counts;
}
