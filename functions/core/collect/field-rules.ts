import type { FieldSpec, PseudonymKind } from '../data-map/data-map';
import { fieldsByName } from '../data-map/fields-by-name';
import { ExactNumber, isPlainObject, type StoreRecord, type Value } from '../values';
import type { Pseudonymiser } from './pseudonymiser';

/**
 * Applies the data map's field rules to one record: omitted fields (secrets) are dropped,
 * pseudonymised fields (other players' ids) are replaced, everything else is kept exactly.
 * Fields the map does not declare are exported: the map's default rule is `export`.
 */
export function applyFieldRules(
  record: StoreRecord,
  fields: FieldSpec[],
  pseudonyms: Pseudonymiser,
): StoreRecord {
  const byName = fieldsByName(fields);
  const names = Object.keys(record);
  // A record none of whose fields has a rule to apply is exported as it is, without a copy: most
  // records of most sources are such (nothing downstream changes a record in place).
  if (!names.some((name) => changes(byName.get(name)))) return record;
  const out: StoreRecord = {};
  for (const name of names) {
    const value = record[name] as Value;
    const spec = byName.get(name);
    if (!spec) {
      setField(out, name, value);
      continue;
    }
    if (spec.rule === 'omit') continue;
    setField(
      out,
      name,
      spec.rule === 'pseudonymise'
        ? pseudonymiseValue(value, pseudonyms, spec.pseudonym)
        : applyNested(value, spec, pseudonyms),
    );
  }
  return out;
}

/** Whether a field's rule may change its value: omit, pseudonymise, or rules further down. */
function changes(spec: FieldSpec | undefined): boolean {
  return (
    spec !== undefined &&
    (spec.rule !== 'export' || spec.fields !== undefined || spec.items?.fields !== undefined)
  );
}

/** An own property even for the name "__proto__", which plain assignment would take as the prototype. */
function setField(object: StoreRecord, name: string, value: Value): void {
  if (name === '__proto__') {
    Object.defineProperty(object, name, { value, enumerable: true, writable: true, configurable: true });
  } else {
    object[name] = value;
  }
}

function applyNested(value: Value, spec: FieldSpec, pseudonyms: Pseudonymiser): Value {
  if (spec.type === 'object' && spec.fields && isPlainObject(value)) {
    return applyFieldRules(value, spec.fields, pseudonyms);
  }
  const itemFields = spec.items?.fields;
  if (spec.type === 'array' && itemFields && Array.isArray(value)) {
    return value.map((item) => (isPlainObject(item) ? applyFieldRules(item, itemFields, pseudonyms) : item));
  }
  return value;
}

/** Pseudonymises every string inside the value, so a list of ids or a single id both work. */
function pseudonymiseValue(value: Value, pseudonyms: Pseudonymiser, kind?: PseudonymKind): Value {
  if (typeof value === 'string') return pseudonyms.pseudonym(value, kind);
  // Ids kept as DynamoDB numbers (or number sets) are ids all the same.
  if (value instanceof ExactNumber) return pseudonyms.pseudonym(value.text, kind);
  if (Array.isArray(value)) return value.map((item) => pseudonymiseValue(item, pseudonyms, kind));
  if (isPlainObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, pseudonymiseValue(v, pseudonyms, kind)]),
    );
  }
  return value;
}

/** The fields a source holds back, with the reason, for the manifest (nested ones by dotted path). */
export function omittedFields(fields: FieldSpec[], prefix = ''): { field: string; reason: string }[] {
  return fields.flatMap((f) => {
    const path = `${prefix}${f.name}`;
    if (f.rule === 'omit') return [{ field: path, reason: f.reason ?? 'omitted' }];
    const nested = f.fields ?? f.items?.fields;
    return nested ? omittedFields(nested, `${path}.`) : [];
  });
}

export function pseudonymisedFields(fields: FieldSpec[], prefix = ''): string[] {
  return fields.flatMap((f) => {
    const path = `${prefix}${f.name}`;
    if (f.rule === 'pseudonymise') return [path];
    const nested = f.fields ?? f.items?.fields;
    return nested ? pseudonymisedFields(nested, `${path}.`) : [];
  });
}
