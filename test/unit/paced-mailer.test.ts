import { describe, expect, it } from 'vitest';
import { PacedMailer } from '../../functions/core/mail/paced-mailer';
import type { MailMessage } from '../../functions/core/ports';

describe('PacedMailer', () => {
  const message: MailMessage = { to: 'nova@example.org', subject: 's', text: 't', html: '<p>t</p>' };

  it('takes one token of the shared bucket before each message, and sends only once it has it', async () => {
    const order: string[] = [];
    let release: () => void = () => undefined;
    const bucket = {
      take: async (units: number) => {
        order.push(`take ${units}`);
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      },
    };
    const mailer = new PacedMailer({ send: async (m) => void order.push(`send ${m.subject}`) }, bucket);
    const sending = mailer.send(message);
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['take 1']);
    release();
    await sending;
    expect(order).toEqual(['take 1', 'send s']);
  });

  it('passes the mail service’s refusal on (the delivery step records it)', async () => {
    const mailer = new PacedMailer(
      {
        send: async () => {
          throw new Error('MessageRejected');
        },
      },
      { take: async () => undefined },
    );
    await expect(mailer.send(message)).rejects.toThrow('MessageRejected');
  });
});
