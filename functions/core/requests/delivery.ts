import { type DataMap, sourceById, sourceQuery } from '../data-map/data-map';
import { exportReadyMail } from '../mail/export-ready-mail';
import type {
  Clock,
  DeliveryOutbox,
  EventPublisher,
  GrantRepository,
  Mailer,
  RequestRepository,
  SourceReader,
} from '../ports';
import type { ArchiveVolume } from '../workflow-types';
import {
  type Delivery,
  deliveryDone,
  deliverySucceeded,
  type EventState,
  type MailState,
} from './delivery-record';
import { grantedVolumes, hashToken, newToken } from './grant';

/** How links are made: where they point, how long they work, how many downloads they allow. */
export interface LinkSettings {
  /** Base URL of the download gateway, e.g. https://downloads.example.com (no trailing slash). */
  gatewayBaseUrl: string;
  linkTtlSeconds: number;
  maxDownloads: number;
}

export interface OpenDeliveryDeps {
  outbox: DeliveryOutbox;
  grants: GrantRepository;
  settings: LinkSettings;
}

export interface DeliverDeps {
  outbox: DeliveryOutbox;
  requests: RequestRepository;
  events: EventPublisher;
  mailer: Mailer;
  clock: Clock;
  /** The game's identity source: where the player's address is read at send time. */
  reader: SourceReader;
  dataMap: DataMap;
}

/** Tries per channel (Step Functions retries and scheduled ones together) before delivery is given up. */
export const MAX_DELIVERY_ATTEMPTS = 10;
/** A send that has not answered in this time is never repeated: its outcome is unknown. */
const SEND_ANSWER_MS = 10 * 60 * 1000;

export interface OpenDeliveryInput {
  requestId: string;
  archiveOf: string;
  playerId: string;
  locale: string;
  username: string;
  requestedAt: string;
  kind: Delivery['kind'];
  archive: {
    archiveKey: string;
    bytes: number;
    recordsByCategory: Record<string, number>;
    /** Every volume, when the archive has more than one. */
    volumes?: ArchiveVolume[] | undefined;
  };
  /** The name the browser saves the archive under. */
  fileName: string;
  /** When the link is made; its expiry is measured from the same reading of the clock. */
  createdAt: Date;
  expiresAt: string;
}

/**
 * Puts the player's link into the outbox: one download grant per request, made once. A retried
 * step finds the entry it made before and keeps its token, so no second link is ever issued for
 * one request. The grant is written after the entry, from the entry's token hash, so a crash in
 * between leaves a link that the retry makes work, never a grant nobody can reach.
 */
export async function openDelivery(deps: OpenDeliveryDeps, input: OpenDeliveryInput): Promise<Delivery> {
  const now = input.createdAt.toISOString();
  const token = newToken();
  const granted = grantedVolumes(input.archive.volumes, deps.settings.maxDownloads);
  const delivery = await deps.outbox.create({
    requestId: input.requestId,
    archiveOf: input.archiveOf,
    playerId: input.playerId,
    locale: input.locale,
    tokenHash: hashToken(token),
    link: `${deps.settings.gatewayBaseUrl}/d/${token}`,
    expiresAt: input.expiresAt,
    maxDownloads: granted.maxDownloads,
    archiveBytes: input.archive.bytes,
    ...(granted.volumes ? { volumes: granted.volumes.length } : {}),
    username: input.username,
    requestedAt: input.requestedAt,
    kind: input.kind,
    mail: 'PENDING',
    event: 'PENDING',
    attempts: 0,
    createdAt: now,
    nextAttemptAt: now,
  });
  // From the entry that counts (a retry's own reading of the clock would differ).
  await deps.grants.create({
    tokenHash: delivery.tokenHash,
    requestId: input.archiveOf,
    playerId: input.playerId,
    archiveKey: input.archive.archiveKey,
    fileName: input.fileName,
    locale: input.locale,
    createdAt: delivery.createdAt,
    expiresAt: delivery.expiresAt,
    maxDownloads: delivery.maxDownloads,
    downloads: 0,
    archiveBytes: input.archive.bytes,
    recordsByCategory: input.archive.recordsByCategory,
    ...(granted.volumes ? { volumes: granted.volumes } : {}),
  });
  return delivery;
}

export interface DeliveryOutcome {
  requestId: string;
  /** Nothing is left to try (whether it all arrived is `delivered`). */
  done: boolean;
  delivered: boolean;
}

