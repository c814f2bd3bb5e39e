import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { mailFeedbackOf } from '../adapters/ses/ses-feedback-event';
import { recordMailFeedback } from '../core/requests/mail-feedback';
import { mailFeedbackDepsFromEnv, once } from '../runtime/composition';
import { logger } from '../runtime/logger';
import { metricsNamespace } from '../runtime/metrics';

const metrics = new Metrics(metricsNamespace);
const deps = once(() => mailFeedbackDepsFromEnv(process.env));

/** Metric per outcome: the bounce-rate alarm divides bounces and complaints by all reports. */
const METRIC = {
  delivered: 'MailDelivered',
  bounced: 'MailBounced',
  complained: 'MailComplained',
  rejected: 'MailRejected',
} as const;

/**
 * SES's reports on the link e-mails (the configuration set publishes them to the default bus):
 * each is put on its request. An event that is not SES feedback throws, so it is retried and then
 * dead-lettered where ops look; mail without a request tag is not ours and is only counted.
 */
export const handler = middy<unknown>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .handler(async (event) => {
    const feedback = mailFeedbackOf(event);
    if (!feedback) {
      logger.info('mail report without a request tag ignored');
      return { recorded: 'untagged' };
    }
    const recorded = await recordMailFeedback(deps(), feedback);
    metrics.addMetric(METRIC[feedback.outcome], MetricUnit.Count, recorded === 'recorded' ? 1 : 0);
    logger.info('mail report', { requestId: feedback.requestId, outcome: feedback.outcome, recorded });
    return { recorded };
  });
