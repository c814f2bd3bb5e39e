import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import {
  CSV_DIALECT,
  CSV_NOTE,
  DATA_PACKAGE_PATH,
  dataPackage,
  dataPackageFile,
  FORMULA_TRIGGERS,
  packageName,
  type TabularResource,
  tableSchema,
} from '../../functions/core/archive/data-package';
import { generatedFiles } from '../../functions/core/archive/generated-files';
import { jsonSchemaFiles } from '../../functions/core/archive/json-schema';
import { archiveFilePath } from '../../functions/core/archive/layout';
import {
  ADDITIONAL_FIELDS_COLUMN,
  CSV_BOM,
  csvColumns,
  csvHeader,
  csvRow,
  neutraliseFormula,
} from '../../functions/core/collect/csv';
import type { FieldSpec } from '../../functions/core/data-map/data-map';
import { defaultDataMap } from '../../functions/core/data-map/default-data-map';
import { ExactNumber, type StoreRecord } from '../../functions/core/values';
import type { CollectResult, ExportPlan } from '../../functions/core/workflow-types';
import { checkCsv, dataPackageProfile, strictAjv } from '../support/standards';

/**
 * A CSV as checkCsv (test/support/standards.ts) reads it: without the byte-order mark that every
 * file starts with (checked here), which csv-parse keeps as part of the first name unless `bom: true`.
 */
