import { type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { ExportSlots } from '../../core/ports';
import { isConditionalCheckFailed } from './pipeline-items';

/** Keys as laid out in ./pipeline-table.ts. */
export const SLOTS_PK = 'ADMISSION';
const SLOTS_KEY = { pk: { S: SLOTS_PK }, sk: { S: 'SLOTS' } };

/**
 * The export slots as one item of the pipeline table holding a string set of request ids: ADD and
 * DELETE on a set are atomic, and `size(holders) < :limit` in the condition is what keeps
 * dispatchers side by side within the limit. (DynamoDB removes an emptied set, hence the
 * attribute_not_exists branch.)
 */
export class DynamoDbExportSlots implements ExportSlots {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

  async take(requestId: string, limit: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: SLOTS_KEY,
          UpdateExpression: 'ADD holders :id',
          ConditionExpression:
            'attribute_not_exists(holders) OR contains(holders, :one) OR size(holders) < :limit',
          ExpressionAttributeValues: {
            ':id': { SS: [requestId] },
            ':one': { S: requestId },
            ':limit': { N: String(limit) },
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async adopt(requestId: string): Promise<void> {
    await this.changeHolders('ADD', requestId);
  }

  async release(requestId: string): Promise<void> {
    await this.changeHolders('DELETE', requestId);
  }

  private async changeHolders(action: 'ADD' | 'DELETE', requestId: string): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.table,
        Key: SLOTS_KEY,
        UpdateExpression: `${action} holders :id`,
        ExpressionAttributeValues: { ':id': { SS: [requestId] } },
      }),
    );
  }

  async holders(): Promise<string[]> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: SLOTS_KEY, ConsistentRead: true }),
    );
    return Item?.holders?.SS ?? [];
  }
}
