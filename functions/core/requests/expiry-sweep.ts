import { describe } from '../errors';
import type { Clock, EventPublisher, GrantRepository, ObjectStore, RequestRepository } from '../ports';
import { type DeletionFailure, deleteAndVerify, recordDeletionFailure } from './deletion';
import { servedArchiveKeys } from './leftovers';
import { moveRequest } from './lifecycle';
import { RequestStateConflictError } from './request-errors';
import type { ExportRequestRecord } from './request-record';
import { type Deadline, noDeadline, workThrough } from './work-list';

export interface SweepDeps {
  requests: RequestRepository;
  grants: GrantRepository;
  events: EventPublisher;
  store: ObjectStore;
  clock: Clock;
}

export interface SweepReport {
  /** Grants marked expired. */
  grants: number;
  /** Requests made EXPIRED, their archive deleted. */
  requests: string[];
  deleteFailed: DeletionFailure[];
  /** Grants or requests that failed otherwise (request ids and error names only): tried again next run. */
  errors: { requestId: string; error: string }[];
  /** Stopped at the deadline with expired grants or requests left: the next run goes on with them. */
  truncated: boolean;
}

/**
 * Runs on a schedule: grants past their expiry are marked expired, and READY requests past theirs
 * become EXPIRED once their archive is deleted and verified gone. An archive that cannot be deleted
 * keeps its request READY (its links have expired with their grants), is put on the request's
 * record and audit trail and reported, and is tried again on the next run; the other requests are
 * swept all the same. On AWS the bucket's lifecycle rule deletes archives too, a day later, as a
 * backstop; this sweep is what makes the status true on time.
 *
 * The work lists are read a page at a time, and the sweep stops at `deadline` (a day with 50,000
 * expiries takes several runs): what it handled has left the lists (grants are marked, requests
 * moved), so the next run carries on where this one stopped. Requests whose archive failed to
 * delete before are tried last, so that a few that keep failing cannot take every run's time. The
 * READY list is sorted by expiry, and both passes read it only up to now: the requests whose links
 * are still valid (a week of them at publisher scale) are never read.
 */
export async function sweepExpired(
  deps: SweepDeps,
  options: { deadline?: Deadline } = {},
): Promise<SweepReport> {
  const deadline = options.deadline ?? noDeadline;
  const now = deps.clock.now();
  const at = now.toISOString();
  const report: SweepReport = { grants: 0, requests: [], deleteFailed: [], errors: [], truncated: false };

  const grants = await workThrough(
    deps.grants.expiredPages(now),
    deadline,
    () => true,
    async (grant) => {
      try {
        await deps.grants.markExpired(grant.tokenHash, at);
        report.grants++;
      } catch (error) {
        report.errors.push({ requestId: grant.requestId, error: describe(error) });
      }
    },
  );
  if (grants.truncated) return { ...report, truncated: true };

  // Only the expired part of the READY list is read (its sort key is the expiry); the check stays
  // as a guard (e.g. a READY request stored without an expiry is listed by when it became READY).
  const expiredReady = () => deps.requests.pagesInState('READY', { sortKeyAtOrBefore: at });
  const isExpired = (r: ExportRequestRecord) =>
    r.expiresAt !== undefined && Date.parse(r.expiresAt) <= now.getTime();
  const failedThisRun = new Set<string>();
  const expire = async (record: ExportRequestRecord) => {
    try {
      await expireRequest(deps, record, at, report, failedThisRun);
    } catch (error) {
      // Moved by someone else meanwhile: not ours to expire any more. Anything else is reported,
      // and the other requests are still swept.
      if (!(error instanceof RequestStateConflictError)) {
        report.errors.push({ requestId: record.requestId, error: describe(error) });
      }
    }
  };
  // First the requests no deletion has failed for yet, then (time left) those that failed before.
  let triedBefore = 0;
  const first = await workThrough(
    expiredReady(),
    deadline,
    (r) => {
      if (!isExpired(r)) return false;
      if (r.deletionFailedAt) triedBefore++;
      return !r.deletionFailedAt;
    },
    expire,
  );
  if (first.truncated || triedBefore === 0) return { ...report, truncated: first.truncated };
  const retried = await workThrough(
    expiredReady(),
    deadline,
    (r) => isExpired(r) && r.deletionFailedAt !== undefined && !failedThisRun.has(r.requestId),
    expire,
  );
  return { ...report, truncated: retried.truncated };
}

async function expireRequest(
  deps: SweepDeps,
  record: ExportRequestRecord,
  at: string,
  report: SweepReport,
  failedThisRun: Set<string>,
): Promise<void> {
  try {
    await deleteAndVerify(deps.store, servedArchiveKeys(record));
  } catch (error) {
    failedThisRun.add(record.requestId);
    report.deleteFailed.push(await recordDeletionFailure(deps, record, 'archive at expiry', error));
    return;
  }
  await moveRequest(deps, record.requestId, 'READY', 'EXPIRED');
  await deps.requests.appendAudit({
    requestId: record.requestId,
    at,
    action: 'expired',
    detail: 'archive deleted',
  });
  report.requests.push(record.requestId);
}
