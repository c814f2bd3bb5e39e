/**
 * Property-based test of the whole pipeline: any player (any username, any e-mail or none) with
 * any DynamoDB items, exported through the deployed path on the local runtime and read back with
 * readers that share no code with the writer (yauzl, lossless-json, csv-parse, ajv, the
 * Frictionless `datapackage` library, mailparser, and this file's own AttributeValue conversion).
 *
 * Used by test/integration/any-data.test.ts (a fixed seed, a few runs, on every test run) and by
 * test/fuzz/cli.ts (`npm run fuzz -- --runs <n> [--seed <n>]`, for longer searches).
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  GetItemCommand,
  PutItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { parse as parseCsv } from 'csv-parse/sync';
import fc from 'fast-check';
import { isLosslessNumber, parse as parseLossless } from 'lossless-json';
import { type AddressObject, type ParsedMail, simpleParser } from 'mailparser';
import { type FieldSpec, OWN_REQUESTS_TABLE, type SourceSpec } from '../../functions/core/data-map/data-map';
import { defaultDataMap } from '../../functions/core/data-map/default-data-map';
import { requestExport } from '../../local/portal';
import { readZipEntries, type ZipEntryRead } from '../support/read-zip';
import type { TestRuntime } from '../support/runtime';
import { checkCsv, type PackageDescriptor, type PackageTableSchema, strictAjv } from '../support/standards';

// ---------------------------------------------------------------------------------------------
// The data map: what the generators write and what the checks expect (the exporter's input)

type FieldType = FieldSpec['type'];
type Item = Record<string, AttributeValue>;

const dataMap = defaultDataMap;

function sourceSpec(id: string): SourceSpec {
  const source = dataMap.sources.find((s) => s.id === id);
  if (!source) throw new Error(`The data map has no source "${id}"`);
  return source;
}

const PLAYERS = sourceSpec(dataMap.identity.source);
const USERNAME_FIELD = dataMap.identity.usernameField;
const EMAIL_FIELD = dataMap.identity.emailField;
/** Sources of the player's items: keyed by the player's id and a sort key, no pseudonymised field written. */
export const ITEM_SOURCES = ['game-stats', 'consents'] as const;
export type ItemSourceId = (typeof ITEM_SOURCES)[number];

function sortKeyOf(source: SourceSpec): string {
  if (!source.key.sort || source.key.index || source.key.template !== '{playerId}') {
    throw new Error(`Source "${source.id}" is not keyed by the player's id and a sort key`);
  }
  return source.key.sort;
}

// ---------------------------------------------------------------------------------------------
// Generators

/** One code point of a range, never a surrogate half (DynamoDB stores UTF-8). */
const codePoint = (min: number, max: number) =>
  fc
    .integer({ min, max })
    .filter((c) => c < 0xd800 || c > 0xdfff)
    .map((c) => String.fromCodePoint(c));

const BIDI_CONTROLS = [
  '\u202a',
  '\u202b',
  '\u202c',
  '\u202d',
  '\u202e',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
  '\u200e',
  '\u200f',
  '\u061c',
];

/** One code point of every kind a player's text can hold: scripts, emoji, marks, controls, bidi. */
const anyCodePoint = fc.oneof(
  { weight: 3, arbitrary: codePoint(0x20, 0x7e) }, // ASCII
  codePoint(0x00a0, 0x024f), // Latin-1 and Latin Extended
  codePoint(0x0e01, 0x0e5b), // Thai (tone marks and vowel signs are marks)
  codePoint(0x0600, 0x06ff), // Arabic (right to left)
  codePoint(0x0590, 0x05ff), // Hebrew
  codePoint(0x4e00, 0x9fff), // CJK
  codePoint(0xac00, 0xd7a3), // Hangul
  codePoint(0x0400, 0x04ff), // Cyrillic
  codePoint(0x0900, 0x097f), // Devanagari
  codePoint(0x1f300, 0x1faff), // emoji
  codePoint(0x0300, 0x036f), // combining marks
  codePoint(0x0000, 0x001f), // C0 controls
  codePoint(0x007f, 0x009f), // DEL and C1 controls
  fc.constantFrom(...BIDI_CONTROLS),
  fc.constantFrom('\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad'), // zero width
  fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0', '\u2002', '\u2028', '\u2029', '\u3000'),
  fc.constantFrom('\ufffd', '\ufffe', '\uffff', '\u{10ffff}'), // replacement and noncharacters
  codePoint(0xe000, 0xf8ff), // private use
  codePoint(0x10000, 0x10ffff), // any astral code point, assigned or not
);

/** Text that has hurt exporters, spreadsheets, HTML pages, mail and file systems. */
const HOSTILE_TEXT = [
  '',
  ' ',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '</p><b>',
  "=cmd|' /C calc'!A0",
  '=HYPERLINK("http://example.com","x")',
  '=1+1',
  '+1',
  '-1',
  '@SUM(1)',
  '\t=1',
  '\r=1',
  '"',
  '""',
  '","',
  'a,b',
  'line\r\nbreak',
  'a\nb',
  'a\rb',
  "'",
  '&',
  '&amp;',
  '&#60;',
  '<',
  '>',
  '../..',
  '..\\..',
  '/etc/passwd',
  'C:\\Windows',
  'CON',
  'NUL',
  'COM1',
  'con.txt',
  '%00',
  '%2e%2e',
  '\u0024{x}', // a template placeholder
  '{username}',
  '{{x}}',
  '$&',
  "$'",
  '\\',
  '\u0000',
  'null',
  'true',
  'NaN',
  '1e309',
  '0x1F',
  '\u{1F468}\u200d\u{1F469}\u200d\u{1F467}\u200d\u{1F466}', // family (ZWJ)
  '\u{1F3F3}\ufe0f\u200d\u{1F308}', // rainbow flag (ZWJ)
  '\u{1F469}\u{1F3FD}\u200d\u{1F4BB}', // technologist, skin tone (ZWJ)
  'e\u0301', // decomposed é
  '\u202egnp.exe', // right-to-left override
  'ไทย',
  'مرحبا',
  'שלום',
  '日本語',
  '\u{20000}',
];

const hostileText = fc.constantFrom(...HOSTILE_TEXT);

/** Any text: pieces of every script and of hostile text, arbitrary code points, graphemes. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.array(fc.oneof(anyCodePoint, hostileText), { maxLength: 10 }).map((p) => p.join('')),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 10 }) },
  { weight: 1, arbitrary: hostileText },
);

/** Short text (sort keys: at most 1,024 bytes in DynamoDB). */
const shortText = anyText.map((text) => Array.from(text).slice(0, 24).join(''));

export const anyUsername: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: anyText },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '   ', '\t', '\u3000', ' \u00a0 ', '\n') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '../..',
      '../../etc/passwd',
      '..\\..\\boot.ini',
      './.',
      '/',
      'CON',
      'PRN',
      'AUX',
      'NUL',
      'COM1',
      'LPT9',
      'con.txt',
      'CON.',
      '...',
      '!!!???',
      '<<>>',
      '<script>alert(1)</script>',
      'a&b',
    ),
  },
  // Very long: 1,000 code points and more, of any kind.
  {
    weight: 1,
    arbitrary: fc.array(anyCodePoint, { minLength: 1000, maxLength: 1100 }).map((c) => c.join('')),
  },
);

export const anyEmail: fc.Arbitrary<string> = fc
  .tuple(fc.emailAddress(), fc.constantFrom('example.com', 'example.org', 'example.net', 'mail.example.test'))
  .map(([address, domain]) => `${address.slice(0, address.lastIndexOf('@'))}@${domain}`);

// Numbers: up to 38 significant digits, exponents about -120 to +120, written in several ways.

