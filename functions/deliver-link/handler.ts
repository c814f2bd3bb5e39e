import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { z } from 'zod';
import { deliverLink, retryDueDeliveries } from '../core/requests/delivery';
import { deliverInputSchema } from '../core/workflow-schemas';
import { deliverDepsFromEnv, once } from '../runtime/composition';
import { logger } from '../runtime/logger';
import { metricsNamespace } from '../runtime/metrics';
import { validateInput } from '../runtime/validate-input';

const metrics = new Metrics(metricsNamespace);
const deps = once(() => deliverDepsFromEnv(process.env));

/**
 * The delivery outbox's sender. As workflow step DeliverLink it sends one request's e-mail and
 * ExportReady (a failed try is recorded, then thrown for Step Functions to retry); on its schedule
 * it tries every entry that is due again. A link given up on is counted for the alarm.
 */
export const handler = middy<z.infer<typeof deliverInputSchema>>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(validateInput(deliverInputSchema))
  .handler(async (input) => {
    if ('requestId' in input) {
      const outcome = await deliverLink(deps(), input.requestId);
      if (outcome.done && !outcome.delivered) metrics.addMetric('LinksUndelivered', MetricUnit.Count, 1);
      logger.info('link delivery', { ...outcome });
      return outcome;
    }
    const tally = await retryDueDeliveries(deps());
    metrics.addMetric('LinksUndelivered', MetricUnit.Count, tally.undelivered);
    metrics.addMetric('DeliveryRetriesFailed', MetricUnit.Count, tally.failed);
    logger.info('due deliveries retried', tally);
    return tally;
  });
