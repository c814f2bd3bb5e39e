import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A download grant: what the e-mailed link gives. The token is 256 random bits; only its SHA-256
 * is stored, so a copy of the table does not hand out working links.
 */
export interface DownloadGrant {
  tokenHash: string;
  requestId: string;
  playerId: string;
  archiveKey: string;
  fileName: string;
  locale: string;
  createdAt: string;
  expiresAt: string;
  maxDownloads: number;
  downloads: number;
  revokedAt?: string;
  /** What the landing page shows: size and contents, so it needs no other lookup. */
  archiveBytes: number;
  recordsByCategory: Record<string, number>;
}

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export const tokenPattern = /^[A-Za-z0-9_-]{43}$/;

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Compares a presented token with a stored hash in constant time. */
export function tokenMatches(token: string, storedHash: string): boolean {
  const a = Buffer.from(hashToken(token), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

export type GrantStatus = 'usable' | 'expired' | 'used-up' | 'revoked';

export function grantStatus(grant: DownloadGrant, now: Date): GrantStatus {
  if (grant.revokedAt) return 'revoked';
  if (now.getTime() >= Date.parse(grant.expiresAt)) return 'expired';
  if (grant.downloads >= grant.maxDownloads) return 'used-up';
  return 'usable';
}
