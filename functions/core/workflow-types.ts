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
  /** Which range of the source's sort key, when the data map shards it (0 = below the first boundary). */
  shard?: number;
  /** Set by a collector that stopped at its time budget: the next invocation continues from here. */
  resume?: CollectResume;
}

/**
 * Where a source's collection stands between two invocations. The read position itself (a
 * DynamoDB key, which holds the player's id and sort-key values) is kept in the staging bucket,
 * not here: execution history keeps state for 90 days.
 */
export interface CollectResume {
  /** The piece the next invocation writes (each invocation stages one piece of each file). */
  piece: number;
  checkpointKey: string;
  /** What the earlier pieces collected, merged (counts, pieces, previews, findings). */
  collected: CollectResult;
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

/** A data file of the archive as the files describing it (manifest, README, viewer) see it. */
export interface ArchiveFile {
  /** Path inside the archive, below the root folder, e.g. "forum/forum-posts.json". */
  path: string;
  bytes: number;
  sha256: string;
  records: number;
  /** Which volume of the archive holds the file, when there is more than one (core/archive/volumes.ts). */
  volume?: number;
}

/** A source's collection as the describing files see it: one entry per data file of the archive. */
export type DescribedSource = Omit<CollectResult, 'files' | 'shard'> & { files: ArchiveFile[] };

/**
 * One staged piece of a data file: what one collector invocation wrote of it. A file is the
 * pieces of its path joined in order (shard by shard, piece by piece) between the framing the
 * build adds (collect/framing.ts); a small source has one piece per file.
 */
export interface StagedFile extends ArchiveFile {
  stagingKey: string;
}

export interface RetentionFindingSummary {
  source: string;
  table: string;
  records: number;
  oldest: string;
}

export interface CollectResult {
  sourceId: string;
  /** The shard this result covers, when the source is sharded; the build merges them. */
  shard?: number;
  category: string;
  records: number;
  /**
   * Exported records older than the retention the data map states for the source (a retention
   * finding for operators; never a reason to leave a record out). Absent means none.
   */
  pastRetention?: RetentionFinding;
  /** The staged pieces, in order. */
  files: StagedFile[];
  /** Where the records hold other types than the data map declares (reported to operators). */
  mismatches?: FieldMismatch[];
  /**
   * Staged first rows and totals for the offline viewer (index.html), one per piece in order;
   * deleted with the staged files.
   */
  previewKeys?: string[];
}

export interface BuildArchiveInput {
  plan: ExportPlan;
  results: CollectResult[];
  /** The volumes packed by earlier invocations of the build, when the archive has several. */
  built?: ArchiveProgress;
}

/** One volume of an archive: a complete zip of its own. */
export interface ArchiveVolume {
  /** The volume's object in the exports bucket (named archiveKey: state carries no other "…key"). */
  archiveKey: string;
  bytes: number;
  sha256: string;
}

/** A volume packed before volume 1, with the checksums of its data files for volume 1's manifest. */
export interface PackedVolume extends ArchiveVolume {
  volume: number;
  files: { path: string; sha256: string }[];
}

/**
 * What a build invocation that packed one volume of several hands the next: the workflow invokes
 * the build again while `next` is present. The volumes go from the last to volume 1.
 */
export interface ArchiveProgress {
  requestId: string;
  next: number;
  packed: PackedVolume[];
}

export interface ArchiveResult {
  requestId: string;
  /** Volume 1's key (core/archive/volumes.ts names the others). */
  archiveKey: string;
  /** Every volume together. */
  bytes: number;
  /** Volume 1's. */
  sha256: string;
  /** Every volume in order, volume 1 first: one for an archive under the volume size. */
  volumes: ArchiveVolume[];
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
