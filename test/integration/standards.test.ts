import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../functions/core/archive/manifest';
import { ADDITIONAL_FIELDS_COLUMN, csvColumns } from '../../functions/core/collect/csv';
import { defaultDataMap } from '../../functions/core/data-map/default-data-map';
import { DEMO_PLAYER_ID } from '../../functions/seed-demo/demo-data/generate';
import { exportAndOpen } from '../support/export-archive';
import { startTestRuntime, type TestRuntime } from '../support/runtime';
import {
  checkCsv,
  dataPackageProfile,
  type PackageDescriptor,
  type PackageResource,
  type PackageTableSchema,
  strictAjv,
} from '../support/standards';

/**
 * A real export of the demo player (event, workflow, e-mailed link, download through the gateway
 * as the player, on the synthesized templates), checked with validators that share no code with
 * the writer: ajv for the JSON Schemas and the Data Package shape, csv-parse and Table Schema type
 * rules for every CSV cell. If the writer changes its columns or types without the descriptions
 * following, this fails.
 */

let runtime: TestRuntime;
let files: Map<string, Buffer>;
let descriptor: PackageDescriptor;
let manifest: Manifest;

const text = (path: string) => files.get(path)?.toString('utf8') ?? '';

beforeAll(async () => {
  runtime = await startTestRuntime();
  ({ files, manifest } = await exportAndOpen(runtime, DEMO_PLAYER_ID));
  descriptor = JSON.parse(text('datapackage.json')) as PackageDescriptor;
});
afterAll(async () => {
  await runtime?.stop();
});

const dataFiles = (extension: string) =>
  defaultDataMap.sources.map((source) => ({ source, path: `${source.category}/${source.id}.${extension}` }));

function tabular(path: string): PackageResource & { schema: PackageTableSchema } {
  const resource = descriptor.resources.find((r) => r.path === path);
  const schema = resource?.schema;
  if (!resource || typeof schema !== 'object') throw new Error(`No tabular resource for ${path}`);
  return { ...resource, schema };
}

describe('standard descriptions in the archive of the demo player', () => {
  it('holds datapackage.json and a schema per source, listed in the manifest', () => {
    const listed = new Set(manifest.files.map((f) => f.path));
    for (const path of [
      'datapackage.json',
      ...defaultDataMap.sources.map((s) => `schemas/${s.id}.schema.json`),
    ]) {
      expect(files.has(path), path).toBe(true);
      expect(listed.has(path), path).toBe(true);
    }
  });

  it('validates every JSON data file against its JSON Schema from the archive', () => {
    const ajv = strictAjv();
    let records = 0;
    for (const { path } of dataFiles('json')) {
      const resource = descriptor.resources.find((r) => r.path === path);
      expect(typeof resource?.schema, path).toBe('string');
      const schemaText = text(resource?.schema as string);
      expect(schemaText, `${path}: schema file`).not.toBe('');
      const validate = ajv.compile(JSON.parse(schemaText));
      const data = JSON.parse(text(path)) as { records: Record<string, unknown>[] };
      records += data.records.length;
      expect(validate(data), `${path}: ${JSON.stringify(validate.errors?.slice(0, 5))}`).toBe(true);
    }
    // A source may hold nothing for the demo player (none held), but the archive as a whole may not.
    expect(records).toBeGreaterThan(1000);
  });

  it('has schemas that reject a leaked secret and a real id of another player', () => {
    const ajv = strictAjv();
    const players = JSON.parse(text('account/players.json'));
    const validatePlayers = ajv.compile(JSON.parse(text('schemas/players.schema.json')));
    expect(validatePlayers({ ...players, records: [{ ...players.records[0], passwordHash: 'x' }] })).toBe(
      false,
    );
    const posts = JSON.parse(text('forum/forum-posts.json'));
    const validatePosts = ajv.compile(JSON.parse(text('schemas/forum-posts.schema.json')));
    expect(validatePosts({ ...posts, records: [{ ...posts.records[0], mentions: ['p-1002'] }] })).toBe(false);
  });

  it('has a datapackage.json of the Data Package shape, whose resources match the files', () => {
    const validate = strictAjv().compile(dataPackageProfile);
    expect(validate(descriptor), JSON.stringify(validate.errors)).toBe(true);
    const names = descriptor.resources.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    const described = descriptor.resources.map((r) => r.path).sort();
    expect(described).toEqual([...dataFiles('csv'), ...dataFiles('json')].map((f) => f.path).sort());
    for (const resource of descriptor.resources) {
      const bytes = files.get(resource.path);
      expect(bytes, resource.path).toBeDefined();
      expect(resource.bytes, resource.path).toBe(bytes?.length);
      const sha = createHash('sha256')
        .update(bytes ?? Buffer.alloc(0))
        .digest('hex');
      expect(resource.hash, resource.path).toBe(`sha256:${sha}`);
      for (const field of typeof resource.schema === 'object' ? resource.schema.fields : []) {
        expect(field.type, `${resource.path}: ${field.name}`).toBeDefined();
      }
    }
  });

  it('validates every CSV row against its Table Schema', () => {
    let rows = 0;
    for (const { path } of dataFiles('csv')) {
      const resource = tabular(path);
      const check = checkCsv(text(path), resource.schema.fields, resource.schema.missingValues);
      rows += check.rows.length;
      expect(check.errors.slice(0, 10), path).toEqual([]);
    }
    expect(rows).toBeGreaterThan(1000);
  });

  it('neutralises formulas only in text columns', () => {
    let neutralised = 0;
    for (const { path } of dataFiles('csv')) {
      const resource = tabular(path);
      const { rows } = checkCsv(text(path), resource.schema.fields);
      for (const row of rows) {
        row.forEach((cell, c) => {
          if (!cell.startsWith("'")) return;
          neutralised++;
          expect(resource.schema.fields[c]?.type, `${path}: ${cell.slice(0, 30)}`).toBe('string');
        });
      }
    }
    // The demo data has formula-like posts, so this is not vacuous.
    expect(neutralised).toBeGreaterThan(0);
  });

  it('describes the columns the writer uses, in its order (fails if the writer changes them)', () => {
    for (const { source, path } of dataFiles('csv')) {
      const expected = [...csvColumns(source.fields).map((c) => c.name), ADDITIONAL_FIELDS_COLUMN];
      const { header } = checkCsv(text(path), tabular(path).schema.fields);
      expect(header, path).toEqual(expected);
      expect(
        tabular(path).schema.fields.map((f) => f.name),
        path,
      ).toEqual(expected);
    }
  });
});
