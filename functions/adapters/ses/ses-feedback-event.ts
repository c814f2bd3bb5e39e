import { z } from 'zod';
import type { MailFeedback, MailOutcome } from '../../core/requests/mail-feedback';
import { REQUEST_TAG } from './ses-mailer';

/** The EventBridge detail types of SES event publishing that the pipeline listens to. */
export const SES_FEEDBACK_DETAIL_TYPES: Readonly<Record<string, MailOutcome>> = {
  'Email Delivered': 'delivered',
  'Email Bounced': 'bounced',
  'Email Complaint Received': 'complained',
  'Email Rejected': 'rejected',
};

// Only what is read; everything else of the SES record (addresses, headers, diagnostics) is ignored.
const sesEventSchema = z.object({
  'detail-type': z.string(),
  time: z.string(),
  detail: z.object({
    mail: z.object({
      timestamp: z.string().optional(),
      tags: z.record(z.string(), z.array(z.string())).optional(),
    }),
    bounce: z
      .object({
        bounceType: z.string().optional(),
        bounceSubType: z.string().optional(),
        timestamp: z.string().optional(),
      })
      .optional(),
    complaint: z
      .object({ complaintFeedbackType: z.string().optional(), timestamp: z.string().optional() })
      .optional(),
    delivery: z.object({ timestamp: z.string().optional() }).optional(),
  }),
});

export class SesFeedbackEventError extends Error {
  override name = 'SesFeedbackEventError';
}

/**
 * An SES event (event publishing to EventBridge) as mail feedback on a request, or undefined
 * when the message carries no request tag (mail the pipeline did not send). The bounce type and
 * complaint feedback type are kept; addresses and diagnostic texts never leave the event.
 */
export function mailFeedbackOf(event: unknown): MailFeedback | undefined {
  const parsed = sesEventSchema.safeParse(event);
  if (!parsed.success) {
    throw new SesFeedbackEventError(
      `not an SES event: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'} ${i.message}`).join('; ')}`,
    );
  }
  const { detail, time } = parsed.data;
  const outcome = SES_FEEDBACK_DETAIL_TYPES[parsed.data['detail-type']];
  if (!outcome)
    throw new SesFeedbackEventError(`SES event of type ${parsed.data['detail-type']} is not mail feedback`);
  const requestId = detail.mail.tags?.[REQUEST_TAG]?.[0];
  if (!requestId) return undefined;
  const detailText =
    outcome === 'bounced'
      ? [detail.bounce?.bounceType, detail.bounce?.bounceSubType].filter(Boolean).join('/')
      : outcome === 'complained'
        ? (detail.complaint?.complaintFeedbackType ?? '')
        : '';
  const at = detail.bounce?.timestamp ?? detail.complaint?.timestamp ?? detail.delivery?.timestamp ?? time;
  return { requestId, outcome, at, ...(detailText ? { detail: detailText.slice(0, 100) } : {}) };
}
