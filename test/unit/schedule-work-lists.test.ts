import { describe, expect, it } from 'vitest';
import type { ExecutionStatus, GrantRepository, RequestRepository } from '../../functions/core/ports';
import { sweepExpired } from '../../functions/core/requests/expiry-sweep';
import type { DownloadGrant } from '../../functions/core/requests/grant';
import { removeLeftovers } from '../../functions/core/requests/leftovers';
import {
  type AuditEntry,
  type ExportRequestRecord,
  finalStates,
  isFinal,
  type RequestState,
} from '../../functions/core/requests/request-record';
import { superviseRequests } from '../../functions/core/requests/watchdog';
import { type Deadline, deadlineFromRemaining } from '../../functions/core/requests/work-list';
import { MemoryStore } from '../support/memory-store';

/**
 * The schedule's work lists read a page at a time and cut at a deadline (issue 11): a run that runs
 * out of time leaves the rest to the next, which finishes it; nothing is handled twice, and an item
 * that keeps failing does not keep the others waiting.
 */

const NOW = new Date('2026-06-01T12:00:00.000Z');
const MINUTE = 60_000;
const clock = { now: () => NOW };
const PAGE = 2;

/** A deadline that passes after `items` checks: a run with time for that many items. */
function timeFor(items: number): Deadline & { checks: number } {
  const deadline = { checks: 0, passed: () => ++deadline.checks > items };
  return deadline;
}

function minutesAgo(minutes: number): string {
  return new Date(NOW.getTime() - minutes * MINUTE).toISOString();
}

function record(
  requestId: string,
  state: RequestState,
  updatedAt: string,
  patch: Partial<ExportRequestRecord> = {},
) {
  const record: ExportRequestRecord = {
    requestId,
    playerId: `player-${requestId}`,
    locale: 'en',
    requestedAt: updatedAt,
    receivedAt: updatedAt,
    attempt: 1,
    dueAt: '2026-07-01T00:00:00.000Z',
    state,
    stateTimes: { [state]: updatedAt },
    updatedAt,
    ...patch,
  };
  return record;
}

/**
 * Requests in memory, listed as the DynamoDB adapter does: by state, oldest update first (READY by
 * expiry), cut at `sortKeyAtOrBefore`, pages of PAGE read lazily, each page continuing after the
 * last key of the one before (so what moves while paging is met as it would be on the table); the
 * clean-up's list kept as the adapter keeps it. Counts what it was asked to do.
 */
class FakeRequests {
  readonly records = new Map<string, ExportRequestRecord>();
  /** The awaitingCleanUp index: request id → when the request ended. */
  readonly awaitingCleanUp = new Map<string, string>();
  readonly moves: string[] = [];
  readonly audit: AuditEntry[] = [];
  pagesRead = 0;
  largestPage = 0;
  /** Every request the clean-up's list gave, in order, over all runs. */
  readFromCleanUpList: string[] = [];
  /** Every request the READY list gave, in order, over all runs. */
  readFromReadyList: string[] = [];

  constructor(records: ExportRequestRecord[]) {
    for (const r of records) {
      this.records.set(r.requestId, structuredClone(r));
      if (isFinal(r.state) && !r.cleanedUpAt && !r.attachedTo)
        this.awaitingCleanUp.set(r.requestId, r.stateTimes[r.state] ?? r.updatedAt);
    }
  }

  async *pagesInState(
    state: RequestState,
    options: { sortKeyAtOrBefore?: string } = {},
  ): AsyncGenerator<ExportRequestRecord[]> {
    const before = options.sortKeyAtOrBefore;
    for await (const page of this.pages((r) => {
      if (r.state !== state) return undefined;
      const key = state === 'READY' && r.expiresAt !== undefined ? r.expiresAt : r.updatedAt;
      return before === undefined || key <= before ? key : undefined;
    })) {
      if (state === 'READY') this.readFromReadyList.push(...page.map((r) => r.requestId));
      yield page;
    }
  }