/** "123.45", "1.2345E+2", "0012345e-2", … for a significand and the exponent of its first digit. */
function numberText(
  negative: boolean,
  digits: string,
  exponent: number,
  form: number,
  padding: number,
): string {
  const sign = negative ? '-' : '';
  if (form === 0) {
    const rest = digits.slice(1);
    return `${sign}${digits[0]}${rest ? `.${rest}` : ''}${padding % 2 ? 'e' : 'E'}${exponent >= 0 ? '+' : ''}${exponent}`;
  }
  if (form === 1) {
    // Integer significand, exponent of its last digit: "12345e-2".
    return `${sign}${'0'.repeat(padding % 3)}${digits}e${exponent - digits.length + 1}`;
  }
  const point = exponent + 1; // digits before the decimal point
  let text: string;
  if (point <= 0) text = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) text = `${digits}${'0'.repeat(point - digits.length)}`;
  else text = `${digits.slice(0, point)}.${digits.slice(point)}`;
  // Leading zeros, or trailing zeros after the point: DynamoDB trims both.
  if (padding % 3 === 1) text = `00${text}`;
  if (padding % 3 === 2) text = text.includes('.') ? `${text}000` : `${text}.000`;
  return `${sign}${text}`;
}

const significand = fc.stringMatching(/^[1-9][0-9]{0,37}$/);

const SPECIAL_NUMBERS = [
  '0',
  '-0',
  '0.000',
  '0E+5',
  '0.30000000000000004',
  '9007199254740993',
  '-9007199254740993',
  '12345678901234567890123456789012345678',
  '-99999999999999999999999999999999999999',
  '1E-120',
  '-1E-120',
  '9.9999999999999999999999999999999999999E+120',
  '3.14',
  '-5',
  '100',
];

/** Any number DynamoDB stores, as text in any of its forms. */
export const anyNumberText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...SPECIAL_NUMBERS),
  fc
    .record({
      negative: fc.boolean(),
      digits: significand,
      exponent: fc.integer({ min: -120, max: 120 }),
      form: fc.integer({ min: 0, max: 2 }),
      padding: fc.nat({ max: 5 }),
    })
    .map((n) => numberText(n.negative, n.digits, n.exponent, n.form, n.padding)),
  fc.integer({ min: -1000, max: 1000 }).map(String),
);

/** A whole number, as text (possibly "1.5E+3" or "2500.000": whole all the same). */
export const integerText: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: -100000, max: 100000 }).map(String),
  fc.bigInt({ min: -(10n ** 38n) + 1n, max: 10n ** 38n - 1n }).map(String),
  fc
    .record({
      negative: fc.boolean(),
      digits: significand,
      form: fc.integer({ min: 0, max: 2 }),
      padding: fc.nat(5),
    })
    .chain((n) =>
      fc
        .integer({ min: n.digits.length - 1, max: Math.max(n.digits.length - 1, 37) })
        .map((exponent) => numberText(n.negative, n.digits, exponent, n.form, n.padding)),
    ),
);

/** A number with a fractional part (never whole). */
const fractionText = anyNumberText.filter((text) => !canonicalNumber(text).integral);

const twoDigits = (n: number) => String(n).padStart(2, '0');
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

const calendarDay = fc
  .record({
    year: fc.oneof(fc.integer({ min: 1900, max: 2100 }), fc.constantFrom(1, 1000, 9999)),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 31 }),
  })
  .map(({ year, month, day }) => {
    const last = month === 2 && !isLeap(year) ? 28 : (DAYS_IN_MONTH[month - 1] ?? 28);
    return `${String(year).padStart(4, '0')}-${twoDigits(month)}-${twoDigits(Math.min(day, last))}`;
  });

/** RFC 3339 dates (YYYY-MM-DD, a real calendar day). */
export const anyDate: fc.Arbitrary<string> = calendarDay;

const timeOfDay = fc
  .record({
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    second: fc.integer({ min: 0, max: 59 }),
    fraction: fc.option(fc.stringMatching(/^[0-9]{1,9}$/), { nil: undefined }),
  })
  .map(
    (t) =>
      `${twoDigits(t.hour)}:${twoDigits(t.minute)}:${twoDigits(t.second)}${t.fraction ? `.${t.fraction}` : ''}`,
  );

const utcOffset = fc
  .record({
    sign: fc.constantFrom('+', '-'),
    h: fc.integer({ min: 0, max: 23 }),
    m: fc.integer({ min: 0, max: 59 }),
  })
  .map(({ sign, h, m }) => `${sign}${twoDigits(h)}:${twoDigits(m)}`);

/** Date-times a Table Schema datetime column takes: RFC 3339 with "T" and "Z" (or an offset), fractions. */
export const anyDateTime: fc.Arbitrary<string> = fc
  .tuple(calendarDay, timeOfDay, fc.oneof(fc.constant('Z'), utcOffset))
  .map(([day, time, zone]) => `${day}T${time}${zone}`);

/**
 * Text that looks like a date-time and is not one for a datetime column: not RFC 3339, not a real
 * day, hour 24, a leap second (the Table Schema readers refuse :60), or the lower-case "t" and "z"
 * RFC 3339 §5.6 tolerates but its generators SHOULD NOT write, which Table Schema's ISO 8601 form
 * and the checker in test/support/standards.ts refuse.
 */
const NOT_DATE_TIMES = [
  'yesterday',
  '2024-13-01T00:00:00Z',
  '2023-02-29T12:00:00Z',
  '2024-04-31T12:00:00Z',
  '2024-01-01 12:00:00Z',
  '2024-01-01T24:00:00Z',
  '2016-12-31T23:59:60Z',
  '2024-01-01T12:00:00',
  '2024-01-01T12:00:00+0530',
  '2024-01-01T12:00:00+24:00',
  '2024-01-01',
  '1704067200',
  '',
];
const notADateTime: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...NOT_DATE_TIMES),
  fc
    .tuple(calendarDay, fc.constantFrom('t', 'T'), timeOfDay, fc.oneof(fc.constantFrom('z', 'Z'), utcOffset))
    .filter(([, separator, , zone]) => separator === 't' || zone === 'z')
    .map((parts) => parts.join('')),
);

const NOT_DATES = [
  '2024-02-30',
  '2023-02-29',
  '2024-1-1',
  '20240101',
  '2024-01-01T00:00:00Z',
  'tomorrow',
  '',
];

const S = (text: string): AttributeValue => ({ S: text });
const N = (text: string): AttributeValue => ({ N: text });

const stringAttr = anyText.map(S);
const numberAttr = anyNumberText.map(N);
const binaryAttr: fc.Arbitrary<AttributeValue> = fc.uint8Array({ maxLength: 48 }).map((B) => ({ B }));
const stringSetAttr: fc.Arbitrary<AttributeValue> = fc
  .uniqueArray(anyText, { minLength: 1, maxLength: 5 })
  .map((SS) => ({ SS }));
/** Distinct by value: DynamoDB refuses "1" and "1.0" in one set. */
const numberSetOf = (numbers: fc.Arbitrary<string>): fc.Arbitrary<AttributeValue> =>
  fc
    .uniqueArray(numbers, { minLength: 1, maxLength: 5, selector: (n) => canonicalNumber(n).key })
    .map((NS) => ({ NS }));
const numberSetAttr = numberSetOf(anyNumberText);
const binarySetAttr: fc.Arbitrary<AttributeValue> = fc
  .uniqueArray(fc.uint8Array({ maxLength: 16 }), {
    minLength: 1,
    maxLength: 4,
    selector: (b) => Buffer.from(b).toString('base64'),
  })
  .map((BS) => ({ BS }));
const nullAttr: fc.Arbitrary<AttributeValue> = fc.constant({ NULL: true });
const boolAttr: fc.Arbitrary<AttributeValue> = fc.boolean().map((BOOL) => ({ BOOL }));

/**
 * Attribute and map key names a careless exporter trips over. Never empty. Never "__proto__":
 * dynalite (the local DynamoDB) cannot hold it (it drops such an attribute, and inside a map it
 * becomes the map's prototype and the item is refused), so no local run can export it; AWS keeps
 * it, and the writer's handling of it is unit-tested (test/unit/field-rules.test.ts, csv.test.ts).
 */
