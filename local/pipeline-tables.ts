import {
  CreateTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

/**
 * The pipeline's own table (single-table design; the CDK stateful stack creates the same on AWS):
 *
 *   request   pk REQUEST#<requestId>   sk REQUEST                 gsi1 PLAYER#<playerId> / <receivedAt>
 *                                                               gsi2 STATE#<state>     / <updatedAt>
 *   audit     pk REQUEST#<requestId>   sk AUDIT#<at>#<random>     (append-only)
 *   grant     pk GRANT#<sha256(token)> sk GRANT                  gsi2 GRANT#ACTIVE      / <expiresAt>
 *                                                               (gsi2 removed when expired or revoked)
 *   TTL attribute `ttl` (epoch seconds) on audit-free items long after expiry; dynalite ignores TTL.
 */
export const PIPELINE_TABLE = 'export-requests';

export const pipelineTableDefinition: CreateTableCommandInput = {
  TableName: PIPELINE_TABLE,
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
    { AttributeName: 'gsi1pk', AttributeType: 'S' },
    { AttributeName: 'gsi1sk', AttributeType: 'S' },
    { AttributeName: 'gsi2pk', AttributeType: 'S' },
    { AttributeName: 'gsi2sk', AttributeType: 'S' },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: 'byPlayer',
      KeySchema: [
        { AttributeName: 'gsi1pk', KeyType: 'HASH' },
        { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
    {
      IndexName: 'byState',
      KeySchema: [
        { AttributeName: 'gsi2pk', KeyType: 'HASH' },
        { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
  ],
  BillingMode: 'PAY_PER_REQUEST',
};

export async function createPipelineTable(client: DynamoDBClient): Promise<void> {
  await client.send(new CreateTableCommand(pipelineTableDefinition));
}
