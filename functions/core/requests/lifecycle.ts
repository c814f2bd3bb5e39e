import type { Clock, EventPublisher, RequestRepository } from '../ports';
import { RequestNotFoundError, RequestStateConflictError } from './request-errors';
import { type ExportRequestRecord, type RequestState, workingStates } from './request-record';

export interface LifecycleDeps {
  requests: RequestRepository;
  events: EventPublisher;
  clock: Clock;
}

type MovePatch = Parameters<RequestRepository['transition']>[4];

/** The `ExportStatusChanged` detail: ids, state and dates only, so any consumer may log it. */
export function statusChangedDetail(record: ExportRequestRecord, at: string): Record<string, unknown> {
  return {
    requestId: record.requestId,
    playerId: record.playerId,
    state: record.state,
    at,
    dueAt: record.dueAt,
    ...(record.failureReason ? { failureReason: record.failureReason } : {}),
  };
}

/**
 * Moves a request from `from` to `to` (refused unless it is in `from` now: see
 * RequestRepository.transition) and tells the portal with `ExportStatusChanged`.
 */
export async function moveRequest(
  deps: LifecycleDeps,
  requestId: string,
  from: RequestState,
  to: RequestState,
  patch?: MovePatch,
): Promise<ExportRequestRecord> {
  const at = deps.clock.now().toISOString();
  const record = await deps.requests.transition(requestId, from, to, at, patch);
  await deps.events.publish('ExportStatusChanged', statusChangedDetail(record, at));
  return record;
}

/**
 * Fails a request from whichever working state it is in. A request already READY, EXPIRED or
 * FAILED is returned as it is: the failure handler of a workflow may run after another path
 * finished it, and must not undo that.
 *
 * `reason` is stored, published and shown to the privacy team: pass error names and ids (e.g.
 * `describe(error)`), never the data. As a last guard, anything that looks like an e-mail address
 * is removed and the text is cut to a readable length.
 */
export async function failRequest(
  deps: LifecycleDeps,
  requestId: string,
  reason: string,
): Promise<ExportRequestRecord> {
  const failureReason = safeFailureReason(reason);
  // A worker may move the request between our read and our write; then read again and retry.
  for (let attempt = 0; ; attempt++) {
    const current = await deps.requests.get(requestId);
    if (!current) throw new RequestNotFoundError(requestId);
    if (!workingStates.includes(current.state)) return current;
    try {
      return await moveRequest(deps, requestId, current.state, 'FAILED', { failureReason });
    } catch (error) {
      if (!(error instanceof RequestStateConflictError) || attempt >= 4) throw error;
    }
  }
}

const MAX_REASON_LENGTH = 500;

export function safeFailureReason(reason: string): string {
  const cleaned = reason
    .replace(/[^\s@<>"'(),;:]+@[^\s@<>"'(),;:]+\.[^\s@<>"'(),;:]+/g, '[e-mail address removed]')
    .replace(/\s+/g, ' ')
    .trim();
  if (cleaned.length === 0) return 'unknown failure';
  return cleaned.length > MAX_REASON_LENGTH ? `${cleaned.slice(0, MAX_REASON_LENGTH - 1)}…` : cleaned;
}