function withoutBom(text: string): string {
  expect(text.startsWith(CSV_BOM)).toBe(true);
  return text.slice(CSV_BOM.length);
}

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
    expect(checkCsv(withoutBom(csvHeader(csvColumns(fields))), tableSchema(fields).fields).errors).toEqual(
      [],
    );
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
      const { errors } = checkCsv(withoutBom(csvHeader(csvColumns(source.fields))), schema.fields);
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
    const check = checkCsv(withoutBom(text), tableSchema(fields).fields);
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
      .replace(/^\uFEFF|\r\n$/g, '')
      .split(',')
      .map((name) => (name === 'score' ? '12a' : name === 'createdAt' ? 'yesterday' : ''));
    expect(checkCsv(withoutBom(`${header}${forged.join(',')}\r\n`), schema.fields).errors).toHaveLength(2);
  });

  it('keeps a value of another type than its column’s in additionalFields, so the CSV stays true to its schema', () => {
    const schema = tableSchema(fields);
    const columns = csvColumns(fields);
    const row = csvRow({ score: '12a', createdAt: 'yesterday' }, columns, fields);
    const check = checkCsv(withoutBom(csvHeader(columns) + row), schema.fields);
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

  it('declares the CSV dialect, the UTF-8 encoding with its byte-order mark and the formula protection', () => {
    const csvs = descriptor.resources.filter((r): r is TabularResource => r.format === 'csv');
    expect(csvs).toHaveLength(results.length);
    for (const csv of csvs) {
      expect(csv.dialect).toEqual({
        delimiter: ',',
        lineTerminator: '\r\n',
        quoteChar: '"',
        doubleQuote: true,
        header: true,
      });
      // The IANA name: frictionless-py reads a "utf-8" file that starts with a BOM as utf-8-sig.
      expect(csv.encoding).toBe('utf-8');
      expect(csv.byteOrderMark).toBe(true);
      expect(csv.description?.endsWith(CSV_NOTE)).toBe(true);
      expect(csv.description).toMatch(/byte-order mark \(EF BB BF\)/);
      expect(csv.formulaProtection).toEqual({
        prefix: "'",
        triggers: ['=', '+', '-', '@', '\t', '\r'],
        types: ['string'],
        original: csv.path.replace(/\.csv$/, '.json'),
      });
      expect(descriptor.resources.some((r) => r.path === csv.formulaProtection.original)).toBe(true);
    }
    // The source's own description comes first, the CSV note after it.
    const withOwn = defaultDataMap.sources.find((s) => s.description);
    if (withOwn) {
      const csv = csvs.find((r) => r.name === `${withOwn.id}-csv`);
      expect(csv?.description).toBe(`${withOwn.description} ${CSV_NOTE}`);
    }
  });

  it('names exactly the triggers the writer neutralises', () => {
    for (const trigger of FORMULA_TRIGGERS) expect(neutraliseFormula(`${trigger}x`)).toBe(`'${trigger}x`);
    // Every other ASCII character at the start is left alone.
    for (let code = 0; code < 128; code++) {
      const c = String.fromCharCode(code);
      if (!FORMULA_TRIGGERS.includes(c)) expect(neutraliseFormula(`${c}x`), JSON.stringify(c)).toBe(`${c}x`);
    }
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
  it('adds one schema per source after README.txt, and leaves datapackage.json to follow the data files', async () => {
    const files = await generatedFiles({ dataMap: defaultDataMap, plan, results });
    const paths = files.map((f) => f.path);
    const ours = defaultDataMap.sources.map((s) => `schemas/${s.id}.schema.json`);
    // Other generated files may come and go; ours follow README.txt, in this order.
    const start = paths.indexOf(ours[0] ?? '');
    expect(start).toBeGreaterThan(paths.indexOf('README.txt'));
    expect(paths.slice(start, start + ours.length)).toEqual(ours);
    // It gives the data files' checksums, known only once they are packed (build-archive.ts).
    expect(paths).not.toContain(DATA_PACKAGE_PATH);
  });
});

// The Frictionless reference library for JavaScript (CommonJS, no types of its own).
interface LoadedResource {
  name: string;
  tabular: boolean;
  descriptor: { path: string; bytes: number; hash: string; schema: { fields: { name: string }[] } };
  read(options: { cast?: boolean; keyed?: boolean }): Promise<unknown[][]>;
}
const { Package } = createRequire(import.meta.url)('datapackage') as {
  Package: {
    load(path: string): Promise<{ valid: boolean; errors: Error[]; resources: LoadedResource[] }>;
  };
};

/** A value for every column of a source, at its path: text that tests the reader, typed values elsewhere. */
function sampleRecord(sourceFields: FieldSpec[], text: string): StoreRecord {
  const record: StoreRecord = {};
  for (const column of csvColumns(sourceFields)) {
    let level = record;
    for (const segment of column.path.slice(0, -1)) {
      level[segment] ??= {};
      level = level[segment] as StoreRecord;
    }
    const name = column.path.at(-1) as string;
    if (column.spec.rule === 'pseudonymise') continue;
    if (column.type === 'string') level[name] = text;
    else if (column.type === 'integer') level[name] = ExactNumber.of('-7');
    else if (column.type === 'number') level[name] = ExactNumber.of('-0.25');
    else if (column.type === 'boolean') level[name] = true;
    else if (column.type === 'datetime') level[name] = '2026-11-23T10:00:00.000Z';
    else if (column.type === 'date') level[name] = '2026-11-23';
    else if (column.type === 'array') level[name] = ['a', '=b'];
  }
  return record;
}

describe('the CSV files as readers we did not write see them', () => {
  it('csv-parse (bom: true) and the Frictionless library read every CSV the package lists', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pde-datapackage-'));
    try {
      const texts = [
        '=HYPERLINK("http://x")',
        'ผู้เล่น 🎮 "quoted", comma',
        '-1',
        '@home\r\nnext line',
        'Tromsø',
      ];
      const files = new Map<string, Buffer>();
      const written: CollectResult[] = defaultDataMap.sources.map((source) => {
        const columns = csvColumns(source.fields);
        const records = texts.map((t) => sampleRecord(source.fields, t));
        const csv = Buffer.from(
          csvHeader(columns) + records.map((r) => csvRow(r, columns, source.fields)).join(''),
          'utf8',
        );
        const json = Buffer.from('{"records":[]}\n', 'utf8');
        const staged = (ext: 'csv' | 'json', bytes: Buffer) => {
          const path = archiveFilePath(source.category, source.id, ext);
          files.set(path, bytes);
          return {
            path,
            stagingKey: `staging/req-1/${path}`,
            bytes: bytes.length,
            sha256: createHash('sha256').update(bytes).digest('hex'),
            records: records.length,
          };
        };
        return {
          sourceId: source.id,
          category: source.category,
          records: records.length,
          files: [staged('json', json), staged('csv', csv)],
        };
      });
      // datapackage.json and the JSON Schemas it names, as generated-files.ts puts them in the archive.
      for (const file of [
        dataPackageFile(defaultDataMap, plan, written),
        ...jsonSchemaFiles(defaultDataMap, written),
      ]) {
        files.set(file.path, file.content);
      }
      // The archive as it is, and a copy whose CSVs lack the mark (see below).
      const asIs = join(dir, 'as-is');
      const stripped = join(dir, 'stripped');
      for (const [path, bytes] of files) {
        for (const [root, content] of [
          [asIs, bytes],
          [stripped, path.endsWith('.csv') ? bytes.subarray(3) : bytes],
        ] as const) {
          await mkdir(dirname(join(root, path)), { recursive: true });
          await writeFile(join(root, path), content);
        }
      }

      const pkg = await Package.load(join(asIs, DATA_PACKAGE_PATH));
      expect(pkg.valid, pkg.errors.map((e) => e.message).join('; ')).toBe(true);
      const tabular = pkg.resources.filter((r) => r.tabular);
      expect(tabular).toHaveLength(defaultDataMap.sources.length);
      const cellsByName = new Map<string, string[][]>();
      for (const resource of tabular) {
        const { path, bytes, hash, schema } = resource.descriptor;
        const raw = await readFile(join(asIs, path));
        expect([...raw.subarray(0, 3)], path).toEqual([0xef, 0xbb, 0xbf]);
        // The size and checksum the package (and the manifest) give cover the mark.
        expect(raw.length, path).toBe(bytes);
        expect(`sha256:${createHash('sha256').update(raw).digest('hex')}`, path).toBe(hash);
        const cells = parseCsv(raw, {
          bom: true,
          record_delimiter: '\r\n',
          relax_quotes: false,
        }) as string[][];
        expect(cells[0], path).toEqual(schema.fields.map((f) => f.name));
        expect(cells.slice(1).map((row) => row.length)).toEqual(texts.map(() => schema.fields.length));
        cellsByName.set(resource.name, cells);
      }

      // tableschema-js 1.12 (under datapackage 1.1) hands the BOM to its CSV parser and then
      // misses the first column's name; frictionless-py, the maintained reference, reads a
      // "utf-8" file that starts with a BOM as utf-8-sig. So the JS library reads the copy
      // without the mark, and must cast every row of it against the package's Table Schema.
      const jsPkg = await Package.load(join(stripped, DATA_PACKAGE_PATH));
      for (const resource of jsPkg.resources.filter((r) => r.tabular)) {
        const rows = await resource.read({ cast: true });
        const cells = cellsByName.get(resource.name) ?? [];
        expect(rows, resource.descriptor.path).toHaveLength(cells.length - 1);
        const names = resource.descriptor.schema.fields.map((f) => f.name);
        const first = names[0] ?? '';
        // The first column as the library cast it, against csv-parse's cells.
        rows.forEach((row, r) => {
          const cell = cells[r + 1]?.[0];
          if (typeof row[0] === 'string') expect(row[0], `${resource.name} ${first}`).toBe(cell);
        });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