  async *pagesAwaitingCleanUp(settledBefore: string): AsyncGenerator<ExportRequestRecord[]> {
    for await (const page of this.pages((r) => {
      const endedAt = this.awaitingCleanUp.get(r.requestId);
      return endedAt !== undefined && endedAt <= settledBefore ? endedAt : undefined;
    })) {
      this.readFromCleanUpList.push(...page.map((r) => r.requestId));
      yield page;
    }
  }

  /** The records `sortKey` lists (undefined: not on the list), in its order, a page at a time. */
  private async *pages(
    sortKey: (r: ExportRequestRecord) => string | undefined,
  ): AsyncGenerator<ExportRequestRecord[]> {
    let after: string | undefined;
    for (;;) {
      const key = (r: ExportRequestRecord) => `${sortKey(r)}\u0000${r.requestId}`;
      const list = [...this.records.values()]
        .filter((r) => sortKey(r) !== undefined)
        .filter((r) => after === undefined || key(r) > after)
        .sort((a, b) => key(a).localeCompare(key(b)));
      const page = list.slice(0, PAGE).map((r) => structuredClone(r));
      if (page.length === 0) return;
      this.pagesRead++;
      this.largestPage = Math.max(this.largestPage, page.length);
      after = key(page.at(-1) as ExportRequestRecord);
      yield page;
    }
  }

  async get(requestId: string) {
    return structuredClone(this.records.get(requestId));
  }

  async transition(
    requestId: string,
    from: RequestState,
    to: RequestState,
    at: string,
    options: { patch?: Partial<ExportRequestRecord> } = {},
  ) {
    const current = this.records.get(requestId);
    if (current?.state !== from) throw new Error(`conflict: ${requestId} is not ${from}`);
    const stateTimes = { ...current.stateTimes, [to]: at };
    const moved = { ...current, ...options.patch, state: to, stateTimes, updatedAt: at };
    this.records.set(requestId, moved);
    if (isFinal(to) && !isFinal(from) && !options.patch?.cleanedUpAt) this.awaitingCleanUp.set(requestId, at);
    else if (!isFinal(to) || options.patch?.cleanedUpAt) this.awaitingCleanUp.delete(requestId);
    this.moves.push(`${requestId} ${from}→${to}`);
    return structuredClone(moved);
  }

  async restart(requestId: string, from: RequestState, attempt: number, at: string) {
    const current = this.records.get(requestId);
    if (current?.state !== from || current.attempt !== attempt) throw new Error('conflict');
    const restarted = { ...current, state: 'RECEIVED' as const, attempt: attempt + 1, updatedAt: at };
    if (from === 'FAILED') delete restarted.cleanedUpAt;
    this.records.set(requestId, restarted);
    this.awaitingCleanUp.delete(requestId);
    this.moves.push(`${requestId} restart ${attempt + 1}`);
    return structuredClone(restarted);
  }

  async update(requestId: string, patch: Partial<ExportRequestRecord>) {
    const current = this.records.get(requestId);
    if (current) this.records.set(requestId, { ...current, ...patch });
    if (patch.cleanedUpAt) this.awaitingCleanUp.delete(requestId);
  }

  async appendAudit(entry: AuditEntry) {
    this.audit.push(entry);
  }

  asPort(): RequestRepository {
    return this as unknown as RequestRepository;
  }
}

class FakeGrants {
  readonly grants: DownloadGrant[];
  readonly marked: string[] = [];
  constructor(count: number) {
    this.grants = Array.from({ length: count }, (_, i) => ({
      tokenHash: `hash-${i}`,
      requestId: `grant-req-${i}`,
      playerId: 'p',
      archiveKey: `archives/grant-req-${i}/1.zip`,
      fileName: 'export.zip',
      locale: 'en',
      createdAt: minutesAgo(10_000),
      expiresAt: minutesAgo(100 - i),
      maxDownloads: 5,
      downloads: 0,
      archiveBytes: 1,
      recordsByCategory: {},
    }));
  }
  async *expiredPages(now: Date): AsyncGenerator<DownloadGrant[]> {
    let after = '';
    for (;;) {
      const page = this.grants
        .filter((g) => !this.marked.includes(g.tokenHash) && Date.parse(g.expiresAt) < now.getTime())
        .filter((g) => g.expiresAt > after)
        .slice(0, PAGE);
      if (page.length === 0) return;
      after = (page.at(-1) as DownloadGrant).expiresAt;
      yield page;
    }
  }
  async markExpired(tokenHash: string) {
    this.marked.push(tokenHash);
  }
  asPort(): GrantRepository {
    return this as unknown as GrantRepository;
  }
}

