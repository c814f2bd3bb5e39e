import { z } from 'zod';

/**
 * Shapes of the workflow's step inputs, checked at each Lambda's edge. Step Functions state is
 * written by our own steps, but a hand-started execution or a redrive can carry anything.
 */

const id = z.string().regex(/^[A-Za-z0-9_-]{1,72}$/, 'expected 1–72 letters, digits, _ or -');
const playerId = z.string().min(1).max(256);
const attempt = z.number().int().min(1);

export const workflowInputSchema = z.object({
  requestId: id,
  playerId,
  locale: z.string().min(2).max(35),
  attempt,
});

const stagedFileSchema = z.object({
  path: z.string(),
  stagingKey: z.string().startsWith('staging/'),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  records: z.number().int().nonnegative(),
});

const shard = z.number().int().nonnegative();

export const collectResultSchema = z.looseObject({
  sourceId: z.string(),
  shard: shard.optional(),
  category: z.string(),
  records: z.number().int().nonnegative(),
  files: z.array(stagedFileSchema),
  previewKeys: z.array(z.string().startsWith('staging/')).optional(),
});

const collectTaskFields = {
  requestId: id,
  playerId,
  attempt,
  sourceId: z.string().min(1),
  generatedAt: z.iso.datetime(),
  stagingPrefix: z.string().startsWith('staging/'),
  shard: shard.optional(),
};

/** A collect task as the plan gives it, or as a collector handed it over to its next invocation. */
export const collectTaskSchema = z.object({
  ...collectTaskFields,
  resume: z
    .object({
      piece: z.number().int().positive(),
      checkpointKey: z.string().startsWith('staging/'),
      collected: collectResultSchema,
    })
    .optional(),
});

export const exportPlanSchema = z.object({
  requestId: id,
  playerId,
  attempt,
  username: z.string(),
  locale: z.string(),
  generatedAt: z.iso.datetime(),
  stagingPrefix: z.string(),
  archiveKey: z.string().startsWith('archives/'),
  rootFolder: z.string().min(1),
  tasks: z.array(z.object(collectTaskFields)),
});

const archiveVolumeSchema = z.object({
  archiveKey: z.string().startsWith('archives/'),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export const buildArchiveInputSchema = z.object({
  plan: exportPlanSchema,
  results: z.array(collectResultSchema),
  built: z
    .object({
      requestId: id,
      next: z.number().int().positive(),
      packed: z.array(
        archiveVolumeSchema.extend({
          volume: z.number().int().min(2),
          files: z.array(z.object({ path: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) })),
        }),
      ),
    })
    .optional(),
});

export const archiveResultSchema = z.object({
  requestId: id,
  archiveKey: z.string().startsWith('archives/'),
  bytes: z.number().int().nonnegative(),
  sha256: z.string(),
  volumes: z.array(archiveVolumeSchema).min(1),
  files: z.number().int(),
  recordsByCategory: z.record(z.string(), z.number().int()),
  retentionFindings: z
    .array(
      z.object({
        source: z.string(),
        table: z.string(),
        records: z.number().int().positive(),
        oldest: z.string(),
      }),
    )
    .optional(),
  stagingDeleteFailed: z.string().optional(),
});

export const publishInputSchema = z.object({
  request: workflowInputSchema,
  plan: exportPlanSchema,
  archive: archiveResultSchema,
});

/** What a Step Functions Catch hands the failure step: the whole state, with `{ Error, Cause }`. */
export const failInputSchema = z.object({
  request: workflowInputSchema,
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
});

/** deliver-link: the workflow's step (one request), or its schedule (every entry that is due). */
export const deliverInputSchema = z.union([
  z.object({ requestId: id }),
  z.object({ source: z.literal('aws.events'), 'detail-type': z.literal('Scheduled Event') }),
]);
