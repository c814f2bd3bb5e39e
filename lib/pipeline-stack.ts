import {
  Aws,
  type CfnElement,
  CfnOutput,
  Duration,
  Fn,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import { ApiMapping, DomainName } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { EmailIdentity } from 'aws-cdk-lib/aws-ses';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { type DeployConfig, DeployConfigError } from '../config/deploy';
import {
  pipelineIndexNames,
  pipelineTableKeys,
  playerKey,
  stateKey,
} from '../functions/adapters/dynamodb/pipeline-table';
import { SES_FEEDBACK_DETAIL_TYPES } from '../functions/adapters/ses/ses-feedback-event';
import { CHECKPOINTS_PATTERN } from '../functions/core/archive/layout';
import { OWN_REQUESTS_TABLE, readBudgetsOf, type SourceSpec } from '../functions/core/data-map/data-map';
import { exportWorkflow } from '../functions/core/workflow';
import { ExportAlarms } from './constructs/alarms';
import {
  identitySource,
  type SourceReader,
  sourceReaderRoleName,
  sourceReaders,
  sourceResourceArns,
} from './constructs/data-map-access';
import { DownloadGateway } from './constructs/download-gateway';
import { ExportFunction, logRetentionOf, type TableBinding } from './constructs/export-function';
import { ExportWorkflow } from './constructs/export-workflow';
import { ARCHIVES_PREFIX, STAGING_PREFIX } from './constructs/exports-bucket';
import { dashboardUrl, OpsDashboard, type ThrottleWatch } from './constructs/ops-dashboard';
import { PortalApi } from './constructs/portal-api';
import type { DeploymentFiles } from './deployment-files';
import { mailConfigurationSetName, stackExports } from './stateful-stack';

export interface PipelineStackProps extends StackProps {
  readonly config: DeployConfig;
  readonly pipelineTable: ITable;
  /**
   * The data map's table names as deployed, where they differ (the demo game's prefixed tables in
   * demo mode); every other table is the game's own, by the name or ARN the map gives.
   */
  readonly sourceTables: ReadonlyMap<string, string>;
  /** The deployment's data map and privacy notice: granted by, and embedded in every bundle. */
  readonly files: DeploymentFiles;
}

/** Lifecycle steps read and write requests, audit entries and grants; nothing deletes (TTL does). */
const lifecycleAccess: TableBinding = {
  actions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  indexes: pipelineIndexNames,
};

/**
 * The stateless part: one function per handler, the workflow built from its description, the rule
 * on the portal's bus, the download gateway, the expiry schedule, dead-letter queues and alarms.
 */
export class PipelineStack extends Stack {
  readonly functions: Readonly<Record<string, ExportFunction>>;
  readonly workflow: ExportWorkflow;
  readonly gateway: DownloadGateway;
  readonly requestRule: Rule;
  readonly portalApi: PortalApi;
  readonly dashboard: OpsDashboard;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const { config, pipelineTable, sourceTables } = props;
    const imports = stackExports(config.deploymentName);
    // By the stateful stack's named exports (see stackExports); deploy that stack first.
    // One key encrypts the exports bucket and the requests table (the stateful stack's data key).
    const dataKey = Key.fromKeyArn(this, 'DataKey', Fn.importValue(imports.dataKeyArn));
    const exportsBucket = Bucket.fromBucketAttributes(this, 'ExportsBucket', {
      bucketArn: Fn.importValue(imports.exportsBucketArn),
      bucketName: Fn.importValue(imports.exportsBucketName),
      encryptionKey: dataKey,
    });
    const logRetention = logRetentionOf(config.logRetentionDays);
    const bus = EventBus.fromEventBusName(this, 'PortalBus', config.portalEventBusName);
    const { dataMap } = props.files;
    const identity = identitySource(dataMap);
    checkOwnRequestSources(dataMap.sources);
    // The pipeline's own request records are read like a game table ("@requests" in the map).
    const readableTables = new Map([...sourceTables, [OWN_REQUESTS_TABLE, pipelineTable.tableName]]);
    /**
     * Query on the given sources' tables (or indexes), Decrypt on their customer-managed keys, and
     * where the data map's table names resolve to.
     */
    const readSources = (fn: ExportFunction, sources: readonly SourceSpec[]) => {
      fn.addEnvironment('SOURCE_TABLES', JSON.stringify(Object.fromEntries(readableTables)));
      if (sources.some((s) => s.table === OWN_REQUESTS_TABLE)) fn.allowKey(dataKey, false);
      return fn
        .allowQuery(sourceResourceArns(this, sources, readableTables))
        .allowTableKeys(sources.flatMap((source) => (source.kmsKeyArn ? [source.kmsKeyArn] : [])));
    };

    // Created (and kept) by the stateful stack, or already in the account.
    const sesIdentity = EmailIdentity.fromEmailIdentityName(this, 'Sender', config.sesIdentity);

    const deadLetters = (name: string) =>
      new Queue(this, `${name}DeadLetters`, {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        // The longest SQS allows: time to find the bug and redrive.
        retentionPeriod: Duration.days(14),
      });
    const intakeDlq = deadLetters('StartExport');
    const sweepDlq = deadLetters('ExpireExports');
    const deliveryDlq = deadLetters('DeliverLink');

    const make = (
      entry: string,
      description: string,
      options: { memorySize?: number; timeout?: Duration; deadLetterQueue?: Queue } = {},
    ) =>
      new ExportFunction(this, pascal(entry), {
        entry,
        description,
        // Readers of the game's tables get fixed role names: a cross-account table's policy names them.
        ...(pascal(entry) in sourceReaders
          ? {
              roleName: sourceReaderRoleName(
                config.deploymentName,
                pascal(entry) as SourceReader,
                Aws.REGION,
              ),
            }
          : {}),
        serviceName: config.deploymentName,
        embedded: props.files.embedded,
        logRetention,
        tracing: config.tracing,
        ...options,
      });

    /** Links: where they point, how long they last, how many downloads. */
    const links = (fn: ExportFunction) =>
      fn
        .addEnvironment('GATEWAY_BASE_URL', linkBaseUrl)
        .addEnvironment('LINK_TTL_SECONDS', String(config.linkTtlSeconds))
        .addEnvironment('MAX_DOWNLOADS', String(config.maxDownloads));
    /** Sends the outbox: e-mail through SES (to the identity source's address) and ExportReady. */
    const mailConfiguration = mailConfigurationSetName(config.deploymentName);
    const mail = (fn: ExportFunction) => {
      fn.addEnvironment('MAIL_FROM', config.mailFrom)
        .addEnvironment('TRUST_EVENT_EMAIL', String(config.trustPortalEmail))
        .addEnvironment('SES_CONFIGURATION_SET', mailConfiguration)
        .addEnvironment('MAIL_PER_SECOND', String(config.mailPerSecond));
      readSources(fn, [identity]);
      sesIdentity.grantSendEmail(fn.role);
      // SendEmail with a configuration set is authorized on the set too.
      fn.role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['ses:SendEmail'],
          resources: [
            this.formatArn({
              service: 'ses',
              resource: 'configuration-set',
              resourceName: mailConfiguration,
            }),
          ],
        }),
      );
      return fn;
    };

    // ── Download gateway first: the links of publish-export and start-export point at it. ──────
    const gatewayFn = make(
      'download-gateway',
      'Download links: landing page and counted, audited downloads',
      {
        memorySize: 256,
        timeout: Duration.seconds(10),
      },
    )
      // Grants are read and consumed (GRANT#…); audit entries are appended (REQUEST#…). No Scan,
      // no DeleteItem, and nothing else of the table.
      .bindTable(pipelineTable, 'PIPELINE_TABLE', {
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        leadingKeys: ['GRANT#*'],
      })
      // Requests are read (a download needs its request READY), audit entries appended, and the
      // request's download count and time kept up to date (the player's request history shows them).
      .bindTable(pipelineTable, undefined, {
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        leadingKeys: ['REQUEST#*'],
      })
      // Presigned URLs are signed with this role: it can read archives and nothing else.
      .bindBucket(exportsBucket, 'EXPORTS_BUCKET', { read: [ARCHIVES_PREFIX] })
      .addEnvironment('PRESIGN_SECONDS', '120');
    if (config.portalUrl) gatewayFn.addEnvironment('PORTAL_URL', config.portalUrl);
    this.gateway = new DownloadGateway(this, 'DownloadApi', {
      handler: gatewayFn.function,
      rateLimit: config.gatewayRateLimit,
      burstLimit: config.gatewayBurstLimit,
      logRetention,
    });
    if (config.downloadDomainName) {
      // Onto the stateful stack's domain, by its export: that stack cannot drop it while mapped.
      new ApiMapping(this, 'DownloadDomainMapping', {
        api: this.gateway.api,
        stage: this.gateway.stage,
        domainName: DomainName.fromDomainNameAttributes(this, 'DownloadDomain', {
          name: Fn.importValue(imports.downloadDomainName),
          regionalDomainName: config.downloadDomainName,
          regionalHostedZoneId: 'unused',
        }),
      });
    }
    const linkBaseUrl =
      config.gatewayBaseUrl ??
      (config.downloadDomainName ? `https://${config.downloadDomainName}` : this.gateway.url);

    // ── Portal API: the account portal reads a player's requests (AWS_IAM routes) ────────────────
    const portalFn = make('portal-api', 'Account portal (AWS_IAM): a player’s requests and their states', {
      memorySize: 256,
      timeout: Duration.seconds(10),
    })
      .addEnvironment('PIPELINE_TABLE', pipelineTable.tableName)
      // Query on the byPlayer index only: not the table's items, and of the byState work list
      // only the waiting requests' partition (a count, for a queued request's place in line).
      .allowQuery([`${pipelineTable.tableArn}/index/${PORTAL_INDEX}`]);
    portalFn.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [`${pipelineTable.tableArn}/index/byState`],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [stateKey('QUEUED')] } },
      }),
    );
    if (pipelineTable.encryptionKey) portalFn.allowKey(pipelineTable.encryptionKey, false);
    const { portalPrincipalArn } = config;
    this.portalApi = new PortalApi(this, 'PortalRoutes', {
      api: this.gateway.api,
      handler: portalFn.function,
      ...(portalPrincipalArn ? { portalPrincipalArn } : {}),
    });
    if (this.portalApi.invokerRole) {
      portalFn.addEnvironment('PORTAL_CALLER_ROLE_ARN', this.portalApi.invokerRole.roleArn);
    }

    // ── Workflow steps ─────────────────────────────────────────────────────────────────────────
    const planFn = readSources(
      make('plan-export', 'Workflow step PlanExport: one collect task per data map source', {
        timeout: Duration.minutes(1),
      })
        .bindTable(pipelineTable, 'PIPELINE_TABLE', lifecycleAccess)
        .bindEventBus(bus, config.pipelineEventSource)
        .addEnvironment('EXPORTS_BUCKET', exportsBucket.bucketName),
      [identity],
    );

    // Read-only, exactly the tables and indexes of the data map.
    const collectFn = readSources(
      make('collect-category', 'Workflow map step: one source → staged JSON, CSV and preview', {
        memorySize: 1024,
        timeout: Duration.minutes(15),
      })
        .addEnvironment('PIPELINE_TABLE', pipelineTable.tableName)
        .addEnvironment('READ_BUDGETS', JSON.stringify(readBudgetsOf(dataMap, config.readBudget)))
        .addEnvironment('COLLECT_SECONDS_PER_INVOCATION', String(config.collectSecondsPerInvocation))
        // The read budgets' token buckets (BUDGET#<table>): read and replaced, nothing else.
        .bindTable(pipelineTable, undefined, {
          actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
          leadingKeys: ['BUDGET#*'],
        }),
      dataMap.sources,
    )
      // Reads back only its own kind of object: the read position a checkpoint saved.
      .bindBucket(exportsBucket, 'EXPORTS_BUCKET', { write: [STAGING_PREFIX], read: [CHECKPOINTS_PATTERN] })
      .bindMacKey(
        Key.fromKeyArn(this, 'PseudonymKey', Fn.importValue(imports.pseudonymKeyArn)),
        'PSEUDONYM_KEY_ARN',
      );

    const buildFn = make('build-archive', 'Workflow step BuildArchive: staged files → one ZIP64 archive', {
      // 1,769 MB is one full vCPU: deflate is CPU-bound.
      memorySize: 1769,
      timeout: Duration.minutes(15),
    })
      .addEnvironment('ARCHIVE_VOLUME_BYTES', String(config.archiveVolumeBytes))
      .bindTable(pipelineTable, 'PIPELINE_TABLE', lifecycleAccess)
      .bindEventBus(bus, config.pipelineEventSource)
      .bindBucket(exportsBucket, 'EXPORTS_BUCKET', {
        read: [STAGING_PREFIX],
        delete: [STAGING_PREFIX],
        // The attempt's staging folder is listed for its clean-up (pieces, previews, checkpoints).
        list: [STAGING_PREFIX],
        write: [ARCHIVES_PREFIX],
      });

    const publishFn = links(
      make('publish-export', 'Workflow step PublishExport: download grant, READY, link into the outbox', {
        timeout: Duration.minutes(1),
      })
        .bindTable(pipelineTable, 'PIPELINE_TABLE', lifecycleAccess)
        .bindEventBus(bus, config.pipelineEventSource),
    );

    const deliverFn = mail(
      make(
        'deliver-link',
        'Workflow step DeliverLink and its schedule: e-mail and ExportReady from the outbox',
        {
          timeout: Duration.minutes(2),
          deadLetterQueue: deliveryDlq,
        },
      )
        .bindTable(pipelineTable, 'PIPELINE_TABLE', lifecycleAccess)
        .bindEventBus(bus, config.pipelineEventSource),
    );

    const failFn = make(
      'fail-export',
      'Workflow catch: marks the request FAILED, then removes what the attempt left',
      {
        timeout: Duration.minutes(2),
      },
    )
      .bindTable(pipelineTable, 'PIPELINE_TABLE', lifecycleAccess)
      .bindEventBus(bus, config.pipelineEventSource)
      // Lists what the attempt wrote: how many pieces a source staged depends on its size, and
      // how many volumes the build packed before the failure on the archive's.
      .bindBucket(exportsBucket, 'EXPORTS_BUCKET', {
        delete: [STAGING_PREFIX, ARCHIVES_PREFIX],
        list: [STAGING_PREFIX, ARCHIVES_PREFIX],
      });

    const byLambda: Record<string, ExportFunction> = {
      'plan-export': planFn,
      'collect-category': collectFn,
      'build-archive': buildFn,
      'publish-export': publishFn,
      'deliver-link': deliverFn,
      'fail-export': failFn,
    };
    this.workflow = new ExportWorkflow(this, 'Workflow', {
      functions: Object.fromEntries(
        Object.entries(byLambda).map(([name, f]) => [name, { function: f.function, timeout: f.timeout }]),
      ),
      logRetention,
    });
    const stateMachine = this.workflow.stateMachine;
    for (const step of [...exportWorkflow.steps, exportWorkflow.onFailure]) {
      const fn = byLambda[step.lambda];
      if (!fn) continue;
      Validations.of(stateMachine.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(fn.function.node.defaultChild as CfnElement)}.Arn>:*]`,
        reason: `Step ${step.id} may invoke published versions of its own function (${step.lambda}); the wildcard is the version qualifier of that one ARN, added by LambdaInvoke.`,
      });
    }

    // ── Intake: the portal's ExportRequested ───────────────────────────────────────────────────
    const startFn = mail(
      links(
        make('start-export', 'ExportRequested → request record, workflow execution or re-sent link', {
          deadLetterQueue: intakeDlq,
        }),
      )
        .bindTable(pipelineTable, 'PIPELINE_TABLE', lifecycleAccess)
        .bindEventBus(bus, config.pipelineEventSource)
        .addEnvironment('RESEND_COOLDOWN_HOURS', String(config.resendCooldownHours))
        .addEnvironment('ALLOWED_EVENT_SOURCES', config.portalEventSource)
        .addEnvironment('REQUEST_DETAIL_TYPE', config.requestDetailType)
        .addEnvironment('MAX_REQUEST_AGE_DAYS', String(config.maxRequestAgeDays)),
    );

    this.requestRule = new Rule(this, 'ExportRequestedRule', {
      eventBus: bus,
      description: 'The account portal asks for a player’s data export',
      eventPattern: { source: [config.portalEventSource], detailType: [config.requestDetailType] },
      targets: [
        new LambdaFunction(startFn.function, {
          // Delivery failures (throttling, a deleted function) land in the same queue as events
          // the function rejected, so ops look in one place.
          deadLetterQueue: intakeDlq,
          retryAttempts: 8,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });

    // ── Admission: queued requests start while fewer than maxConcurrentExports run ─────────────
    const dispatchDlq = deadLetters('DispatchExports');
    const dispatchFn = make(
      'dispatch-exports',
      'Admission: starts the oldest QUEUED requests while fewer than maxConcurrentExports run',
      { timeout: Duration.minutes(1), deadLetterQueue: dispatchDlq },
    )
      .bindTable(pipelineTable, 'PIPELINE_TABLE', lifecycleAccess)
      .bindEventBus(bus, config.pipelineEventSource)
      .addEnvironment('STATE_MACHINE_ARN', stateMachine.stateMachineArn)
      .addEnvironment('MAX_CONCURRENT_EXPORTS', String(config.maxConcurrentExports));
    stateMachine.grantStartExecution(dispatchFn.role);
    const dispatchTarget = new LambdaFunction(dispatchFn.function, {
      deadLetterQueue: dispatchDlq,
      retryAttempts: 2,
    });
    // Our own status events wake it: a request queued, or one finished (a slot may be free).
    new Rule(this, 'DispatchOnStatusRule', {
      eventBus: bus,
      description: 'A request was queued or an export ended: start queued exports of player-data-export',
      eventPattern: {
        source: [config.pipelineEventSource],
        detailType: ['ExportStatusChanged'],
        detail: { state: ['QUEUED', 'READY', 'FAILED'] },
      },
      targets: [dispatchTarget],
    });
    // …and a schedule, for an event that was lost and for the queue's metrics.
    new Rule(this, 'DispatchSchedule', {
      description: 'Starts queued exports of player-data-export and reports the queue',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [dispatchTarget],
    });

    // ── Schedule: expiry sweep and watchdog ────────────────────────────────────────────────────
    const sweepPeriod = Duration.minutes(config.sweepEveryMinutes);
    const sweepFn = make(
      'expire-exports',
      'Schedule: expires links and archives, restarts lost exports, removes leftovers, reports due dates',
      {
        timeout: Duration.minutes(5),
        deadLetterQueue: sweepDlq,
      },
    )
      .bindTable(pipelineTable, 'PIPELINE_TABLE', lifecycleAccess)
      .bindEventBus(bus, config.pipelineEventSource)
      .bindBucket(exportsBucket, 'EXPORTS_BUCKET', {
        delete: [STAGING_PREFIX, ARCHIVES_PREFIX],
        list: [STAGING_PREFIX, ARCHIVES_PREFIX],
      })
      .addEnvironment('STATE_MACHINE_ARN', stateMachine.stateMachineArn)
      .addEnvironment('STUCK_AFTER_HOURS', String(config.stuckAfterHours))
      .addEnvironment('MAX_EXPORT_ATTEMPTS', String(config.maxExportAttempts))
      .addEnvironment('DUE_WITHIN_DAYS', String(config.dueWithinDays));
    // The watchdog asks how each request's execution is doing, and starts lost or ended ones anew.
    stateMachine.grantStartExecution(sweepFn.role);
    // The watchdog: each execution's status, and its latest history event (is it still at work?).
    stateMachine.grantExecution(sweepFn.role, 'states:DescribeExecution', 'states:GetExecutionHistory');
    Validations.of(sweepFn.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${this.getLogicalId(stateMachine.node.defaultChild as CfnElement)}"}]}]}:*]`,
      reason:
        'DescribeExecution and GetExecutionHistory on the executions of the export state machine only; execution names are request ids known at run time.',
    });
    new Rule(this, 'SweepSchedule', {
      description: 'Expiry sweep, watchdog and leftovers clean-up of player-data-export',
      schedule: Schedule.rate(sweepPeriod),
      targets: [new LambdaFunction(sweepFn.function, { deadLetterQueue: sweepDlq, retryAttempts: 2 })],
    });
    new Rule(this, 'DeliverySchedule', {
      description: 'Retries links waiting in the delivery outbox of player-data-export',
      schedule: Schedule.rate(sweepPeriod),
      targets: [new LambdaFunction(deliverFn.function, { deadLetterQueue: deliveryDlq, retryAttempts: 2 })],
    });

    // ── Mail reports: SES publishes the configuration set's events to the default bus only. ─────
    const mailEventsDlq = deadLetters('MailEvents');
    const mailEventsFn = make(
      'mail-events',
      'SES delivery reports (bounce, complaint, delivery) onto the requests',
      {
        deadLetterQueue: mailEventsDlq,
      },
    ).bindTable(pipelineTable, 'PIPELINE_TABLE', {
      // Reads the request and its trail, sets the delivery fields, appends an audit entry.
      actions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      leadingKeys: ['REQUEST#*'],
    });
    new Rule(this, 'MailEventsRule', {
      eventBus: EventBus.fromEventBusName(this, 'DefaultBus', 'default'),
      description: 'SES reports on the link e-mails of this deployment’s configuration set',
      eventPattern: {
        source: ['aws.ses'],
        detailType: Object.keys(SES_FEEDBACK_DETAIL_TYPES),
        detail: { mail: { tags: { 'ses:configuration-set': [mailConfiguration] } } },
      },
      targets: [
        new LambdaFunction(mailEventsFn.function, {
          deadLetterQueue: mailEventsDlq,
          retryAttempts: 8,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });

    const watches = throttleWatches(dataMap.sources, sourceTables, pipelineTable.tableName);
    const alarms = new ExportAlarms(this, 'Alarms', {
      stateMachine,
      deadLetterQueues: {
        StartExport: intakeDlq,
        ExpireExports: sweepDlq,
        DeliverLink: deliveryDlq,
        MailEvents: mailEventsDlq,
        DispatchExports: dispatchDlq,
      },
      dispatchFunction: dispatchFn.function,
      queueAlarmDueSharePercent: config.queueAlarmDueSharePercent,
      throttleWatches: watches,
      deliveryFunction: deliverFn.function,
      api: this.gateway.api,
      gatewayFunction: gatewayFn.function,
      sweepFunction: sweepFn.function,
      sweepPeriod,
      serviceName: config.deploymentName,
      ...(config.alarmEmail ? { alarmEmail: config.alarmEmail } : {}),
    });

    this.dashboard = new OpsDashboard(this, 'OpsDashboard', {
      serviceName: config.deploymentName,
      sweepPeriod,
      stateMachine,
      alarms: alarms.alarms,
      throttleWatches: watches,
    });

    this.functions = {
      ...byLambda,
      'start-export': startFn,
      'dispatch-exports': dispatchFn,
      'expire-exports': sweepFn,
      'download-gateway': gatewayFn,
      'mail-events': mailEventsFn,
      'portal-api': portalFn,
    };
    for (const [name, fn] of Object.entries(this.functions)) {
      if (config.tracing) {
        Validations.of(fn.role).acknowledge({
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: `Tracing is on: ${name} sends segments with xray:PutTraceSegments/PutTelemetryRecords, which support no resource-level permissions.`,
        });
      }
    }

    new CfnOutput(this, 'DownloadBaseUrl', { value: linkBaseUrl });
    new CfnOutput(this, 'StateMachineArn', { value: stateMachine.stateMachineArn });
    new CfnOutput(this, 'IntakeDeadLetterQueueUrl', { value: intakeDlq.queueUrl });
    new CfnOutput(this, 'OpsDashboardName', { value: this.dashboard.dashboardName });
    // For the ops CLI's retry and cancel, which publish ExportStatusChanged as the pipeline does.
    new CfnOutput(this, 'EventBusName', { value: bus.eventBusName });
    new CfnOutput(this, 'PipelineEventSource', { value: config.pipelineEventSource });
    new CfnOutput(this, 'OpsDashboardUrl', { value: dashboardUrl(this.dashboard.dashboardName) });
    new CfnOutput(this, 'PortalApiArn', {
      value: this.portalApi.invokeArn,
      description:
        'Resource of the execute-api:Invoke permission for the portal routes (AWS_IAM): GET /portal/players/{playerId}/requests',
    });
    if (this.portalApi.invokerRole) {
      new CfnOutput(this, 'PortalInvokerRoleArn', {
        value: this.portalApi.invokerRole.roleArn,
        description: 'The role the account portal assumes to call the portal routes',
      });
    }
  }
}

/** The pipeline table's index the portal API may query (a player's requests). */
const PORTAL_INDEX: (typeof pipelineIndexNames)[number] = 'byPlayer';

/**
 * The tables (and indexes) whose read throttling the dashboard shows: the requests table with its
 * indexes, and every table or index the data map reads, by the name or ARN it resolves to.
 */
function throttleWatches(
  sources: readonly SourceSpec[],
  sourceTables: ReadonlyMap<string, string>,
  ownTable: string,
): ThrottleWatch[] {
  const watches = new Map<string, ThrottleWatch>();
  const add = (watch: ThrottleWatch) =>
    watches.set([watch.account, watch.region, watch.tableName, watch.indexName].join('|'), watch);
  add({ tableName: ownTable, label: 'requests table' });
  for (const index of pipelineIndexNames) {
    add({ tableName: ownTable, indexName: index, label: `requests table ${index}` });
  }
  for (const source of sources) {
    if (source.table === OWN_REQUESTS_TABLE) continue;
    const nameOrArn = sourceTables.get(source.table) ?? source.table;
    const arn = /^arn:[^:]+:dynamodb:([^:]+):(\d{12}):table\/([^/]+)/.exec(nameOrArn);
    add({
      tableName: arn?.[3] ?? nameOrArn,
      ...(source.key.index ? { indexName: source.key.index } : {}),
      ...(arn ? { region: arn[1] as string, account: arn[2] as string } : {}),
      // By the table's own name, also for an ARN (the alarm's id and text, the dashboard's line).
      label: [arn?.[3] ?? source.table, source.key.index].filter(Boolean).join(' '),
    });
  }
  return [...watches.values()];
}

function pascal(entry: string): string {
  return entry.replace(/(^|-)([a-z])/g, (_, _dash: string, letter: string) => letter.toUpperCase());
}

/**
 * A source on "@requests" must read the requests table's byPlayer index the way the request
 * repository writes it; anything else would read nothing, or another layout's keys.
 */
function checkOwnRequestSources(sources: readonly SourceSpec[]): void {
  const { partition, sort } = pipelineTableKeys.indexes.byPlayer;
  for (const source of sources.filter((s) => s.table === OWN_REQUESTS_TABLE)) {
    const { key } = source;
    if (
      key.index !== 'byPlayer' ||
      key.partition !== partition ||
      (key.sort !== undefined && key.sort !== sort) ||
      key.template !== playerKey('{playerId}')
    ) {
      throw new DeployConfigError(
        `data map source "${source.id}" reads ${OWN_REQUESTS_TABLE}: its key must be { "index": "byPlayer", "partition": "${partition}", "sort": "${sort}", "template": "${playerKey('{playerId}')}" }`,
      );
    }
  }
}
