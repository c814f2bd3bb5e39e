import type { Readable } from 'node:stream';
import type { SourceQuery } from './data-map/data-map';
import type { Delivery } from './requests/delivery-record';
import type { DownloadGrant } from './requests/grant';
import type { AuditEntry, ExportRequestRecord, RequestState } from './requests/request-record';
import type { StoreRecord } from './values';
import type { WorkflowInput } from './workflow-types';

// The query is the data map's (data-map.ts builds it from a source); readers answer it.
export type { SourceQuery };

/** Pages of records from a store, every page until the last: never just the first 1 MB. */
/** Where a read stopped, as the store gives it (DynamoDB's LastEvaluatedKey): opaque JSON. */
export type ReadPosition = Readonly<Record<string, unknown>>;

export interface ReadPage {
  records: StoreRecord[];
  /** Where the next page starts; absent after the last page. */
  next?: ReadPosition;
}

export interface SourceReader {
  pages(query: SourceQuery): AsyncIterable<StoreRecord[]>;
  /** The same pages with their positions, starting after `after` (a checkpoint) when given. */
  pagesFrom(query: SourceQuery, after?: ReadPosition): AsyncIterable<ReadPage>;
}

export interface PutOptions {
  contentType?: string;
  contentDisposition?: string;
}

/**
 * An object store. `put` must make the object visible only once the whole body was written
 * (multipart upload completed): a failed write leaves nothing for anyone to download.
 */
export interface ObjectStore {
  put(key: string, body: Readable, options?: PutOptions): Promise<void>;
  get(key: string): Promise<Readable>;
  exists(key: string): Promise<boolean>;
  /** Keys only (no content): what checking that a delete took needs, and no more. */
  keysUnder(prefix: string): Promise<string[]>;
  delete(keys: string[]): Promise<void>;
}

/**
 * The key that pseudonymises other players' ids in one export attempt. Derived where it is used
 * (the same for every source of the attempt, unlinkable across requests), so it never travels in
 * workflow state, where execution history would keep it for 90 days.
 */
export interface PseudonymKeys {
  keyFor(requestId: string, attempt: number): Promise<Uint8Array>;
}

export interface Clock {
  now(): Date;
}

// ── Request lifecycle ───────────────────────────────────────────────────────────────────────

type RecordPatch = Partial<
  Pick<
    ExportRequestRecord,
    | 'failureReason'
    | 'archiveKey'
    | 'archiveBytes'
    | 'archiveFileName'
    | 'expiresAt'
    | 'recordsByCategory'
    | 'stuckSince'
    | 'deliveredAt'
    | 'deliveryProblem'
    | 'mailDeliveredAt'
    | 'cleanedUpAt'
    | 'deletionFailedAt'
  >
>;

