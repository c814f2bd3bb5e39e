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
  {
    TableName: 'consents',
    KeySchema: [
      { AttributeName: 'playerId', KeyType: 'HASH' },
      { AttributeName: 'consentId', KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: 'playerId', AttributeType: 'S' },
      { AttributeName: 'consentId', AttributeType: 'S' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  },
  {
    TableName: 'support-tickets',
    KeySchema: [
      { AttributeName: 'playerId', KeyType: 'HASH' },
      { AttributeName: 'ticketId', KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: 'playerId', AttributeType: 'S' },
      { AttributeName: 'ticketId', AttributeType: 'S' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  },
  // One item per message, shared by both players: each side finds it through its own index.
  {
    TableName: 'private-messages',
    KeySchema: [
      { AttributeName: 'conversationId', KeyType: 'HASH' },
      { AttributeName: 'messageId', KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: 'conversationId', AttributeType: 'S' },
      { AttributeName: 'messageId', AttributeType: 'S' },
      { AttributeName: 'senderId', AttributeType: 'S' },
      { AttributeName: 'recipientId', AttributeType: 'S' },
      { AttributeName: 'sentAt', AttributeType: 'S' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: 'bySender',
        KeySchema: [
          { AttributeName: 'senderId', KeyType: 'HASH' },
          { AttributeName: 'sentAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: 'byRecipient',
        KeySchema: [
          { AttributeName: 'recipientId', KeyType: 'HASH' },
          { AttributeName: 'sentAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  },
  {
    TableName: 'sanctions',
    KeySchema: [
      { AttributeName: 'playerId', KeyType: 'HASH' },
      { AttributeName: 'sanctionId', KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: 'playerId', AttributeType: 'S' },
      { AttributeName: 'sanctionId', AttributeType: 'S' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  },
  {
    TableName: 'sessions',
    KeySchema: [
      { AttributeName: 'playerId', KeyType: 'HASH' },
      { AttributeName: 'sessionId', KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: 'playerId', AttributeType: 'S' },
      { AttributeName: 'sessionId', AttributeType: 'S' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  },
  {
    TableName: 'linked-accounts',
    KeySchema: [
      { AttributeName: 'playerId', KeyType: 'HASH' },
      { AttributeName: 'provider', KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: 'playerId', AttributeType: 'S' },
      { AttributeName: 'provider', AttributeType: 'S' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  },
  {
    TableName: 'contest-entries',
    KeySchema: [
      { AttributeName: 'playerId', KeyType: 'HASH' },
      { AttributeName: 'entryId', KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: 'playerId', AttributeType: 'S' },
      { AttributeName: 'entryId', AttributeType: 'S' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  },
  {
    TableName: 'chat-logs',
    KeySchema: [
      { AttributeName: 'playerId', KeyType: 'HASH' },
      { AttributeName: 'messageId', KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: 'playerId', AttributeType: 'S' },
      { AttributeName: 'messageId', AttributeType: 'S' },
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
