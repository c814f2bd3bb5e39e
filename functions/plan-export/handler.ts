import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { z } from 'zod';
import { planExport } from '../core/export/plan-export';
import { enterState } from '../core/requests/request-steps';
import { exportRequestSchema } from '../core/workflow-schemas';
import { exportDepsFromEnv, lifecycleDepsFromEnv, once } from '../runtime/composition';
import { logger } from '../runtime/logger';
import { validateInput } from '../runtime/validate-input';

const deps = once(() => ({
  engine: exportDepsFromEnv(process.env),
  lifecycle: lifecycleDepsFromEnv(process.env),
}));

/** Workflow step PlanExport: the request moves to COLLECTING; one task per source of the data map. */
export const handler = middy<z.infer<typeof exportRequestSchema>>()
  .use(injectLambdaContext(logger))
  .use(validateInput(exportRequestSchema))
  .handler(async (request) => {
    const { engine, lifecycle } = deps();
    await enterState(lifecycle, request.requestId, 'RECEIVED', 'COLLECTING');
    const plan = await planExport(engine, request);
    logger.info('export planned', { requestId: plan.requestId, tasks: plan.tasks.length });
    return plan;
  });
