import { describe, expect, it } from 'vitest';
import {
  CSV_DIALECT,
  DATA_PACKAGE_PATH,
  dataPackage,
  dataPackageFile,
  packageName,
  tableSchema,
} from '../../functions/core/archive/data-package';
import { generatedFiles } from '../../functions/core/archive/generated-files';
import { archiveFilePath } from '../../functions/core/archive/layout';
import { ADDITIONAL_FIELDS_COLUMN, csvColumns, csvHeader, csvRow } from '../../functions/core/collect/csv';
import type { FieldSpec } from '../../functions/core/data-map/data-map';
import { defaultDataMap } from '../../functions/core/data-map/default-data-map';
import { ExactNumber, type StoreRecord } from '../../functions/core/values';
import type { CollectResult, ExportPlan } from '../../functions/core/workflow-types';
import { checkCsv, dataPackageProfile, strictAjv } from '../support/standards';

const fields: FieldSpec[] = [
  { name: 'playerId', type: 'string', rule: 'export', description: 'Your id.' },
  { name: 'secret', type: 'string', rule: 'omit', reason: 'A secret.' },
  { name: 'score', type: 'integer', rule: 'export' },
  { name: 'balance', type: 'number', rule: 'export' },
  { name: 'active', type: 'boolean', rule: 'export' },
  { name: 'createdAt', type: 'datetime', rule: 'export' },
  { name: 'birthDate', type: 'date', rule: 'export' },
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
      { name: 'pin', type: 'string', rule: 'omit', reason: 'A secret.' },
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
  { name: 'rivalSince', type: 'datetime', rule: 'pseudonymise' },
];

const plan: ExportPlan = {
  requestId: 'req-1',
  playerId: 'p-1001',
  attempt: 1,
  username: 'Bjørn Ærø',
  locale: 'nb',
  generatedAt: '2026-11-23T10:00:00.000Z',
  stagingPrefix: 'staging/req-1/',
  archiveKey: 'archives/req-1/x.zip',
  rootFolder: 'Bjørn-Ærø-data-export-2026-11-23',
  tasks: [],
};

/** Collection results for every source of the default map, as collect-source.ts reports them. */
const results: CollectResult[] = defaultDataMap.sources.map((source, i) => ({
  sourceId: source.id,
  category: source.category,
  records: i,
  files: (['json', 'csv'] as const).map((ext) => ({
    path: archiveFilePath(source.category, source.id, ext),
    stagingKey: `staging/req-1/${archiveFilePath(source.category, source.id, ext)}`,
    bytes: 100 + i,
    sha256: `${i}`.repeat(64).slice(0, 64),
    records: i,
  })),
}));

describe('tableSchema', () => {
  it('has one field per CSV column, in the order csvColumns() gives, then additionalFields', () => {
    const names = tableSchema(fields).fields.map((f) => f.name);
    expect(names).toEqual([...csvColumns(fields).map((c) => c.name), ADDITIONAL_FIELDS_COLUMN]);
    // …which is exactly the header the writer puts in the file.
    expect(checkCsv(csvHeader(csvColumns(fields)), tableSchema(fields).fields).errors).toEqual([]);
  });

  it('gives Table Schema types, flattening objects and keeping lists as JSON text', () => {
    expect(tableSchema(fields).fields.map((f) => [f.name, f.type])).toEqual([
      ['playerId', 'string'],
      ['score', 'integer'],
      ['balance', 'number'],
      ['active', 'boolean'],
      ['createdAt', 'datetime'],
      ['birthDate', 'date'],
      ['address.city', 'string'],
      ['address.geo.lat', 'number'],
      ['tags', 'array'],
      ['opponentIds', 'array'],
      ['friend', 'object'],
      ['rivalSince', 'string'],
      ['additionalFields', 'object'],
    ]);
    const byName = new Map(tableSchema(fields).fields.map((f) => [f.name, f]));
    expect(byName.get('playerId')?.description).toBe('Your id.');
    expect(byName.get('opponentIds')?.description).toMatch(/pseudonym/);
    expect(byName.get('tags')?.description).toMatch(/JSON/);
    expect(tableSchema(fields).missingValues).toEqual(['']);
  });

  it('matches the header the writer gives for every source of the default data map', () => {
    for (const source of defaultDataMap.sources) {
      const schema = tableSchema(source.fields);
      const { errors } = checkCsv(csvHeader(csvColumns(source.fields)), schema.fields);
      expect(errors, source.id).toEqual([]);
    }
  });

  it('validates the rows the writer gives, formula-neutralised text and negative numbers included', () => {
    const columns = csvColumns(fields);
    const records: StoreRecord[] = [
      {
        playerId: '=HYPERLINK("http://x")',
        score: ExactNumber.of('-42'),
        balance: ExactNumber.of('-0.50'),
        active: false,
        createdAt: '2019-11-02T18:44:10.000Z',
        birthDate: '1991-03-14',
        address: { city: '+47 Bergen', geo: { lat: ExactNumber.of('-1e-3') } },
        tags: ['-x', '=y'],
        opponentIds: ['player-Ab3dE5fG7hJ9'],
        friend: { id: 'player-Ab3dE5fG7hJ9' },
        rivalSince: 'player-Zz9_-Yy8Xx7W',
        extra: ExactNumber.of('-1'),
      },
      { playerId: '-1', score: null, active: true, tags: [] },
      {},
    ];
    const text = csvHeader(columns) + records.map((r) => csvRow(r, columns, fields)).join('');
    const check = checkCsv(text, tableSchema(fields).fields);
    expect(check.errors).toEqual([]);
    // Text cells that could run as formulas are neutralised, numbers never are.
    expect(check.rows[0]?.slice(0, 3)).toEqual(['\'=HYPERLINK("http://x")', '-42', '-0.50']);
    expect(check.rows[1]?.[0]).toBe("'-1");
  });

  it('the checker refuses a cell that does not fit its column type', () => {
    const schema = tableSchema(fields);
    const columns = csvColumns(fields);
    const header = csvHeader(columns);
    const forged = header
      .replace(/\r\n$/, '')
      .split(',')
      .map((name) => (name === 'score' ? '12a' : name === 'createdAt' ? 'yesterday' : ''));
    expect(checkCsv(`${header}${forged.join(',')}\r\n`, schema.fields).errors).toHaveLength(2);
  });

  it('keeps a value of another type than its column’s in additionalFields, so the CSV stays true to its schema', () => {
    const schema = tableSchema(fields);
    const columns = csvColumns(fields);
    const row = csvRow({ score: '12a', createdAt: 'yesterday' }, columns, fields);
    const check = checkCsv(csvHeader(columns) + row, schema.fields);
    expect(check.errors).toEqual([]);
    const names = schema.fields.map((f) => f.name);
    const cells = check.rows[0] ?? [];
    expect(cells[names.indexOf('score')]).toBe('');
    expect(cells[names.indexOf('createdAt')]).toBe('');
    expect(JSON.parse(cells[names.indexOf('additionalFields')] ?? '{}')).toEqual({
      score: '12a',
      createdAt: 'yesterday',
    });
  });
});

