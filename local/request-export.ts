import { randomUUID } from 'node:crypto';
import { readLocalEvents } from '../functions/adapters/local/file-event-publisher';
import { latestLinkInOutbox } from '../functions/adapters/local/read-outbox';
import type { ExportRequestRecord } from '../functions/core/requests/request-record';
import { exportRequestedEvent, type LocalPipeline } from './pipeline';

export class RequestFailedError extends Error {
  override name = 'RequestFailedError';
  constructor(readonly record: ExportRequestRecord) {
    super(`Request ${record.requestId} failed: ${record.failureReason ?? 'no reason recorded'}`);
  }
}

/**
 * Asks for an export as the account portal does (an ExportRequested event), waits for the
 * workflow, and returns the record and the link: from the e-mail when one was sent, otherwise
 * from the ExportReady event (a player without an e-mail address sees it in the portal).
 */
export async function requestExport(
  pipeline: LocalPipeline,
  input: { playerId: string; locale?: string; email?: string; requestId?: string },
) {
  const requestId = input.requestId ?? randomUUID();
  const outcome = await pipeline.putEvent(
    exportRequestedEvent({
      requestId,
      playerId: input.playerId,
      locale: input.locale ?? 'en',
      ...(input.email ? { email: input.email } : {}),
    }),
  );
  await pipeline.settled(outcome.answeredBy ?? requestId);
  const record = await pipeline.deps.requests.get(outcome.answeredBy ?? requestId);
  if (!record) throw new Error(`Request ${requestId} was not recorded`);
  if (record.state !== 'READY') throw new RequestFailedError(record);
  const events = await readLocalEvents(pipeline.eventsFile);
  const ready = events
    .filter((e) => e['detail-type'] === 'ExportReady' && e.detail.requestId === requestId)
    .at(-1);
  if (!ready) throw new Error(`No ExportReady event for request ${requestId}`);
  const mailed = ready.detail.mailed === true;
  const link = mailed ? await latestLinkInOutbox(pipeline.outboxDir) : String(ready.detail.link);
  return { requestId, record, link, mailed, outcome: outcome.outcome };
}
