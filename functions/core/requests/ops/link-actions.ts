import type { Clock, DeliveryOutbox, GrantRepository, RequestRepository } from '../../ports';
import type { Delivery } from '../delivery-record';
import { hashToken, newToken } from '../grant';
import { safeFailureReason } from '../lifecycle';
import { RequestNotFoundError } from '../request-errors';
import type { ExportRequestRecord } from '../request-record';
import { revokeLinks } from '../revoke-links';
import { OpsRefusedError } from './ops-errors';

export interface OpsLinkDeps {
  requests: RequestRepository;
  outbox: DeliveryOutbox;
  grants: GrantRepository;
  clock: Clock;
  /** Base URL of the download gateway (no trailing slash). */
  gatewayBaseUrl: string;
}

export interface ResendOutcome {
  requestId: string;
  /** The request whose archive the new link opens. */
  archiveOf: string;
  /** The new link works until the archive expires, for as many downloads as the first one allowed. */
  expiresAt: string;
  maxDownloads: number;
  /** Links revoked first (--revoke-old); 0 when the old links stay valid. */
  revoked: number;
}

/**
 * `links resend`: a new link to a READY request's archive, sent the way the pipeline sends every
 * link: through the request's delivery outbox entry, opened again with the new link (both channels
 * pending), which the delivery function sends (SES e-mail to the address of the identity source,
 * then ExportReady) on its next run, with its retries and its at-most-once rule. The operator
 * never sees the token or the address. Old links stay valid unless `revokeOld`.
 *
 * The grant is written before the entry is reopened: a crash in between leaves a grant whose
 * token nobody has, never an e-mailed link without a grant.
 */
export async function reissueLink(
  deps: OpsLinkDeps,
  requestId: string,
  actor: string,
  options: { revokeOld?: boolean } = {},
): Promise<ResendOutcome> {
  const { record, delivery, archive } = await deliveredArchive(deps, requestId);
  const now = deps.clock.now();
  if (!archive.archiveKey || !archive.expiresAt || Date.parse(archive.expiresAt) <= now.getTime()) {
    throw new OpsRefusedError(
      `The archive of request ${archive.requestId} has expired: the player asks again for a new one`,
    );
  }
  if (!delivery.completedAt) {
    throw new OpsRefusedError(
      `The link of request ${requestId} is still being delivered (e-mail ${delivery.mail}, event ${delivery.event}, next try ${delivery.nextAttemptAt}): wait for it, or revoke it`,
    );
  }
  const revoked = options.revokeOld
    ? (await revokeOwnLinks(deps, record, delivery, `replaced by a re-sent link (${actor})`)).revoked
    : 0;
  const at = now.toISOString();
  const token = newToken();
  const tokenHash = hashToken(token);
  await deps.grants.create({
    tokenHash,
    requestId: archive.requestId,
    playerId: archive.playerId,
    archiveKey: archive.archiveKey,
    fileName: archive.archiveFileName ?? `${archive.requestId}.zip`,
    locale: delivery.locale,
    createdAt: at,
    expiresAt: archive.expiresAt,
    maxDownloads: delivery.maxDownloads,
    downloads: 0,
    archiveBytes: archive.archiveBytes ?? delivery.archiveBytes,
    recordsByCategory: archive.recordsByCategory ?? {},
    // The record keeps the list only for an archive of several volumes, as the grant does; the
    // allowance is the delivery's (already per volume times the volumes).
    ...(archive.archiveVolumes ? { volumes: archive.archiveVolumes } : {}),
  });
  const reopened = await deps.outbox.reopen(requestId, {
    tokenHash,
    link: `${deps.gatewayBaseUrl}/d/${token}`,
    at,
  });
  if (!reopened) {
    throw new OpsRefusedError(
      `The delivery of request ${requestId} was opened by someone else meanwhile: look at it again`,
    );
  }
  // The earlier problem no longer holds; the delivery step records the new outcome.
  await deps.requests.update(requestId, {}, { remove: ['deliveryProblem'] });
  await deps.requests.appendAudit({
    requestId,
    at,
    action: 'ops-resend',
    detail: safeFailureReason(
      `by ${actor}: new link, valid until ${archive.expiresAt}; ${
        options.revokeOld ? `${revoked} earlier link(s) revoked` : 'earlier links stay valid'
      }`,
    ),
  });
  return {
    requestId,
    archiveOf: archive.requestId,
    expiresAt: archive.expiresAt,
    maxDownloads: delivery.maxDownloads,
    revoked,
  };
}

/**
 * `links revoke`: withdraws every live link of the request (revoke-links.ts); afterwards each
 * answers 410 Gone. A request answered by another one's archive (a repeat request) has its own
 * link to that archive: that one is revoked, the other request's links are left alone.
 */
export async function revokeRequestLinks(
  deps: Omit<OpsLinkDeps, 'gatewayBaseUrl'>,
  requestId: string,
  actor: string,
  reason: string,
): Promise<{ requestId: string; revoked: number }> {
  const record = await deps.requests.get(requestId);
  if (!record) throw new RequestNotFoundError(requestId);
  const delivery = await deps.outbox.get(requestId);
  const { revoked } = await revokeOwnLinks(deps, record, delivery, `by ${actor}: ${reason}`);
  await deps.requests.appendAudit({
    requestId,
    at: deps.clock.now().toISOString(),
    action: 'ops-revoke',
    detail: safeFailureReason(`by ${actor}: ${revoked} link(s) revoked: ${reason}`),
  });
  return { requestId, revoked };
}

async function revokeOwnLinks(
  deps: Omit<OpsLinkDeps, 'gatewayBaseUrl'>,
  record: ExportRequestRecord,
  delivery: Delivery | undefined,
  reason: string,
): Promise<{ revoked: number }> {
  if (!delivery || delivery.archiveOf === record.requestId) {
    return revokeLinks(deps, record.requestId, reason);
  }
  const grant = await deps.grants.get(delivery.tokenHash);
  if (!grant || grant.revokedAt || Date.parse(grant.expiresAt) <= deps.clock.now().getTime()) {
    return { revoked: 0 };
  }
  const at = deps.clock.now().toISOString();
  await deps.grants.revoke(grant.tokenHash, at);
  await deps.requests.appendAudit({
    requestId: record.requestId,
    at,
    action: 'revoked',
    detail: reason.slice(0, 200),
  });
  return { revoked: 1 };
}

/** The request, its delivery entry and the READY request whose archive that entry links to. */
async function deliveredArchive(deps: Omit<OpsLinkDeps, 'gatewayBaseUrl'>, requestId: string) {
  const record = await deps.requests.get(requestId);
  if (!record) throw new RequestNotFoundError(requestId);
  const delivery = await deps.outbox.get(requestId);
  if (!delivery) {
    throw new OpsRefusedError(
      record.attachedTo
        ? `Request ${requestId} is answered by request ${record.attachedTo}: re-send that one's link`
        : `Request ${requestId} is ${record.state} and has no link to re-send (only a READY request has one)`,
    );
  }
  const archive = delivery.archiveOf === requestId ? record : await deps.requests.get(delivery.archiveOf);
  if (archive?.state !== 'READY') {
    throw new OpsRefusedError(
      `The archive of request ${delivery.archiveOf} is ${archive?.state ?? 'gone'}: only a READY archive gets a new link`,
    );
  }
  return { record, delivery, archive };
}