export interface RequestRepository {
  /** Creates the record and its first audit entry unless the request id exists (idempotency). */
  create(record: ExportRequestRecord, audit: AuditEntry): Promise<'created' | 'exists'>;
  get(requestId: string): Promise<ExportRequestRecord | undefined>;
  /**
   * Moves a request to `to` only if it is in `from` now and, when `attempt` is given, still at that
   * attempt (a condition expression, so two workers, or a superseded attempt and its successor,
   * cannot both move it); records the time of the new state and appends an audit entry.
   */
  transition(
    requestId: string,
    from: RequestState,
    to: RequestState,
    at: string,
    options?: { attempt?: number; patch?: RecordPatch },
  ): Promise<ExportRequestRecord>;
  /**
   * Sends a request back to RECEIVED as attempt `attempt + 1`, only if it is still in `from` at
   * `attempt`; appends a 'restarted' audit entry with the reason. From a working state (the
   * watchdog; an operator retrying a stuck request) or from FAILED (an operator's retry, see
   * canRestart), which also clears the failure reason and the clean-up mark.
   */
  restart(
    requestId: string,
    from: RequestState,
    attempt: number,
    at: string,
    reason: string,
  ): Promise<ExportRequestRecord>;
  /**
   * Sets fields that do not change the state (the watchdog's mark, delivery outcome, clean-up);
   * `remove` drops fields that no longer hold (a re-sent link's earlier delivery problem).
   */
  update(requestId: string, patch: RecordPatch, options?: { remove?: (keyof RecordPatch)[] }): Promise<void>;
  /** One more download of the request's archive, and when (the player's request history shows both). */
  countDownload(requestId: string, at: string): Promise<void>;
  appendAudit(entry: AuditEntry): Promise<void>;
  audit(requestId: string): Promise<AuditEntry[]>;
  /**
   * Makes `requestId` the player's active request: succeeds when the player has none, when it is
   * already this one, or when the holder is `replacing` (a holder the caller found finished).
   * Otherwise answers with the request that holds it. One conditional write: of two requests
   * arriving together, exactly one becomes active.
   */
  claimPlayer(
    playerId: string,
    requestId: string,
    replacing?: string,
  ): Promise<{ claimed: true } | { claimed: false; heldBy: string; claimedAt: string }>;
  /**
   * Requests in a state, all at once, in the order of pagesInState (READY by expiry, the others
   * oldest first): for lists that are short or must be whole (the ops views, admission). The
   * schedule's work lists use pagesInState.
   */
  listInState(state: RequestState): Promise<ExportRequestRecord[]>;
  /**
   * Requests in a state in the order of the state's sort key, one store page at a time (at most
   * `pageSize` records, a DynamoDB Query's Limit; empty pages left out): the schedule's work lists
   * (expiry sweep, watchdog, clean-up, gauges), which may be long, so that only a page is in memory.
   * The sort key is the request's `expiresAt` for READY (ISO text, so text order is time order),
   * and when the request entered the state for every other state. With `sortKeyAtOrBefore`, only the
   * requests whose sort key is at or before it are read (the rest is not read at all): the expiry
   * sweep reads READY up to now, i.e. only expired requests. A page is read once the one before is
   * done with: a request that left the state meanwhile is not met again, one that entered it anew
   * is met where its new sort key puts it (at the end, for the states sorted by entry time).
   */
  pagesInState(
    state: RequestState,
    options?: { pageSize?: number; sortKeyAtOrBefore?: string },
  ): AsyncIterable<ExportRequestRecord[]>;
  /**
   * The clean-up's work list, paged as pagesInState: requests in a final state whose objects were
   * not cleaned up yet (no `cleanedUpAt`; attached requests never), that entered their first final
   * state at or before `settledBefore`, oldest first. Only these are read: a request leaves the
   * list when `cleanedUpAt` is set, and comes back if a restart ends in a final state again.
   */
  pagesAwaitingCleanUp(
    settledBefore: string,
    options?: { pageSize?: number },
  ): AsyncIterable<ExportRequestRecord[]>;
  /**
   * How many requests have a sort key (see pagesInState) before `at` in `state`'s list, i.e. entered
   * `state` before `at` (for READY: expire before `at`), attached ones included only if stored in
   * that state: a QUEUED request's place in the queue.
   */
  countInStateBefore(state: RequestState, at: string): Promise<number>;
  /** A player's requests, oldest first (the privacy team's view of one player). */
  listForPlayer(playerId: string): Promise<ExportRequestRecord[]>;
}

/**
 * The deployment's export slots (admission.ts): one shared set of the request ids allowed to run.
 * `take` is one conditional write: it adds the id only while fewer than `limit` are held (true
 * also when the id holds one already), so dispatchers side by side never exceed the limit.
 */
export interface ExportSlots {
  take(requestId: string, limit: number): Promise<boolean>;
  /** Counts a request that is at work without a slot (an operator's retry), whatever the limit. */
  adopt(requestId: string): Promise<void>;
  release(requestId: string): Promise<void>;
  holders(): Promise<string[]>;
}

