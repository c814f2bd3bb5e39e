/**
 * The delivery outbox entry of one request: the link the player is owed and how far each channel
 * got. E-mail is sent at most once (a send whose outcome is unknown is never repeated: the player
 * must not get two mails, and the watchdog and an alarm report it instead); the ExportReady event
 * is sent at least once (the portal de-duplicates by request id).
 *
 *   mail:  PENDING → SENDING → SENT            event: PENDING → SENT
 *                 ↘ NO_ADDRESS                              ↘ FAILED (given up)
 *          SENDING → UNCONFIRMED (no answer)   PENDING → FAILED (refused or given up)
 */

export type MailState = 'PENDING' | 'SENDING' | 'SENT' | 'NO_ADDRESS' | 'FAILED' | 'UNCONFIRMED';
export type EventState = 'PENDING' | 'SENT' | 'FAILED';

export interface Delivery {
  requestId: string;
  /** The request whose archive the link opens: this one, or the READY one a re-sent link points to. */
  archiveOf: string;
  playerId: string;
  locale: string;
  tokenHash: string;
  /** The link while it has not left: it holds the token, so it is removed once the entry is done. */
  link?: string;
  expiresAt: string;
  /** Downloads the link allows: per volume times the volumes. */
  maxDownloads: number;
  archiveBytes: number;
  /** How many volumes (zips) the archive has, when more than one (the e-mail says so). */
  volumes?: number;
  username: string;
  /** When the player asked (shown in the e-mail). */
  requestedAt: string;
  /** 'export' for a new archive, 'resend' for a fresh link to an archive made within the cooldown. */
  kind: 'export' | 'resend';
  mail: MailState;
  event: EventState;
  attempts: number;
  createdAt: string;
  /** When the next try is due; while SENDING, when an unanswered send is given up as unconfirmed. */
  nextAttemptAt: string;
  /** The error name of the last failed try; never an address or a message body. */
  lastError?: string;
  completedAt?: string;
}

/** Done: nothing is left to send (whether it all went out is told by the channel states). */
export function deliveryDone(delivery: Pick<Delivery, 'mail' | 'event'>): boolean {
  return delivery.mail !== 'PENDING' && delivery.mail !== 'SENDING' && delivery.event !== 'PENDING';
}

/** Everything reached the player: the e-mail (or there is no address to send it to) and the event. */
export function deliverySucceeded(delivery: Pick<Delivery, 'mail' | 'event'>): boolean {
  return (delivery.mail === 'SENT' || delivery.mail === 'NO_ADDRESS') && delivery.event === 'SENT';
}
