import { describe } from '../errors';
import type { Clock, ExecutionStatus, RequestRepository, WorkflowExecutions } from '../ports';
import { executionName } from '../workflow';
import { failRequest, type LifecycleDeps, statusChangedDetail } from './lifecycle';
import { RequestStateConflictError } from './request-errors';
import { type ExportRequestRecord, openStates, type RequestState, workingStates } from './request-record';
import { type Deadline, noDeadline, workThrough } from './work-list';

export interface SupervisorDeps extends LifecycleDeps {
  executions: WorkflowExecutions;
}

export interface SupervisorOptions {
  /**
   * A request whose execution is running but that has neither moved nor shown activity in its
   * execution for this long is reported stuck (an export of a big player takes minutes; hours
   * without a single state or retry mean something hangs).
   */
  stuckAfterMs: number;
  /** Executions per request before the watchdog gives up and marks it FAILED. */
  maxAttempts: number;
  /** When to stop and leave the rest to the next run (none: the whole work lists). */
  deadline?: Deadline;
}

export interface StuckRequest {
  requestId: string;
  state: RequestState;
  updatedAt: string;
  stuckSince: string;
  /** False when an earlier run already marked it: still reported, not audited twice. */
  newlyMarked: boolean;
}

export interface SupervisionReport {
  /** Recorded but never started (StartExecution failed after the record was written): started now. */
  started: string[];
  /** Their execution ended or was lost while the request was still at work: a new attempt runs. */
  restarted: string[];
  /** Out of attempts: FAILED with the reason. */
  gaveUp: string[];
  stuck: StuckRequest[];
  /** Requests the watchdog could not look after this time (the others were): error names and ids only. */
  errors: { requestId: string; error: string }[];
  /** Stopped at the deadline with working requests not looked at: the next run looks at them. */
  truncated: boolean;
}

/**
 * The watchdog: no request may stay in a working state without an execution working on it. For
 * each working request it asks Step Functions about the current attempt's execution:
 * - none: the intake recorded it but could not start it; start it (the name makes that harmless).
 * - running: fine, unless it has not moved for `stuckAfterMs` (reported, alarmed).
 * - ended (succeeded, failed, timed out, aborted) with the request still at work: the execution
 *   was lost (a failure step that could not record, a timeout, a stop). Restart it as the next
 *   attempt, or after `maxAttempts` mark it FAILED, which the alarm reports.
 * Requests attached to another one have no execution of their own and are skipped.
 *
 * The work lists are read a page at a time, oldest update first, until `options.deadline`; the
 * next run starts again from the oldest. Admission keeps the working requests to
 * `maxConcurrentExports`, so one run normally sees them all.
 */
export async function superviseRequests(
  deps: SupervisorDeps,
  options: SupervisorOptions,
): Promise<SupervisionReport> {
  const report: SupervisionReport = {
    started: [],
    restarted: [],
    gaveUp: [],
    stuck: [],
    errors: [],
    truncated: false,
  };
  // A request restarted from RECEIVED enters that list anew, at its end: not looked at twice.
  const restarted = new Set<string>();
  for (const state of workingStates) {
    const { truncated } = await workThrough(
      deps.requests.pagesInState(state),
      options.deadline ?? noDeadline,
      (record) => !record.attachedTo && !restarted.has(record.requestId),
      async (record) => {
        const restartsBefore = report.restarted.length;
        try {
          await supervise(deps, options, record, report);
        } catch (error) {
          // Another worker moved the request meanwhile: its next run sees the new state. Anything
          // else is reported, and the other requests are still looked after.
          if (!(error instanceof RequestStateConflictError)) {
            report.errors.push({ requestId: record.requestId, error: describe(error) });
          }
        }
        if (report.restarted.length > restartsBefore) restarted.add(record.requestId);
      },
    );
    if (truncated) return { ...report, truncated };
  }
  return report;
}

async function supervise(
  deps: SupervisorDeps,
  options: SupervisorOptions,
  record: ExportRequestRecord,
  report: SupervisionReport,
): Promise<void> {
  const status = await deps.executions.status(record.requestId, record.attempt);
  if (status === 'RUNNING') {
    const stuck = await markIfStuck(deps, record, options.stuckAfterMs);
    if (stuck) report.stuck.push(stuck);
    return;
  }
  if (status === 'NOT_FOUND' && record.state === 'RECEIVED') {
    await deps.executions.start(inputOf(record, record.attempt));
    await deps.requests.appendAudit({
      requestId: record.requestId,
      at: deps.clock.now().toISOString(),
      action: 'started',
      detail: `execution ${executionName(record.requestId, record.attempt)} started by the watchdog (it was never started)`,
    });
    report.started.push(record.requestId);
    return;
  }
  const ended = `execution ${executionName(record.requestId, record.attempt)} ${describeStatus(status)} while the request was ${record.state}`;
  if (record.attempt >= options.maxAttempts) {
    await failRequest(
      deps,
      record.requestId,
      `Gave up after ${record.attempt} attempt(s): ${ended}`,
      record.attempt,
    );
    report.gaveUp.push(record.requestId);
    return;
  }
  const at = deps.clock.now().toISOString();
  const restarted = await deps.requests.restart(record.requestId, record.state, record.attempt, at, ended);
  await deps.events.publish('ExportStatusChanged', statusChangedDetail(restarted, at));
  await deps.executions.start(inputOf(restarted, restarted.attempt));
  report.restarted.push(record.requestId);
}

