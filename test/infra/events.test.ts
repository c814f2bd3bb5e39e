import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { synthTemplates } from './template-helpers';

type Pattern = { [key: string]: Pattern | (string | number | boolean | null)[] };
type Event = { [key: string]: unknown };
type RuleResource = ReturnType<Template['findResources']>[string];

/**
 * The subset of EventBridge matching the rule uses: a field matches if its value is one of the
 * listed values; nested objects match field by field; fields absent from the pattern are ignored.
 */
function matches(pattern: Pattern, event: Event): boolean {
  return Object.entries(pattern).every(([field, expected]) => {
    const actual = event[field];
    if (Array.isArray(expected)) {
      if (expected.some((v) => typeof v === 'object' && v !== null)) {
        throw new Error(`content filter in ${field}: extend the matcher before relying on it`);
      }
      return expected.includes(actual as string);
    }
    return typeof actual === 'object' && actual !== null && matches(expected, actual as Event);
  });
}

/** Rules on events of the portal: neither SES's mail reports nor the pipeline's own status events. */
function portalRules(rules: RuleResource[]): RuleResource[] {
  return rules.filter((r) => {
    const sources: string[] | undefined = r.Properties.EventPattern?.source;
    return sources !== undefined && !sources.includes('aws.ses') && !sources.includes('player-data-export');
  });
}

const portalEvent = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'ExportRequested',
  source: 'game.account-portal',
  account: '111122223333',
  time: '2026-11-23T10:00:00Z',
  region: 'eu-west-1',
  resources: [],
  detail: { requestId: 'req-1', playerId: 'p-1', locale: 'en', requestedAt: '2026-11-23T10:00:00Z' },
};

describe('ExportRequested rule', () => {
  const { pipeline } = synthTemplates();
  // The portal's rule; the other pattern rules take SES's mail reports (see 'Mail reports rule')
  // and our own status events, which wake the dispatcher (test/infra/admission.test.ts).
  const patternRules = Object.values(pipeline.findResources('AWS::Events::Rule')).filter(
    (r) => r.Properties.EventPattern,
  );
  const rules = portalRules(patternRules);
  const rule = rules[0];
  const pattern = rule?.Properties.EventPattern as Pattern;

  it('is on the configured bus and pattern', () => {
    expect(rules).toHaveLength(1);
    // Besides it: the mail reports and the dispatcher's status events, nothing else listens.
    expect(patternRules.map((r) => r.Properties.EventPattern.source).sort()).toEqual([
      ['aws.ses'],
      ['game.account-portal'],
      ['player-data-export'],
    ]);
    expect(rule?.Properties.EventBusName).toBe('default');
    expect(pattern).toEqual({ source: ['game.account-portal'], 'detail-type': ['ExportRequested'] });
  });

  it('matches a portal event', () => {
    expect(matches(pattern, portalEvent)).toBe(true);
  });

  it('rejects the same event from another source, and another detail type', () => {
    expect(matches(pattern, { ...portalEvent, source: 'evil.app' })).toBe(false);
    expect(matches(pattern, { ...portalEvent, source: 'player-data-export' })).toBe(false);
    expect(matches(pattern, { ...portalEvent, 'detail-type': 'ExportReady' })).toBe(false);
  });

  it('targets start-export with retries and a dead-letter queue', () => {
    const target = rule?.Properties.Targets[0];
    expect(JSON.stringify(target.Arn)).toContain('StartExportFunction');
    expect(target.RetryPolicy).toMatchObject({ MaximumRetryAttempts: 8 });
    expect(JSON.stringify(target.DeadLetterConfig)).toContain('StartExportDeadLetters');
  });

  it('follows the configured bus, source and detail type', () => {
    const custom = synthTemplates({
      portalEventBusName: 'portal',
      portalEventSource: 'acme.portal',
      requestDetailType: 'DataRequested',
    });
    const customRules = portalRules(Object.values(custom.pipeline.findResources('AWS::Events::Rule')));
    expect(customRules).toHaveLength(1);
    const customRule = customRules[0];
    expect(customRule?.Properties.EventBusName).toBe('portal');
    expect(
      matches(customRule?.Properties.EventPattern, {
        ...portalEvent,
        source: 'acme.portal',
        'detail-type': 'DataRequested',
      }),
    ).toBe(true);
    expect(matches(customRule?.Properties.EventPattern, portalEvent)).toBe(false);
  });
});

describe('Mail reports rule', () => {
  const { pipeline } = synthTemplates();
  const [rule] = Object.values(pipeline.findResources('AWS::Events::Rule')).filter((r) =>
    r.Properties.EventPattern?.source?.includes('aws.ses'),
  );
  const pattern = rule?.Properties.EventPattern as Pattern;
  const sesEvent = (detailType: string, configurationSet: string) => ({
    source: 'aws.ses',
    'detail-type': detailType,
    detail: { eventType: 'Bounce', mail: { tags: { 'ses:configuration-set': configurationSet } } },
  });

  it('takes this deployment’s bounces, complaints, rejections and deliveries from the default bus', () => {
    expect(rule?.Properties.EventBusName).toBe('default');
    for (const type of ['Email Bounced', 'Email Complaint Received', 'Email Rejected', 'Email Delivered']) {
      expect(matches(pattern, sesEvent(type, 'PlayerDataExport-mail')), type).toBe(true);
    }
  });

  it('ignores other SES events and another deployment’s (or application’s) mail', () => {
    expect(matches(pattern, sesEvent('Email Opened', 'PlayerDataExport-mail'))).toBe(false);
    expect(matches(pattern, sesEvent('Email Bounced', 'PdeStaging-mail'))).toBe(false);
    expect(
      matches(pattern, {
        ...sesEvent('Email Bounced', 'PlayerDataExport-mail'),
        source: 'game.account-portal',
      }),
    ).toBe(false);
  });
});
