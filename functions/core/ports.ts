import type { Readable } from 'node:stream';
import type { DownloadGrant } from './requests/grant';
import type { AuditEntry, ExportRequestRecord, RequestState } from './requests/request-record';
import type { StoreRecord } from './values';

/** Where one source keeps a player's items: a table (or one of its indexes) and the key that finds them. */
export interface SourceQuery {
  table: string;
  index?: string;
  partitionAttribute: string;
  partitionValue: string;
}

/** Pages of records from a store, every page until the last: never just the first 1 MB. */
export interface SourceReader {
  pages(query: SourceQuery): AsyncIterable<StoreRecord[]>;
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
  delete(keys: string[]): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export interface Ids {
  /** A random, URL-safe id. */
  random(bytes?: number): string;
}

// ── Request lifecycle (issue: from the portal's event to the player's download) ──────────────

export interface RequestRepository {
  /** Creates the record and its first audit entry unless the request id exists (idempotency). */
  create(record: ExportRequestRecord, audit: AuditEntry): Promise<'created' | 'exists'>;
  get(requestId: string): Promise<ExportRequestRecord | undefined>;
  /**
   * Moves a request to `to` only if it is in `from` now (a condition expression, so two workers
   * cannot both move it); records the time of the new state and appends an audit entry.
   */
  transition(
    requestId: string,
    from: RequestState,
    to: RequestState,
    at: string,
    patch?: Partial<
      Pick<
        ExportRequestRecord,
        'failureReason' | 'archiveKey' | 'archiveBytes' | 'expiresAt' | 'recordsByCategory'
      >
    >,
  ): Promise<ExportRequestRecord>;
  update(requestId: string, patch: Partial<Pick<ExportRequestRecord, 'stuckSince'>>): Promise<void>;
  appendAudit(entry: AuditEntry): Promise<void>;
  audit(requestId: string): Promise<AuditEntry[]>;
  /** The player's latest request (any state), to attach to one under way or re-send a fresh one. */
  latestForPlayer(playerId: string): Promise<ExportRequestRecord | undefined>;
  /** Requests in a state, oldest update first (watchdog, expiry sweep). */
  listInState(state: RequestState): Promise<ExportRequestRecord[]>;
}

export type ConsumeOutcome =
  | { ok: true; grant: DownloadGrant }
  | { ok: false; reason: 'unknown' | 'expired' | 'used-up' | 'revoked' };

export interface GrantRepository {
  create(grant: DownloadGrant): Promise<void>;
  get(tokenHash: string): Promise<DownloadGrant | undefined>;
  /** Counts one download atomically: succeeds only if not revoked, not expired and downloads are left. */
  consume(tokenHash: string, now: Date): Promise<ConsumeOutcome>;
  revoke(tokenHash: string, at: string): Promise<void>;
  /** Links of a request that can still be used (to revoke them all). */
  listActiveForRequest(requestId: string, now: Date): Promise<DownloadGrant[]>;
  /** Grants whose expiry has passed and that are not yet marked expired (expiry sweep). */
  listExpired(now: Date): Promise<DownloadGrant[]>;
  markExpired(tokenHash: string, at: string): Promise<void>;
}

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Headers such as Content-Language; never personal data beyond the recipient. */
  headers?: Record<string, string>;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

export interface EventPublisher {
  publish(detailType: 'ExportStatusChanged' | 'ExportReady', detail: Record<string, unknown>): Promise<void>;
}

export interface Presigner {
  /** A short-lived GET URL that downloads the object as an attachment named `fileName`. */
  presignDownload(key: string, fileName: string, expiresInSeconds: number): Promise<string>;
}

/** What the intake needs to start an export: on AWS StartExecution named after the request id. */
export interface WorkflowRequest {
  requestId: string;
  playerId: string;
  locale: string;
}

/**
 * Starts the export workflow of one request. Must be idempotent per request id (Step Functions
 * refuses a second execution of the same name with the same input), so a re-delivered event cannot
 * start two exports.
 */
export interface WorkflowStarter {
  start(request: WorkflowRequest): Promise<void>;
}

/**
 * Keeps an event the intake rejected, with the reason, for someone to look at. On AWS this is the
 * function's SQS dead-letter queue (the CDK wires it); locally a folder.
 */
export interface DeadLetterStore {
  put(event: unknown, error: Error): Promise<void>;
}
