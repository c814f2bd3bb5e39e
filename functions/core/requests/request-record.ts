import type { ArchiveVolume, RetentionFindingSummary } from '../workflow-types';

/**
 * The life of one export request, as the privacy team sees it: states with a timestamp each, the
 * legal due date, the failure reason, and an append-only audit trail.
 *
 *   QUEUED → RECEIVED → COLLECTING → PACKAGING → READY → EXPIRED
 *      ╰────────────┴─────────┴────────────┴──→ FAILED
 *      ├── restart ─┴────────────╯      │   (the watchdog, when the execution of an attempt was
 *      │                                │    lost; an operator, when the watchdog marked it stuck)
 *      ╰── restart ─────────────────────╯   (an operator's retry: `npm run ops -- requests retry`)
 *
 * QUEUED is admission (admission.ts): a new request waits there until the dispatcher gives it
 * one of the deployment's export slots and starts its execution (RECEIVED onwards), so a burst of
 * requests never reads the game's tables all at once.
 *
 * Two kinds of move: a transition stays within one attempt (`canMove`, what the workflow's steps
 * do); a restart begins the next attempt, so every step of the earlier one is superseded
 * (`canRestart`). FAILED is final for the workflow and the watchdog, but not for the legal duty
 * (a failed export still owes the player an answer), so an operator may restart it; READY and
 * EXPIRED are never restarted (the player has an answer: re-send or revoke its link instead).
 */

export const requestStates = [
  'QUEUED',
  'RECEIVED',
  'COLLECTING',
  'PACKAGING',
  'READY',
  'EXPIRED',
  'FAILED',
] as const;
export type RequestState = (typeof requestStates)[number];

const allowed: Record<RequestState, RequestState[]> = {
  QUEUED: ['RECEIVED', 'FAILED'],
  RECEIVED: ['COLLECTING', 'FAILED'],
  COLLECTING: ['PACKAGING', 'FAILED', 'RECEIVED'],
  PACKAGING: ['READY', 'FAILED', 'RECEIVED'],
  READY: ['EXPIRED'],
  EXPIRED: [],
  FAILED: [],
};

/** States with an execution working on the request (the watchdog looks after these). */
export const workingStates: RequestState[] = ['RECEIVED', 'COLLECTING', 'PACKAGING'];

/**
 * States no workflow step moves a request out of: the schedule's clean-up takes a request once it
 * is in one of them (leftovers.ts). Only an operator's retry restarts a FAILED one.
 */
export const finalStates: RequestState[] = ['READY', 'FAILED', 'EXPIRED'];

export function isFinal(state: RequestState): boolean {
  return finalStates.includes(state);
}

/** States that still owe the player an archive: waiting for a slot, or at work. */
export const openStates: RequestState[] = ['QUEUED', ...workingStates];

export function canMove(from: RequestState, to: RequestState): boolean {
  return allowed[from].includes(to);
}

/** States a restart (a new attempt, back to RECEIVED) may leave. */
export const restartableStates: RequestState[] = [...workingStates, 'FAILED'];

export function canRestart(from: RequestState): boolean {
  return restartableStates.includes(from);
}

export class IllegalTransitionError extends Error {
  override name = 'IllegalTransitionError';
  constructor(requestId: string, from: RequestState, to: RequestState) {
    super(`Request ${requestId} cannot move from ${from} to ${to}`);
  }
}

export interface ExportRequestRecord {
  requestId: string;
  playerId: string;
  locale: string;
  channel?: string;
  /**
   * The address the portal gave with the request, if any. Personal data: kept only on this record
   * (encrypted table), never in workflow state, events or logs.
   */
  contactEmail?: string;
  requestedAt: string;
  receivedAt: string;
  /** Which execution of the request counts: 1, then 2, 3 … after the watchdog restarted it. */
  attempt: number;
  /** GDPR Art. 12(3): one month from receipt. */
  dueAt: string;
  state: RequestState;
  /** When the request entered each state it has been in. */
  stateTimes: Partial<Record<RequestState, string>>;
  updatedAt: string;
  failureReason?: string;
  /** Set when this request joined another one of the same player already under way (or queued). */
  attachedTo?: string;
  archiveKey?: string;
  /** Every volume together. */
  archiveBytes?: number;
  /** Every volume in order (volume 1 is `archiveKey`), when the archive has more than one. */
  archiveVolumes?: ArchiveVolume[];
  /** The name the player's browser saves the archive under ("<username>-data-export-<date>.zip"). */
  archiveFileName?: string;
  /** When the download link and the archive expire (set on READY). */
  expiresAt?: string;
  /** What the archive holds, for the landing page of a re-sent link. */
  recordsByCategory?: Record<string, number>;
  /**
   * The ops report's retention findings: per source, how many exported records were older than
   * the stated retention, and the oldest date (the store's deletion job is late).
   */
  retentionFindings?: RetentionFindingSummary[];
  /** How often the archive was downloaded, through any of the request's links, and when last. */
  downloads?: number;
  lastDownloadAt?: string;
  /** Marked by the watchdog when the request sat in a working state too long. */
  stuckSince?: string;
  /** When the player's link left (e-mail and ExportReady), or what stopped it. */
  deliveredAt?: string;
  deliveryProblem?: string;
  /** When the mail service reported the e-mail delivered to the player's mail server. */
  mailDeliveredAt?: string;
  /** When the staging and superseded archive objects of every attempt were removed (final states only). */
  cleanedUpAt?: string;
  /**
   * When deleting this request's objects (its archive at expiry, or leftovers) first failed; the
   * schedule retries on every run. Stays as a record once a later run succeeds (EXPIRED, cleanedUpAt).
   */
  deletionFailedAt?: string;
}

export type AuditAction =
  | 'requested'
  | 'attached'
  | 'started'
  | 'restarted'
  | 'state'
  | 'link-sent'
  | 'link-resent'
  | 'link-undelivered'
  | 'delivery-retry'
  | 'download'
  | 'expired'
  | 'revoked'
  | 'stuck'
  | 'cleanup-failed'
  | 'delete-failed'
  | 'cleaned-up'
  | 'address-ignored'
  | 'mail-delivered'
  | 'mail-bounced'
  | 'mail-complained'
  | 'mail-rejected'
  // An operator's action (npm run ops): the detail names who (local:<user>, or the IAM principal's ARN).
  | 'ops-retry'
  | 'ops-cancel'
  | 'ops-resend'
  | 'ops-revoke';

export interface AuditEntry {
  requestId: string;
  at: string;
  action: AuditAction;
  /** e.g. the new state, or downloads left; never personal data. */
  detail?: string;
}

/**
 * Received + one calendar month (Art. 12(3)); a day that does not exist in the next month (31 Jan)
 * falls to that month's last day, as EU law counts periods (Regulation 1182/71 Art. 3(2)(c)).
 */
export function legalDueDate(receivedAt: Date): Date {
  const due = new Date(receivedAt);
  const day = due.getUTCDate();
  due.setUTCDate(1);
  due.setUTCMonth(due.getUTCMonth() + 1);
  const lastDay = new Date(Date.UTC(due.getUTCFullYear(), due.getUTCMonth() + 1, 0)).getUTCDate();
  due.setUTCDate(Math.min(day, lastDay));
  return due;
}
