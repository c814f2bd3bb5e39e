import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { volumeFileName } from '../archive/volumes';
import type { ArchiveVolume } from '../workflow-types';

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
  /** What the landing page shows: size (of every volume together) and contents, so it needs no other lookup. */
  archiveBytes: number;
  recordsByCategory: Record<string, number>;
  /**
   * Every volume in order, volume 1 (`archiveKey`) first, when the archive has more than one;
   * absent, `archiveKey` is the whole archive. Downloads count per volume fetched, and such a
   * grant allows `maxDownloads` per volume (publish sets maxDownloads × volumes).
   */
  volumes?: ArchiveVolume[];
}

/**
 * The volumes a grant keeps (none for a single zip) and its download allowance: `perVolume`
 * downloads for each volume, since each volume fetched counts one.
 */
export function grantedVolumes(
  volumes: readonly ArchiveVolume[] | undefined,
  perVolume: number,
): { volumes?: ArchiveVolume[]; maxDownloads: number } {
  if (!volumes || volumes.length <= 1) return { maxDownloads: perVolume };
  return { volumes: [...volumes], maxDownloads: perVolume * volumes.length };
}

/** A volume as the gateway offers it: which object, the name it is saved under, its size and checksum. */
export interface GrantVolume {
  volume: number;
  key: string;
  fileName: string;
  bytes: number;
  /** Absent for a single-volume grant (the grant does not keep it). */
  sha256?: string;
}

/** Every volume a grant gives, in order: one for an archive that is a single zip. */
export function grantVolumes(grant: DownloadGrant): GrantVolume[] {
  const volumes = grant.volumes ?? [];
  if (volumes.length <= 1) {
    return [{ volume: 1, key: grant.archiveKey, fileName: grant.fileName, bytes: grant.archiveBytes }];
  }
  return volumes.map((v, i) => ({
    volume: i + 1,
    key: v.archiveKey,
    fileName: volumeFileName(grant.fileName, i + 1, volumes.length),
    bytes: v.bytes,
    sha256: v.sha256,
  }));
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
