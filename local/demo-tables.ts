import {
  CreateTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { tableDefinition } from './table-definition';

/**
 * The demo game's tables, keyed as the issues specify (README, "Demo data"). On AWS the game's own
 * tables are imported by name; these exist only locally and in the CDK demo mode.
 */
export const demoTableDefinitions: CreateTableCommandInput[] = [
  { name: 'players', partition: 'playerId' },
  { name: 'purchases', partition: 'playerId', sort: 'purchaseId' },
  {
    name: 'forum-posts',
    partition: 'postId',
    indexes: [{ name: 'byAuthor', partition: 'authorId', sort: 'createdAt' }],
  },
  { name: 'game-stats', partition: 'playerId', sort: 'statId' },
  { name: 'consents', partition: 'playerId', sort: 'consentId' },
  { name: 'support-tickets', partition: 'playerId', sort: 'ticketId' },
  // One item per message, shared by both players: each side finds it through its own index.
  {
    name: 'private-messages',
    partition: 'conversationId',
    sort: 'messageId',
    indexes: [
      { name: 'bySender', partition: 'senderId', sort: 'sentAt' },
      { name: 'byRecipient', partition: 'recipientId', sort: 'sentAt' },
    ],
  },
  { name: 'sanctions', partition: 'playerId', sort: 'sanctionId' },
  { name: 'sessions', partition: 'playerId', sort: 'sessionId' },
  { name: 'linked-accounts', partition: 'playerId', sort: 'provider' },
  { name: 'contest-entries', partition: 'playerId', sort: 'entryId' },
  { name: 'chat-logs', partition: 'playerId', sort: 'messageId' },
].map(tableDefinition);

export const demoTableNames = demoTableDefinitions.map((t) => t.TableName as string);

export async function createDemoTables(client: DynamoDBClient): Promise<void> {
  await Promise.all(
    demoTableDefinitions.map((definition) => client.send(new CreateTableCommand(definition))),
  );
}