/** A store whose deletes of `refused` keys answer done but leave the object (as a bucket policy would). */
class RefusingStore extends MemoryStore {
  readonly deleted: string[] = [];
  constructor(readonly refused: Set<string>) {
    super();
  }
  override async delete(keys: string[]): Promise<void> {
    this.deleted.push(...keys);
    await super.delete(keys.filter((key) => !this.refused.has(key)));
  }
}

const events = { publish: async () => {} };

/** Seven expired READY requests (ready-0 … ready-6, in list order), and one not yet expired. */
function readyRequests(): ExportRequestRecord[] {
  const list = Array.from({ length: 7 }, (_, i) =>
    record(`ready-${i}`, 'READY', minutesAgo(1000 - i), {
      archiveKey: `archives/ready-${i}/1.zip`,
      expiresAt: minutesAgo(10),
    }),
  );
  list.splice(3, 0, record('not-yet', 'READY', minutesAgo(999.5), { expiresAt: minutesAgo(-60) }));
  return list;
}

function sweepDeps(requests: FakeRequests, store: MemoryStore, grants = new FakeGrants(0)) {
  return { requests: requests.asPort(), grants: grants.asPort(), store, events, clock };
}

async function withArchives(store: MemoryStore, records: ExportRequestRecord[]) {
  for (const r of records) if (r.archiveKey) store.objects.set(r.archiveKey, Buffer.from('zip'));
}

