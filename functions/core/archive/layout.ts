/** Where things live inside the archive and in the bucket (DESIGN.md §5). */

export const FORMAT_VERSION = '1.0';

export function archiveFilePath(category: string, sourceId: string, extension: 'json' | 'csv'): string {
  return `${category}/${sourceId}.${extension}`;
}

/**
 * "<username>-data-export-<yyyy-mm-dd>". The username is the player's own text, so it is reduced to
 * characters that are safe in a path on every operating system (no "..", "/", "\\", control or
 * reserved characters); letters of any script are kept.
 */
export function rootFolderName(username: string, generatedAt: Date): string {
  // Marks (\p{M}) are kept: Thai tone marks and Devanagari vowel signs are part of the letters.
  const cleaned = username
    .normalize('NFC')
    .replace(/[^\p{L}\p{M}\p{N}_-]+/gu, '-')
    // A mark with no letter before it (an emoji's variation selector once the emoji is gone) is
    // nothing to read on its own.
    .replace(/(^|[-_])\p{M}+/gu, '$1')
    .replace(/-{2,}/g, '-');
  // Cut by code points, never inside a surrogate pair, then trim the separators the cut may leave.
  const safe = Array.from(cleaned.replace(/^[-_]+/, ''))
    .slice(0, 40)
    .join('')
    .replace(/[-_]+$/, '');
  return `${safe || 'player'}-data-export-${generatedAt.toISOString().slice(0, 10)}`;
}

/** Bucket prefixes: the CDK grants and lifecycle rules name them too. */
export const STAGING_PREFIX = 'staging/';
export const ARCHIVES_PREFIX = 'archives/';

/** Each attempt at a request stages under its own prefix: a superseded attempt cannot overwrite the next one's files. */
export function stagingPrefix(requestId: string, attempt: number): string {
  return `${STAGING_PREFIX}${requestId}/${attempt}/`;
}

/**
 * One piece of a staged data file: what one collector invocation (of one shard) wrote of it. The
 * build joins a file's pieces in order; listing the attempt's prefix finds them all.
 */
export function stagedPieceKey(stagingPrefix: string, path: string, shard: number, piece: number): string {
  return `${stagingPrefix}${path}.part-${shard}-${piece}`;
}

/** Where a collector that stopped at its time budget keeps its read position for the next invocation. */
export function checkpointKey(stagingPrefix: string, sourceId: string, shard: number): string {
  return `${stagingPrefix}${CHECKPOINTS_FOLDER}${sourceId}.${shard}.json`;
}

const CHECKPOINTS_FOLDER = 'checkpoints/';
/** The checkpoints of every attempt (staging/<requestId>/<attempt>/checkpoints/…), as an IAM object pattern. */
export const CHECKPOINTS_PATTERN = `${STAGING_PREFIX}*/*/${CHECKPOINTS_FOLDER}`;

/**
 * One archive object per attempt, named without any player text: the key never needs encoding,
 * and the file name the player sees comes from the download grant (Content-Disposition of the
 * presigned URL).
 */
export function archiveKey(requestId: string, attempt: number): string {
  return `${attemptArchivesPrefix(requestId, attempt)}zip`;
}

/** What every volume of one attempt's archive starts with (`<attempt>.zip`, `<attempt>.part2.zip`, …). */
export function attemptArchivesPrefix(requestId: string, attempt: number): string {
  return `${ARCHIVES_PREFIX}${requestId}/${attempt}.`;
}
