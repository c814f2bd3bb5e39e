import { z } from 'zod';

/**
 * The data map: every store the game keeps about a player, as data. Operators edit
 * config/data-map.json; the workflow, the collectors and the CDK stacks all read it through here,
 * so what is collected and what IAM allows cannot drift apart.
 */

const scalarTypes = ['string', 'number', 'integer', 'boolean', 'datetime', 'date'] as const;
export type ScalarType = (typeof scalarTypes)[number];

export type FieldRule = 'export' | 'omit' | 'pseudonymise';
export type PseudonymKind = 'player' | 'agent';

export interface FieldSpec {
  name: string;
  type: ScalarType | 'object' | 'array';
  rule: FieldRule;
  /**
   * Whose id a pseudonymised field holds: another player's ('player-…') or a support agent's
   * ('agent-…'), so the player can tell the two apart. @default 'player'
   */
  pseudonym?: PseudonymKind;
  /** Why a field is omitted; written to the manifest so the player sees what was held back. */
  reason?: string;
  /**
   * What the player reads instead of the raw name ("Purchased"); translated per locale. A map
   * without one shows the raw name (the shipped map has one for every field: tested).
   */
  label?: string;
  description?: string;
  /** The allowed values of an enumerated text field, each with the label the player reads. */
  values?: Record<string, string>;
  /** For objects, and arrays of objects. */
  fields?: FieldSpec[];
  /** For arrays: the element type (scalar, or object with `fields`). */
  items?: { type: ScalarType | 'object'; fields?: FieldSpec[] };
}

const ruleSchema = z.enum(['export', 'omit', 'pseudonymise']);

const fieldSchema: z.ZodType<FieldSpec> = z.lazy(() =>
  z
    .object({
      name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, 'field names are letters, digits, _ and -'),
      type: z.enum([...scalarTypes, 'object', 'array']),
      rule: ruleSchema.default('export'),
      pseudonym: z.enum(['player', 'agent']).optional(),
      reason: z.string().min(1).optional(),
      label: z.string().trim().min(1).optional(),
      description: z.string().optional(),
      values: z.record(z.string(), z.string().trim().min(1)).optional(),
      fields: z.array(fieldSchema).optional(),
      items: z
        .object({ type: z.enum([...scalarTypes, 'object']), fields: z.array(fieldSchema).optional() })
        .optional(),
    })
    .strict()
    .superRefine((field, ctx) => {
      if (field.rule === 'omit' && !field.reason) {
        ctx.addIssue({ code: 'custom', message: `field "${field.name}" is omitted: give the reason` });
      }
      if (field.pseudonym && field.rule !== 'pseudonymise') {
        ctx.addIssue({
          code: 'custom',
          message: `field "${field.name}" names a pseudonym kind but its rule is "${field.rule}"`,
        });
      }
      if (field.type === 'object' && !field.fields) {
        ctx.addIssue({ code: 'custom', message: `object field "${field.name}" needs "fields"` });
      }
      if (field.type === 'array' && !field.items) {
        ctx.addIssue({ code: 'custom', message: `array field "${field.name}" needs "items"` });
      }
      // Elements are described in items.fields; "fields" on an array would be ignored, and a
      // secret listed there would be exported while the manifest says it was withheld.
      if (field.type !== 'object' && field.fields) {
        ctx.addIssue({
          code: 'custom',
          message: `field "${field.name}" is a ${field.type}: only objects take "fields" (arrays: "items.fields")`,
        });
      }
      if (field.name === ADDITIONAL_FIELDS) {
        ctx.addIssue({
          code: 'custom',
          message: `"${ADDITIONAL_FIELDS}" is the CSV column of undeclared fields`,
        });
      }
    }),
);

/**
 * The table name by which the data map reads this pipeline's own request records (the player's
 * history of data requests): the stack resolves it to its requests table, like a demo table name.
 */
export const OWN_REQUESTS_TABLE = '@requests';

/**
 * A field's description with its allowed values, as the schemas and the CSV documentation give
 * it: "Status of the purchase. Values: completed (Completed), refunded (Refunded)."
 */
export function fieldGuideText(field: Pick<FieldSpec, 'description' | 'values'>): string | undefined {
  const values = Object.entries(field.values ?? {});
  const listed =
    values.length > 0 ? `Values: ${values.map(([v, label]) => `${v} (${label})`).join(', ')}.` : '';
  const text = [field.description?.trim().replace(/([^.])$/, '$1.'), listed].filter(Boolean).join(' ');
  return text || undefined;
}

