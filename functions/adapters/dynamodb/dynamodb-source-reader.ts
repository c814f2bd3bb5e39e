import { type DynamoDBClient, paginateQuery } from '@aws-sdk/client-dynamodb';
import type { SourceQuery, SourceReader } from '../../core/ports';
import type { StoreRecord } from '../../core/values';
import { fromItem } from './attribute-values';

/**
 * Reads a player's items with Query on the table key or a global secondary index, following
 * LastEvaluatedKey to the last page (a single Query stops at 1 MB). At most two pages are held.
 * `tables` names the deployed table (or its ARN, for another account's) where it differs from the
 * data map's name.
 */
export class DynamoDbSourceReader implements SourceReader {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tables: ReadonlyMap<string, string> = new Map(),
  ) {}

  async *pages(query: SourceQuery): AsyncIterable<StoreRecord[]> {
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tables.get(query.table) ?? query.table,
        ...(query.index ? { IndexName: query.index } : {}),
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': query.partitionAttribute },
        ExpressionAttributeValues: { ':pk': { S: query.partitionValue } },
      },
    );
    // One page is read ahead: the store serves page n+1 while page n is being written out, so
    // the export runs at the pace of the slower of the two instead of the sum of both.
    const iterator = pages[Symbol.asyncIterator]();
    let ahead = iterator.next();
    try {
      for (;;) {
        const page = await ahead;
        if (page.done) return;
        ahead = iterator.next();
        yield (page.value.Items ?? []).map(fromItem);
      }
    } finally {
      // A consumer that stops early (an error downstream) must not leave the read-ahead unhandled.
      ahead.catch(() => undefined);
    }
  }
}
