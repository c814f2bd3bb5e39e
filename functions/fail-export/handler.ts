import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { z } from 'zod';
import { cleanUpStaging } from '../core/export/clean-up-staging';
import { failRequest } from '../core/requests/lifecycle';
import { failInputSchema } from '../core/workflow-schemas';
import { exportDepsFromEnv, lifecycleDepsFromEnv, once } from '../runtime/composition';
import { logger } from '../runtime/logger';
import { validateInput } from '../runtime/validate-input';

const deps = once(() => ({
  engine: exportDepsFromEnv(process.env),
  lifecycle: lifecycleDepsFromEnv(process.env),
}));

/** Step Functions' `Cause` of a Lambda error is JSON with errorType and errorMessage. */
function reasonOf(error: { Error?: string; Cause?: string } | undefined): string {
  if (!error) return 'unknown failure';
  try {
    const cause = JSON.parse(error.Cause ?? '{}') as { errorType?: string; errorMessage?: string };
    return `${cause.errorType ?? error.Error ?? 'Error'}: ${cause.errorMessage ?? ''}`.trim();
  } catch {
    return `${error.Error ?? 'Error'}: ${error.Cause ?? ''}`.trim();
  }
}

/** The workflow's catch: removes staged files and marks the request FAILED with the reason. */
export const handler = middy<z.infer<typeof failInputSchema>>()
  .use(injectLambdaContext(logger))
  .use(validateInput(failInputSchema))
  .handler(async (input) => {
    const { engine, lifecycle } = deps();
    if (input.plan) await cleanUpStaging(engine, input.plan);
    const record = await failRequest(lifecycle, input.request.requestId, reasonOf(input.error));
    logger.error('export failed', { requestId: record.requestId, reason: record.failureReason });
    return { requestId: record.requestId, state: record.state };
  });