const UNUSUAL_NAMES = [
  'constructor',
  'toString',
  'hasOwnProperty',
  'prototype',
  'a.b',
  'a.b.c',
  '.',
  '..',
  'a b',
  ' leading',
  'trailing ',
  'a[]',
  '[0]',
  '$ref',
  '"quoted"',
  'comma,name',
  'new\nline',
  '=formula',
  '-',
  'additionalFields',
  'ключ',
  'キー',
  'مفتاح',
  'ชื่อ',
  '\u{1F511}',
  'e\u0301',
];
export const attributeName: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...UNUSUAL_NAMES) },
  {
    weight: 1,
    arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }).filter((n) => n !== '__proto__'),
  },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{0,11}$/) },
);

/** A map from generated entries (fromEntries: every name an own entry, whatever it is). */
const entriesOf = (names: fc.Arbitrary<string>, values: fc.Arbitrary<AttributeValue>, maxKeys: number) =>
  fc
    .uniqueArray(fc.tuple(names, values), { maxLength: maxKeys, selector: ([name]) => name })
    .map((entries) => Object.fromEntries(entries) as Item);

/** Any attribute value, of every DynamoDB type, lists and maps nested a few levels. */
export const anyAttribute: fc.Arbitrary<AttributeValue> = fc.letrec<{
  value: AttributeValue;
  list: AttributeValue;
  map: AttributeValue;
}>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 3, withCrossShrink: true },
    stringAttr,
    numberAttr,
    binaryAttr,
    stringSetAttr,
    numberSetAttr,
    binarySetAttr,
    nullAttr,
    boolAttr,
    tie('list'),
    tie('map'),
  ),
  list: fc.array(tie('value'), { maxLength: 4 }).map((L) => ({ L })),
  map: entriesOf(attributeName, tie('value'), 4).map((M) => ({ M })),
})).value;

const listAttr = fc.array(anyAttribute, { maxLength: 3 }).map((L): AttributeValue => ({ L }));
const mapAttr = entriesOf(attributeName, anyAttribute, 3).map((M): AttributeValue => ({ M }));

/** Undeclared attributes next to declared `fields` (never one of their names). */
function extraAttributes(fields: readonly FieldSpec[], reserved: readonly string[] = [], maxKeys = 3) {
  const taken = new Set([...fields.map((f) => f.name), ...reserved]);
  return entriesOf(
    attributeName.filter((name) => !taken.has(name)),
    anyAttribute,
    maxKeys,
  );
}

/** A value of the declared type (as the export shows it: a binary is base64 text, a set a list). */
function fittingValue(spec: {
  type: FieldType;
  fields?: FieldSpec[];
  items?: FieldSpec['items'];
}): fc.Arbitrary<AttributeValue> {
  switch (spec.type) {
    case 'string':
      return fc.oneof({ weight: 4, arbitrary: stringAttr }, { weight: 1, arbitrary: binaryAttr });
    case 'integer':
      return integerText.map(N);
    case 'number':
      return numberAttr;
    case 'boolean':
      return boolAttr;
    case 'datetime':
      return anyDateTime.map(S);
    case 'date':
      return anyDate.map(S);
    case 'object':
      return objectOf(spec.fields ?? []);
    case 'array': {
      const items = spec.items;
      if (!items) return listAttr;
      // Elements of any kind (mostly the declared one), so element paths ("list[].field") drift too.
      const element = declaredValue({ name: 'element', rule: 'export', ...items });
      const list = fc.array(element, { maxLength: 3 }).map((L): AttributeValue => ({ L }));
      if (items.type === 'string') return fc.oneof(list, stringSetAttr, binarySetAttr);
      if (items.type === 'integer') return fc.oneof(list, numberSetOf(integerText), numberSetAttr);
      if (items.type === 'number') return fc.oneof(list, numberSetAttr);
      return list;
    }
  }
}

/** A value of another type than declared, the way stores drift from their documentation. */
function wrongValue(type: FieldType): fc.Arbitrary<AttributeValue> {
  switch (type) {
    case 'integer':
      return fc.oneof(
        fc.constant(N('0.30000000000000004')),
        fractionText.map(N),
        fc.constantFrom('42', '1e3', '0.5', 'twelve').map(S),
        stringAttr,
        boolAttr,
        numberSetAttr,
      );
    case 'number':
      return fc.oneof(fc.constantFrom('3.14', 'NaN', '1,5').map(S), stringAttr, boolAttr, numberSetAttr);
    case 'string':
      return fc.oneof(numberAttr, boolAttr, mapAttr, stringSetAttr, listAttr);
    case 'boolean':
      return fc.oneof(fc.constantFrom(S('true'), S('false'), N('1'), N('0')), stringAttr);
    case 'datetime':
      return fc.oneof(notADateTime.map(S), integerText.map(N), stringAttr);
    case 'date':
      return fc.oneof(fc.constantFrom(...NOT_DATES).map(S), numberAttr, stringAttr);
    case 'object':
      return fc.oneof(stringAttr, listAttr, numberAttr, stringSetAttr);
    case 'array':
      return fc.oneof(stringAttr, mapAttr, numberAttr, boolAttr);
  }
}

function declaredValue(spec: FieldSpec): fc.Arbitrary<AttributeValue> {
  return fc.oneof(
    { weight: 5, arbitrary: fittingValue(spec) },
    { weight: 2, arbitrary: wrongValue(spec.type) },
    { weight: 1, arbitrary: anyAttribute },
    { weight: 1, arbitrary: nullAttr },
  );
}

/** Some of the declared fields (never pseudonymised or omitted ones, nor `skip`), each of any value. */
function declaredFields(fields: readonly FieldSpec[], skip: readonly string[] = []): fc.Arbitrary<Item> {
  const model: Record<string, fc.Arbitrary<AttributeValue>> = {};
  for (const field of fields) {
    if (field.rule !== 'export' || skip.includes(field.name)) continue;
    model[field.name] = declaredValue(field);
  }
  return fc.record(model, { requiredKeys: [] }).map((item) => ({ ...item }) as Item);
}

function objectOf(fields: readonly FieldSpec[]): fc.Arbitrary<AttributeValue> {
  return fc
    .tuple(declaredFields(fields), extraAttributes(fields, [], 2))
    .map(([declared, extra]): AttributeValue => ({ M: { ...declared, ...extra } }));
}

/** Omitted (secret) fields: distinctive text, so a leak anywhere in the archive is found; or any type. */
function secretFields(fields: readonly FieldSpec[]): fc.Arbitrary<Item> {
  const model: Record<string, fc.Arbitrary<AttributeValue>> = {};
  for (const field of fields.filter((f) => f.rule === 'omit')) {
    model[field.name] = fc.oneof(
      { weight: 3, arbitrary: fc.uuid().map((id) => S(`SECRET-${id}`)) },
      { weight: 1, arbitrary: anyAttribute },
    );
  }
  return fc.record(model, { requiredKeys: [] }).map((item) => ({ ...item }) as Item);
}

function sourceItems(source: SourceSpec, maxItems: number): fc.Arbitrary<Item[]> {
  const sortKey = sortKeyOf(source);
  const keys = [source.key.partition, sortKey];
  return fc
    .array(fc.tuple(shortText, declaredFields(source.fields, keys), extraAttributes(source.fields, keys)), {
      maxLength: maxItems,
    })
    .map((items) =>
      // The sort key starts with any text (a formula too) and ends with its index: unique.
      items.map(([prefix, declared, extra], i) => ({
        [sortKey]: S(`${prefix}#${i}`),
        ...declared,
        ...extra,
      })),
    );
}

/** One generated case: a player (without its id: each run makes a fresh one) and their items. */
export interface ExportCase {
  username: string;
  email: string | undefined;
  /** The player's item besides id, username and e-mail: declared fields, secrets, extras. */
  player: Item;
  items: Record<ItemSourceId, Item[]>;
}

