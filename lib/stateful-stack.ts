import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  type ITable,
  ProjectionType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { DeployConfig } from '../config/deploy';
import { demoTableDefinitions } from '../local/demo-tables';
import { pipelineTableDefinition } from '../local/pipeline-tables';
import { ExportsBucket } from './constructs/exports-bucket';

export interface StatefulStackProps extends StackProps {
  readonly config: DeployConfig;
}

type TableDefinition = typeof pipelineTableDefinition;

/**
 * Named exports the pipeline stack imports the bucket and key by. Named, not CDK's generated
 * cross-stack exports, so the IAM resources (and their cdk-nag acknowledgements) read the same on
 * every synth: `PlayerDataExport-ExportsBucketArn/archives/*`.
 */
export const stackExports = {
  exportsBucketArn: 'PlayerDataExport-ExportsBucketArn',
  exportsBucketName: 'PlayerDataExport-ExportsBucketName',
  dataKeyArn: 'PlayerDataExport-DataKeyArn',
} as const;

/**
 * What outlives a deployment: the pipeline's table (requests, audit trail, grants), the exports
 * bucket and its key. Everything here is RETAINed; the stateless pipeline stack can be destroyed
 * and redeployed without losing a request or its audit trail.
 */
export class StatefulStack extends Stack {
  readonly dataKey: Key;
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

    this.exportsBucket = new ExportsBucket(this, 'Exports', {
      encryptionKey: this.dataKey,
      archiveRetentionDays: config.archiveRetentionDays,
      accessLogRetentionDays: config.accessLogRetentionDays,
      versioned: config.versionedExports,
    }).bucket;

    // The same key schema and indexes the local stack creates (local/pipeline-tables.ts).
    const pipelineTable = tableFrom(this, 'PipelineTable', pipelineTableDefinition, {
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.dataKey,
      timeToLiveAttribute: 'ttl',
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
    new CfnOutput(this, 'PipelineTableName', { value: pipelineTable.tableName });

    const demoTables = new Map<string, ITable>();
    if (config.demoMode) {
      for (const definition of demoTableDefinitions) {
        const name = definition.TableName as string;
        // Physical names as in the data map, so the bundled map finds them. Demo data only: the
        // tables go with the stack.
        demoTables.set(
          name,
          tableFrom(this, `Demo-${name}`, definition, {
            tableName: name,
            encryption: TableEncryption.AWS_MANAGED,
            removalPolicy: RemovalPolicy.DESTROY,
          }),
        );
      }
    }
    this.demoTables = demoTables;
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

/** A CDK table from an SDK CreateTable definition, so local and AWS tables share one definition. */
function tableFrom(scope: Construct, id: string, definition: TableDefinition, options: TableOptions): Table {
  const types = new Map(
    (definition.AttributeDefinitions ?? []).map((a) => [
      a.AttributeName as string,
      a.AttributeType as string,
    ]),
  );
  const attribute = (name: string | undefined) => {
    if (!name) throw new Error(`Table ${definition.TableName}: a key schema names no attribute`);
    const type = types.get(name);
    return {
      name,
      type: type === 'N' ? AttributeType.NUMBER : type === 'B' ? AttributeType.BINARY : AttributeType.STRING,
    };
  };
  const keys = (schema: typeof definition.KeySchema) => {
    const hash = schema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
    const range = schema?.find((k) => k.KeyType === 'RANGE')?.AttributeName;
    return { partitionKey: attribute(hash), ...(range ? { sortKey: attribute(range) } : {}) };
  };
  const table = new Table(scope, id, {
    ...keys(definition.KeySchema),
    billingMode: BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: options.encryption,
    ...(options.encryptionKey ? { encryptionKey: options.encryptionKey } : {}),
    ...(options.tableName ? { tableName: options.tableName } : {}),
    ...(options.timeToLiveAttribute ? { timeToLiveAttribute: options.timeToLiveAttribute } : {}),
    ...(options.deletionProtection ? { deletionProtection: true } : {}),
    removalPolicy: options.removalPolicy,
  });
  for (const index of definition.GlobalSecondaryIndexes ?? []) {
    table.addGlobalSecondaryIndex({
      indexName: index.IndexName as string,
      ...keys(index.KeySchema),
      projectionType: ProjectionType.ALL,
    });
  }
  return table;
}
