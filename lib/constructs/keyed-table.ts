import type { RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  Table,
  type TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import type { Key } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { TableKeys } from '../../functions/adapters/dynamodb/table-keys';

export interface TableOptions {
  tableName?: string;
  encryption: TableEncryption;
  encryptionKey?: Key;
  timeToLiveAttribute?: string;
  deletionProtection?: boolean;
  removalPolicy: RemovalPolicy;
}

/** A CDK table from its keys (string attributes), on-demand, with point-in-time recovery. */
export function tableFrom(scope: Construct, id: string, keys: TableKeys, options: TableOptions): Table {
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
