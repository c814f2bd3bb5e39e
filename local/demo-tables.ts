import {
  CreateTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

/**
 * The demo game's tables, keyed as the issue specifies. On AWS the game's own tables are imported
 * by name; these exist only locally and in the CDK demo mode.
 */
export const demoTableDefinitions: CreateTableCommandInput[] = [
  {
    TableName: 'players',
    KeySchema: [{ AttributeName: 'playerId', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'playerId', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  },
  {
    TableName: 'purchases',
    KeySchema: [
      { AttributeName: 'playerId', KeyType: 'HASH' },
      { AttributeName: 'purchaseId', KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: 'playerId', AttributeType: 'S' },
      { AttributeName: 'purchaseId', AttributeType: 'S' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  },
  {
    TableName: 'forum-posts',
    KeySchema: [{ AttributeName: 'postId', KeyType: 'HASH' }],
    AttributeDefinitions: [
      { AttributeName: 'postId', AttributeType: 'S' },
      { AttributeName: 'authorId', AttributeType: 'S' },
      { AttributeName: 'createdAt', AttributeType: 'S' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: 'byAuthor',
        KeySchema: [
          { AttributeName: 'authorId', KeyType: 'HASH' },
          { AttributeName: 'createdAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  },
  {
    TableName: 'game-stats',
    KeySchema: [
      { AttributeName: 'playerId', KeyType: 'HASH' },
      { AttributeName: 'statId', KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: 'playerId', AttributeType: 'S' },
      { AttributeName: 'statId', AttributeType: 'S' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  },
];

export const demoTableNames = demoTableDefinitions.map((t) => t.TableName as string);

export async function createDemoTables(client: DynamoDBClient): Promise<void> {
  await Promise.all(
    demoTableDefinitions.map((definition) => client.send(new CreateTableCommand(definition))),
  );
}
