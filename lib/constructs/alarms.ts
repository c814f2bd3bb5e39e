import { Aws, CfnCondition, Duration, Fn } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  type CfnAlarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../../functions/runtime/metrics';
import { readThrottles, type ThrottleWatch } from './ops-dashboard';

export interface ExportAlarmsProps {
  readonly stateMachine: IStateMachine;
  readonly deadLetterQueues: Readonly<Record<string, IQueue>>;
  readonly api: HttpApi;
  readonly gatewayFunction: IFunction;
  readonly sweepFunction: IFunction;
  readonly deliveryFunction: IFunction;
  readonly dispatchFunction: IFunction;
  /** The admission alarm's threshold: the oldest queued request's wait, % of its legal month. */
  readonly queueAlarmDueSharePercent: number;
  /** The tables and indexes the exports read: an alarm on each one's read throttling (this account's). */
  readonly throttleWatches: readonly ThrottleWatch[];
  /** How often expire-exports publishes its metrics. */
  readonly sweepPeriod: Duration;
  /** The `service` dimension of the functions' metrics: the deployment's name. */
  readonly serviceName: string;
  readonly alarmEmail?: string;
}

/**
 * What ops must hear about: exports that failed, events nobody processed, requests close to their
 * legal due date, and a gateway that errors. Every alarm notifies one topic.
 */
