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
  // Loops rather than entries()/map()/join(): this runs for every value of every record.
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += `${i === 0 ? '' : ','}${toJsonText(value[i] as Value)}`;
    return `${out}]`;
  }
  let out = '{';
  for (const field of Object.keys(value)) {
    const item = value[field];
    if (item === undefined) continue;
    out += `${out.length === 1 ? '' : ','}${memberName(field)}${toJsonText(item)}`;
  }
  return `${out}}`;
}

// A source has a handful of field names, written once per record each: their quoted form is kept.
const memberNames = new Map<string, string>();
const MAX_MEMBER_NAMES = 4096;

function memberName(field: string): string {
  let text = memberNames.get(field);
  if (text === undefined) {
    text = `${JSON.stringify(field)}:`;
    if (memberNames.size < MAX_MEMBER_NAMES) memberNames.set(field, text);
  }
  return text;
}
