import { describe, expect, it } from 'vitest';
import { sourceJsonSchema } from '../../functions/core/archive/json-schema';
import { isDate, isDateTime, misfit } from '../../functions/core/collect/type-fit';
import { TypeObserver } from '../../functions/core/collect/type-observer';
import type { FieldSpec, ScalarType, SourceSpec } from '../../functions/core/data-map/data-map';
import { defaultDataMap } from '../../functions/core/data-map/default-data-map';
import { ExactNumber, type StoreRecord, type Value } from '../../functions/core/values';
import { strictAjv } from '../support/standards';

const n = (text: string) => new ExactNumber(text);

const fields: FieldSpec[] = [
  { name: 'points', type: 'integer', rule: 'export' },
  { name: 'ratio', type: 'number', rule: 'export' },
  { name: 'at', type: 'datetime', rule: 'export' },
  { name: 'day', type: 'date', rule: 'export' },
  { name: 'ok', type: 'boolean', rule: 'export' },
  {
    name: 'appeal',
    type: 'object',
    rule: 'export',
    fields: [{ name: 'outcome', type: 'string', rule: 'export' }],
  },
  { name: 'tags', type: 'array', rule: 'export', items: { type: 'string' } },
  {
    name: 'messages',
    type: 'array',
    rule: 'export',
    items: { type: 'object', fields: [{ name: 'sentAt', type: 'datetime', rule: 'export' }] },
  },
  { name: 'friendId', type: 'integer', rule: 'pseudonymise' },
  { name: 'secret', type: 'string', rule: 'omit', reason: 'a secret' },
];

describe('misfit: a value against its declared type, as the archive’s schemas judge it', () => {
  it.each([
    [n('12'), 'integer', undefined],
    [n('0.30000000000000004'), 'integer', 'decimal'],
    // A JSON parser reads 1E+3 as an integer, a Table Schema integer column does not.
    [n('1E+3'), 'integer', 'decimal'],
    [n('-1.5E-120'), 'number', undefined],
    [n('99999999999999999999999999999999999999'), 'integer', undefined],
    ['12', 'integer', 'string'],
    [true, 'number', 'boolean'],
    ['2026-11-30T10:00:00Z', 'datetime', undefined],
    ['2026-11-30T10:00:00.123+01:00', 'datetime', undefined],
    ['2026-11-30 10:00', 'datetime', 'text that is not a date-time'],
    ['2026-02-30T10:00:00Z', 'datetime', 'text that is not a date-time'],
    ['2024-02-29', 'date', undefined],
    ['2023-02-29', 'date', 'text that is not a date'],
    [['a'], 'string', 'array'],
    [{ a: 'b' }, 'boolean', 'object'],
    [null, 'integer', undefined],
  ] as [Value, ScalarType, string | undefined][])('%j declared %s → %s', (value, type, expected) => {
    expect(misfit(value, { name: 'f', type, rule: 'export' })).toBe(expected);
  });

  it('holds pseudonymised fields to text, whatever their declared scalar type', () => {
    const spec: FieldSpec = { name: 'friendId', type: 'integer', rule: 'pseudonymise' };
    expect(misfit('player-abc', spec)).toBeUndefined();
    expect(misfit(n('7'), spec)).toBe('integer');
  });

  it('validates dates and date-times by the calendar (RFC 3339)', () => {
    // A leap second is RFC 3339, but Table Schema readers refuse it: kept out of date-time columns.
    expect(isDateTime('2026-11-30T23:59:60Z')).toBe(false);
    expect(isDateTime('2026-11-30T23:59:59.999Z')).toBe(true);
    expect(isDateTime('2026-11-30T24:00:00Z')).toBe(false);
    expect(isDateTime('2026-13-01T00:00:00Z')).toBe(false);
    expect(isDateTime('2026-11-30T10:00:00')).toBe(false);
    expect(isDate('2000-02-29')).toBe(true);
    expect(isDate('1900-02-29')).toBe(false);
  });
});

describe('TypeObserver', () => {
  function observe(records: StoreRecord[]) {
    const observer = new TypeObserver(fields);
    for (const record of records) observer.observe(record);
    return observer.mismatches();
  }

  it('reports nothing when every value fits, undeclared fields and nulls included', () => {
    expect(
      observe([
        {
          points: n('3'),
          ratio: n('0.5'),
          at: '2026-11-30T10:00:00Z',
          ok: false,
          undeclared: { any: n('1') },
        },
        {
          points: null,
          tags: ['a', null],
          messages: [{ sentAt: '2026-11-30T10:00:00Z' }],
          friendId: 'player-x',
        },
      ]),
    ).toEqual([]);
  });

  it('names each declared path that held another type, with what was seen and in how many records', () => {
    expect(
      observe([
        { points: n('0.30000000000000004'), tags: ['a', n('1')], appeal: { outcome: true } },
        { points: '7', messages: [{ sentAt: 'yesterday' }, 'not an object'] },
        { points: n('2') },
      ]),
    ).toEqual([
      { path: 'appeal.outcome', declared: 'string', seen: ['boolean'], records: 1 },
      { path: 'messages[]', declared: 'object', seen: ['string'], records: 1 },
      { path: 'messages[].sentAt', declared: 'datetime', seen: ['text that is not a date-time'], records: 1 },
      { path: 'points', declared: 'integer', seen: ['decimal', 'string'], records: 2 },
      { path: 'tags[]', declared: 'string', seen: ['integer'], records: 1 },
    ]);
  });

  it('ignores omitted fields (they never reach a file)', () => {
    expect(observe([{ secret: n('1') }])).toEqual([]);
  });
});

describe('JSON Schema of an export that holds other types than declared', () => {
  const source: SourceSpec = {
    id: 'stats',
    category: defaultDataMap.categories[0]?.id ?? 'account',
    kind: 'dynamodb',
    portable: true,
    table: 'stats',
    key: { partition: 'playerId', template: '{playerId}' },
    fields,
  };
  const records: StoreRecord[] = [
    { points: n('0.30000000000000004'), at: 'soon', tags: ['a', n('1')], messages: [{ sentAt: 'later' }] },
    { points: n('2'), at: '2026-11-30T10:00:00Z', friendId: 'p-me' },
  ];
  const observer = new TypeObserver(fields);
  for (const record of records) observer.observe(record);
  const files = { category: source.category, source: source.id, generatedAt: '2026-11-30T10:00:00Z' };
  const asJson = (value: unknown) =>
    JSON.parse(JSON.stringify(value, (_k, v) => (v instanceof ExactNumber ? Number(v.text) : v)));

  it('without the mismatches, refuses the file (the problem the notes fix)', () => {
    const validate = strictAjv().compile(sourceJsonSchema(source, defaultDataMap, { requesterId: 'p-me' }));
    expect(validate(asJson({ ...files, records }))).toBe(false);
  });

  it('with them, accepts it, still refuses what no record held, and says why in the description', () => {
    const mismatches = observer.mismatches();
    const schema = sourceJsonSchema(source, defaultDataMap, { requesterId: 'p-me', mismatches });
    const validate = strictAjv().compile(schema);
    expect(validate(asJson({ ...files, records })), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(asJson({ ...files, records: [{ ratio: 'text' }] }))).toBe(false);
    expect(JSON.stringify(schema)).toContain(
      'The data map declares integer here; this export also holds decimal',
    );
  });
});
