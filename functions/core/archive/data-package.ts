import { ADDITIONAL_FIELDS_COLUMN, type CsvColumn, csvColumns } from '../collect/csv';
import {
  type DataMap,
  type FieldSpec,
  fieldGuideText,
  type SourceSpec,
  sourceById,
} from '../data-map/data-map';
import type { ArchiveFile, DescribedSource, ExportPlan } from '../workflow-types';
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
 *
 * The CSVs start with a UTF-8 byte-order mark (for spreadsheets, see csv.ts). Their `encoding`
 * stays "utf-8", the IANA name the spec asks for: a BOM is allowed in UTF-8, and Frictionless's
 * reader (frictionless-py's detect_encoding) reads a "utf-8" file that starts with one as
 * utf-8-sig, as pandas and R's readr do. "utf-8-sig" is a Python codec name, which other readers
 * (Node among them) refuse outright. The CSV Dialect spec has no property for the mark, so the
 * resource says it in `description` and in the custom property `byteOrderMark`; the formula
 * protection of text cells likewise (`formulaProtection`), since a reader that casts cells must
 * know that an apostrophe in front of "=…" was added.
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
  /** The label the player reads (the data map's `label`). */
  title?: string;
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

/** What csv.ts does to text cells a spreadsheet would run as a formula (OWASP "CSV injection"). */
export interface FormulaProtection {
  /** Put in front of the cell's text. */
  prefix: "'";
  /** A text cell starting with any of these gets the prefix. */
  triggers: string[];
  /** Only cells of these Table Schema types: numbers and the rest are written as they are. */
  types: ['string'];
  /** Where the text is kept as it is, without the prefix. */
  original: string;
}

export interface TabularResource extends ResourceBase {
  profile: 'tabular-data-resource';
  format: 'csv';
  mediatype: 'text/csv';
  /** The file starts with the UTF-8 byte-order mark EF BB BF (custom property; see above). */
  byteOrderMark: true;
  formulaProtection: FormulaProtection;
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

/** The characters neutraliseFormula() in csv.ts reacts to, in the order its pattern lists them. */
export const FORMULA_TRIGGERS = ['=', '+', '-', '@', '\t', '\r'];

/** The sentence every CSV resource's description ends with: what a reader of the file must know. */
export const CSV_NOTE =
  'CSV (RFC 4180, comma, CRLF, header row) in UTF-8 starting with a byte-order mark (EF BB BF), so ' +
  'spreadsheets open it as UTF-8. A text cell that starts with =, +, -, @, a tab or a carriage ' +
  "return has an apostrophe (') put in front, so a spreadsheet shows it as text instead of running " +
  'it as a formula; the JSON file of the same source has the exact text.';

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

export function dataPackage(dataMap: DataMap, plan: ExportPlan, results: DescribedSource[]): DataPackage {
  return {
    profile: 'data-package',
    name: packageName(plan.rootFolder),
    title: `Personal data of ${plan.username}`,
    description:
      'A copy of the personal data the game holds about the player (GDPR Art. 15 and 20). Each source ' +
      'is given twice: as CSV for spreadsheets and as JSON with exact values. The CSV files start ' +
      'with a UTF-8 byte-order mark, and text cells that a spreadsheet would run as a formula have ' +
      'an apostrophe in front (see each CSV resource).',
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

export function dataPackageFile(dataMap: DataMap, plan: ExportPlan, results: DescribedSource[]) {
  const content = `${JSON.stringify(dataPackage(dataMap, plan, results), null, 2)}\n`;
  return { path: DATA_PACKAGE_PATH, content: Buffer.from(content, 'utf8') };
}

function common(source: SourceSpec, categoryTitle: string, file: ArchiveFile, kind: string): ResourceBase {
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

function tabularResource(source: SourceSpec, categoryTitle: string, file: ArchiveFile): TabularResource {
  return {
    profile: 'tabular-data-resource',
    ...common(source, categoryTitle, file, 'csv'),
    description: source.description ? `${source.description} ${CSV_NOTE}` : CSV_NOTE,
    format: 'csv',
    mediatype: 'text/csv',
    byteOrderMark: true,
    formulaProtection: {
      prefix: "'",
      triggers: FORMULA_TRIGGERS,
      types: ['string'],
      original: archiveFilePath(source.category, source.id, 'json'),
    },
    dialect: CSV_DIALECT,
    schema: tableSchema(source.fields),
  };
}

function jsonResource(source: SourceSpec, categoryTitle: string, file: ArchiveFile): JsonResource {
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
    (spec ? fieldGuideText(spec) : undefined) ??
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
    ...(spec?.label ? { title: spec.label } : {}),
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