/**
 * Sends what the outbox entry still owes: the e-mail (at most once), then the ExportReady event
 * (with the link, for the portal's "your data" page). A failed try is recorded on the entry with
 * its error name and the time of the next try, then thrown so the caller's retry (Step Functions,
 * or the schedule) takes it up; after MAX_DELIVERY_ATTEMPTS, or a refusal retrying cannot fix,
 * the channel is given up, the request says so, and the alarm fires.
 */
export async function deliverLink(deps: DeliverDeps, requestId: string): Promise<DeliveryOutcome> {
  let delivery = await deps.outbox.get(requestId);
  if (!delivery) throw new Error(`Request ${requestId} has no delivery outbox entry`);
  if (delivery.mail === 'SENDING') delivery = await settleUnansweredSend(deps, delivery);
  if (delivery.mail === 'PENDING') delivery = await sendMail(deps, delivery);
  if (delivery.mail === 'SENDING') return outcome(delivery);
  if (delivery.event === 'PENDING') delivery = await publishReady(deps, delivery);
  return finish(deps, delivery);
}

/** The schedule's part: every entry whose next try is due, one at a time; failures are counted, not thrown. */
export async function retryDueDeliveries(
  deps: DeliverDeps,
): Promise<{ attempted: number; delivered: number; undelivered: number; failed: number }> {
  const due = await deps.outbox.listDue(deps.clock.now());
  const tally = { attempted: due.length, delivered: 0, undelivered: 0, failed: 0 };
  for (const entry of due) {
    try {
      const result = await deliverLink(deps, entry.requestId);
      if (result.done) tally[result.delivered ? 'delivered' : 'undelivered']++;
    } catch {
      // Recorded on the entry (error name, next try); the next run takes it up again.
      tally.failed++;
    }
  }
  return tally;
}

/**
 * A send marked SENDING whose answer never came (the function died mid-call): before its answer
 * time another sender may still be at work, so leave it; after, it is UNCONFIRMED, never resent.
 */
async function settleUnansweredSend(deps: DeliverDeps, delivery: Delivery): Promise<Delivery> {
  const now = deps.clock.now();
  if (Date.parse(delivery.nextAttemptAt) > now.getTime()) return delivery;
  await deps.outbox.update(
    delivery.requestId,
    { mail: 'SENDING' },
    { mail: 'UNCONFIRMED', lastError: 'SendNotAnswered', nextAttemptAt: now.toISOString() },
  );
  return reread(deps, delivery.requestId);
}

async function sendMail(deps: DeliverDeps, delivery: Delivery): Promise<Delivery> {
  const now = deps.clock.now();
  const record = await deps.requests.get(delivery.requestId);
  const to = record?.contactEmail ?? (await playerEmail(deps, delivery.playerId));
  if (!to) {
    await deps.outbox.update(delivery.requestId, { mail: 'PENDING' }, { mail: 'NO_ADDRESS' });
    return reread(deps, delivery.requestId);
  }
  const claimed = await deps.outbox.update(
    delivery.requestId,
    { mail: 'PENDING' },
    { mail: 'SENDING', nextAttemptAt: new Date(now.getTime() + SEND_ANSWER_MS).toISOString() },
  );
  // Another sender took it first: it sends, we do not.
  if (!claimed) return reread(deps, delivery.requestId);
  if (!delivery.link) throw new Error(`Request ${delivery.requestId}: the outbox entry has no link to send`);
  try {
    await deps.mailer.send({
      ...exportReadyMail({
        locale: delivery.locale,
        username: delivery.username,
        link: delivery.link,
        requestedAt: delivery.requestedAt,
        expiresAt: delivery.expiresAt,
        maxDownloads: delivery.maxDownloads,
        ...(delivery.volumes ? { volumes: delivery.volumes } : {}),
        to,
      }),
      requestId: delivery.requestId,
    });
  } catch (error) {
    await recordFailedTry(
      deps,
      delivery,
      'mail',
      error,
      error instanceof Error && error.name === 'MailRejectedError',
    );
    throw error;
  }
  await deps.outbox.update(delivery.requestId, { mail: 'SENDING' }, { mail: 'SENT' });
  return reread(deps, delivery.requestId);
}

async function publishReady(deps: DeliverDeps, delivery: Delivery): Promise<Delivery> {
  try {
    await deps.events.publish('ExportReady', {
      requestId: delivery.requestId,
      ...(delivery.archiveOf !== delivery.requestId ? { archiveOf: delivery.archiveOf } : {}),
      playerId: delivery.playerId,
      link: delivery.link,
      expiresAt: delivery.expiresAt,
      maxDownloads: delivery.maxDownloads,
      archiveBytes: delivery.archiveBytes,
      // Tells the portal whether the player also got the link by e-mail.
      mailed: delivery.mail === 'SENT',
    });
  } catch (error) {
    await recordFailedTry(deps, delivery, 'event', error, false);
    throw error;
  }
  await deps.outbox.update(delivery.requestId, { event: 'PENDING' }, { event: 'SENT' });
  return reread(deps, delivery.requestId);
}

