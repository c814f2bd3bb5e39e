/**
 * Issue 11 in the template: admission (dispatch-exports starts at most maxConcurrentExports
 * exports; requests wait QUEUED) and read budgets (READ_BUDGETS, a token bucket per game table in
 * the pipeline table), with the settings and the data map that tune them.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { type DataMap, OWN_REQUESTS_TABLE } from '../../functions/core/data-map/data-map';
import { defaultDataMap } from '../../functions/core/data-map/default-data-map';
import { readAdmissionConfig, readReadBudgets } from '../../functions/runtime/config';
import { matchesEventPattern } from '../../local/runtime/event-pattern';
import { flatten, type Json, synthTemplates } from './template-helpers';

const { pipeline } = synthTemplates();

// A data map that gives game-stats (the busiest table of the game) a budget of its own.
const dir = mkdtempSync(join(tmpdir(), 'pde-admission-'));
const budgetedMapFile = join(dir, 'budgeted-data-map.json');
writeFileSync(budgetedMapFile, JSON.stringify({ ...defaultDataMap, readBudgets: { 'game-stats': 250 } }));
// Every setting of issue 11 away from its default, as `-c name=value` gives it (text), with that
// map: one synth for all of them (each synth costs seconds of the test budget).
const tuned = synthTemplates({
  maxConcurrentExports: '3',
  queueAlarmDueSharePercent: '40',
  readBudget: '400',
  mailPerSecond: '14',
  dataMapFile: budgetedMapFile,
});

/** The game tables the data map reads, by the names the map gives ("@requests" is ours). */
const gameTables = [
  ...new Set(defaultDataMap.sources.filter((s) => s.table !== OWN_REQUESTS_TABLE).map((s) => s.table)),
].sort();

type Resource = { Properties: Record<string, Json>; Metadata?: Record<string, Json> };

/** The Lambda function of an ExportFunction (by construct id). */
function functionOf(template: Template, id: string): Resource {
  const found = Object.entries(template.findResources('AWS::Lambda::Function')).filter(([logicalId]) =>
    new RegExp(`^${id}Function[0-9A-F]{8}$`).test(logicalId),
  );
  expect(
    found.map(([logicalId]) => logicalId),
    id,
  ).toHaveLength(1);
  return found[0]?.[1] as Resource;
}

/** A function's environment, every value rendered as text (flatten). */
function environmentOf(template: Template, id: string): Record<string, string> {
  const variables = ((functionOf(template, id).Properties.Environment as { Variables?: Record<string, Json> })
    ?.Variables ?? {}) as Record<string, Json>;
  return Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, flatten(value)]));
}

function logicalIdOf(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) =>
    new RegExp(`^${prefix}[0-9A-F]{8}$`).test(id),
  );
  expect(ids, prefix).toHaveLength(1);
  return ids[0] as string;
}

function ruleOf(template: Template, prefix: string): Record<string, Json> {
  return template.findResources('AWS::Events::Rule')[logicalIdOf(template, 'AWS::Events::Rule', prefix)]
    ?.Properties as Record<string, Json>;
}

function alarmOf(template: Template, id: string): Record<string, Json> {
  return template.findResources('AWS::CloudWatch::Alarm')[
    logicalIdOf(template, 'AWS::CloudWatch::Alarm', `Alarms${id}`)
  ]?.Properties as Record<string, Json>;
}

/** The status event a function of the pipeline publishes when a request moves. */
function statusEvent(state: string, source = 'player-data-export') {
  return {
    version: '0',
    id: 'c1b6a1a4-5d0e-4f55-9b8e-2f0c2f0d6a11',
    'detail-type': 'ExportStatusChanged',
    source,
    account: '111122223333',
    time: '2026-11-23T10:00:00Z',
    region: 'eu-west-1',
    resources: [],
    detail: {
      requestId: 'req-1',
      playerId: 'p-1',
      state,
      at: '2026-11-23T10:00:00Z',
      dueAt: '2026-12-23T10:00:00Z',
    },
  };
}

