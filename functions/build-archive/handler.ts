import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { z } from 'zod';
import { buildArchive } from '../core/archive/build-archive';
import { enterState } from '../core/requests/lifecycle';
import { buildArchiveInputSchema } from '../core/workflow-schemas';
import type { CollectResult } from '../core/workflow-types';
import { engineDepsFromEnv, lifecycleDepsFromEnv, once } from '../runtime/composition';
import { logger } from '../runtime/logger';
import { validateInput } from '../runtime/validate-input';

const deps = once(() => ({
  engine: engineDepsFromEnv(process.env),
  lifecycle: lifecycleDepsFromEnv(process.env),
}));

/** Workflow step BuildArchive: the request moves to PACKAGING; staged files become one ZIP64 archive. */
export const handler = middy<z.infer<typeof buildArchiveInputSchema>>()
  .use(injectLambdaContext(logger))
  .use(validateInput(buildArchiveInputSchema))
  .handler(async (input) => {
    const { engine, lifecycle } = deps();
    await enterState(lifecycle, input.plan.requestId, input.plan.attempt, 'COLLECTING', 'PACKAGING');
    const archive = await buildArchive(engine, {
      plan: input.plan,
      results: input.results as CollectResult[],
    });
    logger.info('archive built', {
      requestId: archive.requestId,
      bytes: archive.bytes,
      files: archive.files,
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
