import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { ExactNumber, type StoreRecord, type Value } from '../../core/values';

/**
 * DynamoDB attribute values ⇄ record values. Numbers stay decimal text end to end (the SDK's own
 * unmarshall would turn them into floats). Sets become lists; binary becomes base64 text.
 */
export function fromAttributeValue(attribute: AttributeValue): Value {
  if (attribute.S !== undefined) return attribute.S;
  if (attribute.N !== undefined) return new ExactNumber(attribute.N);
  if (attribute.BOOL !== undefined) return attribute.BOOL;
  if (attribute.NULL !== undefined) return null;
  if (attribute.M !== undefined) return fromItem(attribute.M);
  if (attribute.L !== undefined) return attribute.L.map(fromAttributeValue);
  if (attribute.SS !== undefined) return [...attribute.SS];
  if (attribute.NS !== undefined) return attribute.NS.map((n) => new ExactNumber(n));
  if (attribute.B !== undefined) return Buffer.from(attribute.B).toString('base64');
  if (attribute.BS !== undefined) return attribute.BS.map((b) => Buffer.from(b).toString('base64'));
  throw new TypeError(`Unsupported DynamoDB attribute type: ${Object.keys(attribute).join(',')}`);
}

export function fromItem(item: Record<string, AttributeValue>): StoreRecord {
  // A loop rather than fromEntries(entries().map()): this runs for every attribute of every item
  // read, and the intermediate arrays were a visible share of collection.
  const record: StoreRecord = {};
  for (const name of Object.keys(item)) {
    const value = fromAttributeValue(item[name] as AttributeValue);
    if (name === '__proto__') {
      // An attribute named "__proto__" stays an attribute (plain assignment would set the prototype).
      Object.defineProperty(record, name, { value, enumerable: true, writable: true, configurable: true });
    } else {
      record[name] = value;
    }
  }
  return record;
}

export function toAttributeValue(value: Value): AttributeValue {
  if (value === null) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'boolean') return { BOOL: value };
  if (value instanceof ExactNumber) return { N: value.text };
  if (Array.isArray(value)) return { L: value.map(toAttributeValue) };
  return { M: toItem(value) };
}

export function toItem(record: StoreRecord): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(record)) item[name] = toAttributeValue(value);
  return item;
}