/** The name of the CSV column that holds undeclared fields; reserved in the map. */
export const ADDITIONAL_FIELDS = 'additionalFields';

const idSchema = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'ids are lower-case letters, digits and -');

const sourceSchema = z
  .object({
    id: idSchema,
    category: idSchema,
    kind: z.literal('dynamodb'),
    /** Table name or ARN of an existing table (an ARN for a table in another account). */
    table: z.string().min(1),
    /**
     * The customer-managed KMS key the table is encrypted with, if any: the readers get
     * kms:Decrypt on exactly this key, and only through DynamoDB in the key's region.
     */
    kmsKeyArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key\/[A-Za-z0-9-]+$/,
        'expected a key ARN, arn:aws:kms:<region>:<account>:key/<key id> (not an alias)',
      )
      .optional(),
    key: z
      .object({
        index: z.string().min(1).optional(),
        partition: z.string().min(1),
        sort: z.string().min(1).optional(),
        /** How the partition key value is built from the player id, e.g. "PLAYER#{playerId}". */
        template: z.string().includes('{playerId}').default('{playerId}'),
      })
      .strict(),
    description: z.string().optional(),
    /**
     * false when the records hold others' words (messages received, agents' replies): they are
     * part of the copy (Art. 15) but not of the portability set (Art. 20). @default true
     */
    portable: z.boolean().default(true),
    /**
     * The retention the map states for this store. Items whose `field` is older than
     * generatedAt − days are past it (their deletion is late): they are exported like every
     * other held record (Art. 15 is about what is held) and reported to operators as retention
     * findings, so the deletion job gets fixed.
     */
    retention: z
      .object({ field: z.string().min(1), days: z.number().int().positive() })
      .strict()
      .optional(),
    /**
     * Sort-key values that cut a big source into ranges read in parallel (n values, n + 1 shards):
     * below the first, from each value up to the next, from the last on. Needs `key.sort`;
     * strictly ascending as DynamoDB orders them (strings by UTF-8 bytes, numbers by value).
     */
    shards: z
      .union([z.array(z.string().min(1)).min(1).max(63), z.array(z.number().finite()).min(1).max(63)])
      .optional(),
    fields: z.array(fieldSchema).min(1),
  })
  .strict()
  .superRefine((source, ctx) => {
    if (source.shards) {
      if (!source.key.sort) {
        ctx.addIssue({
          code: 'custom',
          path: ['shards'],
          message: `source "${source.id}" needs key.sort (the sort key the shards cut) to be sharded`,
        });
      }
      const values = source.shards;
      for (let i = 1; i < values.length; i++) {
        if (compareKeyValues(values[i - 1] as KeyValue, values[i] as KeyValue) >= 0) {
          ctx.addIssue({
            code: 'custom',
            path: ['shards', i],
            message: 'shard boundaries must be strictly ascending (strings by UTF-8 bytes)',
          });
        }
      }
    }
    const field = source.retention?.field;
    if (
      field &&
      !source.fields.some((f) => f.name === field && (f.type === 'datetime' || f.type === 'date'))
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['retention', 'field'],
        message: `retention field "${field}" must be a declared datetime or date field of source "${source.id}"`,
      });
    }
  });

const dataMapSchema = z
  .object({
    version: z.literal(1),
    identity: z
      .object({
        source: idSchema,
        usernameField: z.string().min(1),
        emailField: z.string().min(1).default('email'),
      })
      .strict(),
    categories: z
      .array(
        z
          .object({
            id: idSchema,
            title: z.string().min(1),
            description: z.string().optional(),
            /**
             * false for data the game processes but never keeps: the category has no source and
             * the manifest says "not stored" rather than "none held".
             */
            stored: z.boolean().default(true),
          })
          .strict(),
      )
      .min(1),
    sources: z.array(sourceSchema).min(1),
    /**
     * Read capacity units per second the exports together may use of a table (by the name or
     * ARN its sources give), where it differs from the deployment's `readBudget`: the game's
     * busiest tables get less, a table of its own for exports more.
     */
    readBudgets: z.record(z.string().min(1), z.number().positive()).optional(),
  })
  .strict()
  .superRefine((map, ctx) => {
    for (const table of Object.keys(map.readBudgets ?? {})) {
      if (table === OWN_REQUESTS_TABLE || !map.sources.some((s) => s.table === table)) {
        ctx.addIssue({
          code: 'custom',
          path: ['readBudgets', table],
          message: `"${table}" is not a game table any source reads`,
        });
      }
    }
    const categoryIds = new Set(map.categories.map((c) => c.id));
    const sourceIds = new Set<string>();
    for (const source of map.sources) {
      if (sourceIds.has(source.id))
        ctx.addIssue({ code: 'custom', message: `source id "${source.id}" is used twice` });
      sourceIds.add(source.id);
      if (map.categories.some((c) => c.id === source.category && !c.stored)) {
        ctx.addIssue({
          code: 'custom',
          message: `source "${source.id}" feeds category "${source.category}", which is marked as not stored`,
        });
      }
      if (!categoryIds.has(source.category)) {
        ctx.addIssue({
          code: 'custom',
          message: `source "${source.id}" feeds unknown category "${source.category}"`,
        });
      }
    }
    if (!sourceIds.has(map.identity.source)) {
      ctx.addIssue({ code: 'custom', message: `identity source "${map.identity.source}" is not a source` });
    }
  });