describe('the expiry sweep, a page at a time until its deadline', () => {
  it('stops at the deadline with work left; the next run finishes it; nothing is expired twice', async () => {
    const records = readyRequests();
    const requests = new FakeRequests(records);
    const store = new RefusingStore(new Set());
    await withArchives(store, records);

    const first = await sweepExpired(sweepDeps(requests, store), { deadline: timeFor(3) });
    expect(first.truncated).toBe(true);
    expect(first.requests).toEqual(['ready-0', 'ready-1', 'ready-2']);
    // Not a page more than it needed read ahead, and never more than a page at a time.
    expect(requests.largestPage).toBeLessThanOrEqual(PAGE);

    const second = await sweepExpired(sweepDeps(requests, store), { deadline: timeFor(100) });
    expect(second.truncated).toBe(false);
    expect(second.requests).toEqual(['ready-3', 'ready-4', 'ready-5', 'ready-6']);
    const expired = requests.moves.filter((m) => m.endsWith('READY→EXPIRED'));
    expect(expired).toHaveLength(7);
    expect(new Set(expired).size).toBe(7);
    expect(store.deleted.filter((k) => k === 'archives/ready-0/1.zip')).toHaveLength(1);
    expect(requests.records.get('not-yet')?.state).toBe('READY');
  });

  it('a run whose time suffices reports no work left, even with READY requests not yet expired after the last', async () => {
    const requests = new FakeRequests([
      record('a', 'READY', minutesAgo(20), { expiresAt: minutesAgo(1) }),
      ...Array.from({ length: 5 }, (_, i) =>
        record(`later-${i}`, 'READY', minutesAgo(10), { expiresAt: minutesAgo(-60) }),
      ),
    ]);
    // Time for exactly the one expired request: the ones that need nothing are not work left.
    const report = await sweepExpired(sweepDeps(requests, new MemoryStore()), { deadline: timeFor(1) });
    expect(report).toMatchObject({ requests: ['a'], truncated: false });
  });

  it('an archive that cannot be deleted neither stops the run nor, on later runs, keeps the others waiting', async () => {
    const records = readyRequests();
    const requests = new FakeRequests(records);
    const store = new RefusingStore(new Set(['archives/ready-0/1.zip']));
    await withArchives(store, records);

    // Within the run: ready-0 fails, the others are swept all the same.
    const first = await sweepExpired(sweepDeps(requests, store), { deadline: timeFor(3) });
    expect(first.deleteFailed.map((f) => f.requestId)).toEqual(['ready-0']);
    expect(first.requests).toEqual(['ready-1', 'ready-2']);
    expect(requests.records.get('ready-0')?.deletionFailedAt).toBe(NOW.toISOString());

    // Later runs: ready-0 comes first in the list, but is tried after the ones that never failed.
    const second = await sweepExpired(sweepDeps(requests, store), { deadline: timeFor(4) });
    expect(second.requests).toEqual(['ready-3', 'ready-4', 'ready-5', 'ready-6']);
    expect(second.truncated).toBe(true);
    expect(store.deleted.filter((k) => k === 'archives/ready-0/1.zip')).toHaveLength(1);

    const third = await sweepExpired(sweepDeps(requests, store), { deadline: timeFor(100) });
    expect(third).toMatchObject({ requests: [], truncated: false });
    expect(third.deleteFailed.map((f) => f.requestId)).toEqual(['ready-0']);
    // Put on the trail once, however often it is retried.
    expect(requests.audit.filter((a) => a.action === 'delete-failed')).toHaveLength(1);

    store.refused.clear();
    const fourth = await sweepExpired(sweepDeps(requests, store), { deadline: timeFor(100) });
    expect(fourth.requests).toEqual(['ready-0']);
  });

  it('reads only expired READY requests, never those whose link is still valid, in both passes', async () => {
    const HOUR = 60 * MINUTE;
    // A week of links still valid, most of them READY before the expired ones (a longer link), and
    // five expired ones, one of whose archive cannot be deleted.
    const valid = Array.from({ length: 40 }, (_, i) =>
      record(`valid-${String(i).padStart(2, '0')}`, 'READY', minutesAgo(3 * 24 * 60 - i), {
        archiveKey: `archives/valid-${i}/1.zip`,
        expiresAt: new Date(NOW.getTime() + (i + 1) * 4 * HOUR).toISOString(),
      }),
    );
    const expired = Array.from({ length: 5 }, (_, i) =>
      record(`expired-${i}`, 'READY', minutesAgo(2 * 24 * 60 - i), {
        archiveKey: `archives/expired-${i}/1.zip`,
        expiresAt: minutesAgo(50 - i),
      }),
    );
    const records = [...valid, ...expired];
    const requests = new FakeRequests(records);
    const store = new RefusingStore(new Set(['archives/expired-0/1.zip']));
    await withArchives(store, records);
    let now = NOW;
    const deps = {
      requests: requests.asPort(),
      grants: new FakeGrants(0).asPort(),
      store,
      events,
      clock: { now: () => now },
    };
    const expiredIds = expired.map((r) => r.requestId);

    // Out of time after two: the next run goes on with the rest, and neither reads a valid link.
    const first = await sweepExpired(deps, { deadline: timeFor(2) });
    expect(first).toMatchObject({ requests: ['expired-1'], truncated: true });
    expect(first.deleteFailed.map((f) => f.requestId)).toEqual(['expired-0']);
    const second = await sweepExpired(deps, { deadline: timeFor(100) });
    expect(second.requests).toEqual(['expired-2', 'expired-3', 'expired-4']);
    // The retry pass tried expired-0 again (it still fails), after the others.
    expect(second.deleteFailed.map((f) => f.requestId)).toEqual(['expired-0']);
    expect(second.truncated).toBe(false);
    expect(requests.readFromReadyList.length).toBeGreaterThan(0);
    expect(requests.readFromReadyList.every((id) => expiredIds.includes(id))).toBe(true);

    // Once the archive goes, the retry pass expires it; still no valid link read.
    store.refused.clear();
    const third = await sweepExpired(deps, { deadline: timeFor(100) });
    expect(third).toMatchObject({ requests: ['expired-0'], truncated: false });
    expect(requests.readFromReadyList.every((id) => expiredIds.includes(id))).toBe(true);

    // Nothing expired: nothing read at all.
    const readBefore = requests.readFromReadyList.length;
    expect(await sweepExpired(deps)).toMatchObject({ requests: [], truncated: false });
    expect(requests.readFromReadyList).toHaveLength(readBefore);

    // Nine hours on, the first two valid links have expired: they are all the next run reads.
    now = new Date(NOW.getTime() + 9 * HOUR);
    const later = await sweepExpired(deps);
    expect(later.requests).toEqual(['valid-00', 'valid-01']);
    expect(requests.readFromReadyList.slice(readBefore)).toEqual(['valid-00', 'valid-01']);
    expect(requests.records.get('valid-02')?.state).toBe('READY');
  });

  it('marks expired grants a page at a time, and stops at the deadline before the requests', async () => {
    const grants = new FakeGrants(5);
    const requests = new FakeRequests(readyRequests());
    const first = await sweepExpired(sweepDeps(requests, new MemoryStore(), grants), {
      deadline: timeFor(3),
    });
    expect(first).toMatchObject({ grants: 3, requests: [], truncated: true });
    const second = await sweepExpired(sweepDeps(requests, new MemoryStore(), grants), {
      deadline: timeFor(100),
    });
    expect(second).toMatchObject({ grants: 2, truncated: false });
    expect(second.requests).toHaveLength(7);
    expect(grants.marked).toEqual(['hash-0', 'hash-1', 'hash-2', 'hash-3', 'hash-4']);
  });
});

