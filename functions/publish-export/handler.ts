import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { z } from 'zod';
import { publishExport } from '../core/requests/request-steps';
import { publishInputSchema } from '../core/workflow-schemas';
import { once, requestStepsDepsFromEnv } from '../runtime/composition';
import { logger } from '../runtime/logger';
import { validateInput } from '../runtime/validate-input';

const deps = once(() => requestStepsDepsFromEnv(process.env));

/** Workflow step PublishExport: grant, READY, e-mail, ExportReady. Returns no link: state is logged. */
export const handler = middy<z.infer<typeof publishInputSchema>>()
  .use(injectLambdaContext(logger))
  .use(validateInput(publishInputSchema))
  .handler(async (input) => {
    const published = await publishExport(deps(), input);
    logger.info('export published', { requestId: published.requestId, mailed: published.mailed });
    // The link holds the token: keep it out of the execution history.
    return { requestId: published.requestId, expiresAt: published.expiresAt, mailed: published.mailed };
  });
