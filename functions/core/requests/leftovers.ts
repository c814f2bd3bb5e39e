import { archiveFilePath, archiveKey, stagingPrefix } from '../archive/layout';
import { previewStagingKey } from '../collect/preview';
import type { DataMap } from '../data-map/data-map';
import type { Clock, ObjectStore, RequestRepository } from '../ports';
import { type DeletionFailure, deleteAndVerify, recordDeletionFailure } from './deletion';
import type { ExportRequestRecord, RequestState } from './request-record';

/**
 * Every object one attempt at a request may have written: its staged files (the paths follow from
 * the data map, so no listing is needed and a half-finished collection is covered too) and its
 * archive.
 */
export function attemptObjectKeys(dataMap: DataMap, requestId: string, attempt: number): string[] {
  const prefix = stagingPrefix(requestId, attempt);
  return [
    ...dataMap.sources.flatMap((source) => [
      ...(['json', 'csv'] as const).map(
        (ext) => `${prefix}${archiveFilePath(source.category, source.id, ext)}`,
      ),
      previewStagingKey(prefix, source.id),
    ]),
    archiveKey(requestId, attempt),
  ];
}

/** What a request in a final state must no longer have: everything but the archive it serves. */
export function leftoverKeys(dataMap: DataMap, record: ExportRequestRecord): string[] {
  const keys: string[] = [];
  for (let attempt = 1; attempt <= record.attempt; attempt++) {
    keys.push(...attemptObjectKeys(dataMap, record.requestId, attempt));
  }
  return record.state === 'READY' ? keys.filter((key) => key !== record.archiveKey) : keys;
}

export interface LeftoverDeps {
  requests: RequestRepository;
  store: ObjectStore;
  dataMap: DataMap;
  clock: Clock;
}

const finalStates: RequestState[] = ['READY', 'FAILED', 'EXPIRED'];

/**
 * The schedule's clean-up: each request that reached a final state has the objects of all its
 * attempts removed once (staging, and every archive but the one a READY request serves; archives
 * verified gone), then `cleanedUpAt` is set. This is what catches what a crash, a restart or a
 * failed delete left behind; a delete that fails is put on the request (see
 * recordDeletionFailure), reported, and tried again on the next run.
 */
export async function removeLeftovers(
  deps: LeftoverDeps,
): Promise<{ cleaned: string[]; failed: DeletionFailure[] }> {
  const cleaned: string[] = [];
  const failed: DeletionFailure[] = [];
  for (const state of finalStates) {
    for (const record of await deps.requests.listInState(state)) {
      if (record.cleanedUpAt || record.attachedTo) continue;
      try {
        await deleteAndVerify(deps.store, leftoverKeys(deps.dataMap, record));
      } catch (error) {
        failed.push(await recordDeletionFailure(deps, record, 'leftover objects', error));
        continue;
      }
      await deps.requests.update(record.requestId, { cleanedUpAt: deps.clock.now().toISOString() });
      cleaned.push(record.requestId);
    }
  }
  return { cleaned, failed };
}
