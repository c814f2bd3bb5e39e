import { Aws, Duration } from 'aws-cdk-lib';
import {
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  type IAlarm,
  type IMetric,
  MathExpression,
  Metric,
  SingleValueWidget,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { gaugedStates } from '../../functions/core/requests/ops-gauges';
import { METRICS_NAMESPACE, REASON_DIMENSION, STATE_DIMENSION } from '../../functions/runtime/metrics';
import { pipelineMetric } from './pipeline-metrics';

/** A DynamoDB table (or one of its indexes) whose read throttling the dashboard shows. */
export interface ThrottleWatch {
  /** The table's name (a token for the pipeline's own table). */
  readonly tableName: string;
  readonly indexName?: string;
  /** Set for a table of another account or region (its metrics need CloudWatch cross-account sharing). */
  readonly account?: string;
  readonly region?: string;
  readonly label: string;
}

export interface OpsDashboardProps {
  /** The deployment's name: the dashboard is `<name>-requests`, and the metrics' `service`. */
  readonly serviceName: string;
  /** How often expire-exports publishes its gauges. */
  readonly sweepPeriod: Duration;
  readonly stateMachine: IStateMachine;
  readonly alarms: readonly IAlarm[];
  readonly throttleWatches: readonly ThrottleWatch[];
}

/** CloudWatch allows at most this many metrics on one graph. */
const MAX_METRICS_PER_GRAPH = 100;

/**
 * The privacy team's and operators' daily view of the requests: what waits, what is due, what
 * failed and why, what has not reached the player, downloads, throttled reads of the stores,
 * what the exports reported about the data, and the alarms. Every figure is a metric the
 * functions publish (namespace and `service` as the alarms use them) or an AWS service metric.
 */
export class OpsDashboard extends Construct {
  readonly dashboard: Dashboard;
  readonly dashboardName: string;

  constructor(scope: Construct, id: string, props: OpsDashboardProps) {
    super(scope, id);
    const { serviceName } = props;
    this.dashboardName = opsDashboardName(serviceName);
    const sweep = (metricName: string, label: string, statistic = 'Maximum') =>
      pipelineMetric(serviceName, metricName, { period: props.sweepPeriod, statistic, label });
    const hourly = (metricName: string, label: string) =>
      pipelineMetric(serviceName, metricName, { period: Duration.hours(1), statistic: 'Sum', label });

    const requestsByState = new GraphWidget({
      title: 'Requests by state',
      width: 12,
      height: 6,
      stacked: true,
      left: gaugedStates.map((state) =>
        pipelineMetric(serviceName, 'RequestsByState', {
          period: props.sweepPeriod,
          statistic: 'Maximum',
          dimensions: { [STATE_DIMENSION]: state },
          label: state,
        }),
      ),
    });
    // A figure the sweep publishes each run, shown as its latest value with a sparkline.
    const gauge = (title: string, metricName: string, label: string) =>
      new SingleValueWidget({
        title,
        width: 6,
        height: 6,
        sparkline: true,
        metrics: [sweep(metricName, label)],
      });
    const oldestWaiting = gauge(
      'Oldest waiting request (hours since receipt)',
      'OldestWaitingHours',
      'Hours',
    );
    const dueSoon = gauge(
      'Requests due within 7 days (or overdue)',
      'RequestsDueWithin7Days',
      'Due within 7 days',
    );

    const failures = new GraphWidget({
      title: 'Failures by reason',
      width: 12,
      height: 6,
      left: [
        new MathExpression({
          // One line per error name (ExportsFailed carries a `reason` dimension, see failureKind).
          expression: `SEARCH('{${METRICS_NAMESPACE},${REASON_DIMENSION},service} MetricName="ExportsFailed" service="${serviceName}"', 'Sum', ${Duration.hours(1).toSeconds()})`,
          usingMetrics: {},
          label: '',
          period: Duration.hours(1),
        }),
        hourly('RequestsGivenUp', 'Given up by the watchdog'),
        props.stateMachine.metricTimedOut({
          period: Duration.hours(1),
          statistic: 'Sum',
          label: 'Executions timed out',
        }),
      ],
    });
    const deliveries = new GraphWidget({
      title: 'Deliveries: pending and undelivered links',
      width: 12,
      height: 6,
      left: [
        sweep('DeliveriesPending', 'Pending (in the outbox)'),
        sweep('UndeliveredLinks', 'Undelivered (problem or late)'),
        hourly('LinksUndelivered', 'Given up by deliver-link'),
        hourly('DeliveryRetriesFailed', 'Delivery retries failed'),
        hourly('MailBounced', 'Mail bounced'),
        hourly('MailComplained', 'Mail complaints'),
      ],
    });

    const downloads = new GraphWidget({
      title: 'Downloads',
      width: 8,
      height: 6,
      left: [hourly('Downloads', 'Downloads per hour')],
    });
    const throttled = new GraphWidget({
      title: 'Throttled reads (DynamoDB ReadThrottleEvents)',
      width: 16,
      height: 6,
      left: props.throttleWatches.slice(0, MAX_METRICS_PER_GRAPH).map(readThrottles),
    });

    const retention = new GraphWidget({
      title: 'Retention findings (records past the stated retention)',
      width: 8,
      height: 6,
      left: [hourly('RetentionFindings', 'Records past retention')],
    });
    const mismatches = new GraphWidget({
      title: 'Data map mismatches',
      width: 8,
      height: 6,
      left: [hourly('DataMapMismatches', 'Fields of another type than declared')],
    });
    const deletions = new GraphWidget({
      title: 'Deletion failures',
      width: 8,
      height: 6,
      left: [sweep('DeletionFailures', 'Requests whose objects could not be deleted')],
    });

    const alarms = new AlarmStatusWidget({
      title: 'Alarms',
      width: 24,
      height: Math.max(3, Math.ceil(props.alarms.length / 4) + 1),
      alarms: [...props.alarms],
    });

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: this.dashboardName,
      defaultInterval: Duration.days(7),
      widgets: [
        [
          new TextWidget({
            width: 24,
            height: 2,
            markdown: [
              `# ${serviceName}: player data requests`,
              `Gauges are published by the expiry sweep every ${props.sweepPeriod.toMinutes()} minutes; counts by the functions as things happen. No figure carries a player or request id: follow a request in the pipeline table or with the ops CLI.`,
            ].join('\n'),
          }),
        ],
        [requestsByState, oldestWaiting, dueSoon],
        [failures, deliveries],
        [downloads, throttled],
        [retention, mismatches, deletions],
        [alarms],
      ],
    });
  }
}

/** `<deploymentName>-requests`: one dashboard per deployment. */
export function opsDashboardName(deploymentName: string): string {
  return `${deploymentName}-requests`;
}

/** The console URL of a dashboard in the stack's region. */
export function dashboardUrl(dashboardName: string): string {
  return `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards/dashboard/${dashboardName}`;
}

export function readThrottles(watch: ThrottleWatch): IMetric {
  return new Metric({
    namespace: 'AWS/DynamoDB',
    metricName: 'ReadThrottleEvents',
    dimensionsMap: {
      TableName: watch.tableName,
      ...(watch.indexName ? { GlobalSecondaryIndexName: watch.indexName } : {}),
    },
    statistic: 'Sum',
    period: Duration.minutes(5),
    label: watch.label,
    ...(watch.account ? { account: watch.account } : {}),
    ...(watch.region ? { region: watch.region } : {}),
  });
}
