import { describe, expect, it } from 'vitest';
import {
  JSON_SCHEMA_DIALECT,
  type JsonSchema,
  jsonSchemaFiles,
  schemaFilePath,
  sourceJsonSchema,
} from '../../functions/core/archive/json-schema';
import { type DataMap, parseDataMap } from '../../functions/core/data-map/data-map';
import { defaultDataMap } from '../../functions/core/data-map/default-data-map';
import { strictAjv } from '../support/standards';

const map: DataMap = parseDataMap({
  version: 1,
  identity: { source: 'profile', usernameField: 'name' },
  categories: [{ id: 'account', title: 'Account and profile' }],
  sources: [
    {
      id: 'profile',
      category: 'account',
      kind: 'dynamodb',
      table: 'profiles',
      key: { partition: 'playerId' },
      description: 'The player profile.',
      fields: [
        { name: 'playerId', type: 'string', description: 'Your id.' },
        { name: 'name', type: 'string' },
        { name: 'secret', type: 'string', rule: 'omit', reason: 'A secret.' },
        { name: 'score', type: 'integer' },
        { name: 'ratio', type: 'number' },
        { name: 'active', type: 'boolean' },
        { name: 'createdAt', type: 'datetime' },
        { name: 'birthDate', type: 'date' },
        {
          name: 'address',
          type: 'object',
          fields: [
            { name: 'city', type: 'string' },
            { name: 'pin', type: 'string', rule: 'omit', reason: 'A secret.' },
            { name: 'geo', type: 'object', fields: [{ name: 'lat', type: 'number' }] },
          ],
        },
        {
          name: 'logins',
          type: 'array',
          items: {
            type: 'object',
            fields: [
              { name: 'at', type: 'datetime' },
              { name: 'byId', type: 'string', rule: 'pseudonymise' },
            ],
          },
        },
        { name: 'tags', type: 'array', items: { type: 'string' } },
        { name: 'friendIds', type: 'array', items: { type: 'string' }, rule: 'pseudonymise' },
        { name: 'rivalSince', type: 'datetime', rule: 'pseudonymise' },
        { name: 'agentId', type: 'string', rule: 'pseudonymise', pseudonym: 'agent' },
      ],
    },
  ],
});
const source = map.sources[0] as DataMap['sources'][number];
const schema = sourceJsonSchema(source, map, { requesterId: 'p-me' });
const validate = strictAjv().compile(schema);

function recordProperties(of: JsonSchema): Record<string, JsonSchema | false> {
  // `false` (an omitted field) has no properties: || undefined makes it a plain optional.
  const records = of.properties?.records || undefined;
  return records?.items?.properties ?? {};
}

const file = (records: unknown[]) => ({
  category: 'account',
  source: 'profile',
  generatedAt: '2026-11-23T10:00:00.000Z',
  records,
});
const full = {
  playerId: 'p-me',
  name: 'Ingrid',
  score: 2 ** 60,
  ratio: 0.25,
  active: true,
  createdAt: '2019-11-02T18:44:10.000Z',
  birthDate: '1991-03-14',
  address: { city: 'Bergen', geo: { lat: 60.39 }, floor: 3 },
  logins: [
    { at: '2025-01-01T00:00:00Z', byId: 'player-Ab3dE5fG7hJ9' },
    { at: null, byId: 'p-me' },
  ],
  tags: ['a', null],
  friendIds: ['player-Ab3dE5fG7hJ9', 'p-me'],
  rivalSince: 'player-Zz9_-Yy8Xx7W',
  agentId: 'agent-qwertyuiopas',
  undeclared: { anything: [1, 'x'] },
};

