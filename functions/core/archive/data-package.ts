import { ADDITIONAL_FIELDS_COLUMN, type CsvColumn, csvColumns } from '../collect/csv';
import { type DataMap, type FieldSpec, type SourceSpec, sourceById } from '../data-map/data-map';
import type { CollectResult, ExportPlan, StagedFile } from '../workflow-types';
import { schemaFilePath } from './json-schema';
import { archiveFilePath } from './layout';

/**
 * datapackage.json: a Frictionless Data Package (v1) describing every data file, so that standard
 * tools (frictionless, Open Refine, R's frictionless, …) can load and check the archive without
 * reading our docs. CSVs are Tabular Data Resources whose Table Schema is built from the same
 * csvColumns() the writer uses, so header and schema cannot drift. JSON files are plain Data
 * Resources whose `schema` is the path of their JSON Schema (the spec's JSON data resource recipe).
 *
 * The package profile is `data-package`, not `tabular-data-package`: the tabular profile requires
 * every resource to be tabular, and the JSON files are not.
 */

export const DATA_PACKAGE_PATH = 'datapackage.json';

export type TableFieldType =
  | 'string'
  | 'number'
  | 'integer'
  | 'boolean'
  | 'datetime'
  | 'date'
  | 'object'
  | 'array';

export interface TableField {
  name: string;
  type: TableFieldType;
  /**
   * "any" for dates and date-times: the values are the store's own RFC 3339 text (fractional
   * seconds, offsets), which Table Schema's default format (YYYY-MM-DDThh:mm:ssZ only) refuses.
   */
  format?: 'any';
  description?: string;
}

export interface TableSchema {
  fields: TableField[];
  /** Only the empty cell is missing: the writer leaves absent and null values empty. */
  missingValues: string[];
}

/** CSV Dialect (v1) of what csv.ts writes: RFC 4180 with CRLF and a header row. */
export interface CsvDialect {
  delimiter: ',';
  lineTerminator: '\r\n';
  quoteChar: '"';
  doubleQuote: true;
  header: true;
}

interface ResourceBase {
  name: string;
  path: string;
  title: string;
  description?: string;
  encoding: 'utf-8';
  bytes: number;
  /** "sha256:<hex>", from collection: the same checksum the manifest gives. */
  hash: string;
}

export interface TabularResource extends ResourceBase {
  profile: 'tabular-data-resource';
  format: 'csv';
  mediatype: 'text/csv';
  dialect: CsvDialect;
  schema: TableSchema;
}

export interface JsonResource extends ResourceBase {
  profile: 'data-resource';
  format: 'json';
  mediatype: 'application/json';
  /** Path of the JSON Schema of the file, inside the archive. */
  schema: string;
}

export interface DataPackage {
  profile: 'data-package';
  name: string;
  title: string;
  description: string;
  created: string;
  resources: (TabularResource | JsonResource)[];
}

export const CSV_DIALECT: CsvDialect = {
  delimiter: ',',
  lineTerminator: '\r\n',
  quoteChar: '"',
  doubleQuote: true,
  header: true,
};

/** Latin letters that have no decomposition to ASCII, so NFKD alone would lose them. */
const LATIN_LETTERS: Record<string, string> = {
  ø: 'o',
  æ: 'ae',
  œ: 'oe',
  ß: 'ss',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
};

/** A Data Package name: lower-case ASCII letters, digits, '.', '_' and '-' (the spec's pattern without '/'). */
export function packageName(rootFolder: string): string {
  const slug = rootFolder
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[øæœßłđðþı]/g, (letter) => LATIN_LETTERS[letter] ?? '-')
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-._]+|[-._]+$/g, '');
  return slug || 'player-data-export';
}

export function dataPackage(dataMap: DataMap, plan: ExportPlan, results: CollectResult[]): DataPackage {
  return {
    profile: 'data-package',
    name: packageName(plan.rootFolder),
    title: `Personal data of ${plan.username}`,
    description:
      'A copy of the personal data the game holds about the player (GDPR Art. 15 and 20). Each source ' +
      'is given twice: as CSV for spreadsheets and as JSON with exact values.',
    created: plan.generatedAt,
    resources: results.flatMap((result) => {
      const source = sourceById(dataMap, result.sourceId);
      const title = dataMap.categories.find((c) => c.id === source.category)?.title ?? source.category;
      // Matched by exact path, so any other file a collector may stage is not mistaken for data.
      const csvPath = archiveFilePath(source.category, source.id, 'csv');
      const jsonPath = archiveFilePath(source.category, source.id, 'json');
      return result.files.flatMap((file): (TabularResource | JsonResource)[] => {
        if (file.path === csvPath) return [tabularResource(source, title, file)];
        if (file.path === jsonPath) return [jsonResource(source, title, file)];
        return [];
      });
    }),
  };
}

