import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { sweepExpired } from '../core/requests/expiry-sweep';
import { markStuckRequests, requestsNearDueDate } from '../core/requests/watchdog';
import { exportDepsFromEnv, grantsFromEnv, lifecycleDepsFromEnv, once } from '../runtime/composition';
import { readSweepConfig } from '../runtime/config';
import { logger } from '../runtime/logger';

const metrics = new Metrics({ namespace: 'PlayerDataExport', serviceName: 'player-data-export' });
const deps = once(() => ({
  config: readSweepConfig(process.env),
  engine: exportDepsFromEnv(process.env),
  lifecycle: lifecycleDepsFromEnv(process.env),
  grants: grantsFromEnv(process.env),
}));

/**
 * The schedule: expires links and archives on time, flags requests stuck in a working state, and
 * counts requests close to their legal due date that are not READY (the alarm's metric).
 */
export const handler = middy()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .handler(async () => {
    const { config, engine, lifecycle, grants } = deps();
    const swept = await sweepExpired({ ...lifecycle, grants, store: engine.store });
    const stuck = await markStuckRequests(lifecycle, { stuckAfterMs: config.stuckAfterMs });
    const dueSoon = await requestsNearDueDate(lifecycle, { dueWithinDays: config.dueWithinDays });
    metrics.addMetric('ExpiredRequests', MetricUnit.Count, swept.requests.length);
    metrics.addMetric('StuckRequests', MetricUnit.Count, stuck.length);
    metrics.addMetric('RequestsNearDueDate', MetricUnit.Count, dueSoon.length);
    logger.info('sweep done', {
      expired: swept.requests,
      stuck: stuck.map((s) => s.requestId),
      dueSoon: dueSoon.map((d) => d.requestId),
    });
    return { expired: swept.requests.length, stuck: stuck.length, dueSoon: dueSoon.length };
  });