describe('sourceJsonSchema', () => {
  it('describes the envelope with title and description from the data map', () => {
    expect(schema.$schema).toBe(JSON_SCHEMA_DIALECT);
    expect(schema.title).toBe('Account and profile: profile');
    expect(schema.description).toBe('The player profile.');
    expect(schema.required).toEqual(['category', 'source', 'generatedAt', 'records']);
    expect(schema.additionalProperties).toBe(false);
  });

  it('types every declared field, nested objects and arrays included', () => {
    const props = recordProperties(schema);
    expect(props?.score).toEqual({ type: ['integer', 'null'] });
    expect(props?.ratio).toEqual({ type: ['number', 'null'] });
    expect(props?.active).toEqual({ type: ['boolean', 'null'] });
    expect(props?.createdAt).toEqual({ type: ['string', 'null'], format: 'date-time' });
    expect(props?.birthDate).toEqual({ type: ['string', 'null'], format: 'date' });
    expect(props?.playerId).toEqual({ type: ['string', 'null'], description: 'Your id.' });
    expect(props?.secret).toBe(false);
    expect(props?.address).toMatchObject({
      type: ['object', 'null'],
      additionalProperties: true,
      properties: {
        city: { type: ['string', 'null'] },
        pin: false,
        geo: { type: ['object', 'null'], properties: { lat: { type: ['number', 'null'] } } },
      },
    });
    expect(props?.logins).toMatchObject({
      type: ['array', 'null'],
      items: { type: ['object', 'null'], properties: { at: { format: 'date-time' } } },
    });
    expect(props?.tags).toEqual({ type: ['array', 'null'], items: { type: ['string', 'null'] } });
  });

  it('accepts a record the writer would produce, undeclared fields and nulls included', () => {
    expect(
      validate(file([full, { playerId: 'p-me' }, { name: null }])),
      JSON.stringify(validate.errors),
    ).toBe(true);
    expect(validate(file([]))).toBe(true);
  });

  it.each<[string, Record<string, unknown>]>([
    ['an omitted secret', { secret: 'hunter2' }],
    ['a nested omitted secret', { address: { pin: '1234' } }],
    ['a fraction in an integer', { score: 1.5 }],
    ['a number as text', { ratio: '0.25' }],
    ['a boolean as text', { active: 'true' }],
    ['a datetime that is not one', { createdAt: '02/11/2019' }],
    ['a date with a time', { birthDate: '1991-03-14T00:00:00Z' }],
    ["another player's real id", { friendIds: ['p-1002'] }],
    ["another player's real id in a list of objects", { logins: [{ byId: 'p-1002' }] }],
    ['a pseudonymised datetime left as it was', { rivalSince: '2020-01-01T00:00:00Z' }],
    ["a support agent's real id", { agentId: 'agent-17' }],
    ['a player pseudonym where an agent is declared', { agentId: 'player-Ab3dE5fG7hJ9' }],
    ["the requester's id where an agent is declared", { agentId: 'p-me' }],
    ['a list where an object is declared', { address: ['Bergen'] }],
  ])('rejects %s', (_what, change) => {
    expect(validate(file([{ ...full, ...change }]))).toBe(false);
  });

  it('rejects an envelope of another source or with extra keys', () => {
    expect(validate({ ...file([]), source: 'other' })).toBe(false);
    expect(validate({ ...file([]), extra: 1 })).toBe(false);
    expect(validate({ ...file([]), generatedAt: 'yesterday' })).toBe(false);
  });

  it('without a requester id, pseudonymised fields are plain strings with a description', () => {
    const loose = sourceJsonSchema(source, map);
    const friendIds = recordProperties(loose).friendIds || undefined;
    expect(friendIds?.items).toMatchObject({ type: ['string', 'null'] });
    expect(friendIds?.items?.description).toMatch(/pseudonym/);
  });
});

describe('jsonSchemaFiles', () => {
  it('writes schemas/<sourceId>.schema.json for every source of the default data map, each valid', () => {
    const ids = defaultDataMap.sources.map((s) => s.id);
    const files = jsonSchemaFiles(
      defaultDataMap,
      ids.map((sourceId) => ({ sourceId })),
      { requesterId: 'p-1001' },
    );
    expect(files.map((f) => f.path)).toEqual(ids.map(schemaFilePath));
    const ajv = strictAjv();
    for (const f of files) {
      const parsed = JSON.parse(f.content.toString('utf8'));
      expect(() => ajv.compile(parsed), f.path).not.toThrow();
    }
  });

  it('refuses a source the data map does not have', () => {
    expect(() => jsonSchemaFiles(defaultDataMap, [{ sourceId: 'nope' }])).toThrow(/nope/);
  });
});
