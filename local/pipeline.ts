import { join } from 'node:path';
import { DynamoDbGrantRepository } from '../functions/adapters/dynamodb/dynamodb-grant-repository';
import { DynamoDbRequestRepository } from '../functions/adapters/dynamodb/dynamodb-request-repository';
import { DynamoDbSourceReader } from '../functions/adapters/dynamodb/dynamodb-source-reader';
import { DeadLetterFolder } from '../functions/adapters/local/dead-letter-folder';
import { FileEventPublisher } from '../functions/adapters/local/file-event-publisher';
import { OutboxMailer } from '../functions/adapters/local/outbox-mailer';
import { S3ObjectStore } from '../functions/adapters/s3/s3-object-store';
import { S3Presigner } from '../functions/adapters/s3/s3-presigner';
import { defaultDataMap } from '../functions/core/data-map/default-data-map';
import { exportSteps } from '../functions/core/export/export-steps';
import type { Clock, WorkflowRequest } from '../functions/core/ports';
import { sweepExpired } from '../functions/core/requests/expiry-sweep';
import { type RequestStepsDeps, withRequestLifecycle } from '../functions/core/requests/request-steps';
import { resendLink } from '../functions/core/requests/resend-link';
import { markStuckRequests } from '../functions/core/requests/watchdog';
import { runExportWorkflow } from '../functions/core/workflow';
import { randomIds, systemClock } from '../functions/runtime/system';
import { createStartExportHandler, type StartExportResult } from '../functions/start-export/handler';
import { type GatewayServer, startGatewayServer } from './gateway-server';
import type { LocalStack } from './local-stack';

export interface LocalPipelineOptions {
  /** Where the outbox (.eml), the published events and the dead letters go. */
  workDir: string;
  linkTtlSeconds?: number;
  maxDownloads?: number;
  resendCooldownMs?: number;
  /** How often the expiry sweep runs; 0 turns the schedule off (tests call sweep() themselves). */
  sweepEveryMs?: number;
  gatewayPort?: number;
  clock?: Clock;
  /** Scales the workflow's retry waits (tests use a small factor). */
  retryWaitScale?: number;
  log?: (line: Record<string, unknown>) => void;
}

export interface LocalPipeline {
  gatewayUrl: string;
  outboxDir: string;
  eventsFile: string;
  deadLetterDir: string;
  deps: RequestStepsDeps;
  /** Delivers an event as EventBridge would invoke start-export; rejects for a malformed event. */
  putEvent(event: unknown): Promise<StartExportResult>;
  /** Waits until the workflow of a request (if one was started) has ended. */
  settled(requestId: string): Promise<void>;
  sweep(): ReturnType<typeof sweepExpired>;
  stop(): Promise<void>;
}

type LambdaContext = Parameters<ReturnType<typeof createStartExportHandler>>[1];
const lambdaContext = { functionName: 'start-export', awsRequestId: 'local' } as LambdaContext;

/**
 * The whole path on the embedded stack, wired from the same parts as on AWS: the start-export
 * handler, the workflow's steps with the request's lifecycle around them, the download gateway
 * behind a local HTTP server, e-mail into an outbox folder, events into a JSON-lines file, and
 * the expiry sweep on a timer. Only the transports differ.
 */
export async function startLocalPipeline(
  stack: LocalStack,
  options: LocalPipelineOptions,
): Promise<LocalPipeline> {
  const clock = options.clock ?? systemClock;
  const { dynamodb, s3 } = stack.clients;
  const outboxDir = join(options.workDir, 'outbox');
  const eventsFile = join(options.workDir, 'events.jsonl');
  const deadLetterDir = join(options.workDir, 'dead-letters');
  const requests = new DynamoDbRequestRepository(dynamodb, stack.pipelineTable, clock);
  const grants = new DynamoDbGrantRepository(dynamodb, stack.pipelineTable, { clock });
  const events = new FileEventPublisher(eventsFile, clock);
  const store = new S3ObjectStore(s3, stack.bucket);
  const reader = new DynamoDbSourceReader(dynamodb);

  const gateway: GatewayServer = await startGatewayServer(
    {
      grants,
      presigner: new S3Presigner(s3, stack.bucket),
      clock,
      recordDownload: (grant, at) =>
        requests.appendAudit({
          requestId: grant.requestId,
          at,
          action: 'download',
          detail: `download ${grant.downloads} of ${grant.maxDownloads}`,
        }),
      ...(options.log ? { log: (level, msg, fields) => options.log?.({ level, msg, ...fields }) } : {}),
    },
    options.gatewayPort !== undefined ? { port: options.gatewayPort } : {},
  );

  const deps: RequestStepsDeps = {
    requests,
    grants,
    events,
    mailer: new OutboxMailer({
      folder: outboxDir,
      from: 'Nordlys Games <privacy@nordlys-games.example>',
      clock,
    }),
    clock,
    reader,
    dataMap: defaultDataMap,
    settings: {
      gatewayBaseUrl: gateway.url,
      linkTtlSeconds: options.linkTtlSeconds ?? 7 * 24 * 3600,
      maxDownloads: options.maxDownloads ?? 5,
    },
  };
  const steps = withRequestLifecycle(
    exportSteps({ reader, store, dataMap: defaultDataMap, clock, ids: randomIds }),
    deps,
  );

  const running = new Map<string, Promise<void>>();
  const starter = {
    async start(request: WorkflowRequest) {
      if (running.has(request.requestId)) return; // as StartExecution with the same name
      const run = runExportWorkflow(steps, request, { retryWaitScale: options.retryWaitScale ?? 1 }).then(
        () => undefined,
        // The workflow's failure step has already marked the request FAILED with the reason.
        () => undefined,
      );
      running.set(request.requestId, run);
    },
  };
  const handler = createStartExportHandler({
    requests,
    events,
    clock,
    starter,
    resendLink: (readyRequestId, request) => resendLink(deps, { readyRequestId, request }),
    deadLetters: new DeadLetterFolder(deadLetterDir, clock),
    ...(options.resendCooldownMs !== undefined ? { resendCooldownMs: options.resendCooldownMs } : {}),
    ...(options.log ? { log: options.log } : {}),
  });

  // The schedule's work, as expire-exports does it on AWS: expiry first, then the watchdog.
  const sweep = async () => {
    const swept = await sweepExpired({ requests, grants, events, store, clock });
    await markStuckRequests({ requests, clock });
    return swept;
  };
  const every = options.sweepEveryMs ?? 60_000;
  const timer = every > 0 ? setInterval(() => void sweep().catch(() => undefined), every) : undefined;
  timer?.unref();

  return {
    gatewayUrl: gateway.url,
    outboxDir,
    eventsFile,
    deadLetterDir,
    deps,
    putEvent: (event) => handler(event, lambdaContext),
    settled: async (requestId) => {
      await running.get(requestId);
    },
    sweep,
    async stop() {
      if (timer) clearInterval(timer);
      await Promise.allSettled(running.values());
      await gateway.stop();
    },
  };
}

/** An EventBridge envelope of the portal's ExportRequested event. */
export function exportRequestedEvent(detail: {
  requestId: string;
  playerId: string;
  locale: string;
  requestedAt?: string;
  email?: string;
  channel?: string;
}) {
  return {
    version: '0',
    id: `local-${detail.requestId}`,
    'detail-type': 'ExportRequested',
    source: 'game.account-portal',
    account: '000000000000',
    time: new Date().toISOString(),
    region: 'local',
    resources: [],
    detail: { requestedAt: new Date().toISOString(), ...detail },
  };
}
