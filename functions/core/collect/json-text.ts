import { ExactNumber, type Value } from '../values';

/**
 * JSON text of a value with numbers written exactly as the store holds them. JSON.stringify
 * cannot do this: it only knows binary floats. Strings go through JSON.stringify, which escapes
 * quotes, control characters and lone surrogates as the JSON spec requires.
 */
export function toJsonText(value: Value): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof ExactNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  let out = '{';
  let first = true;
  for (const [field, item] of Object.entries(value)) {
    if (item === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(field)}:${toJsonText(item)}`;
    first = false;
  }
  return `${out}}`;
}
