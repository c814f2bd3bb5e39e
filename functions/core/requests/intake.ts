import { z } from 'zod';
import type { Clock, EventPublisher, RequestRepository } from '../ports';
import { statusChangedDetail } from './lifecycle';
import { type EventIssue, InvalidEventError } from './request-errors';
import { type AuditEntry, type ExportRequestRecord, legalDueDate, workingStates } from './request-record';

export { InvalidEventError } from './request-errors';

// ── The event, validated at the edge ────────────────────────────────────────────────────────────

/**
 * BCP 47-ish: a 2–3 letter language, then subtags of 1–8 letters or digits (`de`, `pt-BR`,
 * `zh-Hant-TW`, `es-419`). Intl has the final word, so a tag it rejects is refused here rather
 * than later when the archive's messages are rendered.
 */
const localeTag = z
  .string({ error: 'expected a BCP 47 language tag such as "en" or "pt-BR"' })
  .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/, 'expected a BCP 47 language tag such as "en" or "pt-BR"')
  .refine(isCanonicalisable, 'expected a BCP 47 language tag such as "en" or "pt-BR"');

export const exportRequestedDetailSchema = z.object({
  /** The portal's id for this request: the idempotency key and the workflow's execution name. */
  requestId: z
    .string({ error: 'expected a string of 1–80 characters' })
    .regex(/^[A-Za-z0-9_-]{1,80}$/, 'expected 1–80 characters from A–Z, a–z, 0–9, "_" and "-"'),
  playerId: z
    .string({ error: 'expected a string of 1–128 characters' })
    .regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'expected 1–128 characters from A–Z, a–z, 0–9, "_", ".", ":" and "-"'),
  locale: localeTag,
  requestedAt: z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time with a time zone' }),
  // Optional: where the portal knows it; the mail step may read the account's address instead.
  email: z.email({ error: 'expected an e-mail address' }).optional(),
  // An open set (a new channel must not send events to the dead-letter queue), but a short token.
  channel: z
    .string({ error: 'expected a short lower-case token such as "portal", "app" or "support"' })
    .regex(/^[a-z][a-z0-9-]{0,31}$/, 'expected a short lower-case token such as "portal", "app" or "support"')
    .optional(),
});

export type ExportRequestedDetail = z.infer<typeof exportRequestedDetailSchema>;

export const EXPORT_REQUESTED = 'ExportRequested';

/** The EventBridge envelope; unknown envelope fields (version, region, resources, …) are ignored. */
export const exportRequestedEventSchema = z.object({
  id: z.string({ error: 'expected the EventBridge event id' }).min(1, 'expected the EventBridge event id'),
  source: z.string({ error: 'expected the event source' }).min(1, 'expected the event source'),
  'detail-type': z.literal(EXPORT_REQUESTED, { error: `expected "${EXPORT_REQUESTED}"` }),
  time: z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time' }).optional(),
  detail: exportRequestedDetailSchema,
});

export type ExportRequestedEvent = z.infer<typeof exportRequestedEventSchema>;

export interface ValidateOptions {
  /** Sources allowed to ask for exports (the event rule filters too; this is defence in depth). */
  sources?: readonly string[];
}

/**
 * Validates an EventBridge `ExportRequested` event and returns its detail. Throws
 * InvalidEventError naming every bad field and what is wrong with it (never its value).
 */
export function validateExportRequested(
  event: unknown,
  options: ValidateOptions = {},
): ExportRequestedDetail {
  const parsed = exportRequestedEventSchema.safeParse(event);
  const issues: EventIssue[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({ path: pathOf(issue.path), problem: problemOf(issue, event) }));
  if (parsed.success && options.sources && !options.sources.includes(parsed.data.source)) {
    issues.push({ path: 'source', problem: `expected one of ${options.sources.join(', ')}` });
  }
  if (!parsed.success || issues.length > 0) throw new InvalidEventError(EXPORT_REQUESTED, issues);
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
   * A new request within this time of the player's last READY archive re-sends that link instead
   * of building the same archive again.
   * @default 24 h
   */
  resendCooldownMs?: number;
}

export const DEFAULT_RESEND_COOLDOWN_MS = 24 * 60 * 60 * 1000;

