import type { TableKeys } from '../functions/adapters/dynamodb/table-keys';

/**
 * The demo game's tables (demo mode only), by the names the bundled data map reads. Keys as a
 * game of this kind would lay them out; the data map says which key or index finds a player.
 */
export const demoTables: Readonly<Record<string, TableKeys>> = {
  players: { partition: 'playerId' },
  purchases: { partition: 'playerId', sort: 'purchaseId' },
  'forum-posts': { partition: 'postId', indexes: { byAuthor: { partition: 'authorId', sort: 'createdAt' } } },
  'game-stats': { partition: 'playerId', sort: 'statId' },
  consents: { partition: 'playerId', sort: 'consentId' },
  'support-tickets': { partition: 'playerId', sort: 'ticketId' },
  // One item per message, shared by both players: each side finds it through its own index.
  'private-messages': {
    partition: 'conversationId',
    sort: 'messageId',
    indexes: {
      bySender: { partition: 'senderId', sort: 'sentAt' },
      byRecipient: { partition: 'recipientId', sort: 'sentAt' },
    },
  },
  sanctions: { partition: 'playerId', sort: 'sanctionId' },
  sessions: { partition: 'playerId', sort: 'sessionId' },
  'linked-accounts': { partition: 'playerId', sort: 'provider' },
  'contest-entries': { partition: 'playerId', sort: 'entryId' },
  'chat-logs': { partition: 'playerId', sort: 'messageId' },
  'push-notifications': { partition: 'playerId', sort: 'notificationId' },
  'newsletter-events': { partition: 'playerId', sort: 'eventId' },
  attribution: { partition: 'playerId', sort: 'eventId' },
};