describe('Admission: the dispatcher (dispatch-exports)', () => {
  const machineArn = `\${${logicalIdOf(pipeline, 'AWS::StepFunctions::StateMachine', 'WorkflowStateMachine')}}`;
  const dispatcherArn = `\${${logicalIdOf(pipeline, 'AWS::Lambda::Function', 'DispatchExportsFunction')}.Arn}`;
  const deadLettersArn = `\${${logicalIdOf(pipeline, 'AWS::SQS::Queue', 'DispatchExportsDeadLetters')}.Arn}`;

  it('is a function of its own, bundled from functions/dispatch-exports, with a minute’s timeout and a dead-letter queue', () => {
    const fn = functionOf(pipeline, 'DispatchExports');
    expect(fn.Metadata?.['player-data-export:entry']).toBe('functions/dispatch-exports/handler.ts');
    expect(fn.Properties.Timeout).toBe(60);
    expect(flatten((fn.Properties.DeadLetterConfig as { TargetArn: Json }).TargetArn)).toBe(deadLettersArn);
  });

  it('is told the state machine and at most 10 exports at a time by default, as its handler reads them', () => {
    const env = environmentOf(pipeline, 'DispatchExports');
    expect(env.STATE_MACHINE_ARN).toBe(machineArn);
    expect(env.MAX_CONCURRENT_EXPORTS).toBe('10');
    expect(env.PIPELINE_TABLE).toMatch(/^\$\{import:.*PipelineTable/);
    expect(env.EVENT_SOURCE).toBe('player-data-export');
    expect(readAdmissionConfig(env)).toEqual({ stateMachineArn: machineArn, maxConcurrent: 10 });
  });

  it('-c maxConcurrentExports=3 admits three at a time', () => {
    const env = environmentOf(tuned.pipeline, 'DispatchExports');
    expect(env.MAX_CONCURRENT_EXPORTS).toBe('3');
    expect(readAdmissionConfig(env).maxConcurrent).toBe(3);
  });

  it('refuses a maxConcurrentExports below 1, a readBudget below 1 and a due-share alarm above 90%, naming the setting', () => {
    expect(() => synthTemplates({ maxConcurrentExports: '0' })).toThrow(/maxConcurrentExports/);
    expect(() => synthTemplates({ readBudget: '0' })).toThrow(/readBudget/);
    expect(() => synthTemplates({ queueAlarmDueSharePercent: '95' })).toThrow(/queueAlarmDueSharePercent/);
  });

  it('start-export only records and queues the request: it is not told the state machine and cannot start it', () => {
    const env = environmentOf(pipeline, 'StartExport');
    expect(env.STATE_MACHINE_ARN).toBeUndefined();
    expect(env.MAX_CONCURRENT_EXPORTS).toBeUndefined();
    // The IAM side (no states:StartExecution) is in iam.test.ts, 'only the dispatcher and the watchdog…'.
  });

  describe('DispatchOnStatusRule', () => {
    const rule = ruleOf(pipeline, 'DispatchOnStatusRule');
    const pattern = rule.EventPattern;

    it('is on the bus the functions publish their status events to, for our own source only', () => {
      const startEnv = environmentOf(pipeline, 'StartExport');
      expect(rule.EventBusName).toBe(startEnv.EVENT_BUS_NAME);
      expect(pattern).toEqual({
        source: [startEnv.EVENT_SOURCE as string],
        'detail-type': ['ExportStatusChanged'],
        detail: { state: ['QUEUED', 'READY', 'FAILED'] },
      });
    });

    it('wakes the dispatcher when a request is queued or an export ends, not on the steps between', () => {
      for (const state of ['QUEUED', 'READY', 'FAILED']) {
        expect(matchesEventPattern(pattern, statusEvent(state)), state).toBe(true);
      }
      for (const state of ['RECEIVED', 'COLLECTING', 'PACKAGING', 'EXPIRED']) {
        expect(matchesEventPattern(pattern, statusEvent(state)), state).toBe(false);
      }
      // The portal (or anyone else) cannot wake it with a look-alike event.
      expect(matchesEventPattern(pattern, statusEvent('QUEUED', 'game.account-portal'))).toBe(false);
      expect(
        matchesEventPattern(pattern, { ...statusEvent('QUEUED'), 'detail-type': 'ExportRequested' }),
      ).toBe(false);
    });

    it('targets dispatch-exports, with retries and its dead-letter queue', () => {
      const targets = rule.Targets as { Arn: Json; RetryPolicy: Json; DeadLetterConfig: { Arn: Json } }[];
      expect(targets).toHaveLength(1);
      expect(flatten(targets[0]?.Arn)).toBe(dispatcherArn);
      expect(targets[0]?.RetryPolicy).toEqual({ MaximumRetryAttempts: 2 });
      expect(flatten(targets[0]?.DeadLetterConfig.Arn)).toBe(deadLettersArn);
    });

    it('follows the configured bus and pipeline event source', () => {
      const custom = synthTemplates({ portalEventBusName: 'portal', pipelineEventSource: 'acme.exports' });
      const customRule = ruleOf(custom.pipeline, 'DispatchOnStatusRule');
      const env = environmentOf(custom.pipeline, 'DispatchExports');
      expect(customRule.EventBusName).toBe('portal');
      expect(env.EVENT_BUS_NAME).toBe('portal');
      expect(matchesEventPattern(customRule.EventPattern, statusEvent('READY', 'acme.exports'))).toBe(true);
      expect(matchesEventPattern(customRule.EventPattern, statusEvent('READY'))).toBe(false);
    });
  });

  describe('DispatchSchedule', () => {
    const rule = ruleOf(pipeline, 'DispatchSchedule');

    it('runs dispatch-exports every minute (a lost status event, and the queue’s metrics), with its dead-letter queue', () => {
      expect(rule.ScheduleExpression).toBe('rate(1 minute)');
      expect(rule.EventPattern).toBeUndefined();
      const targets = rule.Targets as { Arn: Json; RetryPolicy: Json; DeadLetterConfig: { Arn: Json } }[];
      expect(targets).toHaveLength(1);
      expect(flatten(targets[0]?.Arn)).toBe(dispatcherArn);
      expect(targets[0]?.RetryPolicy).toEqual({ MaximumRetryAttempts: 2 });
      expect(flatten(targets[0]?.DeadLetterConfig.Arn)).toBe(deadLettersArn);
    });
  });

  it('only the two dispatch rules invoke dispatch-exports', () => {
    const invoking = Object.entries(pipeline.findResources('AWS::Events::Rule'))
      .filter(([, rule]) =>
        (rule.Properties.Targets as { Arn: Json }[]).some((t) => flatten(t.Arn) === dispatcherArn),
      )
      .map(([id]) => id.replace(/[0-9A-F]{8}$/, ''))
      .sort();
    expect(invoking).toEqual(['DispatchOnStatusRule', 'DispatchSchedule']);
  });
});

describe('Read budgets: the collectors’ READ_BUDGETS', () => {
  const budgetsOf = (template: Template) => {
    const env = environmentOf(template, 'CollectCategory');
    // As the collector reads it (it refuses to start without).
    return Object.fromEntries(readReadBudgets(env));
  };

  it('give every game table the data map reads 1000 units/s by default, keyed by the map’s table name', () => {
    // Keys are the map's names, not the deployed (demo-prefixed) ones: the collector looks its
    // budget up by the source's table, and the bucket is BUDGET#<that name>.
    expect(budgetsOf(pipeline)).toEqual(Object.fromEntries(gameTables.map((t) => [t, 1000])));
  });

  it('give our own requests table ("@requests") no budget', () => {
    expect(Object.keys(budgetsOf(pipeline))).not.toContain(OWN_REQUESTS_TABLE);
  });

  it('take a table’s budget from the data map’s readBudgets; -c readBudget=400 is every other table’s', () => {
    const budgets = budgetsOf(tuned.pipeline);
    expect(budgets['game-stats']).toBe(250);
    expect(budgets).toEqual(Object.fromEntries(gameTables.map((t) => [t, t === 'game-stats' ? 250 : 400])));
  });

  it('a data map whose readBudgets names a table no source reads fails synth, naming the table', () => {
    const stray = join(dir, 'stray-budget.json');
    const map: DataMap = { ...defaultDataMap, readBudgets: { 'game-stat': 250 } };
    writeFileSync(stray, JSON.stringify(map));
    expect(() => synthTemplates({ dataMapFile: stray })).toThrow(
      /dataMapFile: .*"game-stat" is not a game table any source reads/s,
    );
  });
});

describe('Admission and read-budget alarms', () => {
  const customMetric = (alarm: Record<string, Json>) => ({
    namespace: alarm.Namespace,
    metric: alarm.MetricName,
    statistic: alarm.Statistic,
    dimensions: alarm.Dimensions,
  });

  it('QueueWaitNearDueDate: the oldest queued request has used 25% of its month', () => {
    const alarm = alarmOf(pipeline, 'QueueWaitNearDueDate');
    expect(customMetric(alarm)).toEqual({
      namespace: 'PlayerDataExport',
      metric: 'OldestQueuedDueShare',
      statistic: 'Maximum',
      dimensions: [{ Name: 'service', Value: 'PlayerDataExport' }],
    });
    expect(alarm).toMatchObject({ Threshold: 25, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    expect(alarm.AlarmDescription).toContain('25%');
  });

  it('-c queueAlarmDueSharePercent=40 moves its threshold (and its description)', () => {
    const alarm = alarmOf(tuned.pipeline, 'QueueWaitNearDueDate');
    expect(alarm.Threshold).toBe(40);
    expect(alarm.AlarmDescription).toContain('40%');
  });

  it('ThrottledSourceReads: ten or more of our own reads throttled in five minutes', () => {
    const alarm = alarmOf(pipeline, 'ThrottledSourceReads');
    expect(customMetric(alarm)).toEqual({
      namespace: 'PlayerDataExport',
      metric: 'ThrottledReads',
      statistic: 'Sum',
      dimensions: [{ Name: 'service', Value: 'PlayerDataExport' }],
    });
    expect(alarm).toMatchObject({
      Threshold: 10,
      Period: 300,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('watch metrics the functions publish: OldestQueuedDueShare by the dispatcher, ThrottledReads by the collectors', () => {
    expect(readFileSync('functions/dispatch-exports/handler.ts', 'utf8')).toMatch(
      /addMetric\('OldestQueuedDueShare', MetricUnit\.Percent, report\.oldestQueuedDueShare \* 100\)/,
    );
    expect(readFileSync('functions/collect-category/handler.ts', 'utf8')).toMatch(
      /addMetric\('ThrottledReads'/,
    );
  });

  it('DispatchErrors: any error of dispatch-exports', () => {
    const alarm = alarmOf(pipeline, 'DispatchErrors');
    expect(alarm).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(alarm.Dimensions).toEqual([
      {
        Name: 'FunctionName',
        Value: { Ref: logicalIdOf(pipeline, 'AWS::Lambda::Function', 'DispatchExportsFunction') },
      },
    ]);
  });

  it('DispatchExportsDeadLetters: a message in the dispatcher’s dead-letter queue', () => {
    const alarm = alarmOf(pipeline, 'DispatchExportsDeadLetters');
    expect(alarm).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
    });
    expect(JSON.stringify(alarm.Dimensions)).toContain('DispatchExportsDeadLetters');
  });
});

describe('The mail sending rate (MAIL_PER_SECOND)', () => {
  it('every function that sends the link e-mail shares the SES sandbox rate, 1 per second, by default', () => {
    for (const id of ['DeliverLink', 'StartExport']) {
      expect(environmentOf(pipeline, id).MAIL_PER_SECOND, id).toBe('1');
    }
  });

  it('-c mailPerSecond=14 raises it to a production account’s quota', () => {
    for (const id of ['DeliverLink', 'StartExport']) {
      expect(environmentOf(tuned.pipeline, id).MAIL_PER_SECOND, id).toBe('14');
    }
  });
});
