import { sourceById, sourceQuery } from '../data-map/data-map';
import type { ExportRequest } from '../workflow-types';
import { issueLink, mailLink, type RequestStepsDeps } from './request-steps';

/**
 * A repeat request within the cooldown after an archive was made: instead of building it again,
 * the player gets a fresh link to the archive that exists, valid until that archive expires.
 * Only token hashes are stored, so the first link cannot be sent again; a new token is issued.
 */
export async function resendLink(
  deps: RequestStepsDeps,
  input: { readyRequestId: string; request: ExportRequest },
): Promise<{ link: string; mailed: boolean } | undefined> {
  const ready = await deps.requests.get(input.readyRequestId);
  if (ready?.state !== 'READY' || !ready.archiveKey || !ready.expiresAt) return undefined;
  const now = deps.clock.now();
  const rootFolder = ready.archiveKey.slice(ready.archiveKey.lastIndexOf('/') + 1).replace(/\.zip$/, '');
  const username = await usernameOf(deps, ready.playerId);
  const link = await issueLink(deps, {
    plan: {
      requestId: ready.requestId,
      playerId: ready.playerId,
      rootFolder,
      locale: input.request.locale ?? ready.locale,
    },
    archive: {
      archiveKey: ready.archiveKey,
      bytes: ready.archiveBytes ?? 0,
      recordsByCategory: ready.recordsByCategory ?? {},
    },
    expiresAt: ready.expiresAt,
    createdAt: now.toISOString(),
  });
  const mailed = await mailLink(deps, {
    request: input.request,
    username,
    locale: input.request.locale ?? ready.locale,
    link,
    expiresAt: ready.expiresAt,
    requestedAt: now.toISOString(),
  });
  for (const requestId of new Set([ready.requestId, input.request.requestId])) {
    await deps.requests.appendAudit({
      requestId,
      at: now.toISOString(),
      action: 'link-resent',
      detail: `archive of ${ready.requestId} re-sent for ${input.request.requestId}`,
    });
  }
  await deps.events.publish('ExportReady', {
    requestId: input.request.requestId,
    archiveOf: ready.requestId,
    playerId: ready.playerId,
    link,
    expiresAt: ready.expiresAt,
    maxDownloads: deps.settings.maxDownloads,
    archiveBytes: ready.archiveBytes ?? 0,
    mailed,
  });
  return { link, mailed };
}

async function usernameOf(deps: RequestStepsDeps, playerId: string): Promise<string> {
  const identity = sourceById(deps.dataMap, deps.dataMap.identity.source);
  for await (const page of deps.reader.pages(sourceQuery(identity, playerId))) {
    const username = page[0]?.[deps.dataMap.identity.usernameField];
    if (typeof username === 'string') return username;
  }
  return playerId;
}
