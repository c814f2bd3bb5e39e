import type { ValueKind } from '../collect/type-fit';
import type { FieldMismatch } from '../collect/type-observer';
import {
  type DataMap,
  type FieldSpec,
  fieldGuideText,
  type PseudonymKind,
  type ScalarType,
  type SourceSpec,
  sourceById,
} from '../data-map/data-map';

/**
 * A JSON Schema (draft 2020-12) for each source's JSON file, derived from the data map alone, so a
 * source or field the map gains is described without code changes. It states what the writer
 * (collect-source.ts, field-rules.ts) produces, so any validator can check an archive:
 *   - every field is optional: a store item need not hold every declared attribute;
 *   - every value may be null: DynamoDB has a NULL type and the JSON keeps it;
 *   - fields the map does not declare are exported as they are, hence additionalProperties: true;
 *   - omitted fields (secrets) are `false`: their presence would be a leak, and fails validation;
 *   - pseudonymised strings hold "player-…" or the requester's own id (the pseudonymiser keeps it),
 *     or "agent-…" for support agents' ids (never kept);
 *   - where this export holds values of another type than the map declares (a store is not bound
 *     by the map), the schema of that export says so: the field takes the declared type or what
 *     was seen, and the manifest's notes for operators name the mismatch (type-observer.ts).
 */

export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/** What pseudonyms look like (pseudonymiser.ts); loose on the length so the format can grow. */
export const PSEUDONYM_PATTERNS: Record<PseudonymKind, string> = {
  player: '^player-[A-Za-z0-9_-]+$',
  agent: '^agent-[a-z]+$',
};

type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null';

/** The subset of JSON Schema this module writes. */
export interface JsonSchema {
  $schema?: string;
  title?: string;
  description?: string;
  type?: JsonType | JsonType[];
  format?: string;
  pattern?: string;
  const?: string;
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema | false>;
  required?: string[];
  additionalProperties?: boolean;
  items?: JsonSchema;
}

export interface JsonSchemaOptions {
  /** The requesting player's id: the one value a pseudonymised field may hold besides a pseudonym. */
  requesterId?: string;
  /** Where this export's records hold other types than declared (CollectResult.mismatches). */
  mismatches?: readonly FieldMismatch[];
}

/** Path of a source's schema inside the archive, below the root folder (DESIGN.md §5). */
export function schemaFilePath(sourceId: string): string {
  return `schemas/${sourceId}.schema.json`;
}

/** The schema of `<category>/<sourceId>.json`: the envelope is fixed, the records come from the map. */
export function sourceJsonSchema(
  source: SourceSpec,
  dataMap: DataMap,
  options: JsonSchemaOptions = {},
): JsonSchema {
  const category = dataMap.categories.find((c) => c.id === source.category);
  return {
    $schema: JSON_SCHEMA_DIALECT,
    title: `${category?.title ?? source.category}: ${source.id}`,
    description:
      source.description ??
      `The records of source "${source.id}" (category "${source.category}") held about the player.`,
    type: 'object',
    required: ['category', 'source', 'generatedAt', 'records'],
    // The envelope is written by the exporter itself: anything else in it would be a writer bug.
    additionalProperties: false,
    properties: {
      category: { type: 'string', const: source.category },
      source: { type: 'string', const: source.id },
      generatedAt: { type: 'string', format: 'date-time' },
      records: {
        type: 'array',
        items: {
          ...objectSchema(source.fields, undefined, options, ''),
          description: 'One record. Fields not declared in the data map are exported as they are stored.',
        },
      },
    },
  };
}

/** `pseudonym` is the kind of an enclosing pseudonymised field, which applies to every string inside. */
function objectSchema(
  fields: FieldSpec[],
  pseudonym: PseudonymKind | undefined,
  options: JsonSchemaOptions,
  prefix: string,
): JsonSchema {
  const properties: Record<string, JsonSchema | false> = {};
  for (const field of fields) {
    // Inside a pseudonymised value the writer replaces every string and applies no nested rule
    // (field-rules.ts), so nested omissions are not enforced there.
    if (field.rule === 'omit' && !pseudonym) properties[field.name] = false;
    else properties[field.name] = fieldSchema(field, pseudonym, options, `${prefix}${field.name}`);
  }
  return { type: 'object', properties, additionalProperties: true };
}

