import type { Mailer, MailMessage } from '../ports';
import type { SharedTokenBucket } from '../token-bucket';

/** The sending-rate bucket's key in the shared store (beside the read budgets' BUDGET#<table>). */
export const MAIL_BUCKET = 'BUDGET#@mail';

/**
 * A mailer that keeps to a sending rate: each message takes one token of a bucket every sender of
 * the deployment shares, waiting for it when the rate is spent. SES refuses what goes faster than
 * the account's rate (1 per second in the sandbox); waiting here is cheaper than that refusal and
 * the delivery retry it would cost.
 */
export class PacedMailer implements Mailer {
  constructor(
    private readonly inner: Mailer,
    private readonly bucket: Pick<SharedTokenBucket, 'take'>,
  ) {}

  async send(message: MailMessage): Promise<void> {
    await this.bucket.take(1);
    await this.inner.send(message);
  }
}
