import type { TableKeys } from './table-keys';

/**
 * The pipeline's own table (single-table design), laid out once for the adapters and the CDK:
 *
 *   request   pk REQUEST#<requestId>  sk REQUEST               gsi1 PLAYER#<playerId> / <receivedAt>
 *                                                             gsi2 STATE#<state>     / <entered it>
 *                                                             (READY: / <expiresAt>)
 *                                                             gsi3 CLEANUP           / <when it ended>
 *                                                             (gsi3 only while in a final state
 *                                                             and not cleaned up)
 *   audit     pk REQUEST#<requestId>  sk AUDIT#<at>#<random>  (append-only)
 *   delivery  pk REQUEST#<requestId>  sk DELIVERY              gsi2 DELIVERY#OPEN     / <nextAttemptAt>
 *                                                             (gsi2 removed once the outbox is done)
 *   claim     pk PLAYER#<playerId>    sk ACTIVE                the request that answers the player now
 *   grant     pk GRANT#<sha256(token)> sk GRANT                gsi2 GRANT#ACTIVE      / <expiresAt>
 *                                                             (gsi2 removed when expired or revoked)
 *   slots     pk ADMISSION             sk SLOTS                 holders: the request ids allowed to run
 *   budget    pk BUDGET#<table>        sk BUDGET                a read budget's token bucket
 *
 * `byPlayer` lists a player's requests for the privacy team; `byState` is the work list of the
 * watchdog, the expiry sweep and the delivery outbox. Its sort key is when the request entered its
 * state, except READY's: the request's expiry (set with the move to READY, never changed after), so
 * that the expiry sweep reads only the expired part of the list (`<= now`), not the week of links
 * still valid behind it. `awaitingCleanUp` is the clean-up's work list,
 * sparse so that it holds only the requests still to clean: request records have no TTL, and a
 * final state's byState list only grows. Its sort key is when the request entered its first final
 * state (READY → EXPIRED keeps a READY request's place, or its absence once cleaned). TTL attribute
 * `ttl` (epoch seconds).
 */
export const pipelineTableKeys = {
  partition: 'pk',
  sort: 'sk',
  indexes: {
    byPlayer: { partition: 'gsi1pk', sort: 'gsi1sk' },
    byState: { partition: 'gsi2pk', sort: 'gsi2sk' },
    awaitingCleanUp: { partition: 'gsi3pk', sort: 'gsi3sk' },
  },
} as const satisfies TableKeys;

export const PIPELINE_TTL_ATTRIBUTE = 'ttl';

/** The byState index's partition key of a request state: "STATE#<state>" (the work lists). */
export const stateKey = (state: string) => `STATE#${state}`;

/** The awaitingCleanUp index's one partition key: the list is read whole, oldest first. */
export const CLEANUP_KEY = 'CLEANUP';

/** The byPlayer index's partition key of a player: "PLAYER#<playerId>". */
export const playerKey = (playerId: string) => `PLAYER#${playerId}`;

export const pipelineIndexNames = Object.keys(
  pipelineTableKeys.indexes,
) as (keyof typeof pipelineTableKeys.indexes)[];
