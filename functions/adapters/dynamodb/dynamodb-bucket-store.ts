import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { BucketState, BucketStore } from '../../core/token-bucket';
import { isConditionalCheckFailed, n, num, s } from './pipeline-items';

/**
 * The read budgets' token buckets as items of the pipeline table (pk BUDGET#<table>, see
 * ./pipeline-table.ts): a consistent read, then a put conditioned on the version read, so two
 * collectors can never both spend the same tokens.
 */
export class DynamoDbBucketStore implements BucketStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

  async get(key: string): Promise<BucketState | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.table,
        Key: { pk: s(key), sk: s('BUDGET') },
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    return { tokens: num(Item, 'tokens'), at: num(Item, 'at'), version: num(Item, 'version') };
  }

  async put(key: string, next: BucketState, expectedVersion: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            pk: s(key),
            sk: s('BUDGET'),
            tokens: n(Math.round(next.tokens * 1000) / 1000),
            at: n(next.at),
            version: n(next.version),
          },
          ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :expected',
          ...(expectedVersion === 0
            ? {}
            : { ExpressionAttributeValues: { ':expected': n(expectedVersion) } }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}
