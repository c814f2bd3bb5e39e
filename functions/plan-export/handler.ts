import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { z } from 'zod';
import { planExport } from '../core/export/plan-export';
import { enterState } from '../core/requests/lifecycle';
import { workflowInputSchema } from '../core/workflow-schemas';
import { engineDepsFromEnv, lifecycleDepsFromEnv, once } from '../runtime/composition';
import { logger } from '../runtime/logger';
import { validateInput } from '../runtime/validate-input';

const deps = once(() => ({
  engine: engineDepsFromEnv(process.env),
  lifecycle: lifecycleDepsFromEnv(process.env),
}));

/** Workflow step PlanExport: the request moves to COLLECTING; one task per source of the data map. */
export const handler = middy<z.infer<typeof workflowInputSchema>>()
  .use(injectLambdaContext(logger))
  .use(validateInput(workflowInputSchema))
  .handler(async (input) => {
    const { engine, lifecycle } = deps();
    await enterState(lifecycle, input.requestId, input.attempt, 'RECEIVED', 'COLLECTING');
    const plan = await planExport(engine, input);
    logger.info('export planned', {
      requestId: plan.requestId,
      attempt: plan.attempt,
      tasks: plan.tasks.length,
    });
    return plan;
  });
