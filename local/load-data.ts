import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import {
  type AttributeValue,
  DescribeTableCommand,
  type DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { parse } from 'lossless-json';
import { toItem } from '../functions/adapters/dynamodb/attribute-values';
import {
  type AttributeItem,
  isValidationError,
  writeInBatches,
} from '../functions/adapters/dynamodb/batch-writer';
import { ExactNumber, isPlainObject, type Value } from '../functions/core/values';

export class DataFileError extends Error {
  override name = 'DataFileError';
}

// ---------------------------------------------------------------------------------------------
// Reading one line: plain JSON or DynamoDB JSON

/** Why one line cannot be loaded; the file reader adds the file name and line number. */
class LineError extends Error {
  override name = 'LineError';
}

/**
 * One line of a data file as the item to write. A line is either a plain JSON object (numbers
 * exact, null as NULL, arrays as L, objects as M) or DynamoDB JSON as DynamoDB's export to S3
 * writes it, `{"Item": {"<attr>": {"S": "…"}, …}}`; each line is told apart on its own.
 */
export function parseDataLine(line: string): AttributeItem {
  let value: Value;
  try {
    value = parse(line, undefined, (text) => new ExactNumber(text)) as Value;
  } catch (error) {
    throw new LineError(`malformed item (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!isPlainObject(value)) throw new LineError('malformed item (each line must be one JSON object)');
  const item = isDynamoDbJson(value) ? typedItem(value.Item) : toItem(value);
  checkStorable(item);
  return item;
}

function isDynamoDbJson(value: { [field: string]: Value }): value is { Item: Value } {
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === 'Item';
}

function typedItem(attributes: Value): AttributeItem {
  if (!isPlainObject(attributes)) {
    throw new LineError('"Item" must be an object of attributes, e.g. {"Item": {"playerId": {"S": "p-1"}}}');
  }
  return typedMap(attributes, '');
}

function typedMap(attributes: { [name: string]: Value }, parent: string): AttributeItem {
  // fromEntries defines own properties: an attribute named "__proto__" stays an attribute.
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [name, typedValue(value, childPath(parent, name))]),
  );
}

const TYPE_TAGS = ['S', 'N', 'B', 'SS', 'NS', 'BS', 'NULL', 'BOOL', 'L', 'M'];

function typedValue(value: Value, path: string): AttributeValue {
  const [entry, ...more] = isPlainObject(value) ? Object.entries(value) : [];
  if (entry === undefined || more.length > 0) {
    throw new LineError(
      `${path}: a DynamoDB JSON value is an object with exactly one type tag, e.g. {"S": "text"}`,
    );
  }
  const [tag, content] = entry;
  switch (tag) {
    case 'S':
      return { S: textOf(content, `${path}: S`) };
    case 'N':
      return { N: numberOf(content, `${path}: N`).text };
    case 'B':
      return { B: binaryOf(content, `${path}: B`) };
    case 'SS':
      return { SS: setOf(content, `${path}: SS`, textOf, (text) => text) };
    case 'NS':
      return { NS: setOf(content, `${path}: NS`, numberOf, (n) => n.identity).map((n) => n.text) };
    case 'BS':
      return { BS: setOf(content, `${path}: BS`, binaryOf, (bytes) => bytes.toString('base64')) };
    case 'NULL':
      if (content !== true) throw new LineError(`${path}: NULL is always written {"NULL": true}`);
      return { NULL: true };
    case 'BOOL':
      if (typeof content !== 'boolean') throw new LineError(`${path}: BOOL must be true or false`);
      return { BOOL: content };
    case 'L':
      if (!Array.isArray(content)) throw new LineError(`${path}: L must be a JSON array of values`);
      return { L: content.map((v, i) => typedValue(v, `${path}[${i}]`)) };
    case 'M':
      if (!isPlainObject(content)) throw new LineError(`${path}: M must be a JSON object of attributes`);
      return { M: typedMap(content, path) };
    default:
      throw new LineError(
        `${path}: unknown type tag ${JSON.stringify(tag.slice(0, 20))} (DynamoDB JSON tags are ${TYPE_TAGS.join(', ')})`,
      );
  }
}

function childPath(parent: string, name: string): string {
  const shown = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(name) ? name : JSON.stringify(name.slice(0, 40));
  return parent === '' ? `attribute ${shown}` : `${parent}.${shown}`;
}

/** `what` names the value in messages, e.g. 'attribute name: S'. */
function textOf(content: Value, what: string): string {
  if (typeof content !== 'string') throw new LineError(`${what} must be JSON text, e.g. {"S": "text"}`);
  return content;
}

function numberOf(content: Value, what: string): StorableNumber {
  if (typeof content !== 'string') {
    throw new LineError(`${what} must be a number written as JSON text, e.g. {"N": "123.45"}`);
  }
  const number = storableNumber(content);
  if (typeof number === 'string') throw new LineError(`${what} ${number}`);
  return number;
}

// Canonical base64 only: anything else would be stored as other bytes than the file shows.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function binaryOf(content: Value, what: string): Buffer {
  const bytes =
    typeof content === 'string' && BASE64.test(content) ? Buffer.from(content, 'base64') : undefined;
  if (!bytes || bytes.toString('base64') !== content) {
    throw new LineError(`${what} must be base64 text (A–Z, a–z, 0–9, + and /, padded with =)`);
  }
  return bytes;
}

/** `what` names the set in messages, e.g. 'attribute badges: SS'. */
function setOf<T>(
  content: Value,
  what: string,
  element: (value: Value, what: string) => T,
  identity: (element: T) => string,
): T[] {
  if (!Array.isArray(content)) throw new LineError(`${what} must be a JSON array of the set's values`);
  if (content.length === 0) {
    throw new LineError(`${what} is empty; DynamoDB has no empty sets (leave the attribute out)`);
  }
  const elements = content.map((value) => element(value, `${what}: each value`));
  if (new Set(elements.map(identity)).size !== elements.length) {
    throw new LineError(`${what} holds the same value twice; a set's values are distinct`);
  }
  return elements;
}

// ---------------------------------------------------------------------------------------------
// What DynamoDB refuses whatever the line's format: numbers it cannot hold, nesting too deep

interface StorableNumber {
  text: string;
  /** The same for every spelling of one value ('1', '1.0', '10E-1'): what makes set elements equal. */
  identity: string;
}

// What DynamoDB (and BigDecimal) read as a number; no leading '+', no spaces, no NaN or Infinity.
const NUMBER = /^-?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** The number, or why DynamoDB cannot store it: up to 38 significant digits, 1E-130 to 9.9…E+125. */
export function storableNumber(text: string): StorableNumber | string {
  const match = NUMBER.exec(text);
  const whole = match?.[1] ?? '';
  const fraction = match?.[2] ?? '';
  if (!match || whole + fraction === '')
    return 'is not a number (write it as decimal text, e.g. "-1.5E-120")';
  const digits = whole + fraction;
  const first = digits.search(/[1-9]/);
  if (first < 0) return { text, identity: '0' };
  const significant = digits.slice(first).replace(/0+$/, '');
  if (significant.length > 38) return 'has more than 38 significant digits, the most DynamoDB stores';
  const exponent = whole.length - first - 1 + Number(match[3] ?? '0');
  if (exponent > 125)
    return 'is larger than DynamoDB stores (at most 9.9999999999999999999999999999999999999E+125)';
  if (exponent < -130) return 'is closer to zero than DynamoDB stores (at least 1E-130)';
  return { text, identity: `${text.startsWith('-') ? '-' : ''}${significant}E${exponent}` };
}

// DynamoDB counts a top-level attribute as level 1 and refuses values below level 32.
const MAX_LEVELS = 32;

function checkStorable(item: AttributeItem): void {
  for (const [name, value] of Object.entries(item)) checkValue(value, childPath('', name), 1);
}

function checkValue(value: AttributeValue, path: string, level: number): void {
  if (level > MAX_LEVELS)
    throw new LineError(`${path}: nested deeper than the ${MAX_LEVELS} levels DynamoDB allows`);
  if (value.N !== undefined) {
    const number = storableNumber(value.N);
    if (typeof number === 'string') throw new LineError(`${path}: the number ${number}`);
  }
  if (value.L !== undefined)
    for (const [i, v] of value.L.entries()) checkValue(v, `${path}[${i}]`, level + 1);
  if (value.M !== undefined) {
    for (const [name, v] of Object.entries(value.M)) checkValue(v, childPath(path, name), level + 1);
  }
}

// ---------------------------------------------------------------------------------------------
// The table's keys

type KeyType = 'S' | 'N' | 'B';

interface KeyAttribute {
  name: string;
  type: KeyType;
  /** e.g. "partition key", "sort key", "key of index byAuthor". */
  role: string;
}

export interface TableKeys {
  /** The table's own key: partition key, then sort key if any. Every item must hold them. */
  key: KeyAttribute[];
  /** Keys of the table's indexes: optional on an item, but of their declared type when present. */
  indexKeys: KeyAttribute[];
}

/** The key schema as DynamoDB describes the table, so a loaded file is checked against the real table. */
export async function describeTableKeys(client: DynamoDBClient, table: string): Promise<TableKeys> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
  const types = new Map((Table?.AttributeDefinitions ?? []).map((d) => [d.AttributeName, d.AttributeType]));
  const attribute = (name: string | undefined, role: string): KeyAttribute[] =>
    name === undefined ? [] : [{ name, type: (types.get(name) ?? 'S') as KeyType, role }];
  const schemaOf = (schema: { AttributeName?: string; KeyType?: string }[] | undefined, owner: string) => [
    ...attribute(schema?.find((k) => k.KeyType === 'HASH')?.AttributeName, `partition key${owner}`),
    ...attribute(schema?.find((k) => k.KeyType === 'RANGE')?.AttributeName, `sort key${owner}`),
  ];
  const indexes = [...(Table?.GlobalSecondaryIndexes ?? []), ...(Table?.LocalSecondaryIndexes ?? [])];
  return {
    key: schemaOf(Table?.KeySchema, ''),
    indexKeys: indexes.flatMap((index) => schemaOf(index.KeySchema, ` of index ${index.IndexName}`)),
  };
}

const TYPE_NAMES: Record<string, string> = {
  S: 'a string',
  N: 'a number',
  B: 'binary',
  SS: 'a string set',
  NS: 'a number set',
  BS: 'a binary set',
  NULL: 'null',
  BOOL: 'a boolean',
  L: 'a list',
  M: 'a map',
};

/** Refuses an item DynamoDB would refuse for its keys, saying which attribute and why. */
export function checkKeys(item: AttributeItem, keys: TableKeys): void {
  for (const key of keys.key) {
    if (item[key.name] === undefined) {
      throw new LineError(`no ${JSON.stringify(key.name)}, the table's ${key.role}: every item needs it`);
    }
  }
  for (const key of [...keys.key, ...keys.indexKeys]) {
    const value = item[key.name];
    if (value === undefined) continue;
    const type = Object.keys(value)[0] ?? '';
    if (type !== key.type) {
      throw new LineError(
        `${JSON.stringify(key.name)} is ${TYPE_NAMES[type] ?? type}, but the table's ${key.role} is ${TYPE_NAMES[key.type]} (${key.type})`,
      );
    }
    if (value.S === '' || value.B?.length === 0) {
      throw new LineError(`${JSON.stringify(key.name)} is empty; the table's ${key.role} cannot be empty`);
    }
  }
}

/** The item's key as one string; equal for two items DynamoDB would store as one. */
function keyIdentity(keys: TableKeys): (item: AttributeItem) => string {
  return (item) =>
    JSON.stringify(
      keys.key.map(({ name }) => {
        const value = item[name];
        if (value?.N !== undefined) {
          const number = storableNumber(value.N);
          return typeof number === 'string' ? value.N : number.identity;
        }
        return value?.B !== undefined ? Buffer.from(value.B).toString('base64') : value?.S;
      }),
    );
}

// ---------------------------------------------------------------------------------------------
// Data files and folders

const EXTENSIONS = ['.jsonl', '.json.gz'] as const;

function tableOf(fileName: string): string | undefined {
  const extension = EXTENSIONS.find((e) => fileName.endsWith(e));
  return extension === undefined ? undefined : fileName.slice(0, -extension.length);
}

interface DataLine {
  item: AttributeItem;
  line: number;
}

/** The file's bytes, gunzipped when its name says so. */
function openData(path: string): Readable {
  const file = createReadStream(path);
  // pipeline: an error of either stream reaches the reader, and stopping early closes the file.
  return path.endsWith('.gz') ? pipeline(file, createGunzip(), () => {}) : file;
}

// Fatal: invalid UTF-8 is an error rather than silently replaced characters.
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Lines of UTF-8 text, each decoded on its own so that an error names the right line. */
async function* linesOf(stream: Readable): AsyncGenerator<string> {
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of stream) {
    const bytes = rest.length === 0 ? (chunk as Buffer) : Buffer.concat([rest, chunk as Buffer]);
    let start = 0;
    for (let end = bytes.indexOf(0x0a); end >= 0; end = bytes.indexOf(0x0a, start)) {
      yield decodeLine(bytes.subarray(start, end));
      start = end + 1;
    }
    rest = bytes.subarray(start);
  }
  if (rest.length > 0) yield decodeLine(rest);
}

function decodeLine(line: Buffer): string {
  const text = UTF8.decode(line);
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}

async function* itemsOfFile(path: string, fileName: string, keys: TableKeys): AsyncGenerator<DataLine> {
  const lines = linesOf(openData(path));
  let line = 0;
  try {
    while (true) {
      const next = await lines.next().catch((error: unknown) => {
        throw new DataFileError(`${fileName} line ${line + 1}: ${unreadable(error)}`);
      });
      if (next.done) return;
      line++;
      if (next.value.trim() !== '')
        yield { item: itemOfLine(next.value, keys, `${fileName} line ${line}`), line };
    }
  } finally {
    // Closes the file when loading stops early (a bad line, a refused batch).
    await lines.return(undefined);
  }
}

function itemOfLine(text: string, keys: TableKeys, where: string): AttributeItem {
  try {
    const item = parseDataLine(text);
    checkKeys(item, keys);
    return item;
  } catch (error) {
    if (error instanceof LineError) throw new DataFileError(`${where}: ${error.message}`);
    throw error;
  }
}

function unreadable(error: unknown): string {
  const code = error instanceof Error && 'code' in error ? String(error.code) : '';
  const message = error instanceof Error ? error.message : String(error);
  if (code.startsWith('Z_')) {
    return `not readable as gzip (${message}); a .json.gz file must be gzip-compressed JSON lines`;
  }
  if (code === 'ERR_ENCODING_INVALID_ENCODED_DATA') return 'not UTF-8 text; save the file as UTF-8';
  return `cannot be read (${code || message})`;
}

/** Puts each item of a refused batch on its own, to name the line DynamoDB refuses. */
function refusedLine(client: DynamoDBClient, table: string, fileName: string) {
  return async (entries: readonly DataLine[], batchError: Error): Promise<never> => {
    for (const { item, line } of entries) {
      try {
        await client.send(new PutItemCommand({ TableName: table, Item: item }));
      } catch (error) {
        if (!isValidationError(error)) throw error;
        throw new DataFileError(`${fileName} line ${line}: DynamoDB refused the item (${error.message})`);
      }
    }
    const lines = `${entries[0]?.line}–${entries.at(-1)?.line}`;
    throw new DataFileError(`${fileName} lines ${lines}: DynamoDB refused the items (${batchError.message})`);
  };
}

async function loadDataFile(client: DynamoDBClient, dir: string, fileName: string, table: string) {
  const keys = await describeTableKeys(client, table);
  return writeInBatches(client, table, itemsOfFile(join(dir, fileName), fileName, keys), {
    itemOf: (entry) => entry.item,
    keyOf: keyIdentity(keys),
    onRefused: refusedLine(client, table, fileName),
  });
}

/**
 * The folder's data files, sorted: an error when it cannot be read or holds none. `npm run export
 * --data` asks this before it starts the runtime, so a mistyped folder fails at once.
 */
export async function dataFilesIn(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => tableOf(name) !== undefined).sort();
  } catch {
    throw new DataFileError(`Cannot read the data folder ${dir}`);
  }
  if (names.length === 0) throw new DataFileError(`No <table>.jsonl or <table>.json.gz files in ${dir}`);
  return names;
}