export type DataMap = z.infer<typeof dataMapSchema>;
export type SourceSpec = DataMap['sources'][number];
export type CategorySpec = DataMap['categories'][number];

export class DataMapError extends Error {
  override name = 'DataMapError';
}

/** Validates a parsed data map; the error lists every problem with its path, so ops can fix them at once. */
export function parseDataMap(input: unknown): DataMap {
  const result = dataMapSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new DataMapError(`The data map is invalid:\n  ${problems.join('\n  ')}`);
  }
  return result.data;
}

export function sourceById(map: DataMap, id: string): SourceSpec {
  const source = map.sources.find((s) => s.id === id);
  if (!source) throw new DataMapError(`No source "${id}" in the data map`);
  return source;
}

/** A sort-key value as the data map writes it: a string (S) or a number (N). */
export type KeyValue = string | number;

/** DynamoDB's order of sort-key values: strings by their UTF-8 bytes, numbers by value. */
export function compareKeyValues(a: KeyValue, b: KeyValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return Buffer.compare(Buffer.from(String(a), 'utf8'), Buffer.from(String(b), 'utf8'));
}

/**
 * Part of a source's sort-key range: from `from` (inclusive) up to `below` (exclusive); an absent
 * end is open.
 */
export interface KeyRange {
  attribute: string;
  from?: KeyValue;
  below?: KeyValue;
}

/** Where one source keeps a player's items: a table (or one of its indexes) and the key that finds them. */
export interface SourceQuery {
  table: string;
  index?: string;
  partitionAttribute: string;
  partitionValue: string;
  /** Only this range of the sort key (one shard of a sharded source). */
  range?: KeyRange;
}

/** How many collect tasks a source has: its shards, or one. */
export function shardCount(source: SourceSpec): number {
  return source.shards ? source.shards.length + 1 : 1;
}

/** The query that finds one player's items in a source, or in one shard of it. */
export function sourceQuery(source: SourceSpec, playerId: string, shard?: number): SourceQuery {
  return {
    table: source.table,
    ...(source.key.index ? { index: source.key.index } : {}),
    partitionAttribute: source.key.partition,
    // A function, so a '$&' or '$`' inside an id is not read as a replacement pattern.
    partitionValue: source.key.template.replaceAll('{playerId}', () => playerId),
    ...(shard !== undefined ? { range: shardRange(source, shard) } : {}),
  };
}

function shardRange(source: SourceSpec, shard: number): KeyRange {
  const bounds: readonly KeyValue[] = source.shards ?? [];
  if (!source.key.sort || !Number.isInteger(shard) || shard < 0 || shard > bounds.length) {
    throw new DataMapError(`Source "${source.id}" has no shard ${shard}`);
  }
  const from = bounds[shard - 1];
  const below = bounds[shard];
  return {
    attribute: source.key.sort,
    ...(from !== undefined ? { from } : {}),
    ...(below !== undefined ? { below } : {}),
  };
}

/**
 * Every game table the map reads, with its read budget: the map's own, else the deployment's.
 * Our own requests table ("@requests") has none: the pipeline's own reads of it are few.
 */
export function readBudgetsOf(map: DataMap, deploymentBudget: number): Record<string, number> {
  const budgets: Record<string, number> = {};
  for (const source of map.sources) {
    if (source.table === OWN_REQUESTS_TABLE) continue;
    budgets[source.table] = map.readBudgets?.[source.table] ?? deploymentBudget;
  }
  return budgets;
}

/** The table name part of a name or an ARN (arn:aws:dynamodb:region:account:table/NAME). */
export function tableName(table: string): string {
  const match = /^arn:[^:]+:dynamodb:[^:]*:[^:]*:table\/([^/]+)$/.exec(table);
  return match?.[1] ?? table;
}
