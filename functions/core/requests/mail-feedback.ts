import type { Clock, RequestRepository } from '../ports';
import type { AuditAction } from './request-record';

/** What the mail service reported about a link e-mail, after it accepted it. */
export type MailOutcome = 'delivered' | 'bounced' | 'complained' | 'rejected';

export interface MailFeedback {
  /** From the tag the mailer put on the message. */
  requestId: string;
  outcome: MailOutcome;
  /** When the mail service saw it (ISO 8601). */
  at: string;
  /** e.g. "Permanent/General"; never an address or a diagnostic text (they can hold personal data). */
  detail?: string;
}

export interface MailFeedbackDeps {
  requests: RequestRepository;
  clock: Clock;
}

const ACTION: Record<MailOutcome, AuditAction> = {
  delivered: 'mail-delivered',
  bounced: 'mail-bounced',
  complained: 'mail-complained',
  rejected: 'mail-rejected',
};

/**
 * Puts the mail service's report on the request: a delivery is timed, and a bounce, a complaint
 * or a rejection becomes the request's deliveryProblem, so the watchdog counts the link as
 * undelivered and ops re-send it to a working address (a link that never arrived must not look
 * delivered). Reports come at least once and in any order: each outcome is recorded once, and a
 * late "delivered" never clears a problem.
 */
export async function recordMailFeedback(
  deps: MailFeedbackDeps,
  feedback: MailFeedback,
): Promise<'recorded' | 'repeated' | 'unknown-request'> {
  const record = await deps.requests.get(feedback.requestId);
  if (!record) return 'unknown-request';
  const action = ACTION[feedback.outcome];
  const trail = await deps.requests.audit(feedback.requestId);
  if (trail.some((entry) => entry.action === action)) return 'repeated';
  const what = feedback.detail ? `${feedback.outcome} (${feedback.detail})` : feedback.outcome;
  await deps.requests.update(
    feedback.requestId,
    feedback.outcome === 'delivered'
      ? { mailDeliveredAt: feedback.at }
      : { deliveryProblem: `e-mail ${what}: re-send the link to a working address` },
  );
  await deps.requests.appendAudit({
    requestId: feedback.requestId,
    at: deps.clock.now().toISOString(),
    action,
    detail: `mail service reported ${what} at ${feedback.at}`,
  });
  return 'recorded';
}