describe('the watchdog and the clean-up, until their deadline', () => {
  it('the watchdog stops with working requests unseen; the next run sees them; a restarted one is not seen twice', async () => {
    const working = [
      record('r-0', 'RECEIVED', minutesAgo(50)),
      record('r-1', 'RECEIVED', minutesAgo(49)),
      record('c-0', 'COLLECTING', minutesAgo(30)),
      record('c-1', 'COLLECTING', minutesAgo(29)),
      record('p-0', 'PACKAGING', minutesAgo(10)),
    ];
    const requests = new FakeRequests(working);
    const asked: string[] = [];
    // r-0's execution was lost: restarted as attempt 2, back at the end of the RECEIVED list.
    const executions = {
      status: async (requestId: string, attempt: number): Promise<ExecutionStatus> => {
        asked.push(`${requestId}#${attempt}`);
        return requestId === 'r-0' && attempt === 1 ? 'FAILED' : 'RUNNING';
      },
      start: async () => 'started' as const,
      stop: async () => false,
      lastActivity: async () => NOW.toISOString(),
    };
    const deps = { requests: requests.asPort(), events, clock, executions };
    const options = { stuckAfterMs: 24 * 60 * MINUTE, maxAttempts: 3 };

    const first = await superviseRequests(deps, { ...options, deadline: timeFor(3) });
    expect(first).toMatchObject({ restarted: ['r-0'], truncated: true });
    expect(asked).toEqual(['r-0#1', 'r-1#1', 'c-0#1']);

    const second = await superviseRequests(deps, { ...options, deadline: timeFor(100) });
    expect(second.truncated).toBe(false);
    expect(asked.slice(3)).toEqual(['r-1#1', 'r-0#2', 'c-0#1', 'c-1#1', 'p-0#1']);
    expect(requests.moves).toEqual(['r-0 restart 2']);
  });

  it('the clean-up leaves a request that reached its final state under 16 minutes ago (an invocation may still run)', async () => {
    const recent = record('f-recent', 'FAILED', minutesAgo(15));
    const settled = record('f-settled', 'FAILED', minutesAgo(16));
    // Moved again since (an ops note), but failed long ago: the state's own time counts.
    const touched = record('f-touched', 'FAILED', minutesAgo(1), { stateTimes: { FAILED: minutesAgo(60) } });
    const requests = new FakeRequests([recent, settled, touched]);
    const store = new RefusingStore(new Set());
    for (const { requestId } of [recent, settled, touched])
      store.objects.set(`staging/${requestId}/1/c/s.json.part-0-0`, Buffer.from('x'));
    const deps = { requests: requests.asPort(), store, clock, dataMap: { sources: [] } as never };
    const run = await removeLeftovers(deps);
    expect(run.cleaned.sort()).toEqual(['f-settled', 'f-touched']);
    expect([...store.objects.keys()]).toEqual(['staging/f-recent/1/c/s.json.part-0-0']);
  });

  it('the clean-up stops at its deadline and the next run cleans the rest, each request once', async () => {
    const finished = Array.from({ length: 5 }, (_, i) => record(`f-${i}`, 'FAILED', minutesAgo(100 - i)));
    const requests = new FakeRequests(finished);
    const store = new RefusingStore(new Set());
    // What each failed attempt left: a staged piece and two volumes of an unfinished archive.
    for (const { requestId } of finished) {
      for (const key of [
        `staging/${requestId}/1/c/s.json.part-0-0`,
        `archives/${requestId}/1.part3.zip`,
        `archives/${requestId}/1.part2.zip`,
      ]) {
        store.objects.set(key, Buffer.from('x'));
      }
    }
    const deps = { requests: requests.asPort(), store, clock, dataMap: { sources: [] } as never };
    const first = await removeLeftovers(deps, { deadline: timeFor(2) });
    expect(first).toMatchObject({ cleaned: ['f-0', 'f-1'], truncated: true });
    const second = await removeLeftovers(deps, { deadline: timeFor(100) });
    expect(second).toMatchObject({ cleaned: ['f-2', 'f-3', 'f-4'], truncated: false });
    expect(store.deleted.filter((k) => k === 'archives/f-0/1.part2.zip')).toHaveLength(1);
    expect(store.objects.size).toBe(0);
  });
});

