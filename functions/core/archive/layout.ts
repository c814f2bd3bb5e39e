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
    .replace(/-{2,}/g, '-');
  // Cut by code points, never inside a surrogate pair, then trim the separators the cut may leave.
  const safe = Array.from(cleaned.replace(/^[-_]+/, ''))
    .slice(0, 40)
    .join('')
    .replace(/[-_]+$/, '');
  return `${safe || 'player'}-data-export-${generatedAt.toISOString().slice(0, 10)}`;
}

export function stagingPrefix(requestId: string): string {
  return `staging/${requestId}/`;
}

export function archiveKey(requestId: string, rootFolder: string): string {
  return `archives/${requestId}/${rootFolder}.zip`;
}
