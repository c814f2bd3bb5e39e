import { describe, expect, it } from 'vitest';
import { mailFeedbackOf, SesFeedbackEventError } from '../../functions/adapters/ses/ses-feedback-event';

// Shapes from "Examples of event data that Amazon SES publishes" (event publishing), as EventBridge delivers them.
const mail = (tags: Record<string, string[]>) => ({
  timestamp: '2026-11-30T10:00:00.000Z',
  source: 'privacy@nordlys-games.eu',
  messageId: '0100018c-abc',
  destination: ['player@example.org'],
  tags: { 'ses:configuration-set': ['PlayerDataExport-mail'], ...tags },
});
const event = (detailType: string, detail: Record<string, unknown>) => ({
  version: '0',
  id: 'e1',
  'detail-type': detailType,
  source: 'aws.ses',
  time: '2026-11-30T10:00:05Z',
  detail,
});

describe('SES feedback events', () => {
  it('a bounce: the request from the tag, the bounce type, the bounce time; never the address or diagnostics', () => {
    const feedback = mailFeedbackOf(
      event('Email Bounced', {
        eventType: 'Bounce',
        mail: mail({ requestId: ['r-1'] }),
        bounce: {
          bounceType: 'Permanent',
          bounceSubType: 'NoEmail',
          bouncedRecipients: [
            { emailAddress: 'player@example.org', diagnosticCode: 'smtp; 550 player@example.org unknown' },
          ],
          timestamp: '2026-11-30T10:00:03.000Z',
        },
      }),
    );
    expect(feedback).toEqual({
      requestId: 'r-1',
      outcome: 'bounced',
      at: '2026-11-30T10:00:03.000Z',
      detail: 'Permanent/NoEmail',
    });
    expect(JSON.stringify(feedback)).not.toContain('example.org');
  });

  it('a complaint, a delivery and a rejection', () => {
    const complaint = mailFeedbackOf(
      event('Email Complaint Received', {
        mail: mail({ requestId: ['r-2'] }),
        complaint: { complaintFeedbackType: 'abuse', timestamp: '2026-11-30T11:00:00.000Z' },
      }),
    );
    expect(complaint).toMatchObject({ requestId: 'r-2', outcome: 'complained', detail: 'abuse' });
    const delivery = mailFeedbackOf(
      event('Email Delivered', {
        mail: mail({ requestId: ['r-3'] }),
        delivery: { timestamp: '2026-11-30T10:00:01.000Z' },
      }),
    );
    expect(delivery).toEqual({ requestId: 'r-3', outcome: 'delivered', at: '2026-11-30T10:00:01.000Z' });
    expect(
      mailFeedbackOf(event('Email Rejected', { mail: mail({ requestId: ['r-4'] }), reject: {} })),
    ).toEqual({
      requestId: 'r-4',
      outcome: 'rejected',
      at: '2026-11-30T10:00:05Z',
    });
  });

  it('mail without a request tag is not ours', () => {
    expect(mailFeedbackOf(event('Email Delivered', { mail: mail({}) }))).toBeUndefined();
  });

  it('refuses what is not mail feedback, saying why', () => {
    expect(() => mailFeedbackOf({ hello: 'world' })).toThrow(SesFeedbackEventError);
    expect(() => mailFeedbackOf(event('Email Opened', { mail: mail({ requestId: ['r'] }) }))).toThrow(
      /Email Opened is not mail feedback/,
    );
    expect(() => mailFeedbackOf(event('Email Bounced', {}))).toThrow(/detail\.mail/);
  });
});
