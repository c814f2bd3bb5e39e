import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadItems } from '../../functions/adapters/dynamodb/batch-writer';
import { type DataMap, sourceQuery } from '../../functions/core/data-map/data-map';
import { ExactNumber, type StoreRecord, type Value } from '../../functions/core/values';
import { DEMO_PLAYER_IDS, DEMO_TABLES, demoTableItems } from '../../functions/seed-demo/demo-data/generate';
import type { TableResource } from '../runtime/deployment';

/**
 * `count` more players for a load run, each a copy of one of the demo's personas (taken in turn)
 * under a new id: every item a source finds for the persona is written again with the persona's
 * id replaced, and with a table key of its own where the key is not the player's (a post id), so
 * the copy never overwrites the original. Others named in the items (a friend, a sender) stay.
 */
export async function seedSyntheticPlayers(
  client: DynamoDBClient,
  options: {
    count: number;
    dataMap: DataMap;
    /** The deployed tables, by the data map's name. */
    tables: ReadonlyMap<string, TableResource>;
    prefix?: string;
    /** Game statistics of the copies of the demo's heavy player. @default the demo's 2000 */
    statsForHeavyPlayer?: number;
  },
): Promise<string[]> {
  const prefix = options.prefix ?? 'p-load-';
  const width = String(options.count).length;
  const clones = Array.from({ length: options.count }, (_, i) => ({
    playerId: `${prefix}${String(i + 1).padStart(width, '0')}`,
    persona: DEMO_PLAYER_IDS[i % DEMO_PLAYER_IDS.length] as string,
  }));
  for (const table of DEMO_TABLES) {
    const deployed = options.tables.get(table);
    const sources = options.dataMap.sources.filter((s) => s.table === table);
    if (!deployed || sources.length === 0) continue;
    const hashKey = deployed.keySchema.find((k) => k.KeyType === 'HASH')?.AttributeName ?? '';
    const owners = (item: StoreRecord) =>
      DEMO_PLAYER_IDS.filter((persona) =>
        sources.some((source) => {
          const query = sourceQuery(source, persona);
          return item[query.partitionAttribute] === query.partitionValue;
        }),
      );
    const items = demoTableItems(table, {
      ...(options.statsForHeavyPlayer !== undefined
        ? { statsForHeavyPlayer: options.statsForHeavyPlayer }
        : {}),
    });
    await loadItems(client, deployed.name, copies(items, hashKey, clones, owners));
  }
  return clones.map((c) => c.playerId);
}

function* copies(
  items: Iterable<StoreRecord>,
  hashKey: string,
  clones: readonly { playerId: string; persona: string }[],
  owners: (item: StoreRecord) => string[],
): Generator<StoreRecord> {
  for (const item of items) {
    for (const persona of owners(item)) {
      for (const clone of clones) {
        if (clone.persona !== persona) continue;
        const copy = replaceId(item, persona, clone.playerId) as StoreRecord;
        const key = copy[hashKey];
        if (typeof key === 'string' && !key.includes(clone.playerId))
          copy[hashKey] = `${key}~${clone.playerId}`;
        yield copy;
      }
    }
  }
}

function replaceId(value: Value, from: string, to: string): Value {
  if (typeof value === 'string') return value.includes(from) ? value.replaceAll(from, to) : value;
  if (value === null || typeof value === 'boolean' || value instanceof ExactNumber) return value;
  if (Array.isArray(value)) return value.map((v) => replaceId(v, from, to));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceId(v as Value, from, to)]));
}
