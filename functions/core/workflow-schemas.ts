import { z } from 'zod';

/**
 * Shapes of the workflow's step inputs, checked at each Lambda's edge. Step Functions state is
 * written by our own steps, but a hand-started execution or a redrive can carry anything.
 */

const id = z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, 'expected 1–80 letters, digits, _ or -');
const playerId = z.string().min(1).max(256);

export const exportRequestSchema = z.object({
  requestId: id,
  playerId,
  locale: z.string().min(2).max(35).optional(),
  email: z.string().optional(),
});

export const collectTaskSchema = z.object({
  requestId: id,
  playerId,
  sourceId: z.string().min(1),
  pseudonymSalt: z.string().min(16),
  generatedAt: z.iso.datetime(),
  stagingPrefix: z.string().startsWith('staging/'),
});

const stagedFileSchema = z.object({
  path: z.string(),
  stagingKey: z.string().startsWith('staging/'),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  records: z.number().int().nonnegative(),
});

export const exportPlanSchema = z.object({
  requestId: id,
  playerId,
  username: z.string(),
  locale: z.string(),
  generatedAt: z.iso.datetime(),
  stagingPrefix: z.string(),
  archiveKey: z.string().startsWith('archives/'),
  rootFolder: z.string().min(1),
  tasks: z.array(collectTaskSchema),
});

export const collectResultSchema = z.looseObject({
  sourceId: z.string(),
  category: z.string(),
  records: z.number().int().nonnegative(),
  files: z.array(stagedFileSchema),
});

export const buildArchiveInputSchema = z.object({
  plan: exportPlanSchema,
  results: z.array(collectResultSchema),
});

export const archiveResultSchema = z.object({
  requestId: id,
  archiveKey: z.string().startsWith('archives/'),
  bytes: z.number().int().nonnegative(),
  sha256: z.string(),
  files: z.number().int(),
  recordsByCategory: z.record(z.string(), z.number().int()),
});

export const publishInputSchema = z.object({
  request: exportRequestSchema,
  plan: exportPlanSchema,
  archive: archiveResultSchema,
});

/** What a Step Functions Catch hands the failure step: the input and `{ Error, Cause }`. */
export const failInputSchema = z.object({
  request: exportRequestSchema,
  plan: exportPlanSchema.optional(),
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
});
