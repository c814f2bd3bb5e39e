import type { Clock, EventPublisher, GrantRepository, ObjectStore, RequestRepository } from '../ports';
import { type DeletionFailure, deleteAndVerify, recordDeletionFailure } from './deletion';
import { moveRequest } from './lifecycle';

export interface SweepDeps {
  requests: RequestRepository;
  grants: GrantRepository;
  events: EventPublisher;
  store: ObjectStore;
  clock: Clock;
}

/**
 * Runs on a schedule: grants past their expiry are marked expired, and READY requests past theirs
 * become EXPIRED once their archive is deleted and verified gone. An archive that cannot be deleted
 * keeps its request READY (its links have expired with their grants), is put on the request's
 * record and audit trail and reported, and is tried again on the next run; the other requests are
 * swept all the same. On AWS the bucket's lifecycle rule deletes archives too, a day later, as a
 * backstop; this sweep is what makes the status true on time.
 */
export async function sweepExpired(
  deps: SweepDeps,
): Promise<{ grants: number; requests: string[]; deleteFailed: DeletionFailure[] }> {
  const now = deps.clock.now();
  const at = now.toISOString();
  const grants = await deps.grants.listExpired(now);
  for (const grant of grants) await deps.grants.markExpired(grant.tokenHash, at);
  const expired: string[] = [];
  const deleteFailed: DeletionFailure[] = [];
  for (const record of await deps.requests.listInState('READY')) {
    if (!record.expiresAt || Date.parse(record.expiresAt) > now.getTime()) continue;
    try {
      await deleteAndVerify(deps.store, record.archiveKey ? [record.archiveKey] : []);
    } catch (error) {
      deleteFailed.push(await recordDeletionFailure(deps, record, 'archive at expiry', error));
      continue;
    }
    await moveRequest(deps, record.requestId, 'READY', 'EXPIRED');
    await deps.requests.appendAudit({
      requestId: record.requestId,
      at,
      action: 'expired',
      detail: 'archive deleted',
    });
    expired.push(record.requestId);
  }
  return { grants: grants.length, requests: expired, deleteFailed };
}
