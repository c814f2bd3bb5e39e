import { describe, expect, it } from 'vitest';
import raw from '../../config/data-map.json' with { type: 'json' };
import { type JsonSchema, sourceJsonSchema } from '../../functions/core/archive/json-schema';
import {
  DataMapError,
  fieldGuideText,
  OWN_REQUESTS_TABLE,
  parseDataMap,
  readBudgetsOf,
  type SourceSpec,
  shardCount,
  sourceById,
  sourceQuery,
  tableName,
} from '../../functions/core/data-map/data-map';
import { defaultDataMap } from '../../functions/core/data-map/default-data-map';

/** A small valid map; each test breaks one thing in a copy. */
function validMap() {
  return {
    version: 1,
    identity: { source: 'players', usernameField: 'username' },
    categories: [{ id: 'account', title: 'Account' }],
    sources: [
      {
        id: 'players',
        category: 'account',
        kind: 'dynamodb',
        table: 'players',
        key: { partition: 'playerId' },
        fields: [
          { name: 'playerId', type: 'string' },
          { name: 'passwordHash', type: 'string', rule: 'omit', reason: 'secret' },
        ],
      },
    ] as Record<string, unknown>[],
  };
}

function errorOf(input: unknown): string {
  try {
    parseDataMap(input);
  } catch (error) {
    expect(error).toBeInstanceOf(DataMapError);
    return (error as Error).message;
  }
  throw new Error('expected the data map to be rejected');
}

describe('parseDataMap', () => {
  it('parses the shipped map', () => {
    const map = parseDataMap(raw);
    expect(map.sources.map((s) => s.id)).toEqual(
      expect.arrayContaining(['players', 'purchases', 'forum-posts', 'game-stats']),
    );
    expect(map.sources.some((s) => s.id === map.identity.source)).toBe(true);
    expect(defaultDataMap).toEqual(map);
  });

  it('fills in the defaults: rule export, template {playerId}', () => {
    const map = parseDataMap(validMap());
    expect(map.sources[0]?.fields[0]?.rule).toBe('export');
    expect(map.sources[0]?.key.template).toBe('{playerId}');
  });

  it('rejects an omitted field without a reason, naming field and path', () => {
    const map = validMap();
    map.sources[0] = { ...map.sources[0], fields: [{ name: 'passwordHash', type: 'string', rule: 'omit' }] };
    const message = errorOf(map);
    expect(message).toContain('sources.0.fields.0');
    expect(message).toContain('field "passwordHash" is omitted: give the reason');
  });

  it('rejects a source that feeds an unknown category', () => {
    const map = validMap();
    map.sources[0] = { ...map.sources[0], category: 'chat' };
    expect(errorOf(map)).toContain('source "players" feeds unknown category "chat"');
  });

  it('rejects a duplicate source id', () => {
    const map = validMap();
    map.sources.push({ ...map.sources[0] });
    expect(errorOf(map)).toContain('source id "players" is used twice');
  });

  it('rejects an identity source that is not a source', () => {
    const map = { ...validMap(), identity: { source: 'accounts', usernameField: 'username' } };
    expect(errorOf(map)).toContain('identity source "accounts" is not a source');
  });

  it('rejects a source that feeds a category marked as not stored', () => {
    const map = validMap();
    map.categories = [{ id: 'account', title: 'Account', stored: false } as (typeof map.categories)[number]];
    expect(errorOf(map)).toContain('which is marked as not stored');
  });

  it('rejects an object field without fields, naming the nested path', () => {
    const map = validMap();
    map.sources[0] = {
      ...map.sources[0],
      fields: [
        { name: 'playerId', type: 'string' },
        { name: 'address', type: 'object', fields: [{ name: 'geo', type: 'object' }] },
      ],
    };
    const message = errorOf(map);
    expect(message).toContain('sources.0.fields.1.fields.0');
    expect(message).toContain('object field "geo" needs "fields"');
  });

  it('rejects an array without items, a bad template, unknown keys and a wrong version', () => {
    const map = validMap();
    map.sources[0] = {
      ...map.sources[0],
      key: { partition: 'pk', template: 'PLAYER#' },
      fields: [{ name: 'tags', type: 'array' }],
      colour: 'blue',
    };
    const message = errorOf({ ...map, version: 2 });
    expect(message).toContain('version');
    expect(message).toContain('sources.0.key.template');
    expect(message).toContain('array field "tags" needs "items"');
    expect(message).toMatch(/colour/);
  });

  it('rejects something that is not a map at all', () => {
    expect(errorOf(null)).toContain('(root)');
    expect(() => parseDataMap('{}')).toThrow(DataMapError);
  });
});