function fieldSchema(
  field: FieldSpec,
  outer: PseudonymKind | undefined,
  options: JsonSchemaOptions,
  path: string,
): JsonSchema {
  const pseudonym = outer ?? (field.rule === 'pseudonymise' ? (field.pseudonym ?? 'player') : undefined);
  let schema: JsonSchema;
  if (field.type === 'object') {
    schema = field.fields ? objectSchema(field.fields, pseudonym, options, `${path}.`) : { type: 'object' };
  } else if (field.type === 'array') {
    const items = field.items;
    const itemSchema =
      items?.type === 'object'
        ? items.fields
          ? objectSchema(items.fields, pseudonym, options, `${path}[].`)
          : { type: 'object' as const }
        : items
          ? scalarSchema(items.type, pseudonym, options)
          : undefined;
    schema = {
      type: 'array',
      ...(itemSchema ? { items: widened(nullable(itemSchema), `${path}[]`, options) } : {}),
    };
  } else {
    schema = scalarSchema(field.type, pseudonym, options);
  }
  const description = fieldGuideText(field) ?? schema.description;
  return widened(
    {
      ...nullable(schema),
      ...(field.label ? { title: field.label } : {}),
      ...(description ? { description } : {}),
    },
    path,
    options,
  );
}

/** JSON types of the kinds the observer reports. */
const jsonTypeOf: Record<ValueKind, JsonType> = {
  string: 'string',
  integer: 'integer',
  decimal: 'number',
  boolean: 'boolean',
  object: 'object',
  array: 'array',
  'text that is not a date-time': 'string',
  'text that is not a date': 'string',
};

/**
 * The schema of a path where this export holds other types than declared: the declared schema or
 * any value of the types seen (an honest description of these files; the notes name the cause).
 */
function widened(schema: JsonSchema, path: string, options: JsonSchemaOptions): JsonSchema {
  const mismatch = options.mismatches?.find((m) => m.path === path);
  if (!mismatch) return schema;
  const types = [...new Set(mismatch.seen.map((kind) => jsonTypeOf[kind]))];
  const note = `The data map declares ${mismatch.declared} here; this export also holds ${mismatch.seen.join(', ')} (${mismatch.records} record(s)): see notesForOperators in manifest.json.`;
  const { description, ...declared } = schema;
  return {
    description: description ? `${description} ${note}` : note,
    anyOf: [declared, { type: types.length === 1 ? (types[0] as JsonType) : types }],
  };
}

/**
 * A scalar's JSON form. A pseudonym replaces any scalar id (text, a date, or an id kept as a
 * number: the writer turns every one into a pseudonym string).
 */
function scalarSchema(
  type: ScalarType,
  pseudonym: PseudonymKind | undefined,
  options: JsonSchemaOptions,
): JsonSchema {
  if (pseudonym && type !== 'boolean') return pseudonymSchema(pseudonym, options);
  switch (type) {
    case 'datetime':
      return { type: 'string', format: 'date-time' };
    case 'date':
      return { type: 'string', format: 'date' };
    default:
      return { type };
  }
}

function pseudonymSchema(kind: PseudonymKind, options: JsonSchemaOptions): JsonSchema {
  if (kind === 'agent') {
    const description =
      'A support agent, as a pseudonym ("agent-…") that is the same throughout this archive.';
    return { type: 'string', pattern: PSEUDONYM_PATTERNS.agent, description };
  }
  const description =
    'Another player, as a pseudonym ("player-…") that is the same throughout this archive and ' +
    'different in any other; your own id appears as it is.';
  if (options.requesterId === undefined) return { type: 'string', description };
  return {
    description,
    anyOf: [
      { type: 'string', pattern: PSEUDONYM_PATTERNS.player },
      { type: 'string', const: options.requesterId },
    ],
  };
}

/** Adds null to what a value may be (DynamoDB NULL); an anyOf gets a null branch instead. */
function nullable(schema: JsonSchema): JsonSchema {
  if (schema.anyOf) return { ...schema, anyOf: [...schema.anyOf, { type: 'null' }] };
  if (schema.type === undefined) return schema;
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  return types.includes('null') ? schema : { ...schema, type: [...types, 'null'] };
}

/** One schema file per source in the archive, as pretty UTF-8 JSON. */
export function jsonSchemaFiles(
  dataMap: DataMap,
  sources: readonly { sourceId: string; mismatches?: readonly FieldMismatch[] }[],
  options: Omit<JsonSchemaOptions, 'mismatches'> = {},
): { path: string; content: Buffer }[] {
  return sources.map(({ sourceId: id, mismatches }) => {
    const schema = sourceJsonSchema(sourceById(dataMap, id), dataMap, {
      ...options,
      ...(mismatches?.length ? { mismatches } : {}),
    });
    return { path: schemaFilePath(id), content: Buffer.from(`${JSON.stringify(schema, null, 2)}\n`, 'utf8') };
  });
}
