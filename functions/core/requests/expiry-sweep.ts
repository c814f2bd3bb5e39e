import type { Clock, EventPublisher, GrantRepository, ObjectStore, RequestRepository } from '../ports';
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
 * become EXPIRED with their archive deleted. On AWS the bucket's lifecycle rule deletes archives
 * too, a day later, as a backstop; this sweep is what makes the status true on time.
 */
export async function sweepExpired(deps: SweepDeps): Promise<{ grants: number; requests: string[] }> {
  const now = deps.clock.now();
  const at = now.toISOString();
  const grants = await deps.grants.listExpired(now);
  for (const grant of grants) await deps.grants.markExpired(grant.tokenHash, at);
  const expired: string[] = [];
  for (const record of await deps.requests.listInState('READY')) {
    if (!record.expiresAt || Date.parse(record.expiresAt) > now.getTime()) continue;
    if (record.archiveKey) await deps.store.delete([record.archiveKey]);
    await moveRequest(deps, record.requestId, 'READY', 'EXPIRED');
    await deps.requests.appendAudit({
      requestId: record.requestId,
      at,
      action: 'expired',
      detail: 'archive deleted',
    });
    expired.push(record.requestId);
  }
  return { grants: grants.length, requests: expired };
}
