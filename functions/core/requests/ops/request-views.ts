import type { Clock, RequestRepository } from '../../ports';
import { queuePosition } from '../admission';
import { RequestNotFoundError } from '../request-errors';
import {
  type AuditAction,
  type ExportRequestRecord,
  openStates,
  type RequestState,
  requestStates,
} from '../request-record';

/** One line of `ops requests list`: what the privacy team scans for. */
export interface RequestSummary {
  requestId: string;
  playerId: string;
  state: RequestState;
  receivedAt: string;
  dueAt: string;
  updatedAt: string;
  /** Why it failed (FAILED only). */
  reason?: string;
  /** The request that answers this one (a repeat request joined it, or got a new link to its archive). */
  attachedTo?: string;
  /** The watchdog found it not moving since then. */
  stuckSince?: string;
}

export interface ListFilter {
  state?: RequestState;
  playerId?: string;
  /**
   * Only requests that still owe the player an answer (at work, FAILED, or READY with a link that
   * has not reached them) and are due within this many ms of now; overdue ones included.
   */
  dueWithinMs?: number;
}

/**
 * Every request, each once, by its state lists (a Query per state, every page), in no order that
 * matters (READY's list is sorted by expiry, the others by when the request entered the state).
 */
export async function allRequests(deps: { requests: RequestRepository }): Promise<ExportRequestRecord[]> {
  const lists = await Promise.all(requestStates.map((state) => deps.requests.listInState(state)));
  return lists.flat();
}

/**
 * The requests the filter asks for, oldest received first: by the player's index when a player is
 * given, else by the state lists (one state, or all of them).
 */
export async function listRequests(
  deps: { requests: RequestRepository; clock: Clock },
  filter: ListFilter = {},
): Promise<RequestSummary[]> {
  let records = filter.playerId
    ? await deps.requests.listForPlayer(filter.playerId)
    : filter.state
      ? await deps.requests.listInState(filter.state)
      : await allRequests(deps);
  if (filter.state) records = records.filter((r) => r.state === filter.state);
  if (filter.dueWithinMs !== undefined) {
    const horizon = deps.clock.now().getTime() + filter.dueWithinMs;
    records = records.filter((r) => owesAnswer(r) && Date.parse(r.dueAt) <= horizon);
  }
  // Sorted here: the state lists' own order differs (READY's is by expiry).
  return records
    .sort((a, b) => a.receivedAt.localeCompare(b.receivedAt) || a.requestId.localeCompare(b.requestId))
    .map(summaryOf);
}

/** Still owes the player an answer: the legal month runs on (see requestsNearDueDate). */
export function owesAnswer(record: ExportRequestRecord): boolean {
  if (record.attachedTo) return false;
  if (openStates.includes(record.state) || record.state === 'FAILED') return true;
  return record.state === 'READY' && !record.deliveredAt;
}

export function summaryOf(record: ExportRequestRecord): RequestSummary {
  return {
    requestId: record.requestId,
    playerId: record.playerId,
    state: record.state,
    receivedAt: record.receivedAt,
    dueAt: record.dueAt,
    updatedAt: record.updatedAt,
    ...(record.failureReason ? { reason: record.failureReason } : {}),
    ...(record.attachedTo ? { attachedTo: record.attachedTo } : {}),
    ...(record.stuckSince ? { stuckSince: record.stuckSince } : {}),
  };
}

export interface TimelineEntry {
  at: string;
  event: AuditAction;
  detail?: string;
}

/**
 * `ops requests show`: the record and its whole audit trail. The portal's contact address (when
 * the deployment trusts it) stays on the record: whether there is one is shown, not the address.
 */
export async function showRequest(
  deps: { requests: RequestRepository },
  requestId: string,
): Promise<
  Omit<ExportRequestRecord, 'contactEmail'> & {
    contactEmail?: 'on record';
    /** Its place in line while it waits for an export slot (1: next). */
    queuePosition?: number;
    timeline: TimelineEntry[];
  }
> {
  const record = await deps.requests.get(requestId);
  if (!record) throw new RequestNotFoundError(requestId);
  const { contactEmail, ...rest } = record;
  const position = await queuePosition(deps, record);
  const timeline = (await deps.requests.audit(requestId)).map((entry) => ({
    at: entry.at,
    event: entry.action,
    ...(entry.detail !== undefined ? { detail: entry.detail } : {}),
  }));
  return {
    ...rest,
    ...(contactEmail ? { contactEmail: 'on record' as const } : {}),
    ...(position !== undefined ? { queuePosition: position } : {}),
    timeline,
  };
}