describe('readBudgets', () => {
  /** validMap with a second table (purchases) and our own requests table ("@requests"). */
  function twoTableMap() {
    const map = validMap();
    map.sources.push(
      {
        id: 'purchases',
        category: 'account',
        kind: 'dynamodb',
        table: 'purchases',
        key: { partition: 'playerId' },
        fields: [{ name: 'playerId', type: 'string' }],
      },
      {
        id: 'data-requests',
        category: 'account',
        kind: 'dynamodb',
        table: OWN_REQUESTS_TABLE,
        key: { index: 'byPlayer', partition: 'gsi1pk', sort: 'gsi1sk', template: 'PLAYER#{playerId}' },
        fields: [{ name: 'requestId', type: 'string' }],
      },
    );
    return map;
  }

  it('are optional: the shipped map gives none', () => {
    expect(parseDataMap(twoTableMap()).readBudgets).toBeUndefined();
    expect(defaultDataMap.readBudgets).toBeUndefined();
  });

  it('accept a budget for a table a source reads', () => {
    const map = parseDataMap({ ...twoTableMap(), readBudgets: { purchases: 250 } });
    expect(map.readBudgets).toEqual({ purchases: 250 });
  });

  it('reject a table no source reads, naming it and the path', () => {
    const message = errorOf({ ...twoTableMap(), readBudgets: { purchase: 250 } });
    expect(message).toContain('readBudgets.purchase');
    expect(message).toContain('"purchase" is not a game table any source reads');
  });

  it('reject our own requests table: it is no game table', () => {
    expect(errorOf({ ...twoTableMap(), readBudgets: { [OWN_REQUESTS_TABLE]: 50 } })).toContain(
      `"${OWN_REQUESTS_TABLE}" is not a game table any source reads`,
    );
  });

  it('reject a budget that is not a positive number', () => {
    for (const units of [0, -5, '250']) {
      expect(
        () => parseDataMap({ ...twoTableMap(), readBudgets: { purchases: units } }),
        String(units),
      ).toThrow(DataMapError);
    }
  });
});

describe('readBudgetsOf', () => {
  it('gives every game table the deployment’s budget, our own requests table none', () => {
    expect(readBudgetsOf(defaultDataMap, 1000)).toEqual(
      Object.fromEntries(
        [...new Set(defaultDataMap.sources.map((s) => s.table))]
          .filter((t) => t !== OWN_REQUESTS_TABLE)
          .map((t) => [t, 1000]),
      ),
    );
  });

  it('a table’s own budget in the map wins over the deployment’s', () => {
    const map = parseDataMap({ ...raw, readBudgets: { 'game-stats': 250, 'private-messages': 40 } });
    const budgets = readBudgetsOf(map, 400);
    expect(budgets['game-stats']).toBe(250);
    // One budget per table, however many of its indexes the sources read.
    expect(budgets['private-messages']).toBe(40);
    expect(budgets.players).toBe(400);
    expect(budgets).not.toHaveProperty(OWN_REQUESTS_TABLE);
  });
});

describe('sourceById', () => {
  it('finds a source and names a missing one', () => {
    expect(sourceById(defaultDataMap, 'purchases').table).toBe('purchases');
    expect(() => sourceById(defaultDataMap, 'nope')).toThrow('No source "nope"');
  });
});

describe('tableName', () => {
  it('returns a plain name unchanged', () => {
    expect(tableName('players')).toBe('players');
  });

  it('takes the name out of a table ARN', () => {
    expect(tableName('arn:aws:dynamodb:eu-west-1:123456789012:table/game-players')).toBe('game-players');
    expect(tableName('arn:aws-cn:dynamodb:cn-north-1:123456789012:table/t.1_x')).toBe('t.1_x');
  });

  it('does not treat an index or stream ARN as a table name', () => {
    const arn = 'arn:aws:dynamodb:eu-west-1:123456789012:table/players/index/byAuthor';
    expect(tableName(arn)).toBe(arn);
  });
});

