import type { FieldSpec } from '../data-map/data-map';
import { isPlainObject, type StoreRecord, type Value } from '../values';
import { misfit, scalarMisfit, type ValueKind } from './type-fit';

/**
 * A place where the store holds values the data map does not declare there: the map needs fixing
 * (or the store does). Reported to operators, never to the player as a problem of theirs.
 */
export interface FieldMismatch {
  /** Dotted path of the field; "[]" marks the elements of a list, e.g. "messages[].sentAt". */
  path: string;
  /** The data map's type at that path. */
  declared: string;
  seen: ValueKind[];
  /** Records holding at least one such value there. */
  records: number;
}

/**
 * Watches the records of one source, after the field rules, for values that do not fit the types
 * the map declares (type-fit.ts), at every declared path: nested objects and list elements too.
 * Only the declared paths are watched: undeclared fields are exported as they are and described
 * as such.
 */
export class TypeObserver {
  private readonly found = new Map<string, { declared: string; kinds: Set<ValueKind>; records: number }>();
  // Reused for every record (cleared, not created): most records fit and leave it empty.
  private readonly inThisRecord = new Map<string, { declared: string; kinds: Set<ValueKind> }>();

  constructor(private readonly fields: FieldSpec[]) {}

  observe(record: StoreRecord): void {
    const inThisRecord = this.inThisRecord;
    inThisRecord.clear();
    this.walkFields(record, this.fields, '', inThisRecord);
    if (inThisRecord.size === 0) return;
    for (const [path, seen] of inThisRecord) {
      const entry = this.found.get(path) ?? {
        declared: seen.declared,
        kinds: new Set<ValueKind>(),
        records: 0,
      };
      for (const kind of seen.kinds) entry.kinds.add(kind);
      entry.records++;
      this.found.set(path, entry);
    }
  }

  mismatches(): FieldMismatch[] {
    return [...this.found]
      .map(([path, entry]) => ({
        path,
        declared: entry.declared,
        seen: [...entry.kinds].sort(),
        records: entry.records,
      }))
      .sort((a, b) => a.path.localeCompare(b.path));
  }

  private walkFields(
    object: StoreRecord,
    fields: FieldSpec[],
    prefix: string,
    seen: Map<string, { declared: string; kinds: Set<ValueKind> }>,
  ): void {
    for (const spec of fields) {
      if (spec.rule === 'omit' || !Object.hasOwn(object, spec.name)) continue;
      this.walkValue(object[spec.name] as Value, spec, `${prefix}${spec.name}`, seen);
    }
  }

  private walkValue(
    value: Value,
    spec: FieldSpec,
    path: string,
    seen: Map<string, { declared: string; kinds: Set<ValueKind> }>,
  ): void {
    const kind = misfit(value, spec);
    if (kind) {
      note(
        seen,
        path,
        spec.rule === 'pseudonymise' && spec.type !== 'object' && spec.type !== 'array'
          ? 'pseudonym'
          : spec.type,
        kind,
      );
      return;
    }
    if (spec.rule === 'pseudonymise') return;
    if (spec.type === 'object' && spec.fields && isPlainObject(value)) {
      this.walkFields(value, spec.fields, `${path}.`, seen);
    }
    if (spec.type === 'array' && spec.items && Array.isArray(value)) {
      const items = spec.items;
      for (const element of value) {
        if (element === null) continue;
        if (items.type === 'object') {
          if (!isPlainObject(element))
            note(
              seen,
              `${path}[]`,
              'object',
              misfit(element, { name: '', type: 'object', rule: 'export' }) ?? 'string',
            );
          else if (items.fields) this.walkFields(element, items.fields, `${path}[].`, seen);
        } else {
          const elementKind = scalarMisfit(element, items.type);
          if (elementKind) note(seen, `${path}[]`, items.type, elementKind);
        }
      }
    }
  }
}

function note(
  seen: Map<string, { declared: string; kinds: Set<ValueKind> }>,
  path: string,
  declared: string,
  kind: ValueKind,
): void {
  const entry = seen.get(path) ?? { declared, kinds: new Set<ValueKind>() };
  entry.kinds.add(kind);
  seen.set(path, entry);
}
