import type { RetentionFinding } from './collect/retention';
import type { FieldMismatch } from './collect/type-observer';

/**
 * What the workflow's steps hand each other. On AWS these travel as Step Functions state (keep
 * them small: no records, only keys, counts and checksums); locally they are plain objects.
 */

/**
 * The execution input: which request, and which attempt at it. A restarted request runs again as
 * attempt n+1; each step checks that its attempt is still the request's current one, so an
 * execution left behind by a restart can never move the request or overwrite its files.
 */
export interface WorkflowInput {
  requestId: string;
  playerId: string;
  locale: string;
  attempt: number;
}

export interface CollectTask {
  requestId: string;
  playerId: string;
  attempt: number;
  sourceId: string;
  generatedAt: string;
  /** Where this attempt's staged files go; ends with '/'. */
  stagingPrefix: string;
}

export interface ExportPlan {
  requestId: string;
  playerId: string;
  attempt: number;
  username: string;
  locale: string;
  generatedAt: string;
  stagingPrefix: string;
  archiveKey: string;
  /** Folder at the root of the zip, e.g. "ingrid-data-export-2026-11-23". */
  rootFolder: string;
  tasks: CollectTask[];
}

export interface StagedFile {
  /** Path inside the archive, below the root folder, e.g. "forum/forum-posts.json". */
  path: string;
  stagingKey: string;
  bytes: number;
  sha256: string;
  records: number;
}

export interface RetentionFindingSummary {
  source: string;
  table: string;
  records: number;
  oldest: string;
}

export interface CollectResult {
  sourceId: string;
  category: string;
  records: number;
  /**
   * Exported records older than the retention the data map states for the source (a retention
   * finding for operators; never a reason to leave a record out). Absent means none.
   */
  pastRetention?: RetentionFinding;
  files: StagedFile[];
  /** Where the records hold other types than the data map declares (reported to operators). */
  mismatches?: FieldMismatch[];
  /** Staged first rows and totals for the offline viewer (index.html); deleted with the staged files. */
  previewKey?: string;
}

export interface BuildArchiveInput {
  plan: ExportPlan;
  results: CollectResult[];
}

export interface ArchiveResult {
  requestId: string;
  archiveKey: string;
  bytes: number;
  sha256: string;
  files: number;
  recordsByCategory: Record<string, number>;
  /**
   * Per source, the exported records older than its stated retention (for the request's ops
   * report): counts and dates only. Optional: results of an earlier version do not carry it.
   */
  retentionFindings?: RetentionFindingSummary[];
  /** Why the staged copies could not be deleted, when they could not (the schedule's clean-up retries). */
  stagingDeleteFailed?: string;
}

export interface PublishResult {
  requestId: string;
}
