import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { z } from 'zod';
import { buildArchive } from '../core/archive/build-archive';
import { enterState } from '../core/requests/lifecycle';
import { buildArchiveInputSchema } from '../core/workflow-schemas';
import type { CollectResult } from '../core/workflow-types';
import { engineDepsFromEnv, lifecycleDepsFromEnv, once } from '../runtime/composition';
import { readArchiveVolumeBytes } from '../runtime/config';
import { logger } from '../runtime/logger';
import { validateInput } from '../runtime/validate-input';

const deps = once(() => ({
  engine: engineDepsFromEnv(process.env),
  lifecycle: lifecycleDepsFromEnv(process.env),
}));

/**
 * Workflow step BuildArchive: the request moves to PACKAGING; staged files become a ZIP64 archive,
 * one volume per invocation when it is bigger than ARCHIVE_VOLUME_BYTES (the workflow invokes it
 * again while its result names a `next` volume).
 */
export const handler = middy<z.infer<typeof buildArchiveInputSchema>>()
  .use(injectLambdaContext(logger))
  .use(validateInput(buildArchiveInputSchema))
  .handler(async (input) => {
    const { engine, lifecycle } = deps();
    await enterState(lifecycle, input.plan.requestId, input.plan.attempt, 'COLLECTING', 'PACKAGING');
    const archive = await buildArchive(
      { ...engine, volumeBytes: readArchiveVolumeBytes(process.env) },
      {
        plan: input.plan,
        results: input.results as CollectResult[],
        ...(input.built ? { built: input.built } : {}),
      },
    );
    if ('next' in archive) {
      const [packed] = archive.packed.slice(-1);
      logger.info('archive volume built', {
        requestId: archive.requestId,
        volume: packed?.volume,
        bytes: packed?.bytes,
      });
      return archive;
    }
    logger.info('archive built', {
      requestId: archive.requestId,
      bytes: archive.bytes,
      files: archive.files,
      volumes: archive.volumes.length,
    });
    if (archive.stagingDeleteFailed) {
      logger.warn('staged copies not deleted', {
        requestId: archive.requestId,
        error: archive.stagingDeleteFailed,
      });
      await lifecycle.requests.appendAudit({
        requestId: archive.requestId,
        at: lifecycle.clock.now().toISOString(),
        action: 'cleanup-failed',
        detail: `attempt ${input.plan.attempt}, staged copies: ${archive.stagingDeleteFailed}; the schedule's clean-up retries`,
      });
    }
    return archive;
  });
