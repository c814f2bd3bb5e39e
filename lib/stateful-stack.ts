import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  type ITable,
  ProjectionType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { DeployConfig } from '../config/deploy';
import { PIPELINE_TTL_ATTRIBUTE, pipelineTableKeys } from '../functions/adapters/dynamodb/pipeline-table';
import type { TableKeys } from '../functions/adapters/dynamodb/table-keys';
import { ExportsBucket } from './constructs/exports-bucket';
import { demoTables } from './demo-tables';

export interface StatefulStackProps extends StackProps {
  readonly config: DeployConfig;
}

/**
 * Named exports the pipeline stack imports the bucket and key by. Named, not CDK's generated
 * cross-stack exports, so the IAM resources (and their cdk-nag acknowledgements) read the same on
 * every synth: `PlayerDataExport-ExportsBucketArn/archives/*`.
 */
export const stackExports = {
  exportsBucketArn: 'PlayerDataExport-ExportsBucketArn',
  exportsBucketName: 'PlayerDataExport-ExportsBucketName',
  dataKeyArn: 'PlayerDataExport-DataKeyArn',
  pseudonymKeyArn: 'PlayerDataExport-PseudonymKeyArn',
} as const;

/**
 * What outlives a deployment: the pipeline's table (requests, audit trail, grants), the exports
 * bucket and its key. Everything here is RETAINed; the stateless pipeline stack can be destroyed
 * and redeployed without losing a request or its audit trail.
 */
export class StatefulStack extends Stack {
  readonly dataKey: Key;
  readonly pseudonymKey: Key;
  readonly pipelineTable: ITable;
  readonly exportsBucket: IBucket;
  /** The demo game's tables by name; empty unless demoMode. */
  readonly demoTables: ReadonlyMap<string, ITable>;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;

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
      exportName: stackExports.exportsBucketArn,
    });
    new CfnOutput(this, 'ExportsBucketName', {
      value: this.exportsBucket.bucketName,
      exportName: stackExports.exportsBucketName,
    });
    new CfnOutput(this, 'DataKeyArn', { value: this.dataKey.keyArn, exportName: stackExports.dataKeyArn });
    new CfnOutput(this, 'PseudonymKeyArn', {
      value: this.pseudonymKey.keyArn,
      exportName: stackExports.pseudonymKeyArn,
    });
    new CfnOutput(this, 'PipelineTableName', { value: pipelineTable.tableName });

    const created = new Map<string, ITable>();
    if (config.demoMode) {
      for (const [name, keys] of Object.entries(demoTables)) {
        // Physical names as in the data map, so the bundled map finds them. Demo data only: the
        // tables go with the stack.
        created.set(
          name,
          tableFrom(this, `Demo-${name}`, keys, {
            tableName: name,
            encryption: TableEncryption.AWS_MANAGED,
            removalPolicy: RemovalPolicy.DESTROY,
          }),
        );
      }
    }
    this.demoTables = created;
  }
}

interface TableOptions {
  tableName?: string;
  encryption: TableEncryption;
  encryptionKey?: Key;
  timeToLiveAttribute?: string;
  deletionProtection?: boolean;
  removalPolicy: RemovalPolicy;
}

/** A CDK table from its keys (string attributes), on-demand, with point-in-time recovery. */
function tableFrom(scope: Construct, id: string, keys: TableKeys, options: TableOptions): Table {
  const attribute = (name: string) => ({ name, type: AttributeType.STRING });
  const table = new Table(scope, id, {
    partitionKey: attribute(keys.partition),
    ...(keys.sort ? { sortKey: attribute(keys.sort) } : {}),
    billingMode: BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: options.encryption,
    ...(options.encryptionKey ? { encryptionKey: options.encryptionKey } : {}),
    ...(options.tableName ? { tableName: options.tableName } : {}),
    ...(options.timeToLiveAttribute ? { timeToLiveAttribute: options.timeToLiveAttribute } : {}),
    ...(options.deletionProtection ? { deletionProtection: true } : {}),
    removalPolicy: options.removalPolicy,
  });
  for (const [indexName, index] of Object.entries(keys.indexes ?? {})) {
    table.addGlobalSecondaryIndex({
      indexName,
      partitionKey: attribute(index.partition),
      ...(index.sort ? { sortKey: attribute(index.sort) } : {}),
      projectionType: ProjectionType.ALL,
    });
  }
  return table;
}
