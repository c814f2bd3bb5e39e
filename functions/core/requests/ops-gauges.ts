import type { Clock, RequestRepository } from '../ports';
import { openStates, type RequestState } from './request-record';
import { eachRecord, requestsNearDueDate } from './watchdog';

/**
 * States the ops dashboard counts on every sweep. EXPIRED is left out: it is where every answered
 * request ends, so its count only grows (the register lists those requests).
 */
export const gaugedStates = [
  'QUEUED',
  'RECEIVED',
  'COLLECTING',
  'PACKAGING',
  'READY',
  'FAILED',
] as const satisfies readonly RequestState[];
export type GaugedState = (typeof gaugedStates)[number];

/** The horizon of the dashboard's "due within 7 days" figure (the alarm uses dueWithinDays). */
export const DASHBOARD_DUE_WITHIN_DAYS = 7;

export interface RequestGauges {
  /** Requests in each state, those attached to another request (which answers them) not counted. */
  byState: Record<GaugedState, number>;
  /** Hours since receipt of the open (queued or working) request that has waited longest for its archive; 0 when none waits. */
  oldestWaitingHours: number;
  /** Requests owing an answer (see requestsNearDueDate) due within 7 days, or already overdue. */
  dueWithin7Days: number;
  /** READY requests whose link has not left yet and has no delivery problem: in the outbox. */
  deliveriesPending: number;
}

const HOUR_MS = 60 * 60 * 1000;

/**
 * Figures of the ops dashboard, read once per sweep: counts and ages only, never a player or a
 * request id, so they can be metrics.
 */
export async function requestGauges(deps: {
  requests: RequestRepository;
  clock: Clock;
}): Promise<RequestGauges> {
  const now = deps.clock.now().getTime();
  const byState = Object.fromEntries(gaugedStates.map((s) => [s, 0])) as Record<GaugedState, number>;
  let oldestReceivedAt = Number.POSITIVE_INFINITY;
  let deliveriesPending = 0;
  for (const state of gaugedStates) {
    // Every record of the list is counted: its order (READY's is by expiry) does not matter.
    for await (const record of eachRecord(deps.requests, state)) {
      if (record.attachedTo) continue;
      byState[state] += 1;
      if (openStates.includes(state)) {
        oldestReceivedAt = Math.min(oldestReceivedAt, Date.parse(record.receivedAt));
      }
      if (state === 'READY' && !record.deliveredAt && !record.deliveryProblem) deliveriesPending += 1;
    }
  }
  const due = await requestsNearDueDate(deps, { dueWithinDays: DASHBOARD_DUE_WITHIN_DAYS });
  return {
    byState,
    oldestWaitingHours: Number.isFinite(oldestReceivedAt)
      ? Math.max(0, Math.round(((now - oldestReceivedAt) / HOUR_MS) * 10) / 10)
      : 0,
    dueWithin7Days: due.length,
    deliveriesPending,
  };
}

const ERROR_NAME = /^([A-Za-z][A-Za-z0-9_.]{0,63})(?::|$)/;

/**
 * A failure reason as a metric dimension: the error's name (`PlayerNotFoundError`,
 * `States.Timeout`, …), a small set the code defines, never the message (it may name a source,
 * a request or worse). The watchdog's give-ups are `GaveUp`; anything else is `Other`.
 */
export function failureKind(reason: string | undefined): string {
  const text = (reason ?? '').trim();
  if (text.startsWith('Gave up after')) return 'GaveUp';
  return ERROR_NAME.exec(text)?.[1] ?? 'Other';
}
