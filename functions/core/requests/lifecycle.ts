import type { Clock, EventPublisher, RequestRepository } from '../ports';
import { RequestNotFoundError, RequestStateConflictError, SupersededAttemptError } from './request-errors';
import { type ExportRequestRecord, openStates, type RequestState } from './request-record';

export interface LifecycleDeps {
  requests: RequestRepository;
  events: EventPublisher;
  clock: Clock;
}

type MoveOptions = Parameters<RequestRepository['transition']>[4];

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
 * Moves a request from `from` to `to` (refused unless it is in `from` now, and at `attempt` when
 * given: see RequestRepository.transition) and tells the portal with `ExportStatusChanged`.
 */
export async function moveRequest(
  deps: LifecycleDeps,
  requestId: string,
  from: RequestState,
  to: RequestState,
  options?: MoveOptions,
): Promise<ExportRequestRecord> {
  const at = deps.clock.now().toISOString();
  const record = await deps.requests.transition(requestId, from, to, at, options);
  await deps.events.publish('ExportStatusChanged', statusChangedDetail(record, at));
  return record;
}

/**
 * The request as a step of attempt `attempt` may act on it: refuses (SupersededAttemptError, never
 * retried) when the watchdog has since started a newer attempt.
 */
export async function currentAttempt(
  deps: Pick<LifecycleDeps, 'requests'>,
  requestId: string,
  attempt: number,
): Promise<ExportRequestRecord> {
  const record = await deps.requests.get(requestId);
  if (!record) throw new RequestNotFoundError(requestId);
  if (record.attempt !== attempt) throw new SupersededAttemptError(requestId, attempt, record.attempt);
  return record;
}

/**
 * Moves the request of attempt `attempt` into `to` unless it is there already: a step that Step
 * Functions retries must not trip over its own earlier move, and a superseded attempt must not
 * move the request at all.
 */
export async function enterState(
  deps: LifecycleDeps,
  requestId: string,
  attempt: number,
  from: RequestState,
  to: RequestState,
): Promise<ExportRequestRecord> {
  const record = await currentAttempt(deps, requestId, attempt);
  if (record.state === to) return record;
  try {
    return await moveRequest(deps, requestId, from, to, { attempt });
  } catch (error) {
    // Moved by a restart between our read and our write: say so rather than "conflict".
    if (error instanceof RequestStateConflictError) await currentAttempt(deps, requestId, attempt);
    throw error;
  }
}

/**
 * Fails a request from whichever open state (queued or working) it is in. A request already READY, EXPIRED or
 * FAILED is returned as it is: the failure handler of a workflow may run after another path
 * finished it, and must not undo that. With `attempt`, only that attempt may fail it: a
 * superseded execution's failure handler leaves the newer attempt alone (SupersededAttemptError).
 *
 * `reason` is stored, published and shown to the privacy team: pass error names and ids (e.g.
 * `describe(error)`), never the data. As a last guard, anything that looks like an e-mail address
 * is removed and the text is cut to a readable length.
 */
export async function failRequest(
  deps: LifecycleDeps,
  requestId: string,
  reason: string,
  attempt?: number,
): Promise<ExportRequestRecord> {
  const failureReason = safeFailureReason(reason);
  // A worker may move the request between our read and our write; then read again and retry.
  for (let tries = 0; ; tries++) {
    const current =
      attempt === undefined
        ? await deps.requests.get(requestId)
        : await currentAttempt(deps, requestId, attempt);
    if (!current) throw new RequestNotFoundError(requestId);
    if (!openStates.includes(current.state)) return current;
    try {
      return await moveRequest(deps, requestId, current.state, 'FAILED', {
        attempt: current.attempt,
        patch: { failureReason },
      });
    } catch (error) {
      if (!(error instanceof RequestStateConflictError) || tries >= 4) throw error;
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
