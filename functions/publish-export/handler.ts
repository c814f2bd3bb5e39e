import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { z } from 'zod';
import { publishExport } from '../core/requests/request-steps';
import { publishInputSchema } from '../core/workflow-schemas';
import { once, publishDepsFromEnv } from '../runtime/composition';
import { logger } from '../runtime/logger';
import { validateInput } from '../runtime/validate-input';

const deps = once(() => publishDepsFromEnv(process.env));

/** Workflow step PublishExport: one download grant, the link into the outbox, READY. Returns no link. */
export const handler = middy<z.infer<typeof publishInputSchema>>()
  .use(injectLambdaContext(logger))
  .use(validateInput(publishInputSchema))
  .handler(async (input) => {
    const published = await publishExport(deps(), input);
    logger.info('export published', { requestId: published.requestId });
    return published;
  });
