import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readDeployConfig } from '../config/deploy';
import { DynamoDbDeliveryOutbox } from '../functions/adapters/dynamodb/dynamodb-delivery-outbox';
import { DynamoDbGrantRepository } from '../functions/adapters/dynamodb/dynamodb-grant-repository';
import { DynamoDbRequestRepository } from '../functions/adapters/dynamodb/dynamodb-request-repository';
import { hashToken } from '../functions/core/requests/grant';
import type { ExportRequestRecord } from '../functions/core/requests/request-record';
import { linkFromEml } from './runtime/read-outbox';
import type { LocalRuntime } from './runtime/runtime';

export class RequestFailedError extends Error {
  override name = 'RequestFailedError';
  constructor(readonly record: ExportRequestRecord) {
    super(
      `Request ${record.requestId} ended ${record.state}: ${record.failureReason ?? 'no reason recorded'}`,
    );
  }
}

/** The pipeline's own records, read with the harness's client (what the privacy team's tools see). */
export function pipelineRecords(runtime: Pick<LocalRuntime, 'admin' | 'outputs'>) {
  const table = runtime.outputs.PipelineTableName;
  if (!table) throw new Error('The stateful stack has no PipelineTableName output');
  return {
    requests: new DynamoDbRequestRepository(runtime.admin.dynamodb, table),
    outbox: new DynamoDbDeliveryOutbox(runtime.admin.dynamodb, table),
    grants: new DynamoDbGrantRepository(runtime.admin.dynamodb, table),
  };
}

export interface ExportRequestedDetail {
  requestId?: string;
  playerId: string;
  locale?: string;
  requestedAt?: string;
  email?: string;
  channel?: string;
}

/**
 * The account portal's side, as the deployment expects it: `ExportRequested` (or the configured
 * detail-type) from the portal's source, put on the portal's bus.
 */
export async function putExportRequested(
  runtime: LocalRuntime,
  detail: ExportRequestedDetail,
): Promise<string> {
  const config = readDeployConfig((key) => runtime.context[key]);
  const requestId = detail.requestId ?? randomUUID();
  await runtime.putEvent({
    source: config.portalEventSource,
    detailType: config.requestDetailType,
    busName: config.portalEventBusName,
    // The portal's clock is the runtime's (which a test may move ahead).
    detail: { locale: 'en', requestedAt: runtime.now().toISOString(), ...detail, requestId },
  });
  return requestId;
}

/**
 * Asks for an export as the portal does, waits until the pipeline has settled, and returns the
 * request, the request that answered it (itself, or the one it attached to), and the link the
 * player got: from their e-mail when one was sent, otherwise from the ExportReady event (a player
 * without an address sees it in the portal). Throws RequestFailedError when no archive resulted.
 */
export async function requestExport(runtime: LocalRuntime, detail: ExportRequestedDetail) {
  const requestId = await putExportRequested(runtime, detail);
  await runtime.settle();
  const { requests } = pipelineRecords(runtime);
  const record = await requests.get(requestId);
  if (!record) throw new Error(`Request ${requestId} was not recorded (is it in the dead-letter queue?)`);
  const answering = record.attachedTo ? await requests.get(record.attachedTo) : record;
  if (answering?.state !== 'READY') throw new RequestFailedError(answering ?? record);
  const { link, mailed } = await linkOf(runtime, requestId, answering.requestId);
  return { requestId, record, answering, link, mailed };
}

/** The link delivered for a request (or for the request that answered it). */
export async function linkOf(runtime: LocalRuntime, requestId: string, answeringId = requestId) {
  const { outbox } = pipelineRecords(runtime);
  const delivery = (await outbox.get(requestId)) ?? (await outbox.get(answeringId));
  if (!delivery) throw new Error(`Request ${requestId} has no delivery`);
  if (delivery.mail === 'SENT') {
    const link = await linkInOutbox(runtime.outboxDir, delivery.tokenHash);
    return { link, mailed: true };
  }
  const ready = (await runtime.events())
    .filter((e) => e['detail-type'] === 'ExportReady' && e.detail.requestId === delivery.requestId)
    .at(-1);
  if (!ready)
    throw new Error(
      `No ExportReady event for request ${delivery.requestId} (mail ${delivery.mail}, event ${delivery.event})`,
    );
  return { link: String(ready.detail.link), mailed: false };
}

/** The e-mailed link whose token has this hash (several players' mails share the outbox). */
export async function linkInOutbox(outboxDir: string, tokenHash: string): Promise<string> {
  const names = (await readdir(outboxDir).catch(() => [] as string[]))
    .filter((n) => n.endsWith('.eml'))
    .sort();
  for (const name of names.reverse()) {
    const link = linkFromEml(await readFile(join(outboxDir, name), 'utf8'));
    if (hashToken(link.slice(link.lastIndexOf('/') + 1)) === tokenHash) return link;
  }
  throw new Error(`No e-mail in ${outboxDir} carries the link of this delivery`);
}

/** Every .eml in the outbox, oldest first. */
export async function outboxMails(outboxDir: string): Promise<string[]> {
  const names = (await readdir(outboxDir).catch(() => [] as string[]))
    .filter((n) => n.endsWith('.eml'))
    .sort();
  return Promise.all(names.map((name) => readFile(join(outboxDir, name), 'utf8')));
}
