import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { synthTemplates } from './template-helpers';

const { pipeline } = synthTemplates();

describe('Download gateway HTTP API', () => {
  it('routes the landing page, the download and everything else to the gateway function with payload v2', () => {
    const routes = Object.values(pipeline.findResources('AWS::ApiGatewayV2::Route')).map(
      (r) => r.Properties.RouteKey,
    );
    // $default: a wrong method or path gets the gateway's own 404/405 page and security headers.
    expect(routes.sort()).toEqual([
      '$default',
      'GET /d/{token}',
      // The account portal's AWS_IAM route (test/infra/ops.test.ts).
      'GET /portal/players/{playerId}/requests',
      'HEAD /d/{token}',
      'POST /d/{token}/download',
    ]);
    pipeline.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
    });
  });

  it('throttles the $default stage and logs access without the path (it holds the token)', () => {
    const stages = Object.values(pipeline.findResources('AWS::ApiGatewayV2::Stage'));
    expect(stages).toHaveLength(1);
    const stage = stages[0]?.Properties;
    expect(stage.StageName).toBe('$default');
    expect(stage.AutoDeploy).toBe(true);
    expect(stage.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 });
    expect(stage.AccessLogSettings.Format).toContain('$context.routeKey');
    expect(stage.AccessLogSettings.Format).not.toMatch(/\$context\.(path|identity\.sourceIp)/);
  });
});

describe('Alarms', () => {
  const alarms = Object.values(pipeline.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
  const named = (metricName: string) => alarms.filter((a) => a.MetricName === metricName);

  it('alarm on failed executions, dead letters, requests near their due date and gateway 5xx', () => {
    expect(named('ExecutionsFailed')).toHaveLength(1);
    expect(named('ApproximateNumberOfMessagesVisible')).toHaveLength(4);
    expect(named('5xx')).toHaveLength(1);
    expect(named('RequestsNearDueDate')[0]).toMatchObject({
      Namespace: 'PlayerDataExport',
      Dimensions: [{ Name: 'service', Value: 'PlayerDataExport' }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('alarm when the lifecycle gives up: requests failed by the watchdog, links that did not reach the player, leftovers not deleted', () => {
    for (const metric of [
      'RequestsGivenUp',
      'UndeliveredLinks',
      'LinksUndelivered',
      'DeletionFailures',
      'StuckRequests',
    ]) {
      expect(named(metric), metric).toHaveLength(1);
      expect(named(metric)[0], metric).toMatchObject({
        Namespace: 'PlayerDataExport',
        Dimensions: [{ Name: 'service', Value: 'PlayerDataExport' }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
    // deliver-link failing outright (not a refused mail: an error of the function) alarms too.
    expect(alarms.filter((a) => a.MetricName === 'Errors')).toHaveLength(3);
  });

  it('every alarm notifies the TLS-only alarm topic', () => {
    for (const alarm of alarms) expect(JSON.stringify(alarm.AlarmActions)).toContain('AlarmsTopic');
    pipeline.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('dead-letter queues are encrypted and TLS-only', () => {
    const queues = Object.values(pipeline.findResources('AWS::SQS::Queue'));
    expect(queues).toHaveLength(4);
    for (const queue of queues) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
  });
});

describe('Functions', () => {
  it('run on arm64 with the newest Node.js runtime and a log group with the configured retention', () => {
    const functions = Object.values(pipeline.findResources('AWS::Lambda::Function'));
    expect(functions).toHaveLength(11);
    for (const fn of functions) {
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.Runtime).toBe('nodejs24.x');
      expect(fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).toBe('PlayerDataExport');
    }
    const groups = Object.values(pipeline.findResources('AWS::Logs::LogGroup'));
    for (const group of groups) expect(group.Properties.RetentionInDays).toBe(30);
  });

  it('schedules the sweep (expiry, watchdog, clean-up) and the delivery outbox every 15 minutes', () => {
    const schedules = Object.values(pipeline.findResources('AWS::Events::Rule')).filter(
      (rule) => rule.Properties.ScheduleExpression,
    );
    expect(schedules.map((rule) => rule.Properties.ScheduleExpression)).toEqual([
      'rate(15 minutes)',
      'rate(15 minutes)',
    ]);
    const targets = schedules.map((rule) => JSON.stringify(rule.Properties.Targets));
    expect(targets.some((t) => t.includes('ExpireExportsFunction'))).toBe(true);
    expect(targets.some((t) => t.includes('DeliverLinkFunction'))).toBe(true);
  });
});
