import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { dispatchQueued } from '../core/requests/admission';
import { executionsFromEnv, lifecycleDepsFromEnv, once, slotsFromEnv } from '../runtime/composition';
import { readAdmissionConfig } from '../runtime/config';
import { logger } from '../runtime/logger';
import { metricsNamespace } from '../runtime/metrics';

const metrics = new Metrics(metricsNamespace);
const deps = once(() => {
  const config = readAdmissionConfig(process.env);
  return {
    config,
    admission: {
      ...lifecycleDepsFromEnv(process.env),
      slots: slotsFromEnv(process.env),
      executions: executionsFromEnv(config.stateMachineArn),
    },
  };
});

/**
 * dispatch-exports: on every QUEUED, READY or FAILED status event (a request waits, or a slot may
 * have come free) and on a schedule, starts the oldest queued requests while fewer than
 * MAX_CONCURRENT_EXPORTS run. The event itself is not read: each run looks at the work lists.
 */
export const handler = middy()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .handler(async () => {
    const { config, admission } = deps();
    const report = await dispatchQueued(admission, { maxConcurrent: config.maxConcurrent });
    metrics.addMetric('ExportsRunning', MetricUnit.Count, report.running);
    metrics.addMetric('RequestsQueued', MetricUnit.Count, report.queued);
    metrics.addMetric('OldestQueuedDueShare', MetricUnit.Percent, report.oldestQueuedDueShare * 100);
    // Ids and counts only.
    if (report.admitted.length > 0 || report.released > 0 || report.adopted > 0) {
      logger.info('exports dispatched', { ...report });
    }
    return report;
  });