export function dataPackageFile(dataMap: DataMap, plan: ExportPlan, results: CollectResult[]) {
  const content = `${JSON.stringify(dataPackage(dataMap, plan, results), null, 2)}\n`;
  return { path: DATA_PACKAGE_PATH, content: Buffer.from(content, 'utf8') };
}

function common(source: SourceSpec, categoryTitle: string, file: StagedFile, kind: string): ResourceBase {
  return {
    // Source ids are already lower-case slugs; the suffix keeps the two files of a source apart.
    name: `${source.id}-${kind}`,
    path: file.path,
    title: `${categoryTitle}: ${source.id} (${kind.toUpperCase()})`,
    ...(source.description ? { description: source.description } : {}),
    encoding: 'utf-8',
    bytes: file.bytes,
    hash: `sha256:${file.sha256}`,
  };
}

function tabularResource(source: SourceSpec, categoryTitle: string, file: StagedFile): TabularResource {
  return {
    profile: 'tabular-data-resource',
    ...common(source, categoryTitle, file, 'csv'),
    format: 'csv',
    mediatype: 'text/csv',
    dialect: CSV_DIALECT,
    schema: tableSchema(source.fields),
  };
}

function jsonResource(source: SourceSpec, categoryTitle: string, file: StagedFile): JsonResource {
  return {
    profile: 'data-resource',
    ...common(source, categoryTitle, file, 'json'),
    format: 'json',
    mediatype: 'application/json',
    schema: schemaFilePath(source.id),
  };
}

/** The Table Schema of a source's CSV: one field per csvColumns() column, in order, then additionalFields. */
export function tableSchema(fields: FieldSpec[]): TableSchema {
  return {
    fields: [
      ...csvColumns(fields).map((column) => tableField(column, fields)),
      {
        name: ADDITIONAL_FIELDS_COLUMN,
        type: 'object',
        description:
          'Fields of the record that the data map does not declare, and values that do not fit their column’s type, as a JSON object in the record’s own shape.',
      },
    ],
    missingValues: [''],
  };
}

function tableField(column: CsvColumn, fields: FieldSpec[]): TableField {
  const spec = specAt(fields, column.path);
  const pseudonymised = spec?.rule === 'pseudonymise';
  const type = tableType(column.type, pseudonymised);
  const description =
    spec?.description ??
    (pseudonymised
      ? spec?.pseudonym === 'agent'
        ? 'A support agent as a pseudonym ("agent-…"), the same throughout this archive.'
        : 'Another player as a pseudonym ("player-…"), the same throughout this archive; your own id as it is.'
      : type === 'array'
        ? 'A list, as JSON text.'
        : type === 'object'
          ? 'An object, as JSON text.'
          : undefined);
  return {
    name: column.name,
    type,
    ...(type === 'datetime' || type === 'date' ? { format: 'any' as const } : {}),
    ...(description ? { description } : {}),
  };
}

/**
 * Table Schema types match the data map's, except that a pseudonym replaces any scalar (an id kept
 * as a number too) with text. Table Schema `array` and `object` cells are JSON text, which is what
 * csv.ts writes; a value of another type than its column's is moved to additionalFields by csv.ts.
 */
function tableType(type: CsvColumn['type'], pseudonymised: boolean): TableFieldType {
  if (pseudonymised && type !== 'object' && type !== 'array') return 'string';
  return type;
}

/** The FieldSpec at a dotted column's path (csvColumns only descends into declared objects). */
function specAt(fields: FieldSpec[], path: string[]): FieldSpec | undefined {
  let level: FieldSpec[] | undefined = fields;
  let spec: FieldSpec | undefined;
  for (const name of path) {
    spec = level?.find((f) => f.name === name);
    level = spec?.fields;
  }
  return spec;
}
