import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import {
  acceptExportRequest,
  type IntakeDeps,
  type IntakeOptions,
  type IntakeOutcome,
  InvalidEventError,
  validateExportRequested,
} from '../core/requests/intake';
import { type ResendDeps, resendLink } from '../core/requests/resend-link';
import { deliverDepsFromEnv, grantsFromEnv, lifecycleDepsFromEnv, once } from '../runtime/composition';
import { type IntakeConfig, readIntakeConfig, readLinkSettings, readMailConfig } from '../runtime/config';
import { logger } from '../runtime/logger';

export interface StartExportResult {
  outcome: IntakeOutcome['outcome'];
  requestId: string;
  answeredBy?: string;
}

const deps = once(() => {
  const env = process.env;
  const config: IntakeConfig = readIntakeConfig(env);
  const intake: IntakeDeps = lifecycleDepsFromEnv(env);
  const options: IntakeOptions = {
    resendCooldownMs: config.resendCooldownMs,
    trustEventEmail: readMailConfig(env).trustEventEmail,
  };
  // Built on the first re-send only: most events start an export and never mail from here.
  const resend = once(
    (): ResendDeps => ({
      ...deliverDepsFromEnv(env),
      grants: grantsFromEnv(env),
      settings: readLinkSettings(env),
    }),
  );
  return { config, intake, options, resend };
});

/**
 * start-export: the portal's request event → a recorded request, QUEUED for the dispatcher (its
 * ExportStatusChanged event wakes dispatch-exports, which starts the execution when a slot is
 * free), attached to the player's request under way, or answered with a new link to a fresh
 * archive. A malformed event throws InvalidEventError (field paths only, never values): Lambda's
 * asynchronous invocation then keeps it in the function's dead-letter queue. A re-delivered event
 * finds its request recorded and does nothing more.
 */
export const handler = middy<unknown, StartExportResult>()
  .use(injectLambdaContext(logger))
  .handler(async (event): Promise<StartExportResult> => {
    const { config, intake, options, resend } = deps();
    let detail: ReturnType<typeof validateExportRequested>;
    try {
      detail = validateExportRequested(event, {
        sources: config.allowedSources,
        detailType: config.detailType,
        maxAgeMs: config.maxRequestAgeMs,
        now: intake.clock.now(),
      });
    } catch (error) {
      if (error instanceof InvalidEventError) {
        logger.warn('export request rejected', { fields: error.issues.map((issue) => issue.path) });
      }
      throw error;
    }
    const accepted = await acceptExportRequest(intake, detail, options);
    const result: StartExportResult = { outcome: accepted.outcome, requestId: detail.requestId };
    const record = accepted.record;
    switch (accepted.outcome) {
      case 'queued':
      case 'duplicate':
        // The dispatcher starts it (a QUEUED event woke it; its schedule covers a lost event).
        break;
      case 'resend':
        result.answeredBy = accepted.answeredBy.requestId;
        await resendLink(resend(), { ready: accepted.answeredBy, request: record });
        break;
      case 'attached':
        result.answeredBy = accepted.answeredBy;
        break;
    }
    logger.info('export request', {
      ...result,
      // Whether the portal sent an address this deployment does not use (never the address).
      ...(detail.email && !options.trustEventEmail ? { eventEmailIgnored: true } : {}),
    });
    return result;
  });
