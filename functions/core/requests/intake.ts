import { z } from 'zod';
import type { Clock, EventPublisher, RequestRepository } from '../ports';
import { statusChangedDetail } from './lifecycle';
import { type EventIssue, InvalidEventError } from './request-errors';
import { type AuditEntry, type ExportRequestRecord, legalDueDate, openStates } from './request-record';

export { InvalidEventError } from './request-errors';

// ── The event, validated at the edge ────────────────────────────────────────────────────────────

/**
 * BCP 47-ish: a 2–3 letter language, then subtags of 1–8 letters or digits (`de`, `pt-BR`,
 * `zh-Hant-TW`, `es-419`), 35 characters at most (RFC 5646 §4.4.1 asks implementations to take at
 * least that). Intl has the final word, so a tag it rejects is refused here rather than later
 * when the archive's messages are rendered.
 */
const localeTag = z
  .string({ error: 'expected a BCP 47 language tag such as "en" or "pt-BR"' })
  .max(35, 'expected a language tag of at most 35 characters')
  .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/, 'expected a BCP 47 language tag such as "en" or "pt-BR"')
  .refine(isCanonicalisable, 'expected a BCP 47 language tag such as "en" or "pt-BR"');

export const exportRequestedDetailSchema = z.object({
  /**
   * The portal's id for this request: the idempotency key and the workflow's execution name. At
   * most 72 characters: an execution name allows 80, and a restart appends ".<attempt>".
   */
  requestId: z
    .string({ error: 'expected a string of 1–72 characters' })
    .regex(/^[A-Za-z0-9_-]{1,72}$/, 'expected 1–72 characters from A–Z, a–z, 0–9, "_" and "-"'),
  playerId: z
    .string({ error: 'expected a string of 1–128 characters' })
    .regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'expected 1–128 characters from A–Z, a–z, 0–9, "_", ".", ":" and "-"'),
  locale: localeTag,
  requestedAt: z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time with a time zone' }),
  // Optional: used only where the deployment trusts the portal's address (trustPortalEmail).
  email: z
    .email({ error: 'expected an e-mail address' })
    .max(254, 'expected at most 254 characters')
    .optional(),
  // An open set (a new channel must not send events to the dead-letter queue), but a short token.
  channel: z
    .string({ error: 'expected a short lower-case token such as "portal", "app" or "support"' })
    .regex(/^[a-z][a-z0-9-]{0,31}$/, 'expected a short lower-case token such as "portal", "app" or "support"')
    .optional(),
});

export type ExportRequestedDetail = z.infer<typeof exportRequestedDetailSchema>;

/** The detail-type a portal sends unless the deployment names another (requestDetailType). */
export const EXPORT_REQUESTED = 'ExportRequested';

/** The EventBridge envelope; unknown envelope fields (version, region, resources, …) are ignored. */
const envelopeSchema = z.object({
  id: z.string({ error: 'expected the EventBridge event id' }).min(1, 'expected the EventBridge event id'),
  source: z.string({ error: 'expected the event source' }).min(1, 'expected the event source'),
  'detail-type': z.string({ error: 'expected the detail-type' }),
  time: z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time' }).optional(),
  detail: exportRequestedDetailSchema,
});

/** A portal clock a few minutes ahead is a skewed clock, not a request from the future. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

export interface ValidateOptions {
  /** Sources allowed to ask for exports (the event rule filters too; this is defence in depth). */
  sources?: readonly string[];
  /** The detail-type the deployment listens for. @default "ExportRequested" */
  detailType?: string;
  /** Refuse a requestedAt older than this (a re-driven event may be days old; years means a bug). */
  maxAgeMs?: number;
  now?: Date;
}

/**
 * Validates an EventBridge request event and returns its detail. Throws InvalidEventError naming
 * every bad field and what is wrong with it (never its value).
 */
