import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { z } from 'zod';
import { failExport } from '../core/requests/fail-export';
import { failInputSchema } from '../core/workflow-schemas';
import { engineDepsFromEnv, lifecycleDepsFromEnv, once } from '../runtime/composition';
import { logger } from '../runtime/logger';
import { stepFailureReason } from '../runtime/step-error';
import { validateInput } from '../runtime/validate-input';

const deps = once(() => {
  const { store, dataMap } = engineDepsFromEnv(process.env);
  return { ...lifecycleDepsFromEnv(process.env), store, dataMap };
});

/** The workflow's catch: marks the request FAILED with the reason, then removes the attempt's objects. */
export const handler = middy<z.infer<typeof failInputSchema>>()
  .use(injectLambdaContext(logger))
  .use(validateInput(failInputSchema))
  .handler(async (input) => {
    const outcome = await failExport(deps(), {
      request: input.request,
      reason: stepFailureReason(input.error),
    });
    logger.error('export failed', { ...outcome, error: input.error?.Error });
    return outcome;
  });
