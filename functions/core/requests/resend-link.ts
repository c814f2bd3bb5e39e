import { type DataMap, sourceById, sourceQuery } from '../data-map/data-map';
import type { SourceReader } from '../ports';
import {
  type DeliverDeps,
  type DeliveryOutcome,
  deliverLink,
  type OpenDeliveryDeps,
  openDelivery,
} from './delivery';
import type { ExportRequestRecord } from './request-record';

export type ResendDeps = OpenDeliveryDeps & DeliverDeps & { reader: SourceReader; dataMap: DataMap };

/**
 * A repeat request within the cooldown after an archive was made: instead of building it again,
 * the player gets a fresh link to the archive that exists, valid until that archive expires.
 * Only token hashes are stored, so the first link cannot be sent again; the new request gets its
 * own grant and outbox entry, delivered like any other (and retried by the same schedule).
 */
export async function resendLink(
  deps: ResendDeps,
  input: { ready: ExportRequestRecord; request: ExportRequestRecord },
): Promise<DeliveryOutcome | undefined> {
  const { ready, request } = input;
  if (ready.state !== 'READY' || !ready.archiveKey || !ready.expiresAt) return undefined;
  await openDelivery(deps, {
    requestId: request.requestId,
    archiveOf: ready.requestId,
    playerId: ready.playerId,
    locale: request.locale,
    username: await usernameOf(deps, ready.playerId),
    requestedAt: request.requestedAt,
    kind: 'resend',
    archive: {
      archiveKey: ready.archiveKey,
      bytes: ready.archiveBytes ?? 0,
      recordsByCategory: ready.recordsByCategory ?? {},
      volumes: ready.archiveVolumes,
    },
    fileName: ready.archiveFileName ?? `${ready.requestId}.zip`,
    createdAt: deps.clock.now(),
    expiresAt: ready.expiresAt,
  });
  return deliverLink(deps, request.requestId);
}

async function usernameOf(deps: Pick<ResendDeps, 'reader' | 'dataMap'>, playerId: string): Promise<string> {
  const identity = sourceById(deps.dataMap, deps.dataMap.identity.source);
  for await (const page of deps.reader.pages(sourceQuery(identity, playerId))) {
    const username = page[0]?.[deps.dataMap.identity.usernameField];
    if (typeof username === 'string') return username;
  }
  return playerId;
}