/**
 * The delivery outbox: one entry per request that owes the player a link. The link (it holds the
 * token) stays here only until it has left or delivery was given up.
 */
export interface DeliveryOutbox {
  /** Creates the entry unless the request has one; answers the entry that counts. */
  create(delivery: Delivery): Promise<Delivery>;
  get(requestId: string): Promise<Delivery | undefined>;
  /**
   * Changes the entry only if its channels are still as `expected` (so two senders cannot both
   * send); false when they were not. `done` closes the entry: it leaves the work list and its
   * link is removed.
   */
  update(
    requestId: string,
    expected: Partial<Pick<Delivery, 'mail' | 'event'>>,
    patch: Partial<Omit<Delivery, 'requestId' | 'link'>>,
    options?: { done?: boolean },
  ): Promise<boolean>;
  /** Open entries whose next attempt is due at `now` (SENDING ones included: a send that never answered). */
  listDue(now: Date): Promise<Delivery[]>;
  /**
   * Opens a done entry again with a new link (an operator re-sending it): both channels PENDING,
   * tries reset, due at `at`, back on the work list. False when the entry is missing or still
   * open (its first delivery is under way: one sender at a time).
   */
  reopen(requestId: string, link: { tokenHash: string; link: string; at: string }): Promise<boolean>;
}

export type ConsumeOutcome =
  | { ok: true; grant: DownloadGrant }
  | { ok: false; reason: 'unknown' | 'expired' | 'used-up' | 'revoked' };

export interface GrantRepository {
  /** Creates the grant unless one of this token hash exists (a retried step making it again). */
  create(grant: DownloadGrant): Promise<void>;
  get(tokenHash: string): Promise<DownloadGrant | undefined>;
  /** Counts one download atomically: succeeds only if not revoked, not expired and downloads are left. */
  consume(tokenHash: string, now: Date): Promise<ConsumeOutcome>;
  revoke(tokenHash: string, at: string): Promise<void>;
  /** Links of a request that can still be used (to revoke them all). */
  listActiveForRequest(requestId: string, now: Date): Promise<DownloadGrant[]>;
  /**
   * Grants whose expiry has passed and that are not yet marked expired, soonest expired first, one
   * store page at a time (expiry sweep). Marking one expired takes it off this list.
   */
  expiredPages(now: Date, options?: { pageSize?: number }): AsyncIterable<DownloadGrant[]>;
  markExpired(tokenHash: string, at: string): Promise<void>;
}

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Headers such as Content-Language; never personal data beyond the recipient. */
  headers?: Record<string, string>;
  /** The request the mail is about: tagged, so the mail service's delivery reports find it. */
  requestId?: string;
}

export interface Mailer {
  /** Throws MailRejectedError when the mail service refused the message for good (retrying cannot help). */
  send(message: MailMessage): Promise<void>;
}

export interface EventPublisher {
  publish(detailType: 'ExportStatusChanged' | 'ExportReady', detail: Record<string, unknown>): Promise<void>;
}

export interface Presigner {
  /** A short-lived GET URL that downloads the object as an attachment named `fileName`. */
  presignDownload(key: string, fileName: string, expiresInSeconds: number): Promise<string>;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'NOT_FOUND';

/**
 * The export workflow's executions, one per attempt at a request, named by `executionName`.
 * Starting is idempotent: a second start of one attempt (a re-delivered event, the watchdog) is
 * harmless.
 */
export interface WorkflowExecutions {
  start(input: WorkflowInput): Promise<'started' | 'exists'>;
  status(requestId: string, attempt: number): Promise<ExecutionStatus>;
  /** Stops the attempt's execution if it is running; answers whether it was. */
  stop(requestId: string, attempt: number, cause: string): Promise<boolean>;
  /**
   * When the attempt's execution last did anything (its latest history event: a state entered, a
   * task retried after a throttling wait), or undefined if it has no history.
   */
  lastActivity(requestId: string, attempt: number): Promise<string | undefined>;
}
