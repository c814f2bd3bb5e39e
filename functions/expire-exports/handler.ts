import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { sweepExpired } from '../core/requests/expiry-sweep';
import { removeLeftovers } from '../core/requests/leftovers';
import { gaugedStates, requestGauges } from '../core/requests/ops-gauges';
import { requestsNearDueDate, superviseRequests, undeliveredLinks } from '../core/requests/watchdog';
import { deadlineFromRemaining } from '../core/requests/work-list';
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
  const { store } = engineDepsFromEnv(process.env);
  return {
    config,
    lifecycle: lifecycleDepsFromEnv(process.env),
    grants: grantsFromEnv(process.env),
    store,
    executions: executionsFromEnv(config.stateMachineArn),
  };
});

/**
 * Time kept at the end of a run (at most a quarter of it): the reports and gauges after the work
 * read the work lists once more (reads only), and the metrics are flushed.
 */
const RESERVE_MS = 60_000;
/**
 * The expiry sweep's share of the time before that: a day of 50,000 expiries takes several runs,
 * and the watchdog and the clean-up still get their turn in each.
 */
const SWEEP_SHARE = 0.5;
/** Ids per list in the summary line (a log event holds 256 KB); the metrics count them all. */
const LOGGED_IDS = 500;
const logged = (ids: string[]) => ids.slice(0, LOGGED_IDS);

/**
 * The schedule: expires links and archives on time; makes sure every working request has an
 * execution working on it (starts, restarts or gives up, see superviseRequests); removes what
 * finished requests left in the bucket; and counts what the alarms watch. The work stops before
 * the function's timeout and leaves the rest to the next run (`leftForNextRun`).
 */
export const handler = middy()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .handler(async (_event: unknown, context: { getRemainingTimeInMillis(): number }) => {
    const { config, lifecycle, grants, store, executions } = deps();
    const remaining = () => context.getRemainingTimeInMillis();
    const reserveMs = Math.min(RESERVE_MS, remaining() / 4);
    const swept = await sweepExpired(
      { ...lifecycle, grants, store },
      { deadline: deadlineFromRemaining(remaining, reserveMs, SWEEP_SHARE) },
    );
    const deadline = deadlineFromRemaining(remaining, reserveMs);
    const supervised = await superviseRequests(
      { ...lifecycle, executions },
      { stuckAfterMs: config.stuckAfterMs, maxAttempts: config.maxAttempts, deadline },
    );
    const leftovers = await removeLeftovers({ ...lifecycle, store }, { deadline });
    const leftForNextRun = [
      ...(swept.truncated ? ['expiry'] : []),
      ...(supervised.truncated ? ['watchdog'] : []),
      ...(leftovers.truncated ? ['clean-up'] : []),
    ];
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
    // Parts of the schedule that stopped at their time budget with work left: the next run goes on.
    metrics.addMetric('WorkLeftForNextRun', MetricUnit.Count, leftForNextRun.length);
    const summary = {
      expired: logged(swept.requests),
      expiredLinks: swept.grants,
      started: supervised.started,
      restarted: supervised.restarted,
      gaveUp: supervised.gaveUp,
      stuck: logged(supervised.stuck.map((s) => s.requestId)),
      cleaned: leftovers.cleaned.length,
      expiryDeleteFailed: swept.deleteFailed.slice(0, LOGGED_IDS),
      cleanupFailed: leftovers.failed.slice(0, LOGGED_IDS),
      expiryErrors: swept.errors.slice(0, LOGGED_IDS),
      watchdogErrors: supervised.errors,
      dueSoon: logged(dueSoon.map((d) => d.requestId)),
      undelivered: logged(undelivered),
      leftForNextRun,
    };
    if (leftForNextRun.length > 0) {
      logger.warn('time budget used up: the next run goes on', { leftForNextRun });
    }
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
    if (supervised.errors.length > 0 || swept.errors.length > 0) {
      // Everything else was done; failing the invocation makes the SweepErrors alarm fire.
      const errors = [...supervised.errors, ...swept.errors].slice(0, 50);
      throw new Error(
        `The watchdog could not look after ${supervised.errors.length} request(s), the expiry sweep ${swept.errors.length}: ${JSON.stringify(errors)}`,
      );
    }
    return summary;
  });