export function validateExportRequested(
  event: unknown,
  options: ValidateOptions = {},
): ExportRequestedDetail {
  const detailType = options.detailType ?? EXPORT_REQUESTED;
  const parsed = envelopeSchema.safeParse(event);
  const issues: EventIssue[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({ path: pathOf(issue.path), problem: problemOf(issue, event) }));
  if (parsed.success) {
    const { source, detail } = parsed.data;
    if (parsed.data['detail-type'] !== detailType) {
      issues.push({ path: 'detail-type', problem: `expected "${detailType}"` });
    }
    if (options.sources && !options.sources.includes(source)) {
      issues.push({ path: 'source', problem: `expected one of ${options.sources.join(', ')}` });
    }
    const requested = Date.parse(detail.requestedAt);
    const now = (options.now ?? new Date()).getTime();
    if (requested > now + CLOCK_SKEW_MS) {
      issues.push({ path: 'detail.requestedAt', problem: 'is in the future' });
    } else if (options.maxAgeMs !== undefined && requested < now - options.maxAgeMs) {
      const days = Math.round(options.maxAgeMs / 86_400_000);
      issues.push({ path: 'detail.requestedAt', problem: `is more than ${days} days ago` });
    }
  }
  if (!parsed.success || issues.length > 0) throw new InvalidEventError(detailType, issues);
  return parsed.data.detail;
}

function pathOf(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(event)' : path.map(String).join('.');
}

