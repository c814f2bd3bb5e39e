import { SFNClient } from '@aws-sdk/client-sfn';
import middy, { type MiddlewareObj } from '@middy/core';
import { StepFunctionsWorkflowStarter } from '../adapters/stepfunctions/step-functions-workflow-starter';
import type { DeadLetterStore, WorkflowRequest, WorkflowStarter } from '../core/ports';
import {
  acceptExportRequest,
  type IntakeDeps,
  type IntakeOutcome,
  InvalidEventError,
  validateExportRequested,
} from '../core/requests/intake';
import { resendLink } from '../core/requests/resend-link';
import { lifecycleDepsFromEnv, once, requestStepsDepsFromEnv } from '../runtime/composition';
import { type Env, readStartExportConfig } from '../runtime/config';
import { logger } from '../runtime/logger';

export interface StartExportDeps extends IntakeDeps {
  starter: WorkflowStarter;
  /**
   * Sends the player a link to the archive of `readyRequestId` (READY within the cooldown) in
   * answer to `request`, instead of building the same archive again (core/requests/resend-link.ts).
   */
  resendLink(readyRequestId: string, request: WorkflowRequest): Promise<unknown>;
  /**
   * Where a rejected event is kept. Locally a folder; on AWS leave it out: the thrown error makes
   * Lambda's async invoke put the event in the function's dead-letter queue.
   */
  deadLetters?: DeadLetterStore;
  resendCooldownMs?: number;
  allowedSources?: readonly string[];
  /** One structured line per call; ids and outcomes only. @default JSON to stdout */
  log?: (line: Record<string, unknown>) => void;
}

export interface StartExportResult {
  outcome: IntakeOutcome['outcome'];
  requestId: string;
  answeredBy?: string;
}

const jsonLog = (line: Record<string, unknown>) => console.log(JSON.stringify(line));

/**
 * Keeps an invalid event in the dead-letter store, then lets the error through: Lambda must see
 * the invocation fail, or its own retries and dead-letter queue would never get the event.
 */
function deadLetterInvalidEvents(
  deadLetters: DeadLetterStore | undefined,
  log: (line: Record<string, unknown>) => void,
): MiddlewareObj<unknown, StartExportResult> {
  return {
    name: 'deadLetterInvalidEvents',
    onError: async (request) => {
      const error = request.error;
      if (!(error instanceof InvalidEventError)) return;
      // Field paths only: the values may be personal data.
      log({ level: 'warn', msg: 'export-request-rejected', fields: error.issues.map((issue) => issue.path) });
      await deadLetters?.put(request.event, error);
    },
  };
}

/** start-export: EventBridge `ExportRequested` → a recorded request and, if needed, one workflow. */
export function createStartExportHandler(deps: StartExportDeps) {
  const log = deps.log ?? jsonLog;
  const options = deps.resendCooldownMs !== undefined ? { resendCooldownMs: deps.resendCooldownMs } : {};
  const sources = deps.allowedSources?.length ? { sources: deps.allowedSources } : {};

  return middy<unknown, StartExportResult>()
    .use(deadLetterInvalidEvents(deps.deadLetters, log))
    .handler(async (event): Promise<StartExportResult> => {
      const detail = validateExportRequested(event, sources);
      const accepted = await acceptExportRequest(deps, detail, options);
      const result: StartExportResult = { outcome: accepted.outcome, requestId: detail.requestId };
      const request: WorkflowRequest = {
        requestId: detail.requestId,
        playerId: detail.playerId,
        locale: detail.locale,
      };
      switch (accepted.outcome) {
        case 'started':
          await deps.starter.start(request);
          break;
        case 'resend':
          result.answeredBy = accepted.answeredBy.requestId;
          await deps.resendLink(accepted.answeredBy.requestId, request);
          break;
        case 'attached':
          result.answeredBy = accepted.answeredBy.requestId;
          break;
        case 'duplicate':
          break;
      }
      log({ level: 'info', msg: 'export-request', ...result });
      return result;
    });
}

type StartExportHandler = ReturnType<typeof createStartExportHandler>;
type LambdaContext = Parameters<StartExportHandler>[1];

/** Builds the AWS dependencies from the environment (fails loudly naming what is missing). */
export function startExportDepsFromEnv(env: Env): StartExportDeps {
  const config = readStartExportConfig(env);
  const delivery = once(() => requestStepsDepsFromEnv(env));
  return {
    ...lifecycleDepsFromEnv(env),
    starter: new StepFunctionsWorkflowStarter(new SFNClient({}), config.stateMachineArn),
    resendLink: (readyRequestId, request) => resendLink(delivery(), { readyRequestId, request }),
    resendCooldownMs: config.resendCooldownMs,
    allowedSources: config.allowedSources,
    log: (line) => logger.info(String(line.msg ?? 'start-export'), line),
  };
}

const built = once(() => createStartExportHandler(startExportDepsFromEnv(process.env)));

/** The Lambda entry point: built on the first event (config read once, clients made once). */
export const handler = (event: unknown, context: LambdaContext): Promise<StartExportResult> =>
  built()(event, context);
