import type { Clock, RequestRepository } from '../ports';
import { type RequestState, workingStates } from './request-record';

export interface WatchdogDeps {
  requests: RequestRepository;
  clock: Clock;
}

export interface WatchdogOptions {
  /**
   * A request that has not moved for this long in a working state is stuck (an export of a big
   * player takes minutes; hours mean a lost execution or a crashed start).
   * @default 2 h
   */
  stuckAfterMs?: number;
  /**
   * Requests not yet READY whose legal due date is this close (or past) are reported.
   * @default 5
   */
  dueWithinDays?: number;
}

export const DEFAULT_STUCK_AFTER_MS = 2 * 60 * 60 * 1000;
export const DEFAULT_DUE_WITHIN_DAYS = 5;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface StuckRequest {
  requestId: string;
  state: RequestState;
  updatedAt: string;
  stuckSince: string;
  /** False when an earlier run already marked it: still reported, not audited twice. */
  newlyMarked: boolean;
}

export interface DueSoonRequest {
  requestId: string;
  state: RequestState;
  dueAt: string;
  overdue: boolean;
}

/**
 * Marks requests that sat in a working state too long: sets `stuckSince`, appends a 'stuck' audit
 * entry and returns them all (the handler turns them into a metric and a log line of ids).
 * Requests attached to another one are skipped: they have no workflow of their own, the request
 * that answers them is the one watched.
 */
export async function markStuckRequests(
  deps: WatchdogDeps,
  options: WatchdogOptions = {},
): Promise<StuckRequest[]> {
  const now = deps.clock.now();
  const limit = now.getTime() - (options.stuckAfterMs ?? DEFAULT_STUCK_AFTER_MS);
  const stuck: StuckRequest[] = [];
  for (const state of workingStates) {
    for (const record of await deps.requests.listInState(state)) {
      if (record.attachedTo || Date.parse(record.updatedAt) > limit) continue;
      if (record.stuckSince) {
        stuck.push({ ...pick(record), stuckSince: record.stuckSince, newlyMarked: false });
        continue;
      }
      const stuckSince = now.toISOString();
      await deps.requests.update(record.requestId, { stuckSince });
      await deps.requests.appendAudit({
        requestId: record.requestId,
        at: stuckSince,
        action: 'stuck',
        detail: `no progress in ${state} since ${record.updatedAt}`,
      });
      stuck.push({ ...pick(record), stuckSince, newlyMarked: true });
    }
  }
  return stuck;
}

/**
 * Requests that still owe the player an answer (working or FAILED: a failed export does not end the
 * legal duty) and whose due date is within `dueWithinDays`, soonest first: the input of the
 * "close to the legal due date" alarm.
 */
export async function requestsNearDueDate(
  deps: WatchdogDeps,
  options: WatchdogOptions = {},
): Promise<DueSoonRequest[]> {
  const now = deps.clock.now().getTime();
  const horizon = now + (options.dueWithinDays ?? DEFAULT_DUE_WITHIN_DAYS) * DAY_MS;
  const due: DueSoonRequest[] = [];
  for (const state of [...workingStates, 'FAILED'] as RequestState[]) {
    for (const record of await deps.requests.listInState(state)) {
      const dueAt = Date.parse(record.dueAt);
      if (record.attachedTo || dueAt > horizon) continue;
      due.push({
        requestId: record.requestId,
        state: record.state,
        dueAt: record.dueAt,
        overdue: dueAt <= now,
      });
    }
  }
  return due.sort((a, b) => a.dueAt.localeCompare(b.dueAt));
}

function pick(record: { requestId: string; state: RequestState; updatedAt: string }) {
  return { requestId: record.requestId, state: record.state, updatedAt: record.updatedAt };
}
