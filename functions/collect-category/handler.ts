import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { z } from 'zod';
import { collectSource } from '../core/collect/collect-source';
import { collectTaskSchema } from '../core/workflow-schemas';
import { engineDepsFromEnv, once } from '../runtime/composition';
import { logger } from '../runtime/logger';
import { validateInput } from '../runtime/validate-input';

const deps = once(() => engineDepsFromEnv(process.env));

/** Map item of CollectSources: one source of the data map, streamed into staged JSON and CSV. */
export const handler = middy<z.infer<typeof collectTaskSchema>>()
  .use(injectLambdaContext(logger))
  .use(validateInput(collectTaskSchema))
  .handler(async (task) => {
    const result = await collectSource(deps(), task);
    logger.info('source collected', {
      requestId: task.requestId,
      attempt: task.attempt,
      sourceId: task.sourceId,
      records: result.records,
    });
    return result;
  });