function problemOf(issue: z.core.$ZodIssue, event: unknown): string {
  // A missing field gets the type message ("expected a string"); say plainly that it is missing.
  if (issue.code === 'invalid_type' && issue.path.length > 0 && valueAt(event, issue.path) === undefined) {
    return 'is required';
  }
  // Our messages never echo the value; zod's built-in ones (unknown shapes) name types only.
  return issue.message;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function isCanonicalisable(tag: string): boolean {
  try {
    Intl.getCanonicalLocales(tag);
    return true;
  } catch {
    return false;
  }
}

// ── The use case ────────────────────────────────────────────────────────────────────────────────

export interface IntakeDeps {
  requests: RequestRepository;
  events: EventPublisher;
  clock: Clock;
}

export interface IntakeOptions {
  /**
   * A new request within this time of the player's last READY archive gets a fresh link to it
   * instead of building the same archive again.
   */
  resendCooldownMs: number;
  /**
   * Keep the address the event carries (as the record's contactEmail). Off by default: the
   * address then comes from the game's identity source at send time.
   */
  trustEventEmail: boolean;
}

/**
 * What the caller must do next:
 * - `queued`: a new request, recorded QUEUED; the dispatcher starts it when a slot is free.
 * - `duplicate`: this request id was seen before (re-delivery): nothing more to do.
 * - `attached`: the player already has a request under way; this one is answered by it.
 * - `resend`: the player's last archive is fresh; send a new link to it for this request.
 */
export type IntakeOutcome =
  | { outcome: 'queued'; record: ExportRequestRecord }
  | { outcome: 'duplicate'; record: ExportRequestRecord }
  | { outcome: 'attached'; record: ExportRequestRecord; answeredBy: string }
  | { outcome: 'resend'; record: ExportRequestRecord; answeredBy: ExportRequestRecord };

/** Rounds of "the holder was finished, take over" before giving up (each needs another writer's race). */
const MAX_CLAIM_ROUNDS = 5;

/**
 * A claim whose request has no record yet is that request being recorded right now (claim first,
 * record second): for this long it counts as under way. Past it, the claimer died between the two
 * writes and its event's redelivery finds the claim its own; another request may take it over.
 */
const CLAIM_GRACE_MS = 5 * 60 * 1000;

/**
 * Accepts one request: records it (idempotently: the request id is the key, the conditional create
 * decides between concurrent deliveries) and decides whether it needs a new export.
 *
 * One export per player at a time: the request first claims the player (one conditional write,
 * so of five requests arriving together exactly one starts); a request finding the claim held by
 * a request under way attaches to it, one finding a fresh READY archive gets a new link to it,
 * and one finding a finished holder takes the claim over from it.
 *
 * An attached or re-sent request is stored too, in RECEIVED with `attachedTo` naming the request
 * that answers it: the privacy team sees every request the player made, and the watchdog and
 * due-date report follow the request that does the work.
 */
export async function acceptExportRequest(
  deps: IntakeDeps,
  detail: ExportRequestedDetail,
  options: IntakeOptions,
): Promise<IntakeOutcome> {
  const { requests } = deps;
  const seen = await requests.get(detail.requestId);
  if (seen) return { outcome: 'duplicate', record: seen };

  const now = deps.clock.now();
  let replacing: string | undefined;
  for (let round = 0; round < MAX_CLAIM_ROUNDS; round++) {
    const claim = await requests.claimPlayer(detail.playerId, detail.requestId, replacing);
    if (claim.claimed || claim.heldBy === detail.requestId) {
      return record(deps, { outcome: 'queued', record: newRecord(detail, now, options) });
    }
    const holder = await requests.get(claim.heldBy);
    const beingRecorded = !holder && now.getTime() - Date.parse(claim.claimedAt) < CLAIM_GRACE_MS;
    if (beingRecorded || (holder && openStates.includes(holder.state))) {
      const attached = attachedRecord(detail, now, options, claim.heldBy);
      return record(
        deps,
        { outcome: 'attached', record: attached, answeredBy: claim.heldBy },
        `answered by ${claim.heldBy} (${holder?.state ?? 'QUEUED'})`,
      );
    }
    if (holder?.state === 'READY' && readyWithin(holder, now, options.resendCooldownMs)) {
      const attached = attachedRecord(detail, now, options, holder.requestId);
      return record(
        deps,
        { outcome: 'resend', record: attached, answeredBy: holder },
        `answered by ${holder.requestId} (READY since ${holder.stateTimes.READY}): new link to its archive`,
      );
    }
    // Finished (FAILED, EXPIRED, READY past the cooldown) or gone: this request takes over.
    replacing = claim.heldBy;
  }
  throw new Error(
    `Could not claim player for request ${detail.requestId}: the claim kept changing hands; the event will be retried`,
  );
}

/** Creates the record (or finds that a concurrent delivery of the same request did) and tells the portal. */
async function record(
  deps: IntakeDeps,
  outcome: Exclude<IntakeOutcome, { outcome: 'duplicate' }>,
  attachedDetail?: string,
): Promise<IntakeOutcome> {
  const { record: created } = outcome;
  const audit: AuditEntry = attachedDetail
    ? { requestId: created.requestId, at: created.receivedAt, action: 'attached', detail: attachedDetail }
    : { requestId: created.requestId, at: created.receivedAt, action: 'requested' };
  if ((await deps.requests.create(created, audit)) === 'exists') {
    const existing = await deps.requests.get(created.requestId);
    if (!existing) throw new Error(`Request ${created.requestId} exists but cannot be read`);
    return { outcome: 'duplicate', record: existing };
  }
  await deps.events.publish('ExportStatusChanged', {
    ...statusChangedDetail(created, created.receivedAt),
    ...(created.attachedTo ? { attachedTo: created.attachedTo } : {}),
  });
  return outcome;
}

function readyWithin(record: ExportRequestRecord, now: Date, cooldownMs: number): boolean {
  const readyAt = record.stateTimes.READY;
  return readyAt !== undefined && now.getTime() - Date.parse(readyAt) < cooldownMs;
}

/**
 * A request another one answers: kept RECEIVED (never QUEUED: it needs no slot and no execution),
 * with `attachedTo` naming the request that does the work.
 */
function attachedRecord(
  detail: ExportRequestedDetail,
  now: Date,
  options: IntakeOptions,
  answeredBy: string,
): ExportRequestRecord {
  const receivedAt = now.toISOString();
  return {
    ...newRecord(detail, now, options),
    state: 'RECEIVED',
    stateTimes: { RECEIVED: receivedAt },
    attachedTo: answeredBy,
  };
}

function newRecord(detail: ExportRequestedDetail, now: Date, options: IntakeOptions): ExportRequestRecord {
  const receivedAt = now.toISOString();
  // The month runs from when the controller received the request: the portal is the controller's
  // own system, so a delayed or re-driven event must not push the deadline back. A requestedAt in
  // the future (a skewed portal clock) cannot move it forward either.
  const requested = Date.parse(detail.requestedAt);
  const start = new Date(Math.min(requested, now.getTime()));
  const record: ExportRequestRecord = {
    requestId: detail.requestId,
    playerId: detail.playerId,
    locale: detail.locale,
    requestedAt: new Date(requested).toISOString(),
    receivedAt,
    dueAt: legalDueDate(start).toISOString(),
    attempt: 1,
    state: 'QUEUED',
    stateTimes: { QUEUED: receivedAt },
    updatedAt: receivedAt,
  };
  if (detail.channel) record.channel = detail.channel;
  if (detail.email && options.trustEventEmail) record.contactEmail = detail.email;
  return record;
}