describe('the clean-up’s work list', () => {
  /** A FAILED request, ended `minutes` ago, whose attempt staged a piece. */
  function failedWithPiece(store: MemoryStore, requestId: string, minutes: number) {
    store.objects.set(`staging/${requestId}/1/c/s.json.part-0-0`, Buffer.from('x'));
    return record(requestId, 'FAILED', minutesAgo(minutes));
  }

  it('reads only the requests still to clean: not those cleaned before, nor on a later run those it cleaned', async () => {
    const store = new RefusingStore(new Set());
    // Years of requests cleaned long ago, in every final state: none of them is read again.
    const cleanedLongAgo = Array.from({ length: 30 }, (_, i) =>
      record(`old-${i}`, finalStates[i % finalStates.length] as RequestState, minutesAgo(100_000 + i), {
        cleanedUpAt: minutesAgo(99_000),
      }),
    );
    const toClean = [failedWithPiece(store, 'f-0', 60), failedWithPiece(store, 'f-1', 30)];
    // Ended 10 minutes ago: not settled, so not even read (the list is cut at its time).
    const recent = failedWithPiece(store, 'f-recent', 10);
    const requests = new FakeRequests([...cleanedLongAgo, ...toClean, recent]);
    let now = NOW;
    const deps = { requests: requests.asPort(), store, clock: { now: () => now } };

    const first = await removeLeftovers(deps);
    expect(first).toMatchObject({ cleaned: ['f-0', 'f-1'], truncated: false });
    expect(requests.readFromCleanUpList).toEqual(['f-0', 'f-1']);

    // Ten minutes on, f-recent has settled: it is all the next run reads.
    now = new Date(NOW.getTime() + 10 * MINUTE);
    const second = await removeLeftovers(deps);
    expect(second.cleaned).toEqual(['f-recent']);
    expect(requests.readFromCleanUpList).toEqual(['f-0', 'f-1', 'f-recent']);

    const third = await removeLeftovers(deps);
    expect(third).toMatchObject({ cleaned: [], truncated: false });
    expect(requests.readFromCleanUpList).toHaveLength(3);
    expect(store.objects.size).toBe(0);
  });

  it('a request restarted from FAILED is off the list while at work, and back on it when it ends again', async () => {
    const store = new RefusingStore(new Set());
    const requests = new FakeRequests([failedWithPiece(store, 'f', 60)]);
    let now = NOW;
    const deps = { requests: requests.asPort(), store, clock: { now: () => now } };
    expect((await removeLeftovers(deps)).cleaned).toEqual(['f']);

    // An operator's retry: attempt 2 at work, staging again.
    await requests.restart('f', 'FAILED', 1, now.toISOString());
    store.objects.set('staging/f/2/c/s.json.part-0-0', Buffer.from('x'));
    now = new Date(NOW.getTime() + 60 * MINUTE);
    expect(await removeLeftovers(deps)).toMatchObject({ cleaned: [], truncated: false });
    expect(requests.readFromCleanUpList).toEqual(['f']);

    // It fails again: cleaned once it has settled, attempt 2's objects too.
    await requests.transition('f', 'RECEIVED', 'FAILED', now.toISOString());
    now = new Date(now.getTime() + 16 * MINUTE);
    expect((await removeLeftovers(deps)).cleaned).toEqual(['f']);
    expect(requests.readFromCleanUpList).toEqual(['f', 'f']);
    expect(store.objects.size).toBe(0);
  });
});

