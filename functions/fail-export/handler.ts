import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { z } from 'zod';
import { failExport } from '../core/requests/fail-export';
import { failureKind } from '../core/requests/ops-gauges';
import { failInputSchema } from '../core/workflow-schemas';
import { engineDepsFromEnv, lifecycleDepsFromEnv, once } from '../runtime/composition';
import { logger } from '../runtime/logger';
import { metricsNamespace, REASON_DIMENSION } from '../runtime/metrics';
import { stepFailureReason } from '../runtime/step-error';
import { validateInput } from '../runtime/validate-input';

const metrics = new Metrics(metricsNamespace);
const deps = once(() => {
  const { store } = engineDepsFromEnv(process.env);
  return { ...lifecycleDepsFromEnv(process.env), store };
});

/** The workflow's catch: marks the request FAILED with the reason, then removes the attempt's objects. */
export const handler = middy<z.infer<typeof failInputSchema>>()
  .use(injectLambdaContext(logger))
  .use(validateInput(failInputSchema))
  .handler(async (input) => {
    const reason = stepFailureReason(input.error);
    const outcome = await failExport(deps(), { request: input.request, reason });
    if (outcome.state === 'FAILED') {
      // Failures by reason on the ops dashboard: the error's name only, never its message.
      metrics
        .singleMetric()
        .addDimension(REASON_DIMENSION, failureKind(reason))
        .addMetric('ExportsFailed', MetricUnit.Count, 1);
    }
    logger.error('export failed', { ...outcome, error: input.error?.Error });
    return outcome;
  });
