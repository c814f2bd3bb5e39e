import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadAttributeItems } from '../adapters/dynamodb/batch-writer';
import { DEMO_TABLES, type DemoDataOptions } from './demo-data/generate';
import { demoStoredItems } from './demo-data/stored-items';

/**
 * Loads the built-in demo game data, sets and binaries as DynamoDB types: at deploy by the demo
 * game's seed resource, and by the local tools into the embedded tables. `tables` names each
 * deployed table where it differs from the data map's name (the demo game's prefixed tables).
 */
export async function loadDemoData(
  client: DynamoDBClient,
  tables: ReadonlyMap<string, string>,
  options: DemoDataOptions = {},
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of DEMO_TABLES) {
    counts[table] = await loadAttributeItems(
      client,
      tables.get(table) ?? table,
      demoStoredItems(table, options),
    );
  }
  return counts;
}
