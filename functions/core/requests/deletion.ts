import { DeleteFailedError, describe } from '../errors';
import type { Clock, ObjectStore, RequestRepository } from '../ports';
import type { ExportRequestRecord } from './request-record';

/**
 * Deletes a request's objects, then lists what is left under their folders: personal data must
 * be gone, and "the delete call answered" is not enough (a key S3 listed in Errors twice, a bucket
 * policy, an object lock, a replica written back). Listing needs keys, not content, so the
 * functions that delete are never given read access to archives. Throws DeleteFailedError naming
 * what remains.
 */
export async function deleteAndVerify(store: ObjectStore, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  await store.delete([...keys]);
  // staging/<requestId>/<attempt>/… and archives/<requestId>/<attempt>.zip: one listing per folder.
  const folders = new Set(keys.map((key) => `${key.split('/').slice(0, 2).join('/')}/`));
  const listed = new Set((await Promise.all([...folders].map((f) => store.keysUnder(f)))).flat());
  const remaining = keys.filter((key) => listed.has(key));
  if (remaining.length > 0) {
    throw new DeleteFailedError(
      remaining,
      remaining.map(() => 'StillPresent'),
    );
  }
}

export interface DeletionFailure {
  requestId: string;
  error: string;
}

/**
 * Puts a failed deletion on the request's record: `deletionFailedAt` and an audit entry the first
 * time (the schedule retries every run, and a trail of identical entries would hide the rest),
 * so ops see on the request itself that personal data outlived its purpose, and since when.
 */
export async function recordDeletionFailure(
  deps: { requests: RequestRepository; clock: Clock },
  record: ExportRequestRecord,
  what: string,
  error: unknown,
): Promise<DeletionFailure> {
  const failure = { requestId: record.requestId, error: describe(error) };
  if (!record.deletionFailedAt) {
    const at = deps.clock.now().toISOString();
    await deps.requests.update(record.requestId, { deletionFailedAt: at });
    await deps.requests.appendAudit({
      requestId: record.requestId,
      at,
      action: 'delete-failed',
      detail: `${what}: ${failure.error}; the schedule retries on every run`,
    });
  }
  return failure;
}
