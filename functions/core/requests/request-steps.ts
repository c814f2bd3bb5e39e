import { describe } from '../errors';
import type { ArchiveResult, ExportPlan, PublishResult, WorkflowInput } from '../workflow-types';
import { type OpenDeliveryDeps, openDelivery } from './delivery';
import { currentAttempt, type LifecycleDeps, moveRequest } from './lifecycle';

export type PublishDeps = LifecycleDeps & OpenDeliveryDeps;

/**
 * The reason kept on a FAILED request: the error's name and message. Our errors name sources,
 * tables and ids, never a player's e-mail, name or text, so they are safe to store and show.
 */
export function failureReason(error: unknown): string {
  return describe(error).slice(0, 500);
}

/**
 * Workflow step PublishExport: the archive gets its one download grant, the link goes into the
 * delivery outbox, and the request becomes READY. Nothing leaves here: DeliverLink sends the
 * e-mail and the ExportReady event from the outbox, with retries of its own, so a mail server
 * that refuses can neither fail the export nor make a retry issue a second link.
 */
export async function publishExport(
  deps: PublishDeps,
  input: { request: WorkflowInput; plan: ExportPlan; archive: ArchiveResult },
): Promise<PublishResult> {
  const { request, plan, archive } = input;
  const record = await currentAttempt(deps, request.requestId, request.attempt);
  const now = deps.clock.now();
  const fileName = `${plan.rootFolder}.zip`;
  const delivery = await openDelivery(deps, {
    requestId: request.requestId,
    archiveOf: request.requestId,
    playerId: request.playerId,
    locale: plan.locale,
    username: plan.username,
    requestedAt: record.requestedAt,
    kind: 'export',
    archive,
    fileName,
    createdAt: now,
    expiresAt: new Date(now.getTime() + deps.settings.linkTtlSeconds * 1000).toISOString(),
  });
  if (record.state !== 'READY') {
    await moveRequest(deps, request.requestId, 'PACKAGING', 'READY', {
      attempt: request.attempt,
      patch: {
        archiveKey: archive.archiveKey,
        archiveBytes: archive.bytes,
        ...(archive.volumes.length > 1 ? { archiveVolumes: archive.volumes } : {}),
        archiveFileName: fileName,
        // The delivery's, not a new one: a retried step keeps the expiry its link was made with.
        expiresAt: delivery.expiresAt,
        recordsByCategory: archive.recordsByCategory,
        ...(archive.retentionFindings?.length ? { retentionFindings: archive.retentionFindings } : {}),
      },
    });
  }
  return { requestId: request.requestId };
}
