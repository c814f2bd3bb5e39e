import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import {
  ADDITIONAL_FIELDS_COLUMN,
  CSV_BOM,
  csvColumns,
  csvHeader,
  csvLine,
  csvRow,
  neutraliseFormula,
} from '../../functions/core/collect/csv';
import { type FieldSpec, parseDataMap } from '../../functions/core/data-map/data-map';
import { ExactNumber, type StoreRecord } from '../../functions/core/values';
import { collectFiles, pagedReader } from '../support/collect-files';
import { MemoryStore } from '../support/memory-store';

const fields: FieldSpec[] = [
  { name: 'playerId', type: 'string', rule: 'export' },
  { name: 'passwordHash', type: 'string', rule: 'omit', reason: 'secret' },
  { name: 'score', type: 'integer', rule: 'export' },
  { name: 'active', type: 'boolean', rule: 'export' },
  {
    name: 'address',
    type: 'object',
    rule: 'export',
    fields: [
      { name: 'city', type: 'string', rule: 'export' },
      {
        name: 'geo',
        type: 'object',
        rule: 'export',
        fields: [{ name: 'lat', type: 'number', rule: 'export' }],
      },
      { name: 'pin', type: 'string', rule: 'omit', reason: 'secret' },
    ],
  },
  { name: 'tags', type: 'array', rule: 'export', items: { type: 'string' } },
  { name: 'opponentIds', type: 'array', rule: 'pseudonymise', items: { type: 'string' } },
  {
    name: 'friend',
    type: 'object',
    rule: 'pseudonymise',
    fields: [{ name: 'id', type: 'string', rule: 'export' }],
  },
];
const columns = csvColumns(fields);

/** Header + rows parsed back by an independent RFC 4180 parser, which drops the byte-order mark. */
function roundTrip(records: StoreRecord[]): string[][] {
  const text = csvHeader(columns) + records.map((r) => csvRow(r, columns, fields)).join('');
  return parse(text, { relax_column_count: false, bom: true }) as string[][];
}

/** One value in a one-column table, parsed back. */
function cellRoundTrip(value: string): string {
  const spec: FieldSpec[] = [{ name: 'v', type: 'string', rule: 'export' }];
  const text = csvRow({ v: value }, csvColumns(spec), spec);
  const rows = parse(text) as string[][];
  expect(rows).toHaveLength(1);
  return rows[0]?.[0] as string;
}

describe('csvColumns / csvHeader', () => {
  it('flattens objects to dotted columns, keeps arrays and pseudonymised fields whole, drops omitted ones', () => {
    expect(columns.map((c) => c.name)).toEqual([
      'playerId',
      'score',
      'active',
      'address.city',
      'address.geo.lat',
      'tags',
      'opponentIds',
      'friend',
    ]);
  });

  it('writes the header with the additionalFields column last and a CRLF end, after the byte-order mark', () => {
    const header = csvHeader(columns);
    expect(header).toBe(
      '\uFEFFplayerId,score,active,address.city,address.geo.lat,tags,opponentIds,friend,additionalFields\r\n',
    );
    expect(ADDITIONAL_FIELDS_COLUMN).toBe('additionalFields');
  });
});