export class ExportAlarms extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: ExportAlarmsProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', {
      displayName: 'player-data-export alarms',
      // Notifications carry alarm names and counts, no personal data; TLS is still required.
      enforceSSL: true,
    });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    const action = new SnsAction(this.topic);
    const alarm = (
      alarmId: string,
      metric: IMetric,
      description: string,
      threshold = 1,
      evaluationPeriods = 1,
    ) => {
      const created = new Alarm(this, alarmId, {
        metric,
        threshold,
        evaluationPeriods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      created.addAlarmAction(action);
      this.alarms.push(created);
      return created;
    };
    const fiveMinutes = Duration.minutes(5);

    alarm(
      'WorkflowFailed',
      props.stateMachine.metricFailed({ period: fiveMinutes, statistic: 'Sum' }),
      'An export failed for good: FailExport marked the request FAILED. Read failureReason on the request record and the execution in the Step Functions console.',
    );
    alarm(
      'WorkflowTimedOut',
      props.stateMachine.metricTimedOut({ period: fiveMinutes, statistic: 'Sum' }),
      'An export execution hit the state machine timeout; its request stays in a working state until the watchdog flags it.',
    );
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      alarm(
        `${name}DeadLetters`,
        queue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum' }),
        `Events that ${name} could not process are waiting in its dead-letter queue: inspect, fix, redrive.`,
      );
    }
    const sweepMetric = (metricName: string, statistic = 'Maximum') =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        // Powertools Metrics adds the service as a dimension.
        dimensionsMap: { service: props.serviceName },
        period: props.sweepPeriod,
        statistic,
      });
    alarm(
      'RequestsNearDueDate',
      sweepMetric('RequestsNearDueDate'),
      'Requests are close to their legal due date (one month from receipt) and not READY: answer them or extend the deadline with the reason (Art. 12(3) GDPR).',
    );
    alarm(
      'StuckRequests',
      sweepMetric('StuckRequests'),
      'Requests whose execution is running but has not moved for stuckAfterHours; the watchdog flagged them.',
    );
    // One run that stops with work left is a busy day; three in a row is a schedule falling behind.
    alarm(
      'ScheduleFallingBehind',
      sweepMetric('WorkLeftForNextRun', 'Minimum'),
      'Three runs in a row of the expiry sweep, watchdog and clean-up stopped at their time limit with work left (WorkLeftForNextRun): expired archives and stuck requests wait longer. Run the schedule more often (sweepEveryMinutes) or find what makes each item slow (function logs: leftForNextRun).',
      1,
      3,
    );
    alarm(
      'RequestsGivenUp',
      sweepMetric('RequestsGivenUp', 'Sum'),
      'The watchdog marked requests FAILED after maxExportAttempts executions ended without finishing them: read failureReason on the request, fix the cause, and ask the player to request again.',
    );
    alarm(
      'UndeliveredLinks',
      sweepMetric('UndeliveredLinks'),
      'READY archives whose link has not reached the player (e-mail refused, unanswered or given up, or ExportReady not published): read deliveryProblem and the audit trail of the request.',
    );
    alarm(
      'LinksGivenUp',
      sweepMetric('LinksUndelivered', 'Sum'),
      'deliver-link gave up on a link (a refusal retrying cannot fix, or too many failed tries).',
    );
    alarm(
      'DataMapMismatches',
      sweepMetric('DataMapMismatches', 'Sum'),
      'A game store holds values of another type than the data map declares (manifest.json notesForOperators names source, field and types): fix the map or the store. Exports still complete and describe what they hold.',
    );
    alarm(
      'RetentionFindings',
      sweepMetric('RetentionFindings', 'Sum'),
      'An export held records older than the retention the privacy notice states for their store (the log line "records past retention" and manifest.json notesForOperators.retentionFindings name source, table, field, count and the oldest date): that store\'s deletion job is late. The records were exported, as Art. 15 requires of held data; fix the deletion.',
    );
    alarm(
      'DeletionFailures',
      sweepMetric('DeletionFailures'),
      'Archives or leftover objects of finished requests could not be deleted (or were still there after the delete): personal data remains in the exports bucket past its purpose. The requests carry deletionFailedAt and a delete-failed audit entry with the error; the sweep retries every run.',
    );
    // SES reviews an account whose bounce rate passes 5% and may pause it at 10%; complaints at 0.1%.
    const mailMetric = (metricName: string) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: props.serviceName },
        period: Duration.hours(6),
        statistic: 'Sum',
      });
    alarm(
      'MailBounceRate',
      new MathExpression({
        // FILL: a period without reports counts 0; the tiny term keeps an all-zero period defined (0 %).
        expression: '100 * (FILL(b, 0) + FILL(c, 0)) / (FILL(b, 0) + FILL(c, 0) + FILL(d, 0) + 0.000001)',
        usingMetrics: {
          b: mailMetric('MailBounced'),
          c: mailMetric('MailComplained'),
          d: mailMetric('MailDelivered'),
        },
        period: Duration.hours(6),
        label: 'Bounced or complained, % of reported link e-mails',
      }),
      'More than 5% of the link e-mails bounced or were marked as spam in 6 hours: players are not getting their links (their requests carry deliveryProblem), and SES may pause sending for the account. Check the addresses the identity table holds.',
      5,
    );
    // ── Admission and read budgets ──
    const fiveMinuteMetric = (metricName: string, statistic: string) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: props.serviceName },
        period: Duration.minutes(5),
        statistic,
      });
    alarm(
      'QueueWaitNearDueDate',
      fiveMinuteMetric('OldestQueuedDueShare', 'Maximum'),
      `The oldest request waiting for an export slot has used ${props.queueAlarmDueSharePercent}% or more of its legal month (Art. 12(3)): raise maxConcurrentExports (and the tables' read budgets), or find what keeps the running exports from finishing.`,
      props.queueAlarmDueSharePercent,
    );
    alarm(
      'DispatchErrors',
      props.dispatchFunction.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
      'dispatch-exports failed: queued requests are not being started (its schedule retries every minute).',
    );
    alarm(
      'ThrottledSourceReads',
      fiveMinuteMetric('ThrottledReads', 'Sum'),
      "The collectors' reads of a game table were throttled (they wait and continue; an export is never failed for throttling alone). Often: lower that table's read budget (data map readBudgets, or readBudget) below what the table can give, or raise the table's capacity.",
      10,
    );
    // Every table (and index) the exports read in this account: the game's own reads are what a
    // throttle there hurts first. An alarm cannot watch another account's metric, so a table the
    // map names by ARN gets its alarm only where the ARN's account and region are the ones the
    // stack is deployed to (a CloudFormation condition: the stack is synthesized without an
    // account); tables of other accounts are on the dashboard only.
    for (const watch of props.throttleWatches) {
      const created = alarm(
        `ReadThrottles${constructIdOf(watch.label)}`,
        readThrottles({ ...watch, account: undefined, region: undefined }),
        `Reads of ${watch.label} were throttled (ReadThrottleEvents): every reader of it is slowed or refused, the game's own included. If exports were running, lower that table's read budget (data map readBudgets, or readBudget).`,
      );
      if (watch.account) {
        const here = new CfnCondition(this, `ReadThrottles${constructIdOf(watch.label)}InThisAccount`, {
          expression: Fn.conditionAnd(
            Fn.conditionEquals(Aws.ACCOUNT_ID, watch.account),
            Fn.conditionEquals(Aws.REGION, watch.region ?? Aws.REGION),
          ),
        });
        (created.node.defaultChild as CfnAlarm).cfnOptions.condition = here;
      }
    }
    alarm(
      'GatewayServerErrors',
      props.api.metricServerError({ period: fiveMinutes, statistic: 'Sum' }),
      'The download gateway answered 5xx: players cannot download. Check the gateway function logs.',
    );
    alarm(
      'GatewayFunctionErrors',
      props.gatewayFunction.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
      'The download gateway function threw.',
    );
    alarm(
      'DeliveryErrors',
      props.deliveryFunction.metricErrors({ period: props.sweepPeriod, statistic: 'Sum' }),
      'deliver-link failed: links wait in the outbox (its schedule retries).',
    );
    alarm(
      'SweepErrors',
      props.sweepFunction.metricErrors({ period: props.sweepPeriod, statistic: 'Sum' }),
      'The expiry sweep failed: links and requests are not being expired and the due-date watch is blind.',
    );
  }
}

/** "game-stats byPlayer" → "GameStatsByPlayer": a stable construct id from a label. */
function constructIdOf(label: string): string {
  return label
    .split(/[^A-Za-z0-9]+/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}
