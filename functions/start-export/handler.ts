import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { WorkflowExecutions } from '../core/ports';
import {
  acceptExportRequest,
  type IntakeDeps,
  type IntakeOptions,
  type IntakeOutcome,
  InvalidEventError,
  validateExportRequested,
} from '../core/requests/intake';
import { type ResendDeps, resendLink } from '../core/requests/resend-link';
import {
  deliverDepsFromEnv,
  executionsFromEnv,
  grantsFromEnv,
  lifecycleDepsFromEnv,
  once,
} from '../runtime/composition';
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
  const executions: WorkflowExecutions = executionsFromEnv(config.stateMachineArn);
  // Built on the first re-send only: most events start an export and never mail from here.
  const resend = once(
    (): ResendDeps => ({
      ...deliverDepsFromEnv(env),
      grants: grantsFromEnv(env),
      settings: readLinkSettings(env),
    }),
  );
  return { config, intake, options, executions, resend };
});

/**
 * start-export: the portal's request event → a recorded request and, if needed, one workflow
 * execution (or a new link to a fresh archive). A malformed event throws InvalidEventError (field
 * paths only, never values): Lambda's asynchronous invocation then keeps it in the function's
 * dead-letter queue. A re-delivered event of a request that was recorded but never started starts
 * it (the execution name is the request id, so that is harmless if it did start).
 */
export const handler = middy<unknown, StartExportResult>()
  .use(injectLambdaContext(logger))
  .handler(async (event): Promise<StartExportResult> => {
    const { config, intake, options, executions, resend } = deps();
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
      case 'started':
        await executions.start(workflowInput(record));
        break;
      case 'duplicate':
        // Recorded by an earlier delivery that may have failed before the start: start again.
        if (record.state === 'RECEIVED' && !record.attachedTo) await executions.start(workflowInput(record));
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

function workflowInput(record: { requestId: string; playerId: string; locale: string; attempt: number }) {
  return {
    requestId: record.requestId,
    playerId: record.playerId,
    locale: record.locale,
    attempt: record.attempt,
  };
}
