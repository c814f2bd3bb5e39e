import { attemptArchivesPrefix, stagingPrefix } from '../archive/layout';
import type { Clock, ObjectStore, RequestRepository } from '../ports';
import { type DeletionFailure, deleteAndVerify, recordDeletionFailure } from './deletion';
import type { ExportRequestRecord } from './request-record';
import { type Deadline, noDeadline, workThrough } from './work-list';

/**
 * Every object one attempt at a request may have written: what is under its staging prefix
 * (pieces of data files, previews, checkpoints: their number depends on the source's size) and its
 * archive's volumes (as many as the build packed before it stopped), all listed.
 */
export async function attemptObjectKeys(
  store: ObjectStore,
  requestId: string,
  attempt: number,
): Promise<string[]> {
  return [
    ...(await store.keysUnder(stagingPrefix(requestId, attempt))),
    ...(await store.keysUnder(attemptArchivesPrefix(requestId, attempt))),
  ];
}

/** The objects a READY request serves: its archive's volumes (one for a single zip). */
export function servedArchiveKeys(record: ExportRequestRecord): string[] {
  if (record.archiveVolumes && record.archiveVolumes.length > 1)
    return record.archiveVolumes.map((v) => v.archiveKey);
  return record.archiveKey ? [record.archiveKey] : [];
}

/** What a request in a final state must no longer have: everything but the archive it serves. */
export async function leftoverKeys(store: ObjectStore, record: ExportRequestRecord): Promise<string[]> {
  const keys: string[] = [];
  for (let attempt = 1; attempt <= record.attempt; attempt++) {
    keys.push(...(await attemptObjectKeys(store, record.requestId, attempt)));
  }
  if (record.state !== 'READY') return keys;
  const served = new Set(servedArchiveKeys(record));
  return keys.filter((key) => !served.has(key));
}

export interface LeftoverDeps {
  requests: RequestRepository;
  store: ObjectStore;
  clock: Clock;
}

/**
 * How long a request stays in its final state before the clean-up takes it: Lambda's longest
 * invocation (15 minutes) and one more. A collector already running when the Map failed (Step
 * Functions lets invocations in flight finish) or when the watchdog stopped an attempt may stage
 * until then; cleaned earlier, what it wrote would wait for the bucket's one-day staging expiry.
 */
export const SETTLED_BEFORE_CLEAN_UP_MS = 16 * 60_000;

/** Whether nothing of the request can still be running: it reached its state long enough ago. */
export function settledForCleanUp(record: ExportRequestRecord, now: Date): boolean {
  const since = Date.parse(record.stateTimes[record.state] ?? record.updatedAt);
  return !(now.getTime() - since < SETTLED_BEFORE_CLEAN_UP_MS);
}

/**
 * The schedule's clean-up: each request that reached a final state (at least
 * SETTLED_BEFORE_CLEAN_UP_MS ago) has the objects of all its attempts removed once (staging, and
 * every archive but the one a READY request serves; archives verified gone), then `cleanedUpAt` is
 * set. This is what catches what a crash, a restart or a failed delete left behind; a delete that
 * fails is put on the request (see recordDeletionFailure), reported, and tried again on the next run.
 *
 * Only the requests still to clean are read (pagesAwaitingCleanUp, oldest first): a cleaned one
 * leaves that list, so requests cleaned long ago cost nothing however many there are. The list is
 * read a page at a time until `options.deadline`; the next run goes on with the rest (`truncated`).
 */
export async function removeLeftovers(
  deps: LeftoverDeps,
  options: { deadline?: Deadline } = {},
): Promise<{ cleaned: string[]; failed: DeletionFailure[]; truncated: boolean }> {
  const cleaned: string[] = [];
  const failed: DeletionFailure[] = [];
  const settledBefore = new Date(deps.clock.now().getTime() - SETTLED_BEFORE_CLEAN_UP_MS).toISOString();
  const { truncated } = await workThrough(
    deps.requests.pagesAwaitingCleanUp(settledBefore),
    options.deadline ?? noDeadline,
    // What the list promises, checked on the record as read. A READY request that expired since
    // keeps its place on the list, but settles from the time it became EXPIRED.
    (record) => !record.cleanedUpAt && !record.attachedTo && settledForCleanUp(record, deps.clock.now()),
    async (record) => {
      try {
        await deleteAndVerify(deps.store, await leftoverKeys(deps.store, record));
      } catch (error) {
        failed.push(await recordDeletionFailure(deps, record, 'leftover objects', error));
        return;
      }
      await deps.requests.update(record.requestId, { cleanedUpAt: deps.clock.now().toISOString() });
      cleaned.push(record.requestId);
    },
  );
  return { cleaned, failed, truncated };
}