describe('the byte-order mark', () => {
  it('is the first three bytes of the file, EF BB BF, and only there', () => {
    const text = csvHeader(columns) + csvRow({ playerId: 'ผู้เล่น 🎮' }, columns, fields);
    const bytes = Buffer.from(text, 'utf8');
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.indexOf(Buffer.from([0xef, 0xbb, 0xbf]), 3)).toBe(-1);
    expect(CSV_BOM).toBe('\uFEFF');
    // A reader that knows the convention drops it; one that does not would glue it to the first name.
    expect(parse(text, { bom: true })[0]?.[0]).toBe('playerId');
    expect(parse(text, { bom: false })[0]?.[0]).toBe('\uFEFFplayerId');
  });

  it('is staged by collectSource and counted in the bytes and sha256 the manifest gives', async () => {
    const store = new MemoryStore();
    const dataMap = parseDataMap({
      version: 1,
      identity: { source: 'players', usernameField: 'username' },
      categories: [{ id: 'account', title: 'Account and profile' }],
      sources: [
        {
          id: 'players',
          category: 'account',
          kind: 'dynamodb',
          table: 'players',
          key: { partition: 'playerId' },
          fields: [
            { name: 'playerId', type: 'string' },
            { name: 'username', type: 'string' },
          ],
        },
      ],
    });
    const items = [{ playerId: 'p-1', username: 'นักเล่น 🎮' }];
    const task = {
      requestId: 'req-1',
      playerId: 'p-1',
      attempt: 1,
      sourceId: 'players',
      generatedAt: '2026-11-23T10:00:00.000Z',
      stagingPrefix: 'staging/req-1/',
    };
    const deps = {
      reader: pagedReader([items]),
      store,
      dataMap,
      pseudonymKeys: { keyFor: async () => Buffer.alloc(32, 1) },
    };
    const { result, files } = await collectFiles(deps, task);
    const piece = result.files.find((f) => f.path.endsWith('.csv'));
    if (!piece) throw new Error('no CSV staged');
    const stagedPiece = store.objects.get(piece.stagingKey);
    if (!stagedPiece) throw new Error(`nothing at ${piece.stagingKey}`);
    // The piece holds the rows; the build writes the header (with its BOM) in front.
    expect(piece.bytes).toBe(stagedPiece.length);
    expect(piece.sha256).toBe(createHash('sha256').update(stagedPiece).digest('hex'));
    const staged = files.get(piece.path) ?? Buffer.alloc(0);
    expect([...staged.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(parse(staged, { bom: true })).toEqual([
      ['playerId', 'username', 'additionalFields'],
      ['p-1', 'นักเล่น 🎮', ''],
    ]);
    // The JSON twin has no mark: JSON (RFC 8259) forbids one.
    const json = files.get(result.files.find((f) => f.path.endsWith('.json'))?.path ?? '');
    expect(json?.[0]).toBe('{'.charCodeAt(0));
  });
});

describe('csvLine', () => {
  it('quotes cells with quotes, commas, CR or LF, doubles quotes, ends rows with CRLF', () => {
    expect(csvLine(['plain', 'a,b', 'say "hi"', 'l1\nl2', 'c\rr', 'x\r\ny', ''])).toBe(
      'plain,"a,b","say ""hi""","l1\nl2","c\rr","x\r\ny",\r\n',
    );
  });

  it('leaves cells without special characters unquoted', () => {
    expect(csvLine(['a b', "it's", 'é'])).toBe("a b,it's,é\r\n");
  });
});

describe('csvRow', () => {
  it('writes every kind of value in its column and round-trips through csv-parse', () => {
    // Prepare
    const record: StoreRecord = {
      playerId: 'p-1',
      score: ExactNumber.of('9007199254740993'),
      active: false,
      address: { city: 'Tromsø, "north"', geo: { lat: new ExactNumber('69.6492') } },
      tags: ['a', 'b,c', ExactNumber.of(1)],
      opponentIds: ['player-abc'],
      friend: { id: 'player-xyz' },
    };
    // Act
    const rows = roundTrip([record]);
    // Assess
    expect(rows).toEqual([
      [
        'playerId',
        'score',
        'active',
        'address.city',
        'address.geo.lat',
        'tags',
        'opponentIds',
        'friend',
        'additionalFields',
      ],
      [
        'p-1',
        '9007199254740993',
        'false',
        'Tromsø, "north"',
        '69.6492',
        '["a","b,c",1]',
        '["player-abc"]',
        '{"id":"player-xyz"}',
        '',
      ],
    ]);
  });

  it('leaves missing, null and omitted fields empty', () => {
    const rows = roundTrip([{ playerId: 'p', score: null, address: { city: 'Oslo' } }]);
    expect(rows[1]).toEqual(['p', '', '', 'Oslo', '', '', '', '', '']);
  });

  it('ends every row with CRLF', () => {
    const text = csvRow({ playerId: 'a' }, columns, fields) + csvRow({ playerId: 'b' }, columns, fields);
    expect(text).toBe('a,,,,,,,,\r\nb,,,,,,,,\r\n');
  });

  it('puts undeclared fields into additionalFields as JSON with exact numbers', () => {
    const rows = roundTrip([
      {
        playerId: 'p',
        newThing: 'x,"y"',
        big: ExactNumber.of('123456789012345678901234567890'),
        nested: { a: [true] },
      },
    ]);
    const extra = rows[1]?.at(-1) as string;
    expect(extra).toBe('{"newThing":"x,\\"y\\"","big":123456789012345678901234567890,"nested":{"a":[true]}}');
    expect(JSON.parse(extra)).toMatchObject({ newThing: 'x,"y"', nested: { a: [true] } });
  });

  it('keeps an undeclared field named __proto__ in additionalFields', () => {
    const record = JSON.parse('{"playerId":"p","__proto__":{"x":"1"}}') as StoreRecord;
    const rows = roundTrip([record]);
    const extra = JSON.parse(rows[1]?.at(-1) || '{}');
    // An own property, read as such (a plain lookup of __proto__ would give the prototype).
    expect(Object.getOwnPropertyDescriptor(extra, '__proto__')?.value).toEqual({ x: '1' });
  });

  it('keeps undeclared fields nested inside a flattened object somewhere in the row', () => {
    const rows = roundTrip([{ playerId: 'p', address: { city: 'Oslo', floor: '3rd' } }]);
    expect(rows[1]?.join('|')).toContain('3rd');
  });

  it('keeps a value whose shape does not match the declared object', () => {
    const rows = roundTrip([{ playerId: 'p', address: 'Storgata 1' }]);
    expect(rows[1]?.join('|')).toContain('Storgata 1');
  });
});

describe('neutraliseFormula', () => {
  it.each(['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx', '=HYPERLINK("http://x","y")'])(
    'prefixes %j with an apostrophe',
    (text) => {
      expect(neutraliseFormula(text)).toBe(`'${text}`);
    },
  );

  it.each(['a=b', 'x+1', 'e-mail', 'me@example.com', '', ' =1', "'quoted"])('leaves %j alone', (text) => {
    expect(neutraliseFormula(text)).toBe(text);
  });

  it('neutralises text cells in a row and the cell round-trips with the apostrophe', () => {
    const rows = roundTrip([{ playerId: '=cmd|" /C calc"!A0', address: { city: '@evil' } }]);
    expect(rows[1]?.[0]).toBe(`'=cmd|" /C calc"!A0`);
    expect(rows[1]?.[3]).toBe("'@evil");
  });

  it('neutralises a cell starting with CR or tab, and the quoted cell round-trips', () => {
    expect(cellRoundTrip('\r=1')).toBe("'\r=1");
    expect(cellRoundTrip('\t=1')).toBe("'\t=1");
  });

  it('does not touch numbers, even negative ones', () => {
    const rows = roundTrip([
      { playerId: 'p', score: new ExactNumber('-5'), address: { geo: { lat: ExactNumber.of('-1e-7') } } },
    ]);
    expect(rows[1]?.[1]).toBe('-5');
    expect(rows[1]?.[4]).toBe('-1e-7');
  });
});

describe('csvRow with hostile strings', () => {
  it.each([
    ['emoji', '👩‍👩‍👧‍👦 gg 🎮🔥'],
    ['Arabic with RTL override', 'مرحبا \u202Eexe.fdp'],
    ['Hebrew', 'שלום, "עולם"'],
    ['NUL and control characters', 'a\u0000b\u0001c\u0007d\u001be\u007ff\u0085g'],
    ['CRLF inside', 'line1\r\nline2\r\n'],
    ['bare CR and LF', 'a\rb\nc'],
    ['only quotes', '""""'],
    ['BOM in the middle', 'x\uFEFFy'],
  ])('round-trips %s exactly', (_label, value) => {
    expect(cellRoundTrip(value)).toBe(value);
  });

  it('round-trips a 300 KB value', () => {
    const value = 'ab,"c"\r\n🎮'.repeat(30_000);
    expect(Buffer.byteLength(value)).toBeGreaterThan(300_000);
    expect(cellRoundTrip(value)).toBe(value);
  });

  it('round-trips a whole table of hostile records, row count intact', () => {
    const values = ['a\nb', '=1', 'x,"y"', '\u0000', 'مرحبا\u202E', '🎮'];
    const rows = roundTrip(values.map((v) => ({ playerId: v, extra: v })));
    expect(rows).toHaveLength(values.length + 1);
    rows.slice(1).forEach((row, i) => {
      const v = values[i] as string;
      expect(row[0]).toBe(neutraliseFormula(v));
      expect(JSON.parse(row.at(-1) as string)).toEqual({ extra: v });
    });
  });
});