/**
 * What the caller must do next:
 * - `started`: a new request; start its workflow.
 * - `duplicate`: this request id was seen before (re-delivery); do nothing.
 * - `attached`: the player already has a request under way; this one is answered by it.
 * - `resend`: the player's last archive is fresh; re-send the link of `answeredBy`.
 */
export type IntakeOutcome =
  | { outcome: 'started'; record: ExportRequestRecord }
  | { outcome: 'duplicate'; requestId: string }
  | { outcome: 'attached'; record: ExportRequestRecord; answeredBy: ExportRequestRecord }
  | { outcome: 'resend'; record: ExportRequestRecord; answeredBy: ExportRequestRecord };

/**
 * Accepts one ExportRequested: records it (idempotently: the request id is the key, the conditional
 * create decides between concurrent deliveries) and decides whether it needs a new export.
 *
 * An attached or re-sent request is stored too, in RECEIVED with `attachedTo` naming the request that
 * answers it: the privacy team sees every request the player made, and the watchdog and due-date
 * report follow the request that does the work.
 */
export async function acceptExportRequest(
  deps: IntakeDeps,
  detail: ExportRequestedDetail,
  options: IntakeOptions = {},
): Promise<IntakeOutcome> {
  const { requests, events, clock } = deps;
  const cooldownMs = options.resendCooldownMs ?? DEFAULT_RESEND_COOLDOWN_MS;
  const now = clock.now();

  // Cheap early answer for re-deliveries; the conditional create below is what actually decides.
  if (await requests.get(detail.requestId)) return { outcome: 'duplicate', requestId: detail.requestId };

  const answeredBy = await answeringRequest(requests, detail);
  let record = newRecord(detail, now);
  let audit: AuditEntry = { requestId: record.requestId, at: record.receivedAt, action: 'requested' };
  let outcome: IntakeOutcome['outcome'] = 'started';

  if (answeredBy && workingStates.includes(answeredBy.state)) {
    outcome = 'attached';
    record = { ...record, attachedTo: answeredBy.requestId };
    audit = {
      ...audit,
      action: 'attached',
      detail: `answered by ${answeredBy.requestId} (${answeredBy.state})`,
    };
  } else if (answeredBy?.state === 'READY' && readyWithin(answeredBy, now, cooldownMs)) {
    outcome = 'resend';
    record = { ...record, attachedTo: answeredBy.requestId };
    audit = {
      ...audit,
      action: 'attached',
      detail: `answered by ${answeredBy.requestId} (READY since ${answeredBy.stateTimes.READY}): link re-sent`,
    };
  }

  if ((await requests.create(record, audit)) === 'exists') {
    return { outcome: 'duplicate', requestId: detail.requestId };
  }
  await events.publish('ExportStatusChanged', {
    ...statusChangedDetail(record, record.receivedAt),
    ...(record.attachedTo ? { attachedTo: record.attachedTo } : {}),
  });

  if (outcome === 'started') return { outcome, record };
  if (!answeredBy) throw new Error('unreachable: attached or resend without a request answering it');
  return { outcome, record, answeredBy };
}

/**
 * The request that would answer a new one from the same player: the latest one, or the one it is
 * itself attached to. Another delivery of this very request is left to the conditional create.
 */
async function answeringRequest(
  requests: RequestRepository,
  detail: ExportRequestedDetail,
): Promise<ExportRequestRecord | undefined> {
  const latest = await requests.latestForPlayer(detail.playerId);
  if (!latest || latest.requestId === detail.requestId) return undefined;
  if (!latest.attachedTo) return latest;
  return (await requests.get(latest.attachedTo)) ?? latest;
}

function readyWithin(record: ExportRequestRecord, now: Date, cooldownMs: number): boolean {
  const readyAt = record.stateTimes.READY;
  return readyAt !== undefined && now.getTime() - Date.parse(readyAt) < cooldownMs;
}

function newRecord(detail: ExportRequestedDetail, now: Date): ExportRequestRecord {
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
    state: 'RECEIVED',
    stateTimes: { RECEIVED: receivedAt },
    updatedAt: receivedAt,
  };
  if (detail.channel) record.channel = detail.channel;
  if (detail.email) record.contactEmail = detail.email;
  return record;
}
