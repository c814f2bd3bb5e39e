import type { Clock, EventPublisher, ExportSlots, RequestRepository, WorkflowExecutions } from '../ports';
import { moveRequest } from './lifecycle';
import { RequestStateConflictError } from './request-errors';
import { type ExportRequestRecord, openStates, workingStates } from './request-record';

/**
 * Admission: at most `maxConcurrent` exports read the game's stores at once. Intake records a new
 * request QUEUED; the dispatcher (this use case, run on every QUEUED, READY and FAILED event and on
 * a schedule) gives the oldest queued requests the free slots and starts their executions.
 *
 * The slots are one shared set of request ids (ExportSlots): taking one is a conditional write,
 * so dispatchers running side by side can never hold more than `maxConcurrent` between them.
 * Before admitting, the dispatcher reconciles the set with the work lists, which makes it heal
 * itself whatever crashed where:
 * - a holder that has finished (READY, FAILED, gone) frees its slot;
 * - a request at work that holds none (an operator's retry, which starts at once) is counted,
 *   so the queue waits until the deployment is below its limit again.
 * A dispatcher that took a slot and moved the request but crashed before StartExecution leaves it
 * RECEIVED without an execution: the watchdog starts it (the execution name makes that harmless).
 */
export interface AdmissionDeps {
  requests: RequestRepository;
  slots: ExportSlots;
  executions: WorkflowExecutions;
  events: EventPublisher;
  clock: Clock;
}

export interface DispatchReport {
  admitted: string[];
  /** Slots given back by requests that had finished. */
  released: number;
  /** Requests at work found without a slot and counted. */
  adopted: number;
  /** Slots held after this run, and requests still waiting. */
  running: number;
  queued: number;
  /**
   * The oldest waiting request's wait as a share of its legal month (0 when none waits): the
   * admission alarm fires when it nears the configured share.
   */
  oldestQueuedDueShare: number;
}

export async function dispatchQueued(
  deps: AdmissionDeps,
  options: { maxConcurrent: number },
): Promise<DispatchReport> {
  const working = new Set<string>();
  for (const state of workingStates) {
    for (const record of await deps.requests.listInState(state)) {
      if (!record.attachedTo) working.add(record.requestId);
    }
  }
  const holders = new Set(await deps.slots.holders());
  let released = 0;
  for (const holder of holders) {
    if (working.has(holder)) continue;
    // Only a finished (or vanished) holder gives its slot back. One still QUEUED was just taken by
    // a dispatcher beside us, one at work now was admitted after we listed the work lists.
    const record = await deps.requests.get(holder);
    if (record && openStates.includes(record.state)) continue;
    await deps.slots.release(holder);
    holders.delete(holder);
    released++;
  }
  let adopted = 0;
  for (const requestId of working) {
    if (holders.has(requestId)) continue;
    await deps.slots.adopt(requestId);
    holders.add(requestId);
    adopted++;
  }

  const queued = (await deps.requests.listInState('QUEUED')).filter((r) => !r.attachedTo);
  const admitted: string[] = [];
  for (const record of queued) {
    if (!(await deps.slots.take(record.requestId, options.maxConcurrent))) break;
    holders.add(record.requestId);
    const started = await admit(deps, record);
    if (started) admitted.push(record.requestId);
  }
  const waiting = queued.filter((r) => !admitted.includes(r.requestId));
  return {
    admitted,
    released,
    adopted,
    // The reconciled set and what this run took (no second read of the slots).
    running: holders.size,
    queued: waiting.length,
    oldestQueuedDueShare: dueShare(waiting[0], deps.clock.now()),
  };
}

/** QUEUED → RECEIVED, then the execution; false when another dispatcher admitted it first. */
async function admit(deps: AdmissionDeps, record: ExportRequestRecord): Promise<boolean> {
  let moved: ExportRequestRecord;
  try {
    moved = await moveRequest(deps, record.requestId, 'QUEUED', 'RECEIVED', { attempt: record.attempt });
  } catch (error) {
    // Admitted by a dispatcher beside us (the slot is the same id: it stays), or cancelled
    // meanwhile (the next run's reconcile frees the slot).
    if (error instanceof RequestStateConflictError) return false;
    throw error;
  }
  await deps.executions.start({
    requestId: moved.requestId,
    playerId: moved.playerId,
    locale: moved.locale,
    attempt: moved.attempt,
  });
  return true;
}

/** How much of the time from receipt to the legal due date a waiting request has used, 0–1+. */
export function dueShare(record: ExportRequestRecord | undefined, now: Date): number {
  if (!record) return 0;
  const received = Date.parse(record.receivedAt);
  const span = Date.parse(record.dueAt) - received;
  if (span <= 0) return 1;
  return Math.max(0, Math.round(((now.getTime() - received) / span) * 1000) / 1000);
}

/**
 * Where a QUEUED request stands: 1 when it is next. Requests queue in the order they were
 * received (the work list's sort key), so the position is one more than those received before.
 */
export async function queuePosition(
  deps: { requests: RequestRepository },
  record: ExportRequestRecord,
): Promise<number | undefined> {
  if (record.state !== 'QUEUED' || record.attachedTo) return undefined;
  return (await deps.requests.countInStateBefore('QUEUED', record.updatedAt)) + 1;
}