describe('deadlineFromRemaining', () => {
  it('passes when only the reserve is left, or when its share of the time before that is used', () => {
    let left = 300_000;
    const remaining = () => left;
    const whole = deadlineFromRemaining(remaining, 60_000);
    const half = deadlineFromRemaining(remaining, 60_000, 0.5);
    left = 181_000;
    expect([whole.passed(), half.passed()]).toEqual([false, false]);
    left = 180_000;
    expect([whole.passed(), half.passed()]).toEqual([false, true]);
    left = 60_000;
    expect(whole.passed()).toBe(true);
  });

  it('marks a running request stuck only when neither its record nor its execution has moved for stuckAfter: a long throttling wait is work', async () => {
    const HOURS = 60 * MINUTE;
    const requests = new FakeRequests([
      // Moved an hour ago: fine, its history is not even read.
      record('fresh', 'COLLECTING', minutesAgo(60)),
      // Unmoved for two days, but its execution retried a throttled read ten minutes ago.
      record('waiting', 'COLLECTING', minutesAgo(48 * 60)),
      // Unmoved for two days and its execution silent for 30 hours: a hang.
      record('hung', 'PACKAGING', minutesAgo(48 * 60)),
      // Unmoved, and no history to read (e.g. an execution of a region that lost it).
      record('unknown', 'COLLECTING', minutesAgo(47 * 60)),
    ]);
    const activity: Record<string, string | undefined> = {
      waiting: minutesAgo(10),
      hung: minutesAgo(30 * 60),
      unknown: undefined,
    };
    const historiesRead: string[] = [];
    const executions = {
      status: async () => 'RUNNING' as const,
      start: async () => 'started' as const,
      stop: async () => false,
      lastActivity: async (requestId: string) => {
        historiesRead.push(requestId);
        return activity[requestId];
      },
    };
    const deps = { requests: requests.asPort(), events, clock, executions };
    const report = await superviseRequests(deps, { stuckAfterMs: 24 * HOURS, maxAttempts: 3 });
    expect(report.stuck.map((s) => [s.requestId, s.newlyMarked]).sort()).toEqual([
      ['hung', true],
      ['unknown', true],
    ]);
    expect(historiesRead.sort()).toEqual(['hung', 'unknown', 'waiting']);
    expect(requests.records.get('waiting')?.stuckSince).toBeUndefined();
    expect(requests.records.get('hung')?.stuckSince).toBe(NOW.toISOString());
    expect(requests.audit.map((a) => [a.requestId, a.action])).toEqual([
      ['unknown', 'stuck'],
      ['hung', 'stuck'],
    ]);
    // Reported again on the next run, not put on the trail twice.
    const again = await superviseRequests(deps, { stuckAfterMs: 24 * HOURS, maxAttempts: 3 });
    expect(again.stuck.map((s) => [s.requestId, s.newlyMarked]).sort()).toEqual([
      ['hung', false],
      ['unknown', false],
    ]);
    expect(requests.audit).toHaveLength(2);
  });
});
