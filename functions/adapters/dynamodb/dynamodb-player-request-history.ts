import { type DynamoDBClient, paginateQuery } from '@aws-sdk/client-dynamodb';
import type { PlayerRequestHistory, PlayerRequestSummary } from '../../core/portal/player-requests';
import type { Clock } from '../../core/ports';
import { type RequestState, requestStates } from '../../core/requests/request-record';
import { countInStateBefore } from './dynamodb-request-repository';
import { type Item, optNum, optStr, s, str, ttlPassed } from './pipeline-items';
import { pipelineTableKeys, playerKey } from './pipeline-table';

const { byPlayer } = pipelineTableKeys.indexes;

/**
 * A player's requests from the pipeline table's byPlayer index (request items only carry its keys),
 * newest receipt first. Reads only the fields the portal shows: never the contact address or the
 * failure reason of the record.
 */
export class DynamoDbPlayerRequestHistory implements PlayerRequestHistory {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    /** Only to hide items whose `ttl` has passed (DynamoDB deletes them late). */
    private readonly clock: Clock,
  ) {}

  async forPlayer(playerId: string, limit: number): Promise<PlayerRequestSummary[]> {
    const now = this.clock.now();
    const summaries: PlayerRequestSummary[] = [];
    const pages = paginateQuery(
      { client: this.client, pageSize: limit },
      {
        TableName: this.table,
        IndexName: 'byPlayer',
        KeyConditionExpression: '#pk = :pk',
        ProjectionExpression: '#id, #state, #received, #due, #expires, #downloads, #attached, #ttl',
        ExpressionAttributeNames: {
          '#pk': byPlayer.partition,
          '#id': 'requestId',
          '#state': 'state',
          '#received': 'receivedAt',
          '#due': 'dueAt',
          '#expires': 'expiresAt',
          '#downloads': 'downloads',
          '#attached': 'attachedTo',
          '#ttl': 'ttl',
        },
        ExpressionAttributeValues: { ':pk': s(playerKey(playerId)) },
        ScanIndexForward: false,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        if (ttlPassed(item, now)) continue;
        summaries.push(summaryOf(item));
        if (summaries.length >= limit) return summaries;
      }
    }
    return summaries;
  }

  queuedBefore(receivedAt: string): Promise<number> {
    return countInStateBefore(this.client, this.table, 'QUEUED', receivedAt);
  }
}

function summaryOf(item: Item): PlayerRequestSummary {
  const state = str(item, 'state');
  if (!(requestStates as readonly string[]).includes(state)) {
    throw new TypeError(`Request item has an unknown state ${JSON.stringify(state)}`);
  }
  const expiresAt = optStr(item, 'expiresAt');
  const downloads = optNum(item, 'downloads');
  const attachedTo = optStr(item, 'attachedTo');
  return {
    requestId: str(item, 'requestId'),
    state: state as RequestState,
    receivedAt: str(item, 'receivedAt'),
    dueAt: str(item, 'dueAt'),
    ...(expiresAt ? { expiresAt } : {}),
    ...(downloads !== undefined ? { downloads } : {}),
    ...(attachedTo ? { attachedTo } : {}),
  };
}
