import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { z } from 'zod';
import { type CollectOutcome, collectSource } from '../core/collect/collect-source';
import { sourceById } from '../core/data-map/data-map';
import { collectTaskSchema } from '../core/workflow-schemas';
import { collectDepsFromEnv, once } from '../runtime/composition';
import { readSourceTables } from '../runtime/config';
import { logger } from '../runtime/logger';
import { metricsNamespace } from '../runtime/metrics';
import { validateInput } from '../runtime/validate-input';

const metrics = new Metrics(metricsNamespace);
const deps = once(() => collectDepsFromEnv(process.env));

/**
 * Map item of CollectSources: one source of the data map (or one shard of it), streamed into a
 * staged piece of its JSON and CSV files; past its time budget it hands over to its next invocation.
 */
export const handler = middy<z.infer<typeof collectTaskSchema>>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(validateInput(collectTaskSchema))
  .handler(async (task) => {
    const { reader } = deps();
    const before = { ...reader.stats };
    let outcome: CollectOutcome;
    try {
      outcome = await collectSource(deps(), task);
    } finally {
      // What this source cost the store, and how often it pushed back (the budget alarm's input).
      metrics.addMetric('ThrottledReads', MetricUnit.Count, reader.stats.throttled - before.throttled);
      metrics.addMetric(
        'SourceReadUnits',
        MetricUnit.Count,
        Math.round(reader.stats.consumedUnits - before.consumedUnits),
      );
    }
    if ('resume' in outcome) {
      // Past its time budget: the workflow's loop invokes the collector again from the checkpoint.
      logger.info('source checkpointed', {
        requestId: task.requestId,
        attempt: task.attempt,
        sourceId: task.sourceId,
        shard: task.shard,
        piece: outcome.resume.piece,
        records: outcome.resume.collected.records,
      });
      return outcome;
    }
    const result = outcome;
    logger.info('source collected', {
      requestId: task.requestId,
      attempt: task.attempt,
      sourceId: task.sourceId,
      shard: task.shard,
      records: result.records,
    });
    if (result.mismatches) {
      // Field paths, types and counts only: the values are the player's.
      logger.warn('data map mismatch', { sourceId: task.sourceId, mismatches: result.mismatches });
      metrics.addMetric('DataMapMismatches', MetricUnit.Count, result.mismatches.length);
    }
    if (result.pastRetention) {
      // A late deletion job, reported to operators; the records are in the archive all the same.
      const table = sourceById(deps().dataMap, task.sourceId).table;
      logger.warn('records past retention', {
        sourceId: task.sourceId,
        table: readSourceTables(process.env).get(table) ?? table,
        ...result.pastRetention,
      });
      metrics.addMetric('RetentionFindings', MetricUnit.Count, result.pastRetention.records);
    }
    return result;
  });