export const anyExportCase: fc.Arbitrary<ExportCase> = fc.record({
  username: anyUsername,
  email: fc.option(anyEmail, { nil: undefined, freq: 4 }),
  player: fc
    .tuple(
      declaredFields(PLAYERS.fields, [PLAYERS.key.partition, USERNAME_FIELD, EMAIL_FIELD]),
      secretFields(PLAYERS.fields),
      extraAttributes(PLAYERS.fields, [PLAYERS.key.partition, USERNAME_FIELD, EMAIL_FIELD]),
    )
    .map(([declared, secrets, extra]) => ({ ...declared, ...secrets, ...extra })),
  items: fc.record({
    'game-stats': sourceItems(sourceSpec('game-stats'), 4),
    consents: sourceItems(sourceSpec('consents'), 3),
  }),
});

// ---------------------------------------------------------------------------------------------
// Values as the checks compare them: our own reading of AttributeValues and of the archive's JSON

/** A number by its exact decimal value: sign, significant digits without leading or trailing zeros, exponent. */
export function canonicalNumber(text: string): { key: string; integral: boolean } {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!match || `${match[2]}${match[3] ?? ''}` === '')
    throw new Error(`Not a number: ${JSON.stringify(text)}`);
  const [, sign, whole = '', fraction = '', exponentText = '0'] = match;
  let digits = `${whole}${fraction}`.replace(/^0+/, '');
  let exponent = Number(exponentText) - fraction.length;
  if (digits === '') return { key: '0', integral: true };
  const trailing = /0*$/.exec(digits)?.[0].length ?? 0;
  digits = digits.slice(0, digits.length - trailing);
  exponent += trailing;
  return { key: `${sign === '-' ? '-' : ''}${digits}e${exponent}`, integral: exponent >= 0 };
}

class Num {
  readonly key: string;
  readonly integral: boolean;
  constructor(readonly text: string) {
    ({ key: this.key, integral: this.integral } = canonicalNumber(text));
  }
}

/** A DynamoDB set: exported as a list in no particular order, compared as a multiset. */
class SetOf {
  constructor(readonly elements: Value[]) {}
}

type Obj = Map<string, Value>;
type Value = null | boolean | string | Num | Value[] | SetOf | Obj;

const isObj = (value: Value | undefined): value is Obj => value instanceof Map;
const isList = (value: Value | undefined): value is Value[] | SetOf =>
  Array.isArray(value) || value instanceof SetOf;
const elementsOf = (value: Value[] | SetOf): Value[] => (value instanceof SetOf ? value.elements : value);

/** Our own AttributeValue → exported value: S text, N exact, B base64, sets as multisets, NULL, BOOL, L, M. */
export function fromAttribute(attribute: AttributeValue): Value {
  if (attribute.S !== undefined) return attribute.S;
  if (attribute.N !== undefined) return new Num(attribute.N);
  if (attribute.B !== undefined) return Buffer.from(attribute.B).toString('base64');
  if (attribute.SS !== undefined) return new SetOf([...attribute.SS]);
  if (attribute.NS !== undefined) return new SetOf(attribute.NS.map((n) => new Num(n)));
  if (attribute.BS !== undefined)
    return new SetOf(attribute.BS.map((b) => Buffer.from(b).toString('base64')));
  if (attribute.NULL !== undefined) return null;
  if (attribute.BOOL !== undefined) return attribute.BOOL;
  if (attribute.L !== undefined) return attribute.L.map(fromAttribute);
  if (attribute.M !== undefined) return fromItem(attribute.M);
  throw new Error(`Unknown attribute value ${JSON.stringify(attribute)}`);
}

function fromItem(item: Item): Obj {
  return new Map(Object.entries(item).map(([name, attribute]) => [name, fromAttribute(attribute)]));
}

/** A value of the archive's JSON as lossless-json parsed it (numbers as their text). */
function fromJson(value: unknown): Value {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (isLosslessNumber(value)) return new Num(value.value);
  if (Array.isArray(value)) return value.map(fromJson);
  if (typeof value === 'object') {
    return new Map(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, fromJson(v)]));
  }
  throw new Error(`Unexpected JSON value ${String(value)}`);
}

const parseJsonExactly = (text: string): Value => fromJson(parseLossless(text));

/** A stable text of a value, for multiset comparison and messages. */
function keyOf(value: Value): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Num) return `#${value.key}`;
  if (value instanceof SetOf) return `<${value.elements.map(keyOf).sort().join(',')}>`;
  if (Array.isArray(value)) return `[${value.map(keyOf).join(',')}]`;
  return `{${[...value]
    .map(([k, v]) => `${JSON.stringify(k)}:${keyOf(v)}`)
    .sort()
    .join(',')}}`;
}

const show = (value: Value | undefined) => (value === undefined ? 'absent' : keyOf(value).slice(0, 300));

/**
 * Where `actual` (read from the archive) differs from `expected`, or undefined. A number equals a
 * number of the same decimal value; an expected set equals a list with the same elements in any order.
 */
