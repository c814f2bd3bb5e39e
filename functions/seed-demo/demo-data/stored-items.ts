import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { toAttributeValue, toItem } from '../../adapters/dynamodb/attribute-values';
// Types only: `npm run demo-data` writes files without loading the AWS SDK.
import type { AttributeItem } from '../../adapters/dynamodb/batch-writer';
import { toJsonText } from '../../core/collect/json-text';
import { ExactNumber, type StoreRecord, type Value } from '../../core/values';
import { type DemoDataOptions, type DemoTable, demoTableItems } from './generate';

/**
 * The demo's items as DynamoDB stores them. The generators write records as an export reads them
 * back (a set as a list, binary as base64 text), which is what tests compare with an archive;
 * this names the attributes the game stores as sets or binary, so the tables hold real DynamoDB
 * types and the exporter reads them through the SDK as it would from the game's own tables.
 */

export type StoredType = 'SS' | 'NS' | 'B' | 'BS';

export const DEMO_STORED_TYPES: Readonly<Partial<Record<DemoTable, Readonly<Record<string, StoredType>>>>> = {
  players: { badges: 'SS', seasonPasses: 'NS', avatarThumbnail: 'B' },
  'contest-entries': { screenshotThumbnails: 'BS' },
};

export function demoStoredItems(table: DemoTable, options: DemoDataOptions = {}): Iterable<AttributeItem> {
  const types = DEMO_STORED_TYPES[table];
  const items = demoTableItems(table, options);
  return types === undefined ? mapped(items, toItem) : mapped(items, (record) => storedItem(record, types));
}

function* mapped<T, U>(items: Iterable<T>, map: (item: T) => U): Generator<U> {
  for (const item of items) yield map(item);
}

/**
 * How `npm run demo-data` writes a table's items: plain JSON lines, and DynamoDB JSON for an item
 * holding a set or binary, which plain JSON cannot tell from a list or a string.
 */
export function demoJsonLine(table: DemoTable): (record: StoreRecord) => string {
  const types = DEMO_STORED_TYPES[table];
  if (types === undefined) return toJsonText;
  return (record) =>
    Object.keys(record).some((name) => types[name] !== undefined)
      ? dynamoDbJsonLine(storedItem(record, types))
      : toJsonText(record);
}

function storedItem(record: StoreRecord, types: Readonly<Record<string, StoredType>>): AttributeItem {
  return Object.fromEntries(
    Object.entries(record).map(([name, value]) => {
      const type = types[name];
      return [name, type === undefined ? toAttributeValue(value) : storedValue(value, type, name)];
    }),
  );
}

function storedValue(value: Value, type: StoredType, name: string): AttributeValue {
  switch (type) {
    case 'SS':
      return { SS: setOf(value, name).map((v) => stringOf(v, name)) };
    case 'NS':
      return { NS: setOf(value, name).map((v) => numberOf(v, name)) };
    case 'B':
      return { B: Buffer.from(stringOf(value, name), 'base64') };
    case 'BS':
      return { BS: setOf(value, name).map((v) => Buffer.from(stringOf(v, name), 'base64')) };
  }
}

function setOf(value: Value, name: string): Value[] {
  // DynamoDB refuses an empty set: a generator leaves the attribute out instead.
  if (!Array.isArray(value) || value.length === 0) {
    throw new TypeError(`Demo attribute ${name} must hold a non-empty list`);
  }
  return value;
}

function stringOf(value: Value, name: string): string {
  if (typeof value !== 'string') throw new TypeError(`Demo attribute ${name} must hold text`);
  return value;
}

function numberOf(value: Value, name: string): string {
  if (!(value instanceof ExactNumber)) throw new TypeError(`Demo attribute ${name} must hold ExactNumbers`);
  return value.text;
}

/** One line of DynamoDB JSON, as DynamoDB's export to S3 writes an item. */
function dynamoDbJsonLine(item: AttributeItem): string {
  return `{"Item":${mapJson(item)}}`;
}

function mapJson(attributes: AttributeItem): string {
  const members = Object.entries(attributes).map(
    ([name, value]) => `${JSON.stringify(name)}:${valueJson(value)}`,
  );
  return `{${members.join(',')}}`;
}

function valueJson(value: AttributeValue): string {
  if (value.S !== undefined) return `{"S":${JSON.stringify(value.S)}}`;
  if (value.N !== undefined) return `{"N":${JSON.stringify(value.N)}}`;
  if (value.B !== undefined) return `{"B":${JSON.stringify(base64(value.B))}}`;
  if (value.SS !== undefined) return `{"SS":${JSON.stringify(value.SS)}}`;
  if (value.NS !== undefined) return `{"NS":${JSON.stringify(value.NS)}}`;
  if (value.BS !== undefined) return `{"BS":${JSON.stringify(value.BS.map(base64))}}`;
  if (value.NULL !== undefined) return '{"NULL":true}';
  if (value.BOOL !== undefined) return `{"BOOL":${value.BOOL}}`;
  if (value.L !== undefined) return `{"L":[${value.L.map(valueJson).join(',')}]}`;
  if (value.M !== undefined) return `{"M":${mapJson(value.M)}}`;
  throw new TypeError(`Unsupported DynamoDB attribute type: ${Object.keys(value).join(',')}`);
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}
