import type { FieldSpec, ScalarType } from '../data-map/data-map';
import { ExactNumber, type Value } from '../values';

/**
 * Whether a value is of the type the data map declares for its field, judged the way the archive's
 * schemas judge it (JSON Schema with formats, Table Schema): a store is not bound by the map, and
 * a value that does not fit must neither break the files' own descriptions nor go unnoticed.
 */

/** What a value is, in the words of the notes to operators. */
export type ValueKind =
  | 'string'
  | 'integer'
  | 'decimal'
  | 'boolean'
  | 'object'
  | 'array'
  | 'text that is not a date-time'
  | 'text that is not a date';

/**
 * RFC 3339 date-time as every reader of the archive takes it: JSON Schema's "date-time" format and
 * Table Schema datetime readers. RFC 3339 lets "t" and "z" be lower case, but spreadsheet and Table
 * Schema readers do not all follow, so a lower-case one counts as text that is not a date-time.
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const INTEGER = /^-?\d+$/;

/** The misfit kind of a non-null value at a field declared `spec`, or undefined when it fits. */
export function misfit(value: Value, spec: FieldSpec): ValueKind | undefined {
  if (value === null) return undefined;
  if (spec.rule === 'pseudonymise') {
    // The writer turns every id inside into a pseudonym string; containers keep their shape.
    return spec.type === 'object' || spec.type === 'array'
      ? containerMisfit(value, spec.type)
      : textMisfit(value);
  }
  if (spec.type === 'object' || spec.type === 'array') return containerMisfit(value, spec.type);
  return scalarMisfit(value, spec.type);
}

/** The misfit kind of a non-null value where the map declares a scalar `type`. */
export function scalarMisfit(value: Value, type: ScalarType): ValueKind | undefined {
  if (value === null) return undefined;
  const kind = kindOf(value);
  switch (type) {
    case 'string':
      return kind === 'string' ? undefined : kind;
    case 'datetime':
      if (kind !== 'string') return kind;
      return isDateTime(value as string) ? undefined : 'text that is not a date-time';
    case 'date':
      if (kind !== 'string') return kind;
      return isDate(value as string) ? undefined : 'text that is not a date';
    case 'integer':
      return kind === 'integer' ? undefined : kind;
    case 'number':
      return kind === 'integer' || kind === 'decimal' ? undefined : kind;
    case 'boolean':
      return kind === 'boolean' ? undefined : kind;
  }
}

function containerMisfit(value: Exclude<Value, null>, type: 'object' | 'array'): ValueKind | undefined {
  const kind = kindOf(value);
  return kind === type ? undefined : kind;
}

function textMisfit(value: Exclude<Value, null>): ValueKind | undefined {
  const kind = kindOf(value);
  return kind === 'string' ? undefined : kind;
}

/**
 * A value's kind. Numbers are "integer" only when written as digits: "1E+3" is an integer to a
 * JSON parser but not to a Table Schema integer column, and the CSV keeps the stored text.
 */
export function kindOf(value: Exclude<Value, null>): Exclude<ValueKind, `text ${string}`> {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (value instanceof ExactNumber) return INTEGER.test(value.text) ? 'integer' : 'decimal';
  if (Array.isArray(value)) return 'array';
  return 'object';
}

export function isDate(text: string): boolean {
  const match = DATE.exec(text);
  return match !== null && validDay(Number(match[1]), Number(match[2]), Number(match[3]));
}

// The last answer: the type observer and the CSV writer ask about the same value one after the other.
let lastDateTimeText = '';
let lastDateTimeFits = false;

export function isDateTime(text: string): boolean {
  if (text !== lastDateTimeText) {
    lastDateTimeFits = checkDateTime(text);
    lastDateTimeText = text;
  }
  return lastDateTimeFits;
}

function checkDateTime(text: string): boolean {
  const match = DATE_TIME.exec(text);
  if (!match) return false;
  const [, year, month, day, hour, minute, second, , zone, zoneHour, zoneMinute] = match;
  if (!validDay(Number(year), Number(month), Number(day))) return false;
  // No leap second (:60): RFC 3339 has it, but Table Schema readers (moment, dateutil) refuse it.
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return false;
  if (zone !== 'Z' && (Number(zoneHour) > 23 || Number(zoneMinute) > 59)) return false;
  return true;
}

function validDay(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return day <= days;
}
