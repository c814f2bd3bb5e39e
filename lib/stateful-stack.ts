import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { DomainName, SecurityPolicy } from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { type ITable, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import {
  ConfigurationSet,
  EmailIdentity,
  EmailSendingEvent,
  EventDestination,
  Identity,
} from 'aws-cdk-lib/aws-ses';
import type { Construct } from 'constructs';
import type { DeployConfig } from '../config/deploy';
import { PIPELINE_TTL_ATTRIBUTE, pipelineTableKeys } from '../functions/adapters/dynamodb/pipeline-table';
import { ExportsBucket } from './constructs/exports-bucket';
import { tableFrom } from './constructs/keyed-table';

export interface StatefulStackProps extends StackProps {
  readonly config: DeployConfig;
}

/**
 * Named exports the pipeline stack imports the bucket and keys by, prefixed with the deployment's
 * name so two deployments live side by side. Named, not CDK's generated cross-stack exports, so
 * the IAM resources (and their cdk-nag acknowledgements) read the same on every synth:
 * `<name>-ExportsBucketArn/archives/*`.
 */
export function stackExports(deploymentName: string) {
  return {
    exportsBucketArn: `${deploymentName}-ExportsBucketArn`,
    exportsBucketName: `${deploymentName}-ExportsBucketName`,
    dataKeyArn: `${deploymentName}-DataKeyArn`,
    pseudonymKeyArn: `${deploymentName}-PseudonymKeyArn`,
    downloadDomainName: `${deploymentName}-DownloadDomainName`,
  } as const;
}

/** The SES configuration set the link e-mails are sent with (its reports: bounces, deliveries). */
export function mailConfigurationSetName(deploymentName: string): string {
  return `${deploymentName}-mail`;
}

/**
 * What outlives a deployment: the pipeline's table (requests, audit trail, grants), the exports
 * bucket and its keys, the SES sender and the links' custom domain. Everything here is RETAINed; the stateless pipeline stack can be destroyed
 * and redeployed without losing a request or its audit trail.
 */
export class StatefulStack extends Stack {
  readonly dataKey: Key;
  readonly pseudonymKey: Key;
  readonly pipelineTable: ITable;
  readonly exportsBucket: IBucket;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;
    const exportNames = stackExports(config.deploymentName);

    this.dataKey = new Key(this, 'DataKey', {
      description: 'player-data-export: encrypts players’ archives and the requests table',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // The secret behind other players' pseudonyms: collectors derive each export's HMAC key from
    // it with kms:GenerateMac, so no key travels through (and stays in) the workflow's history.
    // Nothing is encrypted with it: losing it changes no archive, so it goes with the stack.
    this.pseudonymKey = new Key(this, 'PseudonymKey', {
      description: 'player-data-export: derives the per-export key that pseudonymises other players',
      keySpec: KeySpec.HMAC_256,
      keyUsage: KeyUsage.GENERATE_VERIFY_MAC,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.exportsBucket = new ExportsBucket(this, 'Exports', {
      encryptionKey: this.dataKey,
      archiveRetentionDays: config.archiveRetentionDays,
      accessLogRetentionDays: config.accessLogRetentionDays,
      versioned: config.versionedExports,
    }).bucket;

    // The key layout the adapters use (functions/adapters/dynamodb/pipeline-table.ts).
    const pipelineTable = tableFrom(this, 'PipelineTable', pipelineTableKeys, {
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.dataKey,
      timeToLiveAttribute: PIPELINE_TTL_ATTRIBUTE,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.pipelineTable = pipelineTable;

    new CfnOutput(this, 'ExportsBucketArn', {
      value: this.exportsBucket.bucketArn,
      exportName: exportNames.exportsBucketArn,
    });
    new CfnOutput(this, 'ExportsBucketName', {
      value: this.exportsBucket.bucketName,
      exportName: exportNames.exportsBucketName,
    });
    new CfnOutput(this, 'DataKeyArn', { value: this.dataKey.keyArn, exportName: exportNames.dataKeyArn });
    new CfnOutput(this, 'PseudonymKeyArn', {
      value: this.pseudonymKey.keyArn,
      exportName: exportNames.pseudonymKeyArn,
    });
    new CfnOutput(this, 'PipelineTableName', { value: pipelineTable.tableName });

    // Delivery reports of the link e-mails: bounces, complaints, rejections and deliveries go to
    // the default bus (the only one SES publishes to), where the pipeline's MailEvents rule takes them.
    const mail = new ConfigurationSet(this, 'MailConfiguration', {
      configurationSetName: mailConfigurationSetName(config.deploymentName),
    });
    mail.addEventDestination('ToEventBridge', {
      destination: EventDestination.eventBus(EventBus.fromEventBusName(this, 'DefaultBus', 'default')),
      events: [
        EmailSendingEvent.DELIVERY,
        EmailSendingEvent.BOUNCE,
        EmailSendingEvent.COMPLAINT,
        EmailSendingEvent.REJECT,
      ],
    });

    // The sender: here, not with the pipeline, so replacing the pipeline stack keeps it verified.
    if (config.createSesIdentity) {
      const identity = new EmailIdentity(this, 'Sender', {
        identity: config.sesIdentity.includes('@')
          ? Identity.email(config.sesIdentity)
          : Identity.domain(config.sesIdentity),
      });
      identity.applyRemovalPolicy(RemovalPolicy.RETAIN);
    }

    // The links' host: a custom domain outlives any pipeline (and its HTTP API's own URL), so every
    // link already e-mailed keeps working; the pipeline maps its API onto it.
    if (config.downloadDomainName && config.downloadCertificateArn) {
      const domain = new DomainName(this, 'DownloadDomain', {
        domainName: config.downloadDomainName,
        certificate: Certificate.fromCertificateArn(
          this,
          'DownloadCertificate',
          config.downloadCertificateArn,
        ),
        securityPolicy: SecurityPolicy.TLS_1_2,
      });
      domain.applyRemovalPolicy(RemovalPolicy.RETAIN);
      new CfnOutput(this, 'DownloadDomainName', {
        value: domain.name,
        exportName: exportNames.downloadDomainName,
      });
      new CfnOutput(this, 'DownloadDomainTarget', {
        value: domain.regionalDomainName,
        description: `Point ${config.downloadDomainName} here (CNAME, or a Route 53 alias with zone ${'$'}{DownloadDomainZone})`,
      });
      new CfnOutput(this, 'DownloadDomainZone', { value: domain.regionalHostedZoneId });
    }
  }
}
