import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { MailRejectedError } from '../../core/errors';
import type { Mailer, MailMessage } from '../../core/ports';

export interface SesMailerOptions {
  /** Verified sender identity, e.g. "Game Privacy <privacy@example.com>". */
  from: string;
  /** Configuration set for bounce/complaint events and sending metrics. */
  configurationSetName?: string;
}

/** The message tag naming the request; SES tag values are ASCII letters, digits, _ and -, at most 256. */
export const REQUEST_TAG = 'requestId';
const TAG_VALUE = /^[A-Za-z0-9_-]{1,256}$/;

/**
 * Mailer on SES v2 with Simple content: SES builds the MIME (multipart/alternative, UTF-8) itself,
 * so there is no hand-made MIME to get wrong on AWS.
 */
export class SesMailer implements Mailer {
  constructor(
    private readonly client: SESv2Client,
    private readonly options: SesMailerOptions,
  ) {}

  async send(message: MailMessage): Promise<void> {
    const headers = Object.entries(message.headers ?? {}).map(([Name, Value]) => ({ Name, Value }));
    try {
      await this.client.send(
        new SendEmailCommand({
          FromEmailAddress: this.options.from,
          Destination: { ToAddresses: [message.to] },
          Content: {
            Simple: {
              Subject: { Data: message.subject, Charset: 'UTF-8' },
              Body: {
                Text: { Data: message.text, Charset: 'UTF-8' },
                Html: { Data: message.html, Charset: 'UTF-8' },
              },
              ...(headers.length > 0 ? { Headers: headers } : {}),
            },
          },
          ...(this.options.configurationSetName
            ? { ConfigurationSetName: this.options.configurationSetName }
            : {}),
          // The configuration set's delivery reports carry the tag back (mailFeedbackOf).
          ...(message.requestId && TAG_VALUE.test(message.requestId)
            ? { EmailTags: [{ Name: REQUEST_TAG, Value: message.requestId }] }
            : {}),
        }),
      );
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (refusedForGood.has(name)) throw new MailRejectedError(name);
      // Throttling (TooManyRequestsException, LimitExceededException) and service errors: retried.
      throw error;
    }
  }
}

/**
 * SES v2 errors that retrying cannot fix: an unverified sender or recipient (sandbox), a paused or
 * suspended account, a malformed message.
 */
const refusedForGood = new Set([
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'AccountSuspendedException',
  'SendingPausedException',
  'BadRequestException',
  'NotFoundException',
]);
