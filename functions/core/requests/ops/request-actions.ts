import type { WorkflowExecutions } from '../../ports';
import { executionName } from '../../workflow';
import { failRequest, type LifecycleDeps, safeFailureReason, statusChangedDetail } from '../lifecycle';
import { RequestNotFoundError } from '../request-errors';
import { type ExportRequestRecord, openStates, workingStates } from '../request-record';
import type { RevokeDeps } from '../revoke-links';
import { revokeLinks } from '../revoke-links';
import { OpsRefusedError } from './ops-errors';

/**
 * Operators' actions on a request's lifecycle (`npm run ops -- requests retry|cancel`). Each one
 * moves the request the way the pipeline itself does (the repository's conditional writes, an
 * ExportStatusChanged for the portal) and appends an audit entry naming who did it: `actor` is
 * `local:<user>` locally, the caller's IAM ARN on AWS.
 */
export interface OpsLifecycleDeps extends LifecycleDeps {
  executions: WorkflowExecutions;
}

export interface RetryOutcome {
  requestId: string;
  /** The new attempt, and the execution that runs it. */
  attempt: number;
  execution: string;
  /** The state it was retried from. */
  from: ExportRequestRecord['state'];
  /** A stuck attempt's execution, still running, was stopped. */
  stoppedStuck: boolean;
}

/**
 * Starts a new attempt of a FAILED request, or of a working one the watchdog marked stuck, the way
 * the watchdog restarts a lost one: the record goes back to RECEIVED as attempt n+1 (one
 * conditional write: of an operator and the watchdog acting together, one wins), the portal is
 * told, and the attempt's execution is started. The due date stays: the legal month runs from
 * receipt. A FAILED request must first get the player back: one export per player at a time, so
 * a retry is refused while another request of the player is at work.
 */
export async function retryRequest(
  deps: OpsLifecycleDeps,
  requestId: string,
  actor: string,
): Promise<RetryOutcome> {
  const record = await deps.requests.get(requestId);
  if (!record) throw new RequestNotFoundError(requestId);
  if (record.attachedTo) {
    throw new OpsRefusedError(
      `Request ${requestId} is answered by request ${record.attachedTo} and has no export of its own: retry ${record.attachedTo}`,
    );
  }
  const working = workingStates.includes(record.state);
  if (working && !record.stuckSince) {
    throw new OpsRefusedError(
      `Request ${requestId} is ${record.state} and not marked stuck: its execution is at work (the watchdog restarts a lost one)`,
    );
  }
  if (!working && record.state !== 'FAILED') {
    throw new OpsRefusedError(
      `Request ${requestId} is ${record.state}: only a FAILED or stuck request is retried (re-send or revoke its link instead)`,
    );
  }
  if (record.state === 'FAILED') await reclaimPlayer(deps, record);

  const at = deps.clock.now().toISOString();
  const why = working
    ? `retried by ${actor}: stuck in ${record.state} since ${record.updatedAt}`
    : `retried by ${actor} after: ${record.failureReason ?? 'no reason recorded'}`;
  const restarted = await deps.requests.restart(requestId, record.state, record.attempt, at, why);
  await deps.requests.appendAudit({
    requestId,
    at,
    action: 'ops-retry',
    detail: safeFailureReason(`by ${actor}: attempt ${restarted.attempt} (from ${record.state})`),
  });
  await deps.events.publish('ExportStatusChanged', statusChangedDetail(restarted, at));
  // The stuck attempt is superseded (its steps can no longer move the request); stop it as well,
  // so it stops holding a Map slot and the store's read budget.
  const stoppedStuck = working
    ? await deps.executions.stop(requestId, record.attempt, `superseded: retried by ${actor}`)
    : false;
  await deps.executions.start({
    requestId,
    playerId: restarted.playerId,
    locale: restarted.locale,
    attempt: restarted.attempt,
  });
  return {
    requestId,
    attempt: restarted.attempt,
    execution: executionName(requestId, restarted.attempt),
    from: record.state,
    stoppedStuck,
  };
}

/** A FAILED request's player claim: kept, taken back from a finished request, or refused. */
async function reclaimPlayer(deps: OpsLifecycleDeps, record: ExportRequestRecord): Promise<void> {
  let replacing: string | undefined;
  for (let round = 0; round < 3; round++) {
    const claim = await deps.requests.claimPlayer(record.playerId, record.requestId, replacing);
    if (claim.claimed || claim.heldBy === record.requestId) return;
    const holder = await deps.requests.get(claim.heldBy);
    if (holder && openStates.includes(holder.state)) {
      throw new OpsRefusedError(
        `Player ${record.playerId} has request ${holder.requestId} at work (${holder.state}): one export per player at a time; it answers the player, or retry ${record.requestId} once it has ended`,
      );
    }
    replacing = claim.heldBy;
  }
  throw new Error(`Could not take player ${record.playerId} back for request ${record.requestId}: try again`);
}

export interface CancelOutcome {
  requestId: string;
  state: 'FAILED';
  reason: string;
  /** Its execution was running and has been stopped. */
  stopped: boolean;
  revoked: number;
}

/**
 * Cancels a request at work: FAILED first, with the reason "cancelled by <who>: <reason>" (the
 * workflow's later steps then cannot move it, and its failure step only cleans up), then its
 * execution is stopped (what it staged is removed by the schedule's clean-up of final requests),
 * then any link of it is revoked.
 */
export async function cancelRequest(
  deps: OpsLifecycleDeps & Omit<RevokeDeps, 'requests' | 'clock'>,
  requestId: string,
  actor: string,
  reason: string,
): Promise<CancelOutcome> {
  const record = await deps.requests.get(requestId);
  if (!record) throw new RequestNotFoundError(requestId);
  if (!openStates.includes(record.state)) {
    throw new OpsRefusedError(
      `Request ${requestId} is ${record.state}: only a request queued or at work is cancelled${record.state === 'READY' ? ' (revoke its links instead)' : ''}`,
    );
  }
  const failed = await failRequest(deps, requestId, `cancelled by ${actor}: ${reason}`, record.attempt);
  if (failed.state !== 'FAILED') {
    throw new OpsRefusedError(`Request ${requestId} became ${failed.state} before it could be cancelled`);
  }
  const stopped =
    record.attachedTo || record.state === 'QUEUED'
      ? false
      : await deps.executions.stop(requestId, record.attempt, `cancelled by ${actor}`);
  const { revoked } = await revokeLinks(deps, requestId, `cancelled by ${actor}`);
  await deps.requests.appendAudit({
    requestId,
    at: deps.clock.now().toISOString(),
    action: 'ops-cancel',
    detail: safeFailureReason(`by ${actor}: ${reason}`),
  });
  return { requestId, state: 'FAILED', reason: failed.failureReason ?? '', stopped, revoked };
}
