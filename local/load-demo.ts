import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DEMO_TABLES, type DemoDataOptions, demoTableItems } from './demo-data/generate';
import { loadItems } from './load-data';

/** Loads the built-in demo game data into the embedded tables. */
export async function loadDemoData(
  client: DynamoDBClient,
  options: DemoDataOptions = {},
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of DEMO_TABLES)
    counts[table] = await loadItems(client, table, demoTableItems(table, options));
  return counts;
}
