import {
  CreateTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { tableDefinition } from './table-definition';

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

export const pipelineTableDefinition: CreateTableCommandInput = tableDefinition({
  name: PIPELINE_TABLE,
  partition: 'pk',
  sort: 'sk',
  indexes: [
    { name: 'byPlayer', partition: 'gsi1pk', sort: 'gsi1sk' },
    { name: 'byState', partition: 'gsi2pk', sort: 'gsi2sk' },
  ],
});

export async function createPipelineTable(client: DynamoDBClient): Promise<void> {
  await client.send(new CreateTableCommand(pipelineTableDefinition));
}
