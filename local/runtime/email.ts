import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LOCAL_ACCOUNT, type MailConfigurationSet } from './deployment';
import type { PutEventsEntry } from './event-bus';
import type { AuthorizationRequest } from './iam-policy';
import { buildMime } from './mime';
import { ServiceError } from './service-errors';

interface Content {
  Data?: string;
}

/** The SES v2 SendEmail request, Simple content (what the pipeline's SesMailer sends). */
interface SendEmailRequest {
  FromEmailAddress?: string;
  Destination?: { ToAddresses?: string[] };
  ConfigurationSetName?: string;
  EmailTags?: { Name: string; Value: string }[];
  Content?: {
    Simple?: {
      Subject?: Content;
      Body?: { Text?: Content; Html?: Content };
      Headers?: { Name: string; Value: string }[];
    };
  };
}

let sequence = 0;

/** Puts one event on a bus (the runtime's EventBridge). */
export type PublishEvent = (entry: PutEventsEntry) => Promise<unknown>;

/**
 * SES's mailbox simulator ("Using the mailbox simulator"): mail to these addresses gets the
 * reply their name says, on AWS as here. Every other address is reported delivered.
 */
const SIMULATOR: Readonly<Record<string, 'bounce' | 'complaint'>> = {
  'bounce@simulator.amazonses.com': 'bounce',
  'complaint@simulator.amazonses.com': 'complaint',
};

/**
 * SES v2 for the local runtime: SendEmail from a verified identity (one the templates create, or one
 * the deployment says exists) becomes an RFC 5322 .eml in the outbox folder, which any mail client
 * opens; a sender with no verified identity is refused with SES's MessageRejected, as in the sandbox.
 * A configuration set must exist; its EventBridge destinations get the events of event publishing
 * (delivery, or the simulator's bounce or complaint), with the message's tags and the set's name.
 */
export class LocalEmail {
  constructor(
    private readonly outboxDir: string,
    private readonly identities: readonly string[],
    private readonly region: string,
    private readonly now: () => Date,
    private readonly configurationSets: readonly MailConfigurationSet[] = [],
    private readonly publish: PublishEvent = async () => undefined,
  ) {}

  /** ses:SendEmail on the sending identity (and the configuration set, when one is named). */
  authorizations(body: SendEmailRequest): AuthorizationRequest[] {
    const identity = this.identityOf(body.FromEmailAddress ?? '');
    const arn = (resource: string) => `arn:aws:ses:${this.region}:${LOCAL_ACCOUNT}:${resource}`;
    return [
      {
        action: 'ses:SendEmail',
        resource: arn(`identity/${identity ?? addressOf(body.FromEmailAddress ?? '')}`),
      },
      ...(body.ConfigurationSetName
        ? [{ action: 'ses:SendEmail', resource: arn(`configuration-set/${body.ConfigurationSetName}`) }]
        : []),
    ];
  }

  async send(body: SendEmailRequest): Promise<{ MessageId: string }> {
    const from = body.FromEmailAddress ?? '';
    if (!this.identityOf(from)) {
      throw new ServiceError(
        'MessageRejected',
        `Email address is not verified. The following identities failed the check in region ${this.region.toUpperCase()}: ${addressOf(from)}`,
      );
    }
    const configurationSet = body.ConfigurationSetName
      ? this.configurationSets.find((set) => set.name === body.ConfigurationSetName)
      : undefined;
    if (body.ConfigurationSetName && !configurationSet) {
      throw new ServiceError(
        'NotFoundException',
        `Configuration set <${body.ConfigurationSetName}> does not exist.`,
      );
    }
    const simple = body.Content?.Simple;
    const to = body.Destination?.ToAddresses ?? [];
    if (!simple || to.length === 0)
      throw new ServiceError('BadRequestException', 'Simple content and a recipient are required');
    const date = this.now();
    const eml = buildMime(
      {
        to: to.join(', '),
        subject: simple.Subject?.Data ?? '',
        text: simple.Body?.Text?.Data ?? '',
        html: simple.Body?.Html?.Data ?? '',
        headers: Object.fromEntries((simple.Headers ?? []).map((h) => [h.Name, h.Value])),
      },
      { from, date },
    );
    await mkdir(this.outboxDir, { recursive: true });
    // Named by time and a sequence, so a listing is in sending order; written under a temporary
    // name and renamed, so a reader polling the folder never sees half a file.
    sequence = (sequence + 1) % 1_000_000;
    const stamp = date.toISOString().replace(/[:.]/g, '-');
    const path = join(
      this.outboxDir,
      `${stamp}-${String(sequence).padStart(6, '0')}-${randomBytes(4).toString('hex')}.eml`,
    );
    await writeFile(`${path}.tmp`, eml, 'utf8');
    await rename(`${path}.tmp`, path);
    const messageId = randomUUID();
    if (configurationSet) await this.report(configurationSet, body, from, to, messageId, date);
    return { MessageId: messageId };
  }

