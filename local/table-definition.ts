import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/** A table's keys in one line: partition and optional sort key (string attributes), and its GSIs. */
export interface TableKeys {
  name: string;
  partition: string;
  sort?: string;
  indexes?: { name: string; partition: string; sort?: string }[];
}

function keySchema(partition: string, sort?: string) {
  return [
    { AttributeName: partition, KeyType: 'HASH' as const },
    ...(sort ? [{ AttributeName: sort, KeyType: 'RANGE' as const }] : []),
  ];
}

/** The CreateTable input (on-demand, indexes project everything), for dynalite and for the CDK. */
export function tableDefinition(keys: TableKeys): CreateTableCommandInput {
  const indexes = keys.indexes ?? [];
  const attributes = new Set(
    [keys.partition, keys.sort, ...indexes.flatMap((i) => [i.partition, i.sort])].filter(
      (a): a is string => a !== undefined,
    ),
  );
  return {
    TableName: keys.name,
    KeySchema: keySchema(keys.partition, keys.sort),
    AttributeDefinitions: [...attributes].map((AttributeName) => ({
      AttributeName,
      AttributeType: 'S' as const,
    })),
    ...(indexes.length > 0
      ? {
          GlobalSecondaryIndexes: indexes.map((index) => ({
            IndexName: index.name,
            KeySchema: keySchema(index.partition, index.sort),
            Projection: { ProjectionType: 'ALL' as const },
          })),
        }
      : {}),
    BillingMode: 'PAY_PER_REQUEST',
  };
}
