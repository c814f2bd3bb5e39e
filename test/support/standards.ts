import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse as parseCsv } from 'csv-parse/sync';

/**
 * Independent checks of the standard descriptions in an archive. Nothing here imports the code
 * that writes them: the Data Package shape is written from the Frictionless v1 specs (Data
 * Package, Data Resource, Tabular Data Resource, Table Schema, CSV Dialect), and cells are
 * checked against the Table Schema types with their own regular expressions.
 */

/** Ajv for draft 2020-12 in strict mode, so a sloppy generated schema fails to compile. */
export function strictAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
  addFormats(ajv);
  return ajv;
}

const NAME = '^[-a-z0-9._/]+$';
// A relative POSIX path: no leading '/', '.' or '~', and no '..' anywhere (Data Resource `path`).
const RELATIVE_PATH = '^(?![./~])(?!.*\\.\\.).+$';
const TABLE_TYPES = [
  'string',
  'number',
  'integer',
  'boolean',
  'object',
  'array',
  'date',
  'time',
  'datetime',
  'year',
  'yearmonth',
  'duration',
  'geopoint',
  'geojson',
  'any',
];

/** The parts of the Data Package v1 profiles that the archive relies on. */
export const dataPackageProfile = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['name', 'resources'],
  properties: {
    profile: { type: 'string' },
    name: { type: 'string', pattern: NAME },
    title: { type: 'string' },
    description: { type: 'string' },
    created: { type: 'string', format: 'date-time' },
    resources: { type: 'array', minItems: 1, items: { $ref: '#/$defs/resource' } },
  },
  // Tabular Data Package: every resource MUST be a Tabular Data Resource.
  if: { type: 'object', required: ['profile'], properties: { profile: { const: 'tabular-data-package' } } },
  // biome-ignore lint/suspicious/noThenProperty: the JSON Schema keyword, not a promise
  then: {
    type: 'object',
    properties: {
      resources: {
        type: 'array',
        items: {
          type: 'object',
          required: ['profile'],
          properties: { profile: { const: 'tabular-data-resource' } },
        },
      },
    },
  },
  $defs: {
    resource: {
      type: 'object',
      required: ['name', 'path'],
      properties: {
        profile: { type: 'string' },
        name: { type: 'string', pattern: NAME },
        path: { type: 'string', pattern: RELATIVE_PATH },
        title: { type: 'string' },
        description: { type: 'string' },
        format: { type: 'string' },
        mediatype: { type: 'string', pattern: '^[^/]+/[^/]+$' },
        encoding: { type: 'string' },
        bytes: { type: 'integer', minimum: 0 },
        hash: { type: 'string', pattern: '^([^:]+:[a-fA-F0-9]+|[a-fA-F0-9]{32})$' },
        schema: { type: ['string', 'object'] },
        dialect: { $ref: '#/$defs/dialect' },
      },
      // Tabular Data Resource: a Table Schema is required, inline or by path.
      if: {
        type: 'object',
        required: ['profile'],
        properties: { profile: { const: 'tabular-data-resource' } },
      },
      // biome-ignore lint/suspicious/noThenProperty: the JSON Schema keyword, not a promise
      then: { type: 'object', required: ['schema'], properties: { schema: { $ref: '#/$defs/tableSchema' } } },
    },
    dialect: {
      type: 'object',
      additionalProperties: false,
      properties: {
        csvddfVersion: { type: 'number' },
        delimiter: { type: 'string', minLength: 1 },
        doubleQuote: { type: 'boolean' },
        lineTerminator: { type: 'string' },
        nullSequence: { type: 'string' },
        quoteChar: { type: 'string', minLength: 1, maxLength: 1 },
        escapeChar: { type: 'string', minLength: 1, maxLength: 1 },
        skipInitialSpace: { type: 'boolean' },
        header: { type: 'boolean' },
        commentChar: { type: 'string' },
        caseSensitiveHeader: { type: 'boolean' },
      },
    },
    tableSchema: {
      type: 'object',
      required: ['fields'],
      properties: {
        fields: { type: 'array', minItems: 1, items: { $ref: '#/$defs/field' } },
        missingValues: { type: 'array', items: { type: 'string' } },
      },
    },
    field: {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string', minLength: 1 },
        type: { enum: TABLE_TYPES },
        format: { type: 'string' },
        title: { type: 'string' },
        description: { type: 'string' },
      },
    },
  },
} as const;

export interface PackageField {
  name: string;
  type?: string;
}
export interface PackageTableSchema {
  fields: PackageField[];
  missingValues?: string[];
}
export interface PackageResource {
  name: string;
  path: string;
  profile?: string;
  format?: string;
  bytes?: number;
  hash?: string;
  schema?: string | PackageTableSchema;
}
export interface PackageDescriptor {
  profile?: string;
  name: string;
  resources: PackageResource[];
}

const INTEGER = /^[-+]?\d+$/;
const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$|^(NaN|INF|-INF)$/i;
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const TRUE_VALUES = ['true', 'True', 'TRUE', '1'];
const FALSE_VALUES = ['false', 'False', 'FALSE', '0'];

/** Why a CSV cell is not a value of the Table Schema type, or null when it is. Empty is missing. */
export function cellError(type: string | undefined, cell: string, missingValues = ['']): string | null {
  if (missingValues.includes(cell)) return null;
  const ok = (() => {
    switch (type ?? 'string') {
      case 'string':
      case 'any':
        return true;
      case 'integer':
        return INTEGER.test(cell);
      case 'number':
        return NUMBER.test(cell);
      case 'boolean':
        return TRUE_VALUES.includes(cell) || FALSE_VALUES.includes(cell);
      case 'date':
        return DATE.test(cell) && !Number.isNaN(Date.parse(cell));
      case 'datetime':
        return DATETIME.test(cell) && !Number.isNaN(Date.parse(cell));
      case 'array':
        return Array.isArray(parseJson(cell));
      case 'object': {
        const value = parseJson(cell);
        return typeof value === 'object' && value !== null && !Array.isArray(value);
      }
      default:
        return false;
    }
  })();
  return ok ? null : `${JSON.stringify(cell.slice(0, 60))} is not a ${type}`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface CsvCheck {
  header: string[];
  rows: string[][];
  errors: string[];
}

/** Parses a CSV (RFC 4180, strict quoting) and checks header and every cell against a Table Schema. */
export function checkCsv(text: string, fields: PackageField[], missingValues = ['']): CsvCheck {
  const [header = [], ...rows] = parseCsv(text, {
    bom: true,
    relax_quotes: false,
    record_delimiter: '\r\n',
  }) as string[][];
  const errors: string[] = [];
  const names = fields.map((f) => f.name);
  if (JSON.stringify(header) !== JSON.stringify(names)) {
    errors.push(`header ${JSON.stringify(header)} differs from the schema's fields ${JSON.stringify(names)}`);
  }
  rows.forEach((row, r) => {
    if (row.length !== fields.length)
      errors.push(`row ${r + 1}: ${row.length} cells, ${fields.length} fields`);
    fields.forEach((field, c) => {
      const error = cellError(field.type, row[c] ?? '', missingValues);
      if (error) errors.push(`row ${r + 1}, ${field.name}: ${error}`);
    });
  });
  return { header, rows, errors };
}
