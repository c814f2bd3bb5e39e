import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { sweepExpired } from '../core/requests/expiry-sweep';
import { removeLeftovers } from '../core/requests/leftovers';
import { gaugedStates, requestGauges } from '../core/requests/ops-gauges';
import { requestsNearDueDate, superviseRequests, undeliveredLinks } from '../core/requests/watchdog';
import {
  engineDepsFromEnv,
  executionsFromEnv,
  grantsFromEnv,
  lifecycleDepsFromEnv,
  once,
} from '../runtime/composition';
import { readSweepConfig } from '../runtime/config';
import { logger } from '../runtime/logger';
import { metricsNamespace, STATE_DIMENSION } from '../runtime/metrics';

const metrics = new Metrics(metricsNamespace);
const deps = once(() => {
  const config = readSweepConfig(process.env);
  const { store, dataMap } = engineDepsFromEnv(process.env);
  return {
    config,
    lifecycle: lifecycleDepsFromEnv(process.env),
    grants: grantsFromEnv(process.env),
    store,
    dataMap,
    executions: executionsFromEnv(config.stateMachineArn),
  };
});

/**
 * The schedule: expires links and archives on time; makes sure every working request has an
 * execution working on it (starts, restarts or gives up, see superviseRequests); removes what
 * finished requests left in the bucket; and counts what the alarms watch.
 */
export const handler = middy()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .handler(async () => {
    const { config, lifecycle, grants, store, dataMap, executions } = deps();
    const swept = await sweepExpired({ ...lifecycle, grants, store });
    const supervised = await superviseRequests(
      { ...lifecycle, executions },
      { stuckAfterMs: config.stuckAfterMs, maxAttempts: config.maxAttempts },
    );
    const leftovers = await removeLeftovers({ ...lifecycle, store, dataMap });
    const dueSoon = await requestsNearDueDate(lifecycle, { dueWithinDays: config.dueWithinDays });
    const undelivered = await undeliveredLinks(lifecycle, { afterMs: config.stuckAfterMs });
    metrics.addMetric('ExpiredRequests', MetricUnit.Count, swept.requests.length);
    metrics.addMetric('StuckRequests', MetricUnit.Count, supervised.stuck.length);
    metrics.addMetric(
      'RestartedRequests',
      MetricUnit.Count,
      supervised.started.length + supervised.restarted.length,
    );
    metrics.addMetric('RequestsGivenUp', MetricUnit.Count, supervised.gaveUp.length);
    // Requests whose personal data could not be deleted this run (archive at expiry, or leftovers).
    metrics.addMetric(
      'DeletionFailures',
      MetricUnit.Count,
      swept.deleteFailed.length + leftovers.failed.length,
    );
    metrics.addMetric('RequestsNearDueDate', MetricUnit.Count, dueSoon.length);
    metrics.addMetric('UndeliveredLinks', MetricUnit.Count, undelivered.length);
    const summary = {
      expired: swept.requests,
      started: supervised.started,
      restarted: supervised.restarted,
      gaveUp: supervised.gaveUp,
      stuck: supervised.stuck.map((s) => s.requestId),
      cleaned: leftovers.cleaned.length,
      expiryDeleteFailed: swept.deleteFailed,
      cleanupFailed: leftovers.failed,
      watchdogErrors: supervised.errors,
      dueSoon: dueSoon.map((d) => d.requestId),
      undelivered,
    };
    logger.info('sweep done', summary);
    // The ops dashboard's gauges, after the work: counts and ages only.
    const gauges = await requestGauges(lifecycle);
    for (const state of gaugedStates) {
      // One EMF record per state: Powertools applies a dimension to every metric of a flush.
      metrics
        .singleMetric()
        .addDimension(STATE_DIMENSION, state)
        .addMetric('RequestsByState', MetricUnit.Count, gauges.byState[state]);
    }
    metrics.addMetric('OldestWaitingHours', MetricUnit.NoUnit, gauges.oldestWaitingHours);
    metrics.addMetric('RequestsDueWithin7Days', MetricUnit.Count, gauges.dueWithin7Days);
    metrics.addMetric('DeliveriesPending', MetricUnit.Count, gauges.deliveriesPending);
    if (supervised.errors.length > 0) {
      // Everything else was done; failing the invocation makes the SweepErrors alarm fire.
      throw new Error(
        `The watchdog could not look after ${supervised.errors.length} request(s): ${JSON.stringify(supervised.errors)}`,
      );
    }
    return summary;
  });