/** Records one failed try of a channel: when the next is due, or that the channel is given up. */
async function recordFailedTry(
  deps: DeliverDeps,
  delivery: Delivery,
  channel: 'mail' | 'event',
  error: unknown,
  permanent: boolean,
): Promise<void> {
  const now = deps.clock.now();
  const attempts = delivery.attempts + 1;
  const giveUp = permanent || attempts >= MAX_DELIVERY_ATTEMPTS;
  const errorName = error instanceof Error ? error.name : 'Error';
  const expected = channel === 'mail' ? { mail: 'SENDING' as MailState } : { event: 'PENDING' as EventState };
  const state = giveUp ? 'FAILED' : 'PENDING';
  await deps.outbox.update(delivery.requestId, expected, {
    ...(channel === 'mail' ? { mail: state } : { event: state }),
    attempts,
    lastError: errorName,
    nextAttemptAt: new Date(now.getTime() + retryDelayMs(attempts)).toISOString(),
  });
  await deps.requests.appendAudit({
    requestId: delivery.requestId,
    at: now.toISOString(),
    action: giveUp ? 'link-undelivered' : 'delivery-retry',
    detail: `${channel === 'mail' ? 'e-mail' : 'ExportReady event'}: ${errorName} (try ${attempts}${giveUp ? ', given up' : ''})`,
  });
}

/** 1, 2, 4 … minutes, at most an hour: a mail service that throttles gets room to recover. */
export function retryDelayMs(attempts: number): number {
  return Math.min(60 * 60_000, 60_000 * 2 ** Math.max(0, attempts - 1));
}

/** Closes a finished entry once (its link leaves the table) and writes the outcome on the request. */
async function finish(deps: DeliverDeps, delivery: Delivery): Promise<DeliveryOutcome> {
  if (!deliveryDone(delivery)) return outcome(delivery);
  const at = deps.clock.now().toISOString();
  const closed = await deps.outbox.update(
    delivery.requestId,
    { mail: delivery.mail, event: delivery.event },
    { completedAt: at },
    { done: true },
  );
  if (!closed) return outcome(await reread(deps, delivery.requestId));
  const succeeded = deliverySucceeded(delivery);
  const channels = `e-mail ${delivery.mail.toLowerCase().replace('_', ' ')}, ExportReady event ${delivery.event.toLowerCase()}`;
  await deps.requests.update(
    delivery.requestId,
    succeeded ? { deliveredAt: at } : { deliveryProblem: channels },
  );
  await deps.requests.appendAudit({
    requestId: delivery.requestId,
    at,
    action: succeeded ? 'link-sent' : 'link-undelivered',
    detail:
      delivery.mail === 'NO_ADDRESS'
        ? 'ExportReady event only (no e-mail address)'
        : succeeded
          ? 'e-mail and ExportReady event'
          : channels,
  });
  if (delivery.kind === 'resend') {
    await deps.requests.appendAudit({
      requestId: delivery.archiveOf,
      at,
      action: 'link-resent',
      detail: `archive of ${delivery.archiveOf} re-sent for ${delivery.requestId}`,
    });
  }
  return { requestId: delivery.requestId, done: true, delivered: succeeded };
}

function outcome(delivery: Delivery): DeliveryOutcome {
  return {
    requestId: delivery.requestId,
    done: deliveryDone(delivery),
    delivered: deliverySucceeded(delivery),
  };
}

async function reread(deps: Pick<DeliverDeps, 'outbox'>, requestId: string): Promise<Delivery> {
  const delivery = await deps.outbox.get(requestId);
  if (!delivery) throw new Error(`Request ${requestId}: the outbox entry disappeared`);
  return delivery;
}

/** The address in the identity source; read at send time so it never travels in workflow state. */
export async function playerEmail(
  deps: Pick<DeliverDeps, 'reader' | 'dataMap'>,
  playerId: string,
): Promise<string | undefined> {
  const identity = sourceById(deps.dataMap, deps.dataMap.identity.source);
  for await (const page of deps.reader.pages(sourceQuery(identity, playerId))) {
    const email = page[0]?.[deps.dataMap.identity.emailField];
    return typeof email === 'string' && email.includes('@') ? email : undefined;
  }
  return undefined;
}