describe('packageName', () => {
  it.each([
    ['ingrid-data-export-2026-11-23', 'ingrid-data-export-2026-11-23'],
    ['Bjørn-Ærø-data-export-2026-11-23', 'bjorn-aero-data-export-2026-11-23'],
    ['José_Łukasz-data-export-2026-11-23', 'jose_lukasz-data-export-2026-11-23'],
    ['李小龍-data-export-2026-11-23', 'data-export-2026-11-23'],
    ['', 'player-data-export'],
  ])('slugs %j to %j', (folder, expected) => {
    expect(packageName(folder)).toBe(expected);
    expect(packageName(folder)).toMatch(/^[a-z0-9._-]+$/);
  });
});

describe('dataPackage', () => {
  const descriptor = dataPackage(defaultDataMap, plan, results);

  it('validates against the Data Package shape', () => {
    const validate = strictAjv().compile(dataPackageProfile);
    expect(validate(JSON.parse(JSON.stringify(descriptor))), JSON.stringify(validate.errors)).toBe(true);
  });

  it('has a CSV and a JSON resource per source, with size and checksum from collection', () => {
    expect(descriptor.profile).toBe('data-package');
    expect(descriptor.name).toBe(packageName(plan.rootFolder));
    expect(descriptor.created).toBe(plan.generatedAt);
    const names = descriptor.resources.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    for (const result of results) {
      for (const file of result.files) {
        const resource = descriptor.resources.find((r) => r.path === file.path);
        expect(resource, file.path).toMatchObject({ bytes: file.bytes, hash: `sha256:${file.sha256}` });
      }
    }
    const csv = descriptor.resources.find((r) => r.path === 'forum/forum-posts.csv');
    expect(csv).toMatchObject({
      profile: 'tabular-data-resource',
      name: 'forum-posts-csv',
      format: 'csv',
      mediatype: 'text/csv',
      encoding: 'utf-8',
      dialect: CSV_DIALECT,
    });
    const json = descriptor.resources.find((r) => r.path === 'forum/forum-posts.json');
    expect(json).toMatchObject({
      profile: 'data-resource',
      name: 'forum-posts-json',
      format: 'json',
      mediatype: 'application/json',
      schema: 'schemas/forum-posts.schema.json',
    });
  });

  it('is not a tabular-data-package, whose profile would forbid the JSON resources', () => {
    const validate = strictAjv().compile(dataPackageProfile);
    expect(validate({ ...descriptor, profile: 'tabular-data-package' })).toBe(false);
  });

  it('ignores staged files that are not a source data file', () => {
    const withExtra = results.map((r, i) =>
      i === 0
        ? {
            ...r,
            files: [...r.files, { ...(r.files[0] as CollectResult['files'][number]), path: 'x/y.json' }],
          }
        : r,
    );
    expect(dataPackage(defaultDataMap, plan, withExtra).resources).toHaveLength(results.length * 2);
  });
});

describe('generatedFiles', () => {
  it('adds datapackage.json and one schema per source after README.txt', async () => {
    const files = await generatedFiles({ dataMap: defaultDataMap, plan, results });
    const paths = files.map((f) => f.path);
    const ours = [DATA_PACKAGE_PATH, ...defaultDataMap.sources.map((s) => `schemas/${s.id}.schema.json`)];
    // Other generated files may come and go; ours follow README.txt, in this order.
    const start = paths.indexOf(DATA_PACKAGE_PATH);
    expect(start).toBeGreaterThan(paths.indexOf('README.txt'));
    expect(paths.slice(start, start + ours.length)).toEqual(ours);
    const written = files.find((f) => f.path === DATA_PACKAGE_PATH)?.content;
    expect(written?.equals(dataPackageFile(defaultDataMap, plan, results).content)).toBe(true);
  });
});