/**
 * Loads `<dir>/<table>.jsonl` and `<dir>/<table>.json.gz` into the tables. A file for a table that
 * does not exist is an error, not something to skip: a typo would otherwise silently export nothing.
 */
export async function loadDataDirectory(
  client: DynamoDBClient,
  dir: string,
  knownTables: string[],
  gameTables: ReadonlyMap<string, string> = new Map(),
): Promise<Record<string, number>> {
  const names = await dataFilesIn(dir);
  // Files are named by the data map's table names; the deployment may name the table otherwise.
  const deployed = (name: string) => {
    const table = tableOf(name) ?? name;
    return gameTables.get(table) ?? table;
  };
  const unknown = names.filter((name) => !knownTables.includes(deployed(name)));
  if (unknown.length > 0) {
    const known = knownTables.map(
      (t) => [...gameTables].find(([, deployedName]) => deployedName === t)?.[0] ?? t,
    );
    throw new DataFileError(`${unknown.join(', ')}: no such table (known tables: ${known.join(', ')})`);
  }
  const counts: Record<string, number> = {};
  for (const name of names) {
    const table = tableOf(name) ?? name;
    counts[table] = (counts[table] ?? 0) + (await loadDataFile(client, dir, name, deployed(name)));
  }
  return counts;
}
