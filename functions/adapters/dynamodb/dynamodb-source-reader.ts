import { type DynamoDBClient, paginateQuery } from '@aws-sdk/client-dynamodb';
import type { SourceQuery, SourceReader } from '../../core/ports';
import type { StoreRecord } from '../../core/values';
import { fromItem } from './attribute-values';

/**
 * Reads a player's items with Query on the table key or a global secondary index, following
 * LastEvaluatedKey to the last page (a single Query stops at 1 MB).
 */
export class DynamoDbSourceReader implements SourceReader {
  constructor(private readonly client: DynamoDBClient) {}

  async *pages(query: SourceQuery): AsyncIterable<StoreRecord[]> {
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: query.table,
        ...(query.index ? { IndexName: query.index } : {}),
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': query.partitionAttribute },
        ExpressionAttributeValues: { ':pk': { S: query.partitionValue } },
      },
    );
    for await (const page of pages) {
      yield (page.Items ?? []).map(fromItem);
    }
  }
}
