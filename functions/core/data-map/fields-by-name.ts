import type { FieldSpec } from './data-map';

const cache = new WeakMap<FieldSpec[], ReadonlyMap<string, FieldSpec>>();

/** The field specs of one level by name, built once per spec list: this runs for every record. */
export function fieldsByName(fields: FieldSpec[]): ReadonlyMap<string, FieldSpec> {
  let byName = cache.get(fields);
  if (!byName) {
    byName = new Map(fields.map((f) => [f.name, f]));
    cache.set(fields, byName);
  }
  return byName;
}
