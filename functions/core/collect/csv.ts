import { ADDITIONAL_FIELDS, type FieldSpec } from '../data-map/data-map';
import { fieldsByName } from '../data-map/fields-by-name';
import { ExactNumber, isPlainObject, type StoreRecord, type Value } from '../values';
import { toJsonText } from './json-text';
import { misfit } from './type-fit';

/**
 * CSV per RFC 4180 (CRLF line ends, fields with quotes, commas or line breaks quoted, quotes
 * doubled), UTF-8 with a byte-order mark. Columns come from the data map so the header is known before the first record
 * and no category has to be held in memory to discover them: objects are flattened to dotted
 * columns, lists are written as JSON text in one cell, and fields the map does not declare go
 * into the last column as a JSON object, so the CSV loses nothing the JSON has. A value that does
 * not fit its column's declared type (text in an integer column, 0.3 where the map says integer)
 * goes there too, under its own path: every column holds only what its Table Schema type says.
 */

export const ADDITIONAL_FIELDS_COLUMN = ADDITIONAL_FIELDS;

/**
 * The UTF-8 byte-order mark (EF BB BF) every CSV file starts with. Excel and LibreOffice take a
 * double-clicked .csv without one for the system's legacy code page (Windows-1252 and the like),
 * which turns Thai, accents and emoji into mojibake; with it they read UTF-8. Readers that know
 * the convention drop it (csv-parse `bom: true`, Python's utf-8-sig, pandas, R's readr, Frictionless).
 * It is part of the file's bytes, so the manifest's size and sha256 cover it.
 */
export const CSV_BOM = '\uFEFF';

export interface CsvColumn {
  name: string;
  path: string[];
  type: FieldSpec['type'];
  /** The declared field the column holds: a value that does not fit it goes to additionalFields. */
  spec: FieldSpec;
}

export function csvColumns(fields: FieldSpec[], prefix: string[] = []): CsvColumn[] {
  return fields.flatMap((field): CsvColumn[] => {
    if (field.rule === 'omit') return [];
    const path = [...prefix, field.name];
    if (field.type === 'object' && field.fields && field.rule !== 'pseudonymise')
      return csvColumns(field.fields, path);
    return [{ name: path.join('.'), path, type: field.type, spec: field }];
  });
}

/** The start of a CSV file: the byte-order mark, then the header row. */
export function csvHeader(columns: CsvColumn[]): string {
  return CSV_BOM + csvLine([...columns.map((c) => c.name), ADDITIONAL_FIELDS_COLUMN]);
}

export function csvRow(record: StoreRecord, columns: CsvColumn[], fields: FieldSpec[]): string {
  // One string built cell by cell (what csvLine does with an array): this runs for every record.
  let line = '';
  let misfits: [string[], Value][] | undefined;
  for (const column of columns) {
    const value = valueAt(record, column.path);
    if (value === undefined || !misfit(value, column.spec)) {
      line += `${quoteCell(cellText(value))},`;
    } else {
      misfits = withAdded(misfits, [column.path, value]);
      line += ',';
    }
  }
  const extra = withValuesAt(notInColumns(record, fields), misfits ?? []);
  return `${line}${extra ? quoteCell(toJsonText(extra)) : ''}\r\n`;
}

/** Adds each value at its path (in the record's own shape) to what no column holds. */
function withValuesAt(rest: StoreRecord | undefined, values: [string[], Value][]): StoreRecord | undefined {
  if (values.length === 0) return rest;
  const out: StoreRecord = rest ? structuredCopy(rest) : {};
  for (const [path, value] of values) {
    let level: StoreRecord = out;
    for (const segment of path.slice(0, -1)) {
      const next = level[segment];
      if (!isPlainObject(next)) level[segment] = {};
      level = level[segment] as StoreRecord;
    }
    level[path.at(-1) as string] = value;
  }
  return out;
}

function structuredCopy(record: StoreRecord): StoreRecord {
  return Object.fromEntries(
    Object.entries(record).map(([name, value]) => [
      name,
      isPlainObject(value) ? structuredCopy(value) : value,
    ]),
  );
}

/**
 * What of a record no column holds: undeclared fields, at any depth of a flattened object, and a
 * value whose shape does not match the map (text where an object is declared). Returned as one
 * object in the record's own shape, or undefined when every value has its column.
 */
function notInColumns(record: StoreRecord, fields: FieldSpec[]): StoreRecord | undefined {
  const byName = fieldsByName(fields);
  // Allocated only when something is left over: most records have a column for every value.
  let rest: [string, Value][] | undefined;
  for (const name of Object.keys(record)) {
    const value = record[name] as Value;
    const spec = byName.get(name);
    if (!spec || spec.rule === 'omit') {
      if (!spec) rest = withAdded(rest, [name, value]);
      continue;
    }
    if (spec.type !== 'object' || !spec.fields || spec.rule === 'pseudonymise') continue;
    if (!isPlainObject(value)) {
      if (value !== null) rest = withAdded(rest, [name, value]);
      continue;
    }
    const nested = notInColumns(value, spec.fields);
    if (nested) rest = withAdded(rest, [name, nested]);
  }
  return rest ? Object.fromEntries(rest) : undefined;
}

/** The list with `item` added, created at its first item: most records need none. */
function withAdded<T>(list: T[] | undefined, item: T): T[] {
  if (!list) return [item];
  list.push(item);
  return list;
}

function valueAt(record: StoreRecord, path: string[]): Value | undefined {
  let current: Value | undefined = record;
  for (const segment of path) {
    if (!isPlainObject(current)) return undefined;
    current = current[segment];
  }
  return current;
}

function cellText(value: Value | undefined): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return neutraliseFormula(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof ExactNumber) return value.text;
  return toJsonText(value);
}

/**
 * A text cell that a spreadsheet would run as a formula (OWASP "CSV injection": it starts with
 * = + - @, a tab or a carriage return) gets a leading apostrophe, which spreadsheets show as text.
 * Only text cells: numbers are written as numbers, and the JSON keeps the exact original.
 */
export function neutraliseFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

export function csvLine(cells: string[]): string {
  return `${cells.map(quoteCell).join(',')}\r\n`;
}

function quoteCell(cell: string): string {
  return cell !== '' && /[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}
