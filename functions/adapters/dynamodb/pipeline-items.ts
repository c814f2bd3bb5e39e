import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * Small marshalling helpers for the pipeline table's own items (requests, audit entries, grants).
 * Unlike the game's tables these hold plain strings and small integers, so plain JS numbers are
 * exact here; the decimal-preserving helpers in attribute-values.ts are for the players' data.
 */

export type Item = Record<string, AttributeValue>;

export const s = (value: string): AttributeValue => ({ S: value });
export const n = (value: number): AttributeValue => ({ N: String(value) });

export function str(item: Item, name: string): string {
  const value = item[name]?.S;
  if (value === undefined) throw new TypeError(`Pipeline item attribute ${name} is missing or not a string`);
  return value;
}

export function optStr(item: Item, name: string): string | undefined {
  return item[name]?.S;
}

export function num(item: Item, name: string): number {
  const value = item[name]?.N;
  if (value === undefined) throw new TypeError(`Pipeline item attribute ${name} is missing or not a number`);
  return Number(value);
}

export function optNum(item: Item, name: string): number | undefined {
  const value = item[name]?.N;
  return value === undefined ? undefined : Number(value);
}

export function numberMap(item: Item, name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(item[name]?.M ?? {})) {
    if (value.N !== undefined) out[key] = Number(value.N);
  }
  return out;
}

/** A value of the pipeline's own records: text, small integers, flags and maps or lists of them. */
export type PlainValue = string | number | boolean | PlainValue[] | { [key: string]: PlainValue };

export function toPlainAttribute(value: PlainValue): AttributeValue {
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map(toPlainAttribute) };
  return { M: toPlainItem(value) };
}

/** Marshals a plain object; undefined properties are left out (DynamoDB has no "undefined"). */
export function toPlainItem(record: { [key: string]: PlainValue | undefined }): Item {
  const item: Item = {};
  for (const [name, value] of Object.entries(record))
    if (value !== undefined) item[name] = toPlainAttribute(value);
  return item;
}

export function fromPlainAttribute(attribute: AttributeValue): PlainValue {
  if (attribute.S !== undefined) return attribute.S;
  if (attribute.N !== undefined) return Number(attribute.N);
  if (attribute.BOOL !== undefined) return attribute.BOOL;
  if (attribute.L !== undefined) return attribute.L.map(fromPlainAttribute);
  if (attribute.M !== undefined) return fromPlainItem(attribute.M);
  throw new TypeError(`Unexpected attribute type in a pipeline item: ${Object.keys(attribute).join(',')}`);
}

export function fromPlainItem(item: Item): { [key: string]: PlainValue } {
  const out: { [key: string]: PlainValue } = {};
  for (const [name, attribute] of Object.entries(item)) out[name] = fromPlainAttribute(attribute);
  return out;
}

/** Adds `name` only when the value is present: DynamoDB has no "undefined", and NULL would read back. */
export function putOptional(item: Item, name: string, value: string | number | undefined): void {
  if (value === undefined) return;
  item[name] = typeof value === 'number' ? n(value) : s(value);
}

/**
 * Whether an item's `ttl` (epoch seconds) has passed. DynamoDB deletes such items only eventually
 * (typically within days) and dynalite never does, so every read treats them as already gone.
 */
export function ttlPassed(item: Item, now: Date): boolean {
  const ttl = optNum(item, 'ttl');
  return ttl !== undefined && ttl * 1000 <= now.getTime();
}

export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/**
 * Builds an UpdateExpression with names and values for every attribute it touches, so any field
 * name (a reserved word such as `state`, or a category id with a dash) is safe.
 */
export class UpdateBuilder {
  private readonly sets: string[] = [];
  private readonly removes: string[] = [];
  private readonly names: Record<string, string> = {};
  private readonly values: Item;
  private count = 0;

  constructor(values: Item) {
    this.values = { ...values };
  }

  name(placeholder: string, name: string): void {
    this.names[placeholder] = name;
  }

  value(placeholder: string, value: Item[string]): void {
    this.values[placeholder] = value;
  }

  set(attribute: string, value: Item[string]): void {
    this.setPath([attribute], value);
  }

  setPath(path: string[], value: Item[string]): void {
    const placeholder = `:v${this.count}`;
    this.values[placeholder] = value;
    this.sets.push(`${path.map((part) => this.placeholderFor(part)).join('.')} = ${placeholder}`);
    this.count++;
  }

  setAll(patch: Record<string, PlainValue | undefined>): void {
    for (const [name, value] of Object.entries(patch))
      if (value !== undefined) this.set(name, toPlainAttribute(value));
  }

  remove(attribute: string): void {
    this.removes.push(this.placeholderFor(attribute));
  }

  isEmpty(): boolean {
    return this.sets.length === 0 && this.removes.length === 0;
  }

  build() {
    const parts = [
      ...(this.sets.length > 0 ? [`SET ${this.sets.join(', ')}`] : []),
      ...(this.removes.length > 0 ? [`REMOVE ${this.removes.join(', ')}`] : []),
    ];
    return {
      UpdateExpression: parts.join(' '),
      ExpressionAttributeNames: this.names,
      ...(Object.keys(this.values).length > 0 ? { ExpressionAttributeValues: this.values } : {}),
    };
  }

  private placeholderFor(name: string): string {
    const existing = Object.entries(this.names).find(([, value]) => value === name)?.[0];
    if (existing) return existing;
    const placeholder = `#n${Object.keys(this.names).length}`;
    this.names[placeholder] = name;
    return placeholder;
  }
}