describe('sourceQuery', () => {
  const source = (key: Partial<SourceSpec['key']>): SourceSpec => ({
    ...(defaultDataMap.sources[0] as SourceSpec),
    key: { partition: 'pk', template: '{playerId}', ...key },
  });

  it('builds the partition value from the template', () => {
    expect(sourceQuery(source({ template: 'PLAYER#{playerId}' }), 'p-42')).toEqual({
      table: 'players',
      partitionAttribute: 'pk',
      partitionValue: 'PLAYER#p-42',
    });
  });

  it('replaces every placeholder and passes the index on', () => {
    expect(sourceQuery(source({ template: '{playerId}|{playerId}', index: 'byAuthor' }), 'x')).toEqual({
      table: 'players',
      index: 'byAuthor',
      partitionAttribute: 'pk',
      partitionValue: 'x|x',
    });
  });

  it('uses the shipped index for forum posts', () => {
    const q = sourceQuery(sourceById(defaultDataMap, 'forum-posts'), 'p-1');
    expect(q).toMatchObject({ index: 'byAuthor', partitionAttribute: 'authorId', partitionValue: 'p-1' });
  });

  it('inserts a player id containing $ patterns literally', () => {
    expect(sourceQuery(source({ template: 'PLAYER#{playerId}' }), 'a$&b').partitionValue).toBe('PLAYER#a$&b');
  });
});

describe('field guide in the schemas', () => {
  it('gives a field its description and allowed values in one text', () => {
    expect(
      fieldGuideText({ description: 'Where it was paid', values: { card: 'Card', vipps: 'Vipps' } }),
    ).toBe('Where it was paid. Values: card (Card), vipps (Vipps).');
    expect(fieldGuideText({ description: 'Ends with a stop.' })).toBe('Ends with a stop.');
    expect(fieldGuideText({})).toBeUndefined();
  });

  it('labels every column of the shipped map in datapackage.json and every JSON Schema property', () => {
    const purchases = sourceById(defaultDataMap, 'purchases');
    const schema = sourceJsonSchema(purchases, defaultDataMap, { requesterId: 'p-1' });
    const records = schema.properties?.records as JsonSchema;
    const status = (records.items as JsonSchema).properties?.status;
    expect(status).toMatchObject({
      title: 'Status',
      description: expect.stringContaining('refunded (Refunded)'),
    });
  });
});

describe('shards', () => {
  /** validMap with a sort key on its source, sharded at these values. */
  function shardedMap(shards: unknown, sort: string | null = 'statId') {
    const map = validMap() as { sources: Record<string, unknown>[] };
    const source = map.sources[0] as { key: Record<string, unknown> } & Record<string, unknown>;
    source.key = { ...source.key, ...(sort ? { sort } : {}) };
    source.shards = shards;
    return map;
  }

  it('cut the sort key into n + 1 ranges, each query reading one of them', () => {
    const source = parseDataMap(shardedMap(['b', 'm'])).sources[0] as SourceSpec;
    expect(shardCount(source)).toBe(3);
    expect([0, 1, 2].map((shard) => sourceQuery(source, 'p-1', shard).range)).toEqual([
      { attribute: 'statId', below: 'b' },
      { attribute: 'statId', from: 'b', below: 'm' },
      { attribute: 'statId', from: 'm' },
    ]);
    expect(sourceQuery(source, 'p-1')).not.toHaveProperty('range');
    expect(() => sourceQuery(source, 'p-1', 3)).toThrow(DataMapError);
  });

  it('need a sort key, and values strictly ascending as DynamoDB orders them (UTF-8 bytes; numbers by value)', () => {
    expect(errorOf(shardedMap(['a'], null))).toMatch(/needs key.sort/);
    expect(errorOf(shardedMap(['m', 'b']))).toMatch(/shards\.1: .*strictly ascending/);
    expect(errorOf(shardedMap(['a', 'a']))).toMatch(/strictly ascending/);
    // U+FF5E sorts after U+1F3AE in UTF-16 but before it in UTF-8, which is DynamoDB's order.
    expect(() => parseDataMap(shardedMap(['～', '🎮']))).not.toThrow();
    expect(errorOf(shardedMap(['🎮', '～']))).toMatch(/strictly ascending/);
    expect(() => parseDataMap(shardedMap([9, 10]))).not.toThrow();
    expect(errorOf(shardedMap([10, 9]))).toMatch(/strictly ascending/);
    expect(errorOf(shardedMap(['a', 1]))).toContain('shards');
  });
});
