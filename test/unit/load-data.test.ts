import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  BatchWriteItemCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AttributeItem } from '../../functions/adapters/dynamodb/batch-writer';
import {
  checkKeys,
  DataFileError,
  loadDataDirectory,
  parseDataLine,
  storableNumber,
  type TableKeys,
} from '../../local/load-data';

const BIG = '12345678901234567890123456789012345678';

/** Binary as base64 text, so items compare by value whatever buffer class holds the bytes. */
function comparable(value: unknown): unknown {
  if (value instanceof Uint8Array) return `base64:${Buffer.from(value).toString('base64')}`;
  if (Array.isArray(value)) return value.map(comparable);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([name, v]) => [name, comparable(v)]));
  }
  return value;
}

function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error('expected an error');
}

const line = (item: Record<string, unknown>) => JSON.stringify({ Item: item });

/** `levels` maps inside one another around a string, the outermost being a top-level attribute. */
function nested(levels: number): unknown {
  let value: unknown = { S: 'deep' };
  for (let i = 1; i < levels; i++) value = { M: { inner: value } };
  return value;
}

describe('a plain JSON line', () => {
  it('becomes an item with exact numbers, NULL, lists and maps', () => {
    const item = parseDataLine(
      `{"playerId":"p-1","score":${BIG},"tiny":-1.5E-120,"clan":null,"ok":true,"tags":["a",1],"m":{"x":{"y":2}}}`,
    );
    expect(item).toEqual({
      playerId: { S: 'p-1' },
      score: { N: BIG },
      tiny: { N: '-1.5E-120' },
      clan: { NULL: true },
      ok: { BOOL: true },
      tags: { L: [{ S: 'a' }, { N: '1' }] },
      m: { M: { x: { M: { y: { N: '2' } } } } },
    });
  });

  it('is refused when malformed, not an object, or holding what DynamoDB cannot store', () => {
    expect(errorOf(() => parseDataLine('{"playerId": "p-2", "username": '))).toMatch(/^malformed item \(/);
    expect(errorOf(() => parseDataLine('[1, 2]'))).toBe('malformed item (each line must be one JSON object)');
    expect(errorOf(() => parseDataLine(`{"score": 1${BIG}}`))).toBe(
      'attribute score: the number has more than 38 significant digits, the most DynamoDB stores',
    );
    expect(errorOf(() => parseDataLine('{"score": 1E126}'))).toMatch(
      /^attribute score: the number is larger/,
    );
  });
});

describe('a DynamoDB JSON line, as the export to S3 writes it', () => {
  it('keeps every type: S, N, B, SS, NS, BS, NULL, BOOL, L and M', () => {
    const item = parseDataLine(
      line({
        playerId: { S: 'p-1' },
        big: { N: BIG },
        tiny: { N: '-1.5E-120' },
        avatar: { B: 'iVBORw0KGgo=' },
        badges: { SS: ['founder', 'beta'] },
        seasons: { NS: ['1', '2.5', '-3E+7'] },
        thumbs: { BS: ['AAEC', '/w=='] },
        clan: { NULL: true },
        banned: { BOOL: false },
        history: { L: [{ S: 'a' }, { N: '1' }, { M: { at: { S: 'now' } } }] },
        settings: { M: { audio: { M: { device: { NULL: true }, volume: { N: '0.8' } } } } },
        empty: { S: '' },
      }),
    );
    expect(comparable(item)).toEqual({
      playerId: { S: 'p-1' },
      big: { N: BIG },
      tiny: { N: '-1.5E-120' },
      avatar: { B: 'base64:iVBORw0KGgo=' },
      badges: { SS: ['founder', 'beta'] },
      seasons: { NS: ['1', '2.5', '-3E+7'] },
      thumbs: { BS: ['base64:AAEC', 'base64:/w=='] },
      clan: { NULL: true },
      banned: { BOOL: false },
      history: { L: [{ S: 'a' }, { N: '1' }, { M: { at: { S: 'now' } } }] },
      settings: { M: { audio: { M: { device: { NULL: true }, volume: { N: '0.8' } } } } },
      empty: { S: '' },
    });
    // Binary is bytes for the SDK, not text that it would send as a string.
    expect(item.avatar?.B).toBeInstanceOf(Uint8Array);
  });

  it('takes the deepest nesting DynamoDB allows (32 levels) and refuses one more', () => {
    const deepest = parseDataLine(line({ playerId: { S: 'p-1' }, deep: nested(32) }));
    let value = deepest.deep;
    for (let level = 1; level < 32; level++) value = value?.M?.inner;
    expect(value).toEqual({ S: 'deep' });
    expect(errorOf(() => parseDataLine(line({ playerId: { S: 'p-1' }, deep: nested(33) })))).toBe(
      `attribute deep${'.inner'.repeat(32)}: nested deeper than the 32 levels DynamoDB allows`,
    );
    // A plain line too: the limit is DynamoDB's, whatever the format.
    const plain = `{"deep":${'{"a":'.repeat(32)}1${'}'.repeat(32)}}`;
    expect(errorOf(() => parseDataLine(plain))).toMatch(/nested deeper than the 32 levels/);
  });

  it('is told apart from a plain line per line: only {"Item": {…}} is DynamoDB JSON', () => {
    expect(parseDataLine('{"Item":{"id":{"S":"x"}}}')).toEqual({ id: { S: 'x' } });
    // Another attribute beside "Item" makes it a plain item whose "Item" is a map.
    expect(parseDataLine('{"Item":{"id":{"S":"x"}},"id":"y"}')).toEqual({
      Item: { M: { id: { M: { S: { S: 'x' } } } } },
      id: { S: 'y' },
    });
  });

  const wrong: [string, unknown, string][] = [
    [
      'an unknown type tag',
      { X: 'p-1' },
      'attribute a: unknown type tag "X" (DynamoDB JSON tags are S, N, B, SS, NS, BS, NULL, BOOL, L, M)',
    ],
    ['a lower-case tag', { s: 'p-1' }, 'attribute a: unknown type tag "s"'],
    [
      'two tags',
      { S: 'x', N: '1' },
      'attribute a: a DynamoDB JSON value is an object with exactly one type tag',
    ],
    ['no tag', {}, 'attribute a: a DynamoDB JSON value is an object with exactly one type tag'],
    ['a bare value', 'x', 'attribute a: a DynamoDB JSON value is an object with exactly one type tag'],
    ['S that is not text', { S: 5 }, 'attribute a: S must be JSON text'],
    [
      'N as a JSON number',
      { N: 5 },
      'attribute a: N must be a number written as JSON text, e.g. {"N": "123.45"}',
    ],
    ['N that is not a number', { N: '12abc' }, 'attribute a: N is not a number'],
    ['N with a plus sign', { N: '+1' }, 'attribute a: N is not a number'],
    ['N that is empty', { N: '' }, 'attribute a: N is not a number'],
    ['N that is NaN', { N: 'NaN' }, 'attribute a: N is not a number'],
    ['N with 39 digits', { N: `9${BIG}` }, 'attribute a: N has more than 38 significant digits'],
    ['N too large', { N: '1E126' }, 'attribute a: N is larger than DynamoDB stores'],
    ['N too small', { N: '9.9E-131' }, 'attribute a: N is closer to zero than DynamoDB stores'],
    ['B that is not base64', { B: 'not base64!' }, 'attribute a: B must be base64 text'],
    ['B without padding', { B: 'QQ' }, 'attribute a: B must be base64 text'],
    ['B with stray bits', { B: 'QR==' }, 'attribute a: B must be base64 text'],
    [
      'an empty SS',
      { SS: [] },
      'attribute a: SS is empty; DynamoDB has no empty sets (leave the attribute out)',
    ],
    ['an empty NS', { NS: [] }, 'attribute a: NS is empty'],
    ['an empty BS', { BS: [] }, 'attribute a: BS is empty'],
    ['SS that is not a list', { SS: 'a' }, "attribute a: SS must be a JSON array of the set's values"],
    ['SS holding a number', { SS: ['a', 1] }, 'attribute a: SS: each value must be JSON text'],
    [
      'NS holding a JSON number',
      { NS: [1] },
      'attribute a: NS: each value must be a number written as JSON text',
    ],
    ['NS holding a word', { NS: ['one'] }, 'attribute a: NS: each value is not a number'],
    ['BS holding text', { BS: ['###'] }, 'attribute a: BS: each value must be base64 text'],
    [
      'SS repeating a value',
      { SS: ['a', 'a'] },
      "attribute a: SS holds the same value twice; a set's values are distinct",
    ],
    [
      'NS repeating a value in another spelling',
      { NS: ['1', '1.0', '10E-1'] },
      'attribute a: NS holds the same value twice',
    ],
    ['BS repeating a value', { BS: ['AAE=', 'AAE='] }, 'attribute a: BS holds the same value twice'],
    ['NULL false', { NULL: false }, 'attribute a: NULL is always written {"NULL": true}'],
    ['NULL as text', { NULL: 'true' }, 'attribute a: NULL is always written {"NULL": true}'],
    ['BOOL as text', { BOOL: 'yes' }, 'attribute a: BOOL must be true or false'],
    ['L that is a map', { L: { x: { S: 'y' } } }, 'attribute a: L must be a JSON array of values'],
    ['M that is a list', { M: [] }, 'attribute a: M must be a JSON object of attributes'],
    ['a bad value inside a list', { L: [{ S: 'ok' }, { Q: 'x' }] }, 'attribute a[1]: unknown type tag "Q"'],
    [
      'a bad value inside a map',
      { M: { 'odd name': { N: 'x' } } },
      'attribute a."odd name": N is not a number',
    ],
  ];
  it.each(wrong)('refuses %s, naming the attribute and what is wrong', (_, value, message) => {
    const error = errorOf(() => parseDataLine(line({ playerId: { S: 'p-1' }, a: value })));
    expect(error.startsWith(message), error).toBe(true);
    expect(error).not.toContain('\n');
  });

  it('refuses an "Item" that is not an object of attributes', () => {
    expect(errorOf(() => parseDataLine('{"Item": [1]}'))).toBe(
      '"Item" must be an object of attributes, e.g. {"Item": {"playerId": {"S": "p-1"}}}',
    );
  });

  it('never repeats the data it refuses', () => {
    const secret = 'Pusen Åse 4711';
    for (const value of [
      { N: secret },
      { B: secret },
      { NS: [secret] },
      { BS: [secret] },
      { SS: [secret, secret] },
    ]) {
      expect(errorOf(() => parseDataLine(line({ a: value })))).not.toContain(secret);
    }
  });
});

describe('numbers DynamoDB can store', () => {
  it('takes up to 38 significant digits from 1E-130 to 9.99…E+125, and zero', () => {
    for (const text of [
      BIG,
      `-${BIG}`,
      '1E-130',
      `9.${'9'.repeat(37)}E+125`,
      '0',
      '-0',
      '0E+999',
      '1.',
      '.5',
      '1000e-3',
    ]) {
      expect(typeof storableNumber(text), text).toBe('object');
    }
    expect(storableNumber('1E-131')).toMatch(/closer to zero/);
    expect(storableNumber('1E+126')).toMatch(/larger/);
    // Trailing zeros are not significant: 1 followed by 60 zeros has one significant digit.
    expect(typeof storableNumber(`1${'0'.repeat(60)}`)).toBe('object');
    expect(storableNumber(`1${'0'.repeat(40)}1`)).toMatch(/38 significant digits/);
  });

  it('gives every spelling of one value the same identity', () => {
    const identity = (text: string) => (storableNumber(text) as { identity: string }).identity;
    expect(new Set(['1', '1.0', '10E-1', '0.1e1', '1.000'].map(identity)).size).toBe(1);
    expect(new Set(['0', '-0', '0.000', '0E5'].map(identity)).size).toBe(1);
    expect(identity('-1.5E-120')).not.toBe(identity('1.5E-120'));
  });
});

describe("the table's keys", () => {
  const keys: TableKeys = {
    key: [
      { name: 'authorId', type: 'S', role: 'partition key' },
      { name: 'seq', type: 'N', role: 'sort key' },
    ],
    indexKeys: [{ name: 'createdAt', type: 'S', role: 'sort key of index byDate' }],
  };
  const check = (item: AttributeItem) => errorOf(() => checkKeys(item, keys));

  it('must all be there, of their type and not empty; index keys only when present', () => {
    expect(() => checkKeys({ authorId: { S: 'p-1' }, seq: { N: '1' } }, keys)).not.toThrow();
    expect(check({ seq: { N: '1' } })).toBe('no "authorId", the table\'s partition key: every item needs it');
    expect(check({ authorId: { S: 'p-1' } })).toBe('no "seq", the table\'s sort key: every item needs it');
    expect(check({ authorId: { N: '7' }, seq: { N: '1' } })).toBe(
      '"authorId" is a number, but the table\'s partition key is a string (S)',
    );
    expect(check({ authorId: { S: '' }, seq: { N: '1' } })).toBe(
      '"authorId" is empty; the table\'s partition key cannot be empty',
    );
    expect(check({ authorId: { S: 'p-1' }, seq: { N: '1' }, createdAt: { SS: ['x'] } })).toBe(
      '"createdAt" is a string set, but the table\'s sort key of index byDate is a string (S)',
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Data folders, against a stand-in for DynamoDB that records what it is sent

interface Written {
  batches: AttributeItem[][];
  puts: AttributeItem[];
}

/** Answers DescribeTable with `playerId` + `statId` keys; refuses items `refuse` picks. */
function fakeDynamoDb(written: Written, refuse: (item: AttributeItem) => boolean = () => false) {
  const refusal = () =>
    Object.assign(new Error('Item size has exceeded the maximum allowed size'), {
      name: 'ValidationException',
    });
  const send = async (command: unknown) => {
    if (command instanceof DescribeTableCommand) {
      return {
        Table: {
          KeySchema: [
            { AttributeName: 'playerId', KeyType: 'HASH' },
            { AttributeName: 'statId', KeyType: 'RANGE' },
          ],
          AttributeDefinitions: [
            { AttributeName: 'playerId', AttributeType: 'S' },
            { AttributeName: 'statId', AttributeType: 'S' },
          ],
        },
      };
    }
    if (command instanceof BatchWriteItemCommand) {
      const items = Object.values(command.input.RequestItems ?? {})
        .flat()
        .map((request) => request.PutRequest?.Item ?? {});
      // A small delay, so batches overlap as they do against a real endpoint.
      await new Promise((resolve) => setTimeout(resolve, items.length % 3));
      if (items.some(refuse)) throw refusal();
      written.batches.push(items);
      return {};
    }
    if (command instanceof PutItemCommand) {
      const item = command.input.Item ?? {};
      if (refuse(item)) throw refusal();
      written.puts.push(item);
      return {};
    }
    throw new Error(`unexpected command ${String(command)}`);
  };
  return { send } as unknown as DynamoDBClient;
}

describe('loadDataDirectory', () => {
  let dir: string;
  let written: Written;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'load-data-'));
    written = { batches: [], puts: [] };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const stat = (n: number, extra = '') => `{"playerId":"p-1","statId":"s-${n}"${extra}}`;
  const typedStat = (n: number) =>
    line({ playerId: { S: 'p-1' }, statId: { S: `t-${n}` }, tags: { SS: ['a', 'b'] }, raw: { B: 'AAE=' } });
  const load = (client = fakeDynamoDb(written)) => loadDataDirectory(client, dir, ['game-stats', 'players']);
  const loadError = async (client?: DynamoDBClient) => {
    const error = await load(client).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DataFileError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  };

  it('reads <table>.jsonl and gzipped <table>.json.gz, plain and DynamoDB JSON lines mixed', async () => {
    const plain = Array.from({ length: 30 }, (_, i) => stat(i)).join('\n');
    const typed = Array.from({ length: 30 }, (_, i) => typedStat(i)).join('\r\n');
    await writeFile(join(dir, 'game-stats.jsonl'), `${plain}\n\n${typedStat(99)}\n`);
    await writeFile(join(dir, 'game-stats.json.gz'), gzipSync(`${typed}\n${stat(99, ',"n":1')}`));
    await writeFile(join(dir, 'README.md'), 'not data');
    expect(await load()).toEqual({ 'game-stats': 62 });
    const items = written.batches.flat();
    expect(items).toHaveLength(62);
    expect(written.batches.every((batch) => batch.length <= 25)).toBe(true);
    const t5 = items.find((item) => item.statId?.S === 't-5');
    expect(comparable(t5)).toEqual({
      playerId: { S: 'p-1' },
      statId: { S: 't-5' },
      tags: { SS: ['a', 'b'] },
      raw: { B: 'base64:AAE=' },
    });
    expect(items.find((item) => item.statId?.S === 's-99')?.n).toEqual({ N: '1' });
  });

  it('writes two lines of one key in order, never in one batch: the later line wins', async () => {
    const lines = Array.from({ length: 60 }, (_, i) => stat(i % 7, `,"version":${i}`));
    await writeFile(join(dir, 'game-stats.jsonl'), lines.join('\n'));
    expect(await load()).toEqual({ 'game-stats': 60 });
    for (const batch of written.batches) {
      const keys = batch.map((item) => item.statId?.S);
      expect(new Set(keys).size).toBe(keys.length);
    }
    const last = new Map<string, string>();
    for (const item of written.batches.flat()) last.set(item.statId?.S ?? '', item.version?.N ?? '');
    expect([...last.values()].sort()).toEqual(['53', '54', '55', '56', '57', '58', '59']);
  });

  it('names the file and line of a malformed line, an unknown tag and a missing key', async () => {
    await writeFile(
      join(dir, 'game-stats.json.gz'),
      gzipSync(`${typedStat(1)}\n\n${line({ playerId: { X: 'p-1' } })}\n`),
    );
    expect(await loadError()).toBe(
      'game-stats.json.gz line 3: attribute playerId: unknown type tag "X" (DynamoDB JSON tags are S, N, B, SS, NS, BS, NULL, BOOL, L, M)',
    );
    await writeFile(
      join(dir, 'game-stats.json.gz'),
      gzipSync(`${typedStat(1)}\n${line({ playerId: { S: 'p-1' } })}`),
    );
    expect(await loadError()).toBe(
      'game-stats.json.gz line 2: no "statId", the table\'s sort key: every item needs it',
    );
    await writeFile(
      join(dir, 'game-stats.json.gz'),
      gzipSync(`${stat(1)}\n{"playerId": 7, "statId": "s"}\n`),
    );
    expect(await loadError()).toBe(
      'game-stats.json.gz line 2: "playerId" is a number, but the table\'s partition key is a string (S)',
    );
    await writeFile(join(dir, 'game-stats.json.gz'), gzipSync(`${stat(1)}\n${stat(2)}\n{"playerId": `));
    expect(await loadError()).toMatch(/^game-stats\.json\.gz line 3: malformed item \(/);
  });

  it('says when a .json.gz is not gzip or is cut short, and when text is not UTF-8', async () => {
    await writeFile(join(dir, 'game-stats.json.gz'), `${stat(1)}\n`);
    expect(await loadError()).toMatch(
      /^game-stats\.json\.gz line 1: not readable as gzip \(.+\); a \.json\.gz file must be gzip-compressed JSON lines$/,
    );
    const whole = gzipSync(Array.from({ length: 200 }, (_, i) => stat(i)).join('\n'));
    await writeFile(join(dir, 'game-stats.json.gz'), whole.subarray(0, whole.length - 40));
    expect(await loadError()).toMatch(/^game-stats\.json\.gz line \d+: not readable as gzip/);
    await writeFile(
      join(dir, 'game-stats.jsonl'),
      Buffer.concat([
        Buffer.from(`${stat(1)}\n{"playerId":"`),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('"}\n'),
      ]),
    );
    await rm(join(dir, 'game-stats.json.gz'));
    expect(await loadError()).toBe('game-stats.jsonl line 2: not UTF-8 text; save the file as UTF-8');
  });

  it('names the line DynamoDB refuses when it refuses a whole batch', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => stat(i, i === 31 ? ',"huge":true' : ''));
    await writeFile(join(dir, 'game-stats.jsonl'), lines.join('\n'));
    const client = fakeDynamoDb(written, (item) => item.huge !== undefined);
    expect(await loadError(client)).toBe(
      'game-stats.jsonl line 32: DynamoDB refused the item (Item size has exceeded the maximum allowed size)',
    );
  });

  it('refuses a file for an unknown table, and a folder without data files', async () => {
    await writeFile(join(dir, 'weapons.json.gz'), gzipSync('{}'));
    expect(await loadError()).toBe('weapons.json.gz: no such table (known tables: game-stats, players)');
    await rm(join(dir, 'weapons.json.gz'));
    expect(await loadError()).toBe(`No <table>.jsonl or <table>.json.gz files in ${dir}`);
  });
});