function describeStatus(status: ExecutionStatus): string {
  return status === 'NOT_FOUND' ? 'does not exist' : `ended ${status}`;
}

function inputOf(record: ExportRequestRecord, attempt: number) {
  return { requestId: record.requestId, playerId: record.playerId, locale: record.locale, attempt };
}

/** Marks a running request that has not moved for too long, once; reports it on every run. */
async function markIfStuck(
  deps: { requests: RequestRepository; clock: Clock; executions: WorkflowExecutions },
  record: ExportRequestRecord,
  stuckAfterMs: number,
): Promise<StuckRequest | undefined> {
  const now = deps.clock.now();
  const since = now.getTime() - stuckAfterMs;
  if (Date.parse(record.updatedAt) > since) return undefined;
  // A request waits in COLLECTING for hours while a game table keeps throttling (each retry a
  // state in the execution's history): that is an export at work, not a hang. Asked only of a
  // request whose record has not moved, so the watchdog reads histories rarely.
  const active = await deps.executions.lastActivity(record.requestId, record.attempt);
  if (active !== undefined && Date.parse(active) > since) return undefined;
  const base = { requestId: record.requestId, state: record.state, updatedAt: record.updatedAt };
  if (record.stuckSince) return { ...base, stuckSince: record.stuckSince, newlyMarked: false };
  const stuckSince = now.toISOString();
  await deps.requests.update(record.requestId, { stuckSince });
  await deps.requests.appendAudit({
    requestId: record.requestId,
    at: stuckSince,
    action: 'stuck',
    detail: `no progress in ${record.state} since ${record.updatedAt}`,
  });
  return { ...base, stuckSince, newlyMarked: true };
}

export interface DueSoonRequest {
  requestId: string;
  state: RequestState;
  dueAt: string;
  overdue: boolean;
  /** READY, but the link has not reached the player (yet, or for good). */
  undelivered: boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Requests that still owe the player an answer and whose due date is within `dueWithinDays`,
 * soonest first: the input of the "close to the legal due date" alarm. Owing an answer: queued, working,
 * FAILED (a failed export does not end the legal duty), or READY with a link that never arrived.
 */
export async function requestsNearDueDate(
  deps: { requests: RequestRepository; clock: Clock },
  options: { dueWithinDays: number },
): Promise<DueSoonRequest[]> {
  const now = deps.clock.now().getTime();
  const horizon = now + options.dueWithinDays * DAY_MS;
  const due: DueSoonRequest[] = [];
  for (const state of [...openStates, 'FAILED', 'READY'] as RequestState[]) {
    for await (const record of eachRecord(deps.requests, state)) {
      const dueAt = Date.parse(record.dueAt);
      const undelivered = state === 'READY' && !record.deliveredAt;
      if (record.attachedTo || dueAt > horizon || (state === 'READY' && !undelivered)) continue;
      due.push({
        requestId: record.requestId,
        state,
        dueAt: record.dueAt,
        overdue: dueAt <= now,
        undelivered,
      });
    }
  }
  return due.sort((a, b) => a.dueAt.localeCompare(b.dueAt));
}

/**
 * READY requests whose link has not reached the player: delivery given up (deliveryProblem), or
 * still not delivered `afterMs` after READY. The "undelivered links" alarm's metric.
 */
export async function undeliveredLinks(
  deps: { requests: RequestRepository; clock: Clock },
  options: { afterMs: number },
): Promise<string[]> {
  const limit = deps.clock.now().getTime() - options.afterMs;
  const undelivered: string[] = [];
  for await (const record of eachRecord(deps.requests, 'READY')) {
    const readyAt = Date.parse(record.stateTimes.READY ?? record.updatedAt);
    if (record.deliveryProblem || (!record.deliveredAt && readyAt <= limit))
      undelivered.push(record.requestId);
  }
  return undelivered;
}

/**
 * The requests in a state one by one, a store page in memory at a time (reports that read them all).
 * In list order, which for READY is by expiry, not by when it became READY: its users count or
 * filter every record (and sort themselves where order matters), so the order does not matter.
 */
export async function* eachRecord(
  requests: Pick<RequestRepository, 'pagesInState'>,
  state: RequestState,
): AsyncGenerator<ExportRequestRecord> {
  for await (const page of requests.pagesInState(state)) yield* page;
}
