import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { OWN_REQUESTS_TABLE } from '../../functions/core/data-map/data-map';
import { defaultDataMap } from '../../functions/core/data-map/default-data-map';
import { demoTableNames } from '../../lib/demo-game-stack';
import { flatten, type Json, synthTemplates } from './template-helpers';

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
    // One per dead-letter queue: start-export, expire-exports, deliver-link, mail-events, dispatch-exports.
    expect(named('ApproximateNumberOfMessagesVisible')).toHaveLength(5);
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
    // A schedule that stops with work left three runs in a row (every run of each period left some).
    expect(named('WorkLeftForNextRun')).toEqual([
      expect.objectContaining({
        Namespace: 'PlayerDataExport',
        Dimensions: [{ Name: 'service', Value: 'PlayerDataExport' }],
        Statistic: 'Minimum',
        Threshold: 1,
        EvaluationPeriods: 3,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      }),
    ]);
    // deliver-link failing outright (not a refused mail: an error of the function) alarms too,
    // as do the gateway, the sweep and the dispatcher (queued requests not being started).
    expect(alarms.filter((a) => a.MetricName === 'Errors')).toHaveLength(4);
  });

  it('alarm on read throttling of every table and index the exports read in this account, and of the requests table', () => {
    const throttles = alarms.filter((a) =>
      (a.Metrics as { MetricStat?: { Metric: { MetricName: string } } }[] | undefined)?.some(
        (m) => m.MetricStat?.Metric.MetricName === 'ReadThrottleEvents',
      ),
    );
    const watched = throttles.map((alarm) => {
      expect(alarm.Metrics).toHaveLength(1);
      const { MetricStat } = alarm.Metrics[0];
      expect(MetricStat).toMatchObject({ Period: 300, Stat: 'Sum', Metric: { Namespace: 'AWS/DynamoDB' } });
      expect(alarm).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
      const dimensions = Object.fromEntries(
        (MetricStat.Metric.Dimensions as { Name: string; Value: Json }[]).map((d) => [
          d.Name,
          flatten(d.Value),
        ]),
      );
      return dimensions.GlobalSecondaryIndexName
        ? `${dimensions.TableName}/${dimensions.GlobalSecondaryIndexName}`
        : (dimensions.TableName as string);
    });
    // Demo mode: the game's tables are the demo stack's, by their prefixed names.
    const demoNames = demoTableNames('PlayerDataExport');
    const expected = new Set(
      defaultDataMap.sources
        .filter((s) => s.table !== OWN_REQUESTS_TABLE)
        .map((s) => {
          const table = demoNames.get(s.table) ?? s.table;
          return s.key.index ? `${table}/${s.key.index}` : table;
        }),
    );
    const own = watched.filter((w) => w.includes('PipelineTable'));
    expect(own.map((w) => w.replace(/^.*\}/, '')).sort()).toEqual([
      '',
      '/awaitingCleanUp',
      '/byPlayer',
      '/byState',
    ]);
    expect(new Set(watched.filter((w) => !w.includes('PipelineTable')))).toEqual(expected);
    expect(watched).toHaveLength(expected.size + 4);
    // One alarm each, named after what it watches.
    const ids = Object.keys(pipeline.findResources('AWS::CloudWatch::Alarm'));
    for (const id of [
      'Players',
      'ForumPostsByAuthor',
      'PrivateMessagesBySender',
      'PrivateMessagesByRecipient',
      'RequestsTableByPlayer',
      'RequestsTableAwaitingCleanUp',
    ]) {
      expect(
        ids.filter((alarm) => new RegExp(`^AlarmsReadThrottles${id}[0-9A-F]{8}$`).test(alarm)),
        id,
      ).toHaveLength(1);
    }
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
    expect(queues).toHaveLength(5);
    for (const queue of queues) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
  });
});

describe('Functions', () => {
  it('run on arm64 with the newest Node.js runtime and a log group with the configured retention', () => {
    const functions = Object.values(pipeline.findResources('AWS::Lambda::Function'));
    expect(functions).toHaveLength(12);
    for (const fn of functions) {
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.Runtime).toBe('nodejs24.x');
      expect(fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).toBe('PlayerDataExport');
    }
    const groups = Object.values(pipeline.findResources('AWS::Logs::LogGroup'));
    for (const group of groups) expect(group.Properties.RetentionInDays).toBe(30);
  });

  it('schedules the sweep (expiry, watchdog, clean-up) and the delivery outbox every 15 minutes, the dispatcher every minute', () => {
    const schedules = Object.values(pipeline.findResources('AWS::Events::Rule')).filter(
      (rule) => rule.Properties.ScheduleExpression,
    );
    const scheduleOf = (fn: string) =>
      schedules
        .filter((rule) => JSON.stringify(rule.Properties.Targets).includes(`${fn}Function`))
        .map((rule) => rule.Properties.ScheduleExpression);
    expect(schedules).toHaveLength(3);
    expect(scheduleOf('ExpireExports')).toEqual(['rate(15 minutes)']);
    expect(scheduleOf('DeliverLink')).toEqual(['rate(15 minutes)']);
    // Admission: a queued request whose status event was lost still starts within a minute.
    expect(scheduleOf('DispatchExports')).toEqual(['rate(1 minute)']);
  });
});