function difference(
  expected: Value | undefined,
  actual: Value | undefined,
  path: string,
): string | undefined {
  const differs = () => `${path || '(record)'}: expected ${show(expected)}, found ${show(actual)}`;
  if (expected === undefined || actual === undefined) return expected === actual ? undefined : differs();
  if (expected instanceof Num)
    return actual instanceof Num && actual.key === expected.key ? undefined : differs();
  if (expected instanceof SetOf) {
    if (!isList(actual)) return differs();
    const want = expected.elements.map(keyOf).sort();
    const got = elementsOf(actual).map(keyOf).sort();
    return want.length === got.length && want.every((k, i) => k === got[i]) ? undefined : differs();
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return differs();
    for (const [i, element] of expected.entries()) {
      const found = difference(element, actual[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (isObj(expected)) {
    if (!isObj(actual)) return differs();
    for (const name of new Set([...expected.keys(), ...actual.keys()])) {
      const found = difference(expected.get(name), actual.get(name), path ? `${path}.${name}` : name);
      if (found) return found;
    }
    return undefined;
  }
  return expected === actual ? undefined : differs();
}

function assertSame(expected: Value | undefined, actual: Value | undefined, where: string): void {
  const found = difference(expected, actual, '');
  if (found) fail(`${where}: ${found}`);
}

// ---------------------------------------------------------------------------------------------
// Our own judge of types (the data map's types; RFC 3339 for dates) and of what the files hold

function isCalendarDay(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const last = month === 2 && !isLeap(year) ? 28 : (DAYS_IN_MONTH[month - 1] ?? 0);
  return day <= last;
}

function isRfc3339Date(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  return m !== null && isCalendarDay(Number(m[1]), Number(m[2]), Number(m[3]));
}

/**
 * A value of a datetime column: RFC 3339 date-time with an upper-case "T" and "Z" (or an offset),
 * as Table Schema's ISO 8601 form and test/support/standards.ts take it; a real day, hours ≤ 23,
 * offsets in range, and no leap second (:60), which the Table Schema readers refuse.
 */
function isDateTime(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/.exec(text);
  if (!m) return false;
  if (!isCalendarDay(Number(m[1]), Number(m[2]), Number(m[3]))) return false;
  if (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6]) > 59) return false;
  return m[9] === undefined || (Number(m[9]) <= 23 && Number(m[10]) <= 59);
}

/** Whether a non-null value is of a declared type. */
function fits(value: Exclude<Value, null>, type: FieldType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'datetime':
      return typeof value === 'string' && isDateTime(value);
    case 'date':
      return typeof value === 'string' && isRfc3339Date(value);
    case 'integer':
      return value instanceof Num && value.integral;
    case 'number':
      return value instanceof Num;
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return isList(value);
    case 'object':
      return isObj(value);
  }
}

/** The record the export should hold for an item: omitted fields gone, everything else exact. */
function afterFieldRules(record: Obj, fields: readonly FieldSpec[]): Obj {
  const byName = new Map(fields.map((f) => [f.name, f]));
  const out: Obj = new Map();
  for (const [name, value] of record) {
    const spec = byName.get(name);
    if (spec?.rule === 'omit') continue;
    if (spec?.rule === 'pseudonymise') throw new Error(`The generators never write pseudonymised "${name}"`);
    if (spec?.type === 'object' && spec.fields && isObj(value))
      out.set(name, afterFieldRules(value, spec.fields));
    else if (spec?.type === 'array' && spec.items?.fields && isList(value)) {
      const itemFields = spec.items.fields;
      const elements = elementsOf(value).map((e) => (isObj(e) ? afterFieldRules(e, itemFields) : e));
      out.set(name, value instanceof SetOf ? new SetOf(elements) : elements);
    } else out.set(name, value);
  }
  return out;
}

/** Declared paths where a record holds a value of another type ("a.b", "list[].c"), as the notes name them. */
function misfitPaths(
  record: Obj,
  fields: readonly FieldSpec[],
  prefix: string,
  found: Set<string>,
): Set<string> {
  for (const spec of fields) {
    if (spec.rule !== 'export' || !record.has(spec.name)) continue;
    const value = record.get(spec.name) ?? null;
    const path = `${prefix}${spec.name}`;
    if (value === null) continue;
    if (!fits(value, spec.type)) {
      found.add(path);
      continue;
    }
    if (spec.type === 'object' && spec.fields && isObj(value))
      misfitPaths(value, spec.fields, `${path}.`, found);
    if (spec.type === 'array' && spec.items && isList(value)) {
      const items = spec.items;
      for (const element of elementsOf(value)) {
        if (element === null) continue;
        if (!fits(element, items.type)) found.add(`${path}[]`);
        else if (items.type === 'object' && items.fields && isObj(element))
          misfitPaths(element, items.fields, `${path}[].`, found);
      }
    }
  }
  return found;
}

interface Column {
  name: string;
  path: string[];
  spec: FieldSpec;
}

/** The CSV columns the data map implies: declared objects flattened to dotted names, omitted fields left out. */
function columnsOf(fields: readonly FieldSpec[], prefix: string[] = []): Column[] {
  return fields.flatMap((spec): Column[] => {
    if (spec.rule === 'omit') return [];
    const path = [...prefix, spec.name];
    if (spec.type === 'object' && spec.fields && spec.rule !== 'pseudonymise')
      return columnsOf(spec.fields, path);
    return [{ name: path.join('.'), path, spec }];
  });
}

function valueAt(record: Obj, path: readonly string[]): Value | undefined {
  let current: Value | undefined = record;
  for (const segment of path) {
    if (!isObj(current)) return undefined;
    current = current.get(segment);
  }
  return current;
}

/**
 * What the CSV's last column must hold for a record: every undeclared field (at any depth of a
 * flattened object), and every value that does not fit its column, at its own path.
 */
function expectedAdditionalFields(record: Obj, fields: readonly FieldSpec[]): Obj {
  const byName = new Map(fields.map((f) => [f.name, f]));
  const out: Obj = new Map();
  for (const [name, value] of record) {
    const spec = byName.get(name);
    if (!spec) {
      out.set(name, value);
      continue;
    }
    if (spec.rule === 'omit' || value === null) continue;
    if (spec.type === 'object' && spec.fields && spec.rule !== 'pseudonymise') {
      if (!isObj(value)) out.set(name, value);
      else {
        const nested = expectedAdditionalFields(value, spec.fields);
        if (nested.size > 0) out.set(name, nested);
      }
    } else if (!fits(value, spec.type)) out.set(name, value);
  }
  return out;
}

/** A spreadsheet would run text starting with = + - @ tab or CR: the CSV cell gets an apostrophe. */
const neutralised = (text: string) => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);

// ---------------------------------------------------------------------------------------------
// Checks

export class PropertyFailure extends Error {
  override name = 'PropertyFailure';
}

function fail(message: string): never {
  throw new PropertyFailure(message);
}

function check(condition: unknown, message: () => string): asserts condition {
  if (!condition) fail(message());
}