  /** Event publishing: what SES tells the configuration set's EventBridge destinations. */
  private async report(
    set: MailConfigurationSet,
    body: SendEmailRequest,
    from: string,
    to: string[],
    messageId: string,
    date: Date,
  ): Promise<void> {
    const timestamp = date.toISOString();
    const reply = to.map((address) => SIMULATOR[addressOf(address).toLowerCase()]).find(Boolean);
    const mail = {
      timestamp,
      source: from,
      sendingAccountId: LOCAL_ACCOUNT,
      messageId,
      destination: to,
      tags: {
        'ses:configuration-set': [set.name],
        'ses:from-domain': [addressOf(from).split('@')[1] ?? ''],
        ...Object.fromEntries((body.EmailTags ?? []).map((tag) => [tag.Name, [tag.Value]])),
      },
    };
    const events: { type: string; detailType: string; detail: Record<string, unknown> }[] =
      reply === 'bounce'
        ? [
            {
              type: 'bounce',
              detailType: 'Email Bounced',
              detail: {
                eventType: 'Bounce',
                mail,
                bounce: {
                  bounceType: 'Permanent',
                  bounceSubType: 'General',
                  bouncedRecipients: to.map((emailAddress) => ({
                    emailAddress,
                    action: 'failed',
                    status: '5.1.1',
                  })),
                  timestamp,
                  feedbackId: randomUUID(),
                },
              },
            },
          ]
        : [
            {
              type: 'delivery',
              detailType: 'Email Delivered',
              detail: { eventType: 'Delivery', mail, delivery: { timestamp, recipients: to } },
            },
            ...(reply === 'complaint'
              ? [
                  {
                    type: 'complaint',
                    detailType: 'Email Complaint Received',
                    detail: {
                      eventType: 'Complaint',
                      mail,
                      complaint: {
                        complainedRecipients: to.map((emailAddress) => ({ emailAddress })),
                        complaintFeedbackType: 'abuse',
                        timestamp,
                        feedbackId: randomUUID(),
                      },
                    },
                  },
                ]
              : []),
          ];
    for (const destination of set.eventBridge) {
      for (const event of events.filter((e) => destination.events.includes(e.type))) {
        await this.publish({
          EventBusName: destination.busArn,
          Source: 'aws.ses',
          DetailType: event.detailType,
          Detail: JSON.stringify(event.detail),
          Resources: [`arn:aws:ses:${this.region}:${LOCAL_ACCOUNT}:configuration-set/${set.name}`],
        });
      }
    }
  }

  /** The verified identity that covers an address: the address itself, or its domain. */
  private identityOf(from: string): string | undefined {
    const address = addressOf(from).toLowerCase();
    const domain = address.slice(address.lastIndexOf('@') + 1);
    return this.identities.find(
      (identity) => identity.toLowerCase() === address || identity.toLowerCase() === domain,
    );
  }
}

/** The address inside "Name <address>", or the text itself. */
function addressOf(from: string): string {
  return (/<([^<>]+)>\s*$/.exec(from)?.[1] ?? from).trim();
}
