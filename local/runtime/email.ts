import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LOCAL_ACCOUNT } from './deployment';
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
  Content?: {
    Simple?: {
      Subject?: Content;
      Body?: { Text?: Content; Html?: Content };
      Headers?: { Name: string; Value: string }[];
    };
  };
}

let sequence = 0;

/**
 * SES v2 for the local runtime: SendEmail from a verified identity (one the templates create, or one
 * the deployment says exists) becomes an RFC 5322 .eml in the outbox folder, which any mail client
 * opens; a sender with no verified identity is refused with SES's MessageRejected, as in the sandbox.
 */
export class LocalEmail {
  constructor(
    private readonly outboxDir: string,
    private readonly identities: readonly string[],
    private readonly region: string,
    private readonly now: () => Date,
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
    return { MessageId: randomUUID() };
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