const CONTROL_OR_BIDI = /[\p{Cc}\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/u;

/** (a) One root folder; every name safe on every system; non-ASCII names flagged UTF-8. */
function checkEntryNames(entries: readonly ZipEntryRead[]): string {
  check(entries.length > 0, () => 'the zip has no entries');
  const roots = new Set(entries.map((e) => e.name.split('/')[0]));
  check(roots.size === 1, () => `the zip has ${roots.size} root folders: ${[...roots].join(' | ')}`);
  const root = [...roots][0] ?? '';
  for (const { name, flags } of entries) {
    const label = JSON.stringify(name);
    check(!CONTROL_OR_BIDI.test(name), () => `entry ${label} holds a control or bidi character`);
    check(!name.includes('\\'), () => `entry ${label} holds a backslash`);
    check(!name.startsWith('/'), () => `entry ${label} is absolute`);
    const segments = name.split('/');
    check(name.startsWith(`${root}/`) && root !== '', () => `entry ${label} is not under one root folder`);
    for (const segment of segments.slice(0, name.endsWith('/') ? -1 : undefined)) {
      check(
        segment !== '..' && segment !== '.' && segment !== '',
        () => `entry ${label} has a "${segment}" segment`,
      );
      check(
        Buffer.byteLength(segment, 'utf8') <= 255,
        () => `entry ${label} has a segment of ${Buffer.byteLength(segment, 'utf8')} bytes`,
      );
    }
    if (/[^\x20-\x7e]/.test(name)) {
      check((flags & 0x800) !== 0, () => `non-ASCII entry ${label} lacks the UTF-8 flag (bit 11)`);
    }
  }
  return root;
}

const LETTER_OR_DIGIT = /^[\p{L}\p{N}]$/u;
const lettersAndDigits = (text: string) => Array.from(text).filter((c) => LETTER_OR_DIGIT.test(c));

/**
 * Why `folder` is not the root folder the README describes for a player named `name` on `date`,
 * or undefined: "<name>-data-export-<yyyy-mm-dd>" where the name keeps letters, marks and digits
 * (of the NFC form) in order, other runs become one "-", at most 40 code points, "player" when
 * nothing is left. Checked as rules rather than by a second implementation: the letters and
 * digits are the username's own, from its start, all of them when nothing had to be cut.
 */
export function rootFolderProblem(folder: string, name: string, date: string): string | undefined {
  const suffix = `-data-export-${date}`;
  if (!folder.endsWith(suffix)) return `it does not end with ${suffix}`;
  const kept = folder.slice(0, -suffix.length);
  const nfc = name.normalize('NFC');
  if (!/^[\p{L}\p{M}\p{N}_-]+$/u.test(kept))
    return 'it holds characters other than letters, marks, digits, _ and -';
  if (/^[-_]|[-_]$|--/.test(kept)) return 'it starts or ends with a separator, or has two in a row';
  if (Array.from(kept).length > 40) return `its name part has ${Array.from(kept).length} code points`;
  const mine = lettersAndDigits(kept);
  const theirs = lettersAndDigits(nfc);
  if (theirs.length === 0)
    return kept === 'player' ? undefined : 'a name without letters or digits is not "player"';
  if (mine.length === 0) return 'it keeps none of the letters and digits';
  if (mine.join('') !== theirs.slice(0, mine.length).join(''))
    return "its letters and digits are not the username's, from its start";
  if (Array.from(nfc).length <= 40 && mine.length !== theirs.length)
    return 'it lost letters or digits though nothing had to be cut';
  return undefined;
}

interface PackageApi {
  Package: {
    load(descriptor: string, options?: { basePath?: string; strict?: boolean }): Promise<LoadedPackage>;
  };
}
interface LoadedPackage {
  valid: boolean;
  errors: Error[];
  resources: LoadedResource[];
}
interface LoadedResource {
  name: string;
  tabular: boolean;
  descriptor: { path?: string; schema?: PackageTableSchema | string };
  read(options: { cast?: boolean; forceCast?: boolean }): Promise<unknown[]>;
}
interface CastError extends Error {
  errors?: CastError[];
  rowNumber?: number;
  columnNumber?: number;
}

// The Frictionless reference library for JavaScript (CommonJS, no types of its own).
const { Package } = createRequire(import.meta.url)('datapackage') as PackageApi;

/**
 * (d) Every CSV through the Frictionless library, cast against its Table Schema. The one cast
 * error forgiven is the library's own limit, not the file's: tableschema-js casts integers with
 * parseInt and refuses any whose JavaScript number does not print back as the cell (beyond 2^53),
 * though Table Schema integers have no such bound; checkCsv checks those cells with a pattern.
 */
async function checkWithFrictionless(entries: readonly ZipEntryRead[], root: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'pde-fuzz-'));
  try {
    for (const entry of entries) {
      if (entry.name.endsWith('/')) continue;
      const path = join(dir, entry.name);
      await mkdir(dirname(path), { recursive: true });
      // The JS Frictionless reader (1.1.10) takes a byte-order mark into the first column's name;
      // our CSVs carry one for spreadsheets: checked here, then given to the reader without it.
      const bom = entry.name.endsWith('.csv');
      if (bom)
        check(
          entry.data.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])),
          () => `${entry.name} has no BOM`,
        );
      await writeFile(path, bom ? entry.data.subarray(3) : entry.data);
    }
    const pkg = await Package.load(join(dir, root, 'datapackage.json'));
    check(
      pkg.valid,
      () => `datapackage.json is not a valid Data Package: ${pkg.errors.map((e) => e.message).join('; ')}`,
    );
    const tabular = pkg.resources.filter((r) => r.tabular);
    check(tabular.length > 0, () => 'datapackage.json has no tabular resource');
    for (const resource of tabular) {
      const schema = resource.descriptor.schema as PackageTableSchema;
      const csvText = entries
        .find((e) => e.name === `${root}/${resource.descriptor.path}`)
        ?.data.toString('utf8');
      const cells = parseCsv(csvText ?? '', { record_delimiter: '\r\n', bom: true }) as string[][];
      const rows = await resource.read({ cast: true, forceCast: true });
      check(
        rows.length === cells.length - 1,
        () =>
          `${resource.descriptor.path}: the Frictionless library reads ${rows.length} rows of ${cells.length - 1}`,
      );
      for (const row of rows) {
        if (!(row instanceof Error)) continue;
        const failure = row as CastError;
        const problems = (failure.errors?.length ? failure.errors : [failure]).filter((error) => {
          const field = schema.fields[(error.columnNumber ?? 0) - 1];
          const cell =
            cells[(error.rowNumber ?? failure.rowNumber ?? 0) - 1]?.[(error.columnNumber ?? 0) - 1];
          const beyondJsIntegers =
            field?.type === 'integer' &&
            cell !== undefined &&
            /^-?[1-9]\d*$/.test(cell) &&
            !Number.isSafeInteger(Number(cell));
          return !beyondJsIntegers;
        });
        check(
          problems.length === 0,
          () =>
            `${resource.descriptor.path}: the Frictionless library refuses row ${failure.rowNumber}: ${problems
              .map((p) => `${p.message} (column ${p.columnNumber})`)
              .join('; ')}`,
        );
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The e-mails of the outbox, parsed once each (by file name). */
const parsedMails = new Map<string, ParsedMail>();

async function mailWithLink(outboxDir: string, link: string): Promise<ParsedMail> {
  const names = (await readdir(outboxDir).catch(() => [] as string[])).filter((n) => n.endsWith('.eml'));
  const found: ParsedMail[] = [];
  for (const name of names) {
    const key = join(outboxDir, name);
    let mail = parsedMails.get(key);
    if (!mail) {
      mail = await simpleParser(await readFile(key));
      parsedMails.set(key, mail);
    }
    if (mail.text?.includes(link)) found.push(mail);
  }
  check(found.length === 1, () => `${found.length} e-mails in the outbox carry the link ${link}`);
  return found[0] as ParsedMail;
}

function addresses(to: AddressObject | AddressObject[] | undefined): string[] {
  return (Array.isArray(to) ? to : to ? [to] : []).flatMap((a) => a.value.map((v) => v.address ?? ''));
}

/** GET the landing page, POST its form, follow the 303 to the archive: as a player's browser does. */
async function downloadThroughGateway(link: string) {
  const landing = await fetch(link);
  const page = await landing.text();
  check(landing.status === 200, () => `the landing page answered ${landing.status}`);
  const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
  check(action, () => 'the landing page has no download form');
  const posted = await fetch(new URL(action.replaceAll('&amp;', '&'), link), {
    method: 'POST',
    redirect: 'manual',
  });
  const location = posted.headers.get('location');
  check(posted.status === 303 && location, () => `the download answered ${posted.status}`);
  const file = await fetch(location);
  check(file.status === 200, () => `the archive answered ${file.status}`);
  return {
    page,
    disposition: file.headers.get('content-disposition') ?? '',
    zip: Buffer.from(await file.arrayBuffer()),
  };
}

/** (g) `filename` is plain ASCII; `filename*` (present for a non-ASCII name) decodes to the exact name. */
function checkDisposition(disposition: string, fileName: string): void {
  check(
    /^attachment\s*;/i.test(disposition),
    () => `Content-Disposition ${disposition} is not an attachment`,
  );
  const ascii = /;\s*filename="([^"]*)"/i.exec(disposition)?.[1];
  check(
    ascii !== undefined && /^[\x20-\x7e]+$/.test(ascii) && !/["\\]/.test(ascii),
    () => `Content-Disposition ${disposition} has no plain ASCII filename`,
  );
  const extended = /;\s*filename\*=UTF-8''([^;\s]+)/i.exec(disposition)?.[1];
  if (/^[\x20-\x7e]*$/.test(fileName) && extended === undefined) {
    check(ascii === fileName, () => `Content-Disposition filename ${ascii} is not ${fileName}`);
    return;
  }
  check(extended !== undefined, () => `Content-Disposition ${disposition} lacks filename* for ${fileName}`);
  check(
    /^[A-Za-z0-9!#$&+.^_`|~%-]+$/.test(extended),
    () => `filename* ${extended} holds characters RFC 5987 forbids`,
  );
  const decoded = decodeURIComponent(extended);
  check(
    decoded === fileName,
    () => `filename* decodes to ${JSON.stringify(decoded)}, not ${JSON.stringify(fileName)}`,
  );
}

const CHARACTER_REFERENCES: Record<string, string> = {
  '<': '&(?:lt|#0*60|#[xX]0*3[cC]);',
  '&': '&(?:amp|#0*38|#[xX]0*26);',
  '>': '(?:>|&(?:gt|#0*62|#[xX]0*3[eE]);)',
  '"': '(?:"|&(?:quot|#0*34|#[xX]0*22);)',
  "'": "(?:'|&(?:apos|#0*39|#[xX]0*27);)",
};

/** The text in HTML, every < and & as a character reference (quotes may be either). */
function escapedIn(text: string): RegExp {
  const pattern = Array.from(text)
    .map((c) => CHARACTER_REFERENCES[c] ?? c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .join('');
  return new RegExp(pattern, 'u');
}

/**
 * Whether HTML holds the text with a < or & of it unescaped: the text itself once its escaped
 * occurrences are taken out (a name ending in "&" is a prefix of its own "&#38;").
 */
function holdsUnescaped(html: string, text: string): boolean {
  if (!/[<&]/.test(text)) return false;
  return html.split(new RegExp(escapedIn(text).source, 'gu')).some((piece) => piece.includes(text));
}

/** The text around the first place `part` occurs in `text`, for messages. */
function around(text: string, part: string): string {
  const at = text.indexOf(part);
  return JSON.stringify(text.slice(Math.max(0, at - 60), at + part.length + 60));
}

interface JsonFile {
  category: string;
  source: string;
  generatedAt: string;
  records: Obj[];
}

function readJsonFile(files: ReadonlyMap<string, Buffer>, path: string): JsonFile {
  const text = files.get(path)?.toString('utf8');
  check(text !== undefined, () => `the archive has no ${path}`);
  const parsed = parseJsonExactly(text);
  check(isObj(parsed), () => `${path} is not a JSON object`);
  const records = parsed.get('records');
  check(Array.isArray(records) && records.every(isObj), () => `${path}: records is not a list of objects`);
  return {
    category: String(parsed.get('category')),
    source: String(parsed.get('source')),
    generatedAt: String(parsed.get('generatedAt')),
    records: records as Obj[],
  };
}

/** (c) One source's CSV against its JSON records and the data map. */
function checkCsvAgainstJson(source: SourceSpec, csvText: string, records: readonly Obj[]): void {
  const path = `${source.category}/${source.id}.csv`;
  const rows = parseCsv(csvText, { bom: true }) as string[][];
  const columns = columnsOf(source.fields);
  const header = [...columns.map((c) => c.name), 'additionalFields'];
  check(
    JSON.stringify(rows[0]) === JSON.stringify(header),
    () => `${path}: header ${JSON.stringify(rows[0])}`,
  );
  check(
    rows.length === records.length + 1,
    () => `${path}: ${rows.length - 1} rows for ${records.length} records`,
  );
  check(csvText === '' || csvText.endsWith('\r\n'), () => `${path} does not end with CRLF`);
  records.forEach((record, r) => {
    const row = rows[r + 1] ?? [];
    const where = `${path} row ${r + 1}`;
    check(row.length === header.length, () => `${where}: ${row.length} cells, ${header.length} columns`);
    const extraCell = row[columns.length] ?? '';
    const extras = expectedAdditionalFields(record, source.fields);
    if (extras.size === 0)
      check(extraCell === '', () => `${where}: additionalFields is ${extraCell}, expected empty`);
    else {
      check(extraCell !== '', () => `${where}: additionalFields is empty, expected ${show(extras)}`);
      assertSame(extras, parseJsonExactly(extraCell), `${where} additionalFields`);
    }
    columns.forEach((column, c) => {
      const cell = row[c] ?? '';
      const value = valueAt(record, column.path);
      const at = `${where}, column ${column.name}`;
      if (value === undefined || value === null) {
        check(cell === '', () => `${at}: ${JSON.stringify(cell)} for an absent value`);
      } else if (!fits(value, column.spec.type)) {
        check(
          cell === '',
          () => `${at}: ${JSON.stringify(cell)} holds a ${column.spec.type} column's misfit ${show(value)}`,
        );
        // It is in additionalFields, at its path (checked with the whole cell above).
      } else if (typeof value === 'string') {
        check(
          cell === neutralised(value),
          () => `${at}: ${JSON.stringify(cell)}, expected ${JSON.stringify(neutralised(value))}`,
        );
      } else if (value instanceof Num) {
        check(cell === value.text, () => `${at}: ${JSON.stringify(cell)}, expected the exact ${value.text}`);
      } else if (typeof value === 'boolean') {
        check(cell === String(value), () => `${at}: ${JSON.stringify(cell)}, expected ${value}`);
      } else {
        assertSame(value, parseJsonExactly(cell), at);
      }
    });
  });
}

export interface CaseReport {
  playerId: string;
  requestId: string;
  /** The archive's root folder (without the slash). */
  root: string;
  fileName: string;
  contentDisposition: string;
  /** The e-mail's text part (undefined when the player has no address). */
  mailText: string | undefined;
  mailHtml: string | undefined;
  records: Record<string, number>;
  /** Declared paths the notes for operators name (each a wrong type the case put there). */
  mismatches: number;
}

let playerCounter = 0;

/** Writes one case's player and items with the SDK (a fresh player id each time). */
async function writeCase(runtime: TestRuntime, c: ExportCase, playerId: string) {
  const db = runtime.admin.dynamodb;
  const playerItem: Item = {
    ...c.player,
    [PLAYERS.key.partition]: S(playerId),
    [USERNAME_FIELD]: S(c.username),
    ...(c.email !== undefined ? { [EMAIL_FIELD]: S(c.email) } : {}),
  };
  await db.send(new PutItemCommand({ TableName: runtime.gameTable(PLAYERS.table), Item: playerItem }));
  const written: { source: SourceSpec; item: Item }[] = [{ source: PLAYERS, item: playerItem }];
  for (const sourceId of ITEM_SOURCES) {
    const source = sourceSpec(sourceId);
    const items = c.items[sourceId].map((item) => ({ ...item, [source.key.partition]: S(playerId) }));
    for (let start = 0; start < items.length; start += 25) {
      let requests: WriteRequest[] = items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        check(attempt < 10, () => `BatchWriteItem kept items of ${source.table} unprocessed`);
        const result = await db.send(
          new BatchWriteItemCommand({ RequestItems: { [runtime.gameTable(source.table)]: requests } }),
        );
        requests = result.UnprocessedItems?.[runtime.gameTable(source.table)] ?? [];
      }
    }
    written.push(...items.map((item) => ({ source, item })));
  }
  // Read back: the store must hold what was written (numbers by value, sets in any order), or a
  // difference found later would be the store's, not the exporter's.
  for (const { source, item } of written) {
    const key: Item = {};
    for (const name of [source.key.partition, source.key.sort]) {
      if (name) key[name] = item[name] as AttributeValue;
    }
    const stored = await db.send(
      new GetItemCommand({ TableName: runtime.gameTable(source.table), Key: key, ConsistentRead: true }),
    );
    check(stored.Item, () => `${source.table}: the item just written is not there`);
    const found = difference(fromItem(item), fromItem(stored.Item), '');
    if (found)
      throw new Error(`The local store did not keep an item of ${source.table} as written: ${found}`);
  }
  return written;
}

/**
 * The property for one case: write it, export through the whole deployed path, download as the
 * player, and check the archive, the e-mail and the gateway. Throws PropertyFailure (or the
 * pipeline's RequestFailedError) with what is wrong.
 */
export async function checkExportCase(runtime: TestRuntime, c: ExportCase): Promise<CaseReport> {
  playerCounter += 1;
  const playerId = `p-fz-${playerCounter}`;
  const written = await writeCase(runtime, c, playerId);
  // The name the pipeline uses for the player: the username, or the id when it is empty.
  const displayName = c.username.length > 0 ? c.username : playerId;

  const request = await requestExport(runtime, { playerId });
  check(request.answering.requestId === request.requestId, () => 'the request attached to another one');
  check(request.mailed === (c.email !== undefined), () => `mailed is ${request.mailed}, e-mail ${c.email}`);
  const { page, disposition, zip } = await downloadThroughGateway(request.link);

  // (a) the zip and its names
  const entries = await readZipEntries(zip);
  const root = checkEntryNames(entries);
  const files = new Map(
    entries.filter((e) => !e.name.endsWith('/')).map((e) => [e.name.slice(root.length + 1), e.data]),
  );
  const text = (path: string) => files.get(path)?.toString('utf8') ?? '';
  const manifest = JSON.parse(text('manifest.json')) as {
    generatedAt: string;
    player: { playerId: string; username: string };
    sources: { id: string; records: number }[];
    notesForOperators: { dataMapMismatches: { source: string; path: string; records: number }[] };
  };
  const date = manifest.generatedAt.slice(0, 10);
  const rootProblem = rootFolderProblem(root, displayName, date);
  check(
    !rootProblem,
    () => `root folder ${JSON.stringify(root)} for ${JSON.stringify(displayName)}: ${rootProblem}`,
  );
  const fileName = `${root}.zip`;
  check(
    request.answering.archiveFileName === fileName,
    () => `archive file name ${request.answering.archiveFileName}`,
  );
  check(
    manifest.player.playerId === playerId && manifest.player.username === displayName,
    () => `manifest player ${JSON.stringify(manifest.player)}`,
  );
  for (const path of ['index.html', 'README.txt', 'datapackage.json']) {
    check(files.has(path), () => `the archive has no ${path}`);
  }

  // (b) every item exactly once, equal to what was written after the field rules
  const expected = new Map<string, Obj[]>();
  for (const { source, item } of written) {
    const records = expected.get(source.id) ?? [];
    records.push(afterFieldRules(fromItem(item), source.fields));
    expected.set(source.id, records);
  }
  const jsonBySource = new Map<string, JsonFile>();
  for (const source of dataMap.sources) {
    const path = `${source.category}/${source.id}.json`;
    const json = readJsonFile(files, path);
    jsonBySource.set(source.id, json);
    check(
      json.category === source.category &&
        json.source === source.id &&
        json.generatedAt === manifest.generatedAt,
      () => `${path}: envelope ${json.category} / ${json.source} / ${json.generatedAt}`,
    );
    if (source.table === OWN_REQUESTS_TABLE) {
      // The player's own request history, not written by the case: this request is in it, and
      // nothing of another player.
      check(
        json.records.some((r) => r.get('requestId') === request.answering.requestId) &&
          json.records.every((r) => r.get('playerId') === playerId),
        () => `${path}: this request is missing, or another player's is there`,
      );
      continue;
    }
    const want = expected.get(source.id) ?? [];
    check(
      json.records.length === want.length,
      () => `${path}: ${json.records.length} records, ${want.length} written`,
    );
    for (const record of want) {
      const keyName = source.id === PLAYERS.id ? PLAYERS.key.partition : sortKeyOf(source);
      const key = record.get(keyName);
      const matching = json.records.filter((r) => r.get(keyName) === key);
      check(matching.length === 1, () => `${path}: ${matching.length} records with ${keyName} ${show(key)}`);
      assertSame(record, matching[0], `${path} record ${keyName}=${show(key)}`);
    }
  }
  const everything = [...files.values()].map((b) => b.toString('utf8')).join('\n');
  for (const spec of PLAYERS.fields.filter((f) => f.rule === 'omit')) {
    const secret = c.player[spec.name]?.S;
    if (secret?.startsWith('SECRET-'))
      check(!everything.includes(secret), () => `the omitted ${spec.name} leaks into the archive`);
  }

  // (c) every CSV against its JSON
  for (const source of dataMap.sources) {
    checkCsvAgainstJson(
      source,
      text(`${source.category}/${source.id}.csv`),
      jsonBySource.get(source.id)?.records ?? [],
    );
  }

  // (d) JSON Schemas (ajv, strict) and Table Schemas (Frictionless library, checkCsv)
  const descriptor = JSON.parse(text('datapackage.json')) as PackageDescriptor;
  const ajv = strictAjv();
  for (const resource of descriptor.resources) {
    check(files.has(resource.path), () => `datapackage.json lists ${resource.path}, which the archive lacks`);
    if (resource.format === 'json') {
      check(typeof resource.schema === 'string', () => `${resource.path} has no JSON Schema path`);
      const validate = ajv.compile(JSON.parse(text(resource.schema as string)));
      const ok = validate(JSON.parse(text(resource.path)));
      check(
        ok,
        () => `${resource.path} breaks ${resource.schema}: ${JSON.stringify(validate.errors?.slice(0, 3))}`,
      );
    } else {
      check(typeof resource.schema === 'object', () => `${resource.path} has no Table Schema`);
      const schema = resource.schema as PackageTableSchema;
      const { errors } = checkCsv(text(resource.path), schema.fields, schema.missingValues);
      check(
        errors.length === 0,
        () => `${resource.path} breaks its Table Schema: ${errors.slice(0, 3).join('; ')}`,
      );
    }
  }
  for (const source of dataMap.sources) {
    for (const extension of ['json', 'csv']) {
      const path = `${source.category}/${source.id}.${extension}`;
      check(
        descriptor.resources.some((r) => r.path === path),
        () => `datapackage.json does not list ${path}`,
      );
    }
  }
  await checkWithFrictionless(entries, root);
  const viewerData = /<script type="application\/json" id="data">([\s\S]*?)<\/script>/.exec(
    text('index.html'),
  )?.[1];
  check(viewerData !== undefined, () => 'index.html has no data block');
  check(
    (() => {
      try {
        JSON.parse(viewerData);
        return true;
      } catch {
        return false;
      }
    })(),
    () => "index.html's data block is cut short or is not JSON",
  );

  // (e) the notes for operators name exactly the declared paths that hold another type
  const wantMismatches = new Map<string, number>();
  for (const source of dataMap.sources) {
    for (const record of expected.get(source.id) ?? []) {
      for (const path of misfitPaths(record, source.fields, '', new Set())) {
        const key = `${source.id} ${path}`;
        wantMismatches.set(key, (wantMismatches.get(key) ?? 0) + 1);
      }
    }
  }
  const gotMismatches = new Map(
    manifest.notesForOperators.dataMapMismatches.map((m) => [`${m.source} ${m.path}`, m.records]),
  );
  const describe = (m: Map<string, number>) => JSON.stringify([...m].sort());
  check(
    describe(wantMismatches) === describe(gotMismatches),
    () => `dataMapMismatches ${describe(gotMismatches)}, expected ${describe(wantMismatches)}`,
  );

  // (f) the e-mail
  let mailText: string | undefined;
  let mailHtml: string | undefined;
  if (c.email !== undefined) {
    const mail = await mailWithLink(runtime.outboxDir, request.link);
    const textPart = mail.text ?? '';
    const htmlPart = typeof mail.html === 'string' ? mail.html : undefined;
    // MIME text has CRLF line breaks, which mailparser gives as "\n": a CRLF inside the username
    // reads back as "\n" like every other line break of the body (all else is kept as sent).
    const mailName = displayName.replaceAll('\r\n', '\n');
    check(
      textPart.includes(mailName),
      () => `the e-mail's text lacks the username ${JSON.stringify(mailName)}`,
    );
    check(htmlPart !== undefined, () => 'the e-mail has no HTML part');
    check(
      escapedIn(mailName).test(htmlPart),
      () => `the e-mail's HTML lacks the username, escaped: ${JSON.stringify(htmlPart.slice(0, 600))}`,
    );
    check(
      !holdsUnescaped(htmlPart, mailName),
      () => `the e-mail's HTML holds the username unescaped: ${around(htmlPart, mailName)}`,
    );
    mailText = textPart;
    mailHtml = htmlPart;
    check(mail.subject === 'Your data export is ready', () => `subject ${JSON.stringify(mail.subject)}`);
    check(
      JSON.stringify(addresses(mail.to)) === JSON.stringify([c.email]),
      () => `To ${JSON.stringify(addresses(mail.to))}, expected ${c.email}`,
    );
    for (const [name, value] of mail.headers) {
      if (typeof value === 'string')
        check(!/=\?[^?]+\?[BbQq]\?/.test(value), () => `header ${name} is not decoded: ${value}`);
    }
  }

  // (g) the landing page and the download's file name
  check(
    !holdsUnescaped(page, displayName),
    () => `the landing page holds the username unescaped: ${around(page, displayName)}`,
  );
  checkDisposition(disposition, fileName);

  return {
    playerId,
    requestId: request.requestId,
    root,
    fileName,
    contentDisposition: disposition,
    mailText,
    mailHtml,
    records: Object.fromEntries(manifest.sources.map((s) => [s.id, s.records])),
    mismatches: gotMismatches.size,
  };
}

export interface PropertyOptions {
  numRuns: number;
  seed: number;
  /** Shrink a counterexample (each step is a full export) instead of ending at the first failure. */
  shrink?: boolean;
  /** Called after each generated case (with its report when it passed). */
  onCase?: (index: number, ms: number, report: CaseReport | undefined) => void;
}

/**
 * Runs the property on a started runtime (each case its own player). Rejects with fast-check's
 * report: the seed, the path and the counterexample.
 */
export async function runProperty(runtime: TestRuntime, options: PropertyOptions): Promise<void> {
  let index = 0;
  await fc.assert(
    fc.asyncProperty(anyExportCase, async (c) => {
      const started = Date.now();
      index += 1;
      try {
        const report = await checkExportCase(runtime, c);
        options.onCase?.(index, Date.now() - started, report);
      } catch (error) {
        options.onCase?.(index, Date.now() - started, undefined);
        throw error;
      }
    }),
    {
      numRuns: options.numRuns,
      seed: options.seed,
      endOnFailure: !options.shrink,
      includeErrorInReport: true,
    },
  );
}
