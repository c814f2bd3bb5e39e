import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbGrantRepository } from '../../functions/adapters/dynamodb/dynamodb-grant-repository';
import type { Delivery } from '../../functions/core/requests/delivery-record';
import { type DownloadGrant, hashToken, newToken } from '../../functions/core/requests/grant';
import {
  RequestNotFoundError,
  RequestStateConflictError,
} from '../../functions/core/requests/request-errors';
import {
  canMove,
  type ExportRequestRecord,
  IllegalTransitionError,
  type RequestState,
  requestStates,
} from '../../functions/core/requests/request-record';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

/**
 * The DynamoDB adapters of the pipeline's records, on the pipeline table of a runtime started from
 * the synthesized templates (keys and indexes as deployed), through the harness's admin client.
 * What the use cases do with them is tested on the runtime itself (lifecycle.test.ts).
 */

const HOUR = 3600_000;
const DAY = 24 * HOUR;
let runtime: TestRuntime;
let counter = 0;
/** Ids unique to this run, so tests share one table without seeing each other's items. */
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++counter}`;

beforeAll(async () => {
  runtime = await startTestRuntime({ demoData: false });
});
afterAll(async () => {
  await runtime?.stop();
});

const requests = () => runtime.records.requests;
const pipelineTable = () => runtime.outputs.PipelineTableName as string;

async function createIn(
  state: RequestState,
  patch: Partial<ExportRequestRecord> = {},
): Promise<ExportRequestRecord> {
  const at = '2025-03-10T10:00:00.000Z';
  const record: ExportRequestRecord = {
    requestId: unique('req'),
    playerId: unique('p'),
    locale: 'en',
    requestedAt: at,
    receivedAt: at,
    attempt: 1,
    dueAt: '2025-04-10T10:00:00.000Z',
    state,
    stateTimes: { [state]: at },
    updatedAt: at,
    ...patch,
  };
  expect(await requests().create(record, { requestId: record.requestId, at, action: 'requested' })).toBe(
    'created',
  );
  return record;
}

describe('request records: create', () => {
  it('creates once per request id and reads back exactly what was written', async () => {
    const record = await createIn('RECEIVED', { channel: 'portal', contactEmail: 'nova@example.org' });
    expect(await requests().get(record.requestId)).toEqual(record);
    // The request id is the idempotency key: a second create (a redelivered event) changes nothing.
    const again = { ...record, locale: 'de-AT', contactEmail: 'someone@example.org' };
    expect(
      await requests().create(again, {
        requestId: record.requestId,
        at: record.receivedAt,
        action: 'requested',
      }),
    ).toBe('exists');
    expect(await requests().get(record.requestId)).toEqual(record);
    expect((await requests().audit(record.requestId)).map((a) => a.action)).toEqual(['requested']);
    expect(await requests().get(unique('nobody'))).toBeUndefined();
  });
});

describe('request records: transitions', () => {
  for (const from of requestStates) {
    for (const to of requestStates) {
      const allowed = canMove(from, to);
      it(`${from} → ${to} is ${allowed ? 'allowed and timed' : 'refused'}`, async () => {
        const record = await createIn(from);
        const at = '2025-03-11T12:34:56.789Z';
        if (!allowed) {
          await expect(requests().transition(record.requestId, from, to, at)).rejects.toBeInstanceOf(
            IllegalTransitionError,
          );
          expect(await requests().get(record.requestId)).toEqual(record);
          expect((await requests().audit(record.requestId)).map((a) => a.action)).toEqual(['requested']);
          return;
        }
        const moved = await requests().transition(record.requestId, from, to, at);
        expect(moved.state).toBe(to);
        expect(moved.stateTimes).toEqual({ [from]: '2025-03-10T10:00:00.000Z', [to]: at });
        expect(moved.updatedAt).toBe(at);
        expect(moved.attempt).toBe(1);
        expect(await requests().get(record.requestId)).toEqual(moved);
        expect((await requests().listInState(to)).map((r) => r.requestId)).toContain(record.requestId);
        expect((await requests().listInState(from)).map((r) => r.requestId)).not.toContain(record.requestId);
        expect((await requests().audit(record.requestId)).at(-1)).toEqual({
          requestId: record.requestId,
          action: 'state',
          at,
          detail: `${from} → ${to}`,
        });
      });
    }
  }

  it('refuses a move from a state the request is no longer in, and lets only one of ten workers move it', async () => {
    const record = await createIn('RECEIVED');
    const at = '2025-03-11T00:00:00.000Z';
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => requests().transition(record.requestId, 'RECEIVED', 'COLLECTING', at)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(9);
    for (const r of rejected) {
      expect(r.reason).toBeInstanceOf(RequestStateConflictError);
      expect((r.reason as Error).message).toMatch(/is in COLLECTING, not RECEIVED/);
    }
    const audit = await requests().audit(record.requestId);
    expect(audit.filter((a) => a.action === 'state')).toHaveLength(1);
  });

  it('refuses a move of an unknown request', async () => {
    const requestId = unique('nobody');
    await expect(
      requests().transition(requestId, 'RECEIVED', 'COLLECTING', '2025-03-11T00:00:00.000Z'),
    ).rejects.toBeInstanceOf(RequestNotFoundError);
    expect(await requests().get(requestId)).toBeUndefined();
  });

  it('moves only at the attempt it is told, when told one', async () => {
    const record = await createIn('COLLECTING', { attempt: 2 });
    const at = '2025-03-11T00:00:00.000Z';
    // A step of attempt 1 (superseded) must not move attempt 2's request, though the state matches.
    const stale = await requests()
      .transition(record.requestId, 'COLLECTING', 'PACKAGING', at, { attempt: 1 })
      .catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(RequestStateConflictError);
    expect(await requests().get(record.requestId)).toEqual(record);
    expect((await requests().audit(record.requestId)).map((a) => a.action)).toEqual(['requested']);

    const moved = await requests().transition(record.requestId, 'COLLECTING', 'PACKAGING', at, {
      attempt: 2,
    });
    expect(moved).toMatchObject({ state: 'PACKAGING', attempt: 2, updatedAt: at });
    expect(await requests().get(record.requestId)).toEqual(moved);
  });

  it('keeps patch fields (archive, expiry, counts) on the record, leaving the others as they were', async () => {
    const record = await createIn('PACKAGING', { channel: 'portal' });
    const moved = await requests().transition(
      record.requestId,
      'PACKAGING',
      'READY',
      '2025-03-11T00:00:00.000Z',
      {
        attempt: 1,
        patch: {
          archiveKey: 'archives/x/1.zip',
          archiveBytes: 12345,
          archiveFileName: 'nova-data-export-2025-03-11.zip',
          expiresAt: '2025-03-18T00:00:00.000Z',
          recordsByCategory: { account: 1, forum: 12, 'game-statistics': 0 },
        },
      },
    );
    expect(await requests().get(record.requestId)).toEqual(moved);
    expect(moved).toEqual({
      ...record,
      state: 'READY',
      stateTimes: { PACKAGING: record.updatedAt, READY: '2025-03-11T00:00:00.000Z' },
      updatedAt: '2025-03-11T00:00:00.000Z',
      archiveKey: 'archives/x/1.zip',
      archiveBytes: 12345,
      archiveFileName: 'nova-data-export-2025-03-11.zip',
      expiresAt: '2025-03-18T00:00:00.000Z',
      recordsByCategory: { account: 1, forum: 12, 'game-statistics': 0 },
    });
  });

  it('ends the stuck mark with any move', async () => {
    const record = await createIn('RECEIVED');
    await requests().update(record.requestId, { stuckSince: '2025-03-10T12:00:00.000Z' });
    expect((await requests().get(record.requestId))?.stuckSince).toBe('2025-03-10T12:00:00.000Z');
    const moved = await requests().transition(
      record.requestId,
      'RECEIVED',
      'COLLECTING',
      '2025-03-10T13:00:00.000Z',
    );
    expect(moved.stuckSince).toBeUndefined();
    expect((await requests().get(record.requestId))?.stuckSince).toBeUndefined();
  });

  it('lists a state oldest update first', async () => {
    const made = await Promise.all([createIn('RECEIVED'), createIn('RECEIVED'), createIn('RECEIVED')]);
    const times = ['2025-03-12T03:00:00.000Z', '2025-03-12T01:00:00.000Z', '2025-03-12T02:00:00.000Z'];
    for (const [i, record] of made.entries()) {
      await requests().transition(record.requestId, 'RECEIVED', 'FAILED', times[i] as string, {
        patch: { failureReason: 'test' },
      });
    }
    const ids = made.map((r) => r.requestId);
    const failed = (await requests().listInState('FAILED')).filter((r) => ids.includes(r.requestId));
    expect(failed.map((r) => r.requestId)).toEqual([ids[1], ids[2], ids[0]]);
    expect(failed.map((r) => r.updatedAt)).toEqual([times[1], times[2], times[0]]);
    expect(failed.every((r) => r.failureReason === 'test')).toBe(true);
  });

  it('reads a state a page at a time, and a request moved on while paging neither ends nor repeats the list', async () => {
    // Last in the READY list (no expiry, so listed by when they became READY: 2040), so the pages
    // that hold them end with them.
    const made: ExportRequestRecord[] = [];
    for (let i = 0; i < 5; i++) {
      made.push(await createIn('READY', { updatedAt: `2040-01-01T00:00:0${i}.000Z` }));
    }
    const ids = made.map((r) => r.requestId);
    const met: string[] = [];
    let pages = 0;
    // As the expiry sweep does: each request of a page leaves the list before the next page is read.
    for await (const page of requests().pagesInState('READY', { pageSize: 2 })) {
      expect(page.length).toBeLessThanOrEqual(2);
      pages++;
      for (const record of page.filter((r) => ids.includes(r.requestId))) {
        met.push(record.requestId);
        await requests().transition(record.requestId, 'READY', 'EXPIRED', '2040-02-01T00:00:00.000Z');
      }
    }
    expect(met).toEqual(ids);
    expect(pages).toBeGreaterThanOrEqual(3);
    const left = (await requests().listInState('READY')).filter((r) => ids.includes(r.requestId));
    expect(left).toEqual([]);
  });
});

describe('request records: the READY list, by expiry', () => {
  /** Which of `ids` the state's list gives when cut at `before` (not cut: undefined), in its order. */
  async function listed(state: RequestState, before: string | undefined, ids: string[]): Promise<string[]> {
    const met: string[] = [];
    const options = before === undefined ? { pageSize: 2 } : { pageSize: 2, sortKeyAtOrBefore: before };
    for await (const page of requests().pagesInState(state, options)) {
      expect(page.length).toBeLessThanOrEqual(2);
      met.push(...page.filter((r) => ids.includes(r.requestId)).map((r) => r.requestId));
    }
    return met;
  }
  const justBefore = (at: string) => new Date(Date.parse(at) - 1).toISOString();

  it('lists READY requests soonest expiry first, and reads only those expired by the bound', async () => {
    // Made READY in the order a, b, c, but their links expire c, a, b (b's link is the longest).
    const moves = [
      { at: '2050-01-01T00:00:00.000Z', expiresAt: '2050-01-08T00:00:00.000Z' },
      { at: '2050-01-01T01:00:00.000Z', expiresAt: '2050-01-15T00:00:00.000Z' },
      { at: '2050-01-01T02:00:00.000Z', expiresAt: '2050-01-03T00:00:00.000Z' },
    ];
    const ready: string[] = [];
    for (const { at, expiresAt } of moves) {
      const { requestId } = await createIn('PACKAGING');
      await requests().transition(requestId, 'PACKAGING', 'READY', at, {
        patch: { archiveKey: 'archives/x/1.zip', expiresAt },
      });
      ready.push(requestId);
    }
    // Stored READY (as a fixture is): listed by its expiry too, not by its update time.
    const stored = await createIn('READY', {
      updatedAt: '2050-01-01T03:00:00.000Z',
      stateTimes: { READY: '2050-01-01T03:00:00.000Z' },
      expiresAt: '2050-01-05T00:00:00.000Z',
    });
    // Made READY without an expiry (publishing never does): listed by when it became READY.
    const noExpiry = await createIn('PACKAGING');
    await requests().transition(noExpiry.requestId, 'PACKAGING', 'READY', '2050-01-02T00:00:00.000Z');
    const [idA, idB, idC] = ready as [string, string, string];
    const ids = [idA, idB, idC, stored.requestId, noExpiry.requestId];

    expect(await listed('READY', undefined, ids)).toEqual([
      noExpiry.requestId,
      idC,
      stored.requestId,
      idA,
      idB,
    ]);
    expect(
      (await requests().listInState('READY'))
        .filter((r) => ids.includes(r.requestId))
        .map((r) => r.requestId),
    ).toEqual([noExpiry.requestId, idC, stored.requestId, idA, idB]);
    // Cut at the bound, inclusive: what expires later is not read.
    expect(await listed('READY', '2050-01-01T12:00:00.000Z', ids)).toEqual([]);
    expect(await listed('READY', justBefore('2050-01-03T00:00:00.000Z'), ids)).toEqual([noExpiry.requestId]);
    expect(await listed('READY', '2050-01-05T00:00:00.000Z', ids)).toEqual([
      noExpiry.requestId,
      idC,
      stored.requestId,
    ]);
    expect(await listed('READY', '2050-01-15T00:00:00.000Z', ids)).toEqual([
      noExpiry.requestId,
      idC,
      stored.requestId,
      idA,
      idB,
    ]);
    // The list's keys are the table's business: the record reads back as written.
    expect(await requests().get(idC)).toMatchObject({
      updatedAt: '2050-01-01T02:00:00.000Z',
      expiresAt: '2050-01-03T00:00:00.000Z',
    });

    // Expired: on EXPIRED's list by when it expired, off READY's.
    await requests().transition(idC, 'READY', 'EXPIRED', '2050-01-03T00:05:00.000Z');
    expect(await listed('READY', '2050-01-05T00:00:00.000Z', ids)).toEqual([
      noExpiry.requestId,
      stored.requestId,
    ]);
    expect(await listed('EXPIRED', '2050-01-03T00:05:00.000Z', ids)).toEqual([idC]);
    expect(await listed('EXPIRED', justBefore('2050-01-03T00:05:00.000Z'), ids)).toEqual([]);
  });

  it('lists every other state by when the request entered it, cut at the bound the same way', async () => {
    const made = await Promise.all([createIn('RECEIVED'), createIn('RECEIVED'), createIn('RECEIVED')]);
    const times = ['2050-02-01T03:00:00.000Z', '2050-02-01T01:00:00.000Z', '2050-02-01T02:00:00.000Z'];
    for (const [i, record] of made.entries()) {
      await requests().transition(record.requestId, 'RECEIVED', 'COLLECTING', times[i] as string);
    }
    const ids = made.map((r) => r.requestId);
    expect(await listed('COLLECTING', undefined, ids)).toEqual([ids[1], ids[2], ids[0]]);
    expect(await listed('COLLECTING', '2050-02-01T02:00:00.000Z', ids)).toEqual([ids[1], ids[2]]);
    expect(await listed('COLLECTING', justBefore('2050-02-01T01:00:00.000Z'), ids)).toEqual([]);
  });
});

describe('request records: restart', () => {
  it('sends a working request back to RECEIVED as the next attempt, audited with the reason', async () => {
    const record = await createIn('COLLECTING');
    await requests().update(record.requestId, { stuckSince: '2025-03-10T12:00:00.000Z' });
    const at = '2025-03-10T14:00:00.000Z';
    const restarted = await requests().restart(record.requestId, 'COLLECTING', 1, at, 'execution was lost');
    expect(restarted).toMatchObject({ state: 'RECEIVED', attempt: 2, updatedAt: at });
    expect(restarted.stuckSince).toBeUndefined();
    expect(await requests().get(record.requestId)).toEqual(restarted);
    expect((await requests().listInState('RECEIVED')).map((r) => r.requestId)).toContain(record.requestId);
    expect((await requests().listInState('COLLECTING')).map((r) => r.requestId)).not.toContain(
      record.requestId,
    );
    expect((await requests().audit(record.requestId)).at(-1)).toEqual({
      requestId: record.requestId,
      at,
      action: 'restarted',
      detail: 'attempt 2: execution was lost',
    });

    // The old attempt can no longer move it; the new one can.
    await expect(
      requests().transition(record.requestId, 'RECEIVED', 'COLLECTING', at, { attempt: 1 }),
    ).rejects.toBeInstanceOf(RequestStateConflictError);
    const next = await requests().transition(record.requestId, 'RECEIVED', 'COLLECTING', at, { attempt: 2 });
    expect(next).toMatchObject({ state: 'COLLECTING', attempt: 2 });
  });

  it('restarts only from the state and attempt given, once of ten concurrent watchdogs', async () => {
    const record = await createIn('PACKAGING');
    const at = '2025-03-10T14:00:00.000Z';
    await expect(
      requests().restart(record.requestId, 'COLLECTING', 1, at, 'wrong state'),
    ).rejects.toBeInstanceOf(RequestStateConflictError);
    await expect(
      requests().restart(record.requestId, 'PACKAGING', 2, at, 'wrong attempt'),
    ).rejects.toBeInstanceOf(RequestStateConflictError);
    expect(await requests().get(record.requestId)).toEqual(record);

    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => requests().restart(record.requestId, 'PACKAGING', 1, at, 'lost')),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
      expect(r.reason).toBeInstanceOf(RequestStateConflictError);
    }
    expect(await requests().get(record.requestId)).toMatchObject({ state: 'RECEIVED', attempt: 2 });
    expect((await requests().audit(record.requestId)).filter((a) => a.action === 'restarted')).toHaveLength(
      1,
    );
  });

  it('restarts a RECEIVED request in place as the next attempt (its execution never got past planning)', async () => {
    const record = await createIn('RECEIVED');
    const restarted = await requests().restart(
      record.requestId,
      'RECEIVED',
      1,
      '2025-03-10T14:00:00.000Z',
      'lost',
    );
    expect(restarted).toMatchObject({ state: 'RECEIVED', attempt: 2 });
  });

  it("restarts a FAILED request as the next attempt (an operator's retry), no longer failed", async () => {
    const record = await createIn('FAILED', {
      failureReason: 'SourceReadError: sanctions',
      cleanedUpAt: '2025-03-10T11:00:00.000Z',
    });
    const at = '2025-03-10T14:00:00.000Z';
    const restarted = await requests().restart(record.requestId, 'FAILED', 1, at, 'retried by local:ops');
    expect(restarted).toMatchObject({ state: 'RECEIVED', attempt: 2, updatedAt: at });
    expect(restarted.failureReason).toBeUndefined();
    expect(restarted.cleanedUpAt).toBeUndefined();
    expect((await requests().listInState('RECEIVED')).map((r) => r.requestId)).toContain(record.requestId);
    expect((await requests().listInState('FAILED')).map((r) => r.requestId)).not.toContain(record.requestId);
  });

  it('never restarts a request that is READY or EXPIRED (the player has an answer)', async () => {
    for (const state of ['READY', 'EXPIRED'] as const) {
      const record = await createIn(state);
      await expect(
        requests().restart(record.requestId, state, 1, '2025-03-10T14:00:00.000Z', 'test'),
      ).rejects.toBeInstanceOf(IllegalTransitionError);
      expect(await requests().get(record.requestId)).toEqual(record);
    }
  });
});

describe('request records: the clean-up’s list (awaitingCleanUp)', () => {
  /** Which of `ids` the list gives when cut at `before`, in its order. */
  async function awaiting(before: string, ids: string[]): Promise<string[]> {
    const met: string[] = [];
    for await (const page of requests().pagesAwaitingCleanUp(before, { pageSize: 2 })) {
      expect(page.length).toBeLessThanOrEqual(2);
      met.push(...page.filter((r) => ids.includes(r.requestId)).map((r) => r.requestId));
    }
    return met;
  }
  const LATEST = '9999-12-31T23:59:59.999Z';
  const justBefore = (at: string) => new Date(Date.parse(at) - 1).toISOString();

  it('holds a request from when it ends until it is cleaned up, oldest first; a working one never', async () => {
    const [working, failed, ready] = await Promise.all([
      createIn('COLLECTING'),
      createIn('COLLECTING'),
      createIn('PACKAGING'),
    ]);
    const ids = [working, failed, ready].map((r) => r.requestId);
    expect(await awaiting(LATEST, ids)).toEqual([]);

    const readyAt = '2031-01-01T00:00:00.000Z';
    const failedAt = '2031-01-01T01:00:00.000Z';
    await requests().transition(ready.requestId, 'PACKAGING', 'READY', readyAt);
    await requests().transition(failed.requestId, 'COLLECTING', 'FAILED', failedAt);
    await requests().transition(working.requestId, 'COLLECTING', 'PACKAGING', failedAt);
    // Cut at `before`: what ended later is not read.
    expect(await awaiting(justBefore(readyAt), ids)).toEqual([]);
    expect(await awaiting(readyAt, ids)).toEqual([ready.requestId]);
    expect(await awaiting(justBefore(failedAt), ids)).toEqual([ready.requestId]);
    expect(await awaiting(failedAt, ids)).toEqual([ready.requestId, failed.requestId]);

    // Expired before it was cleaned: still to clean, in its place.
    await requests().transition(ready.requestId, 'READY', 'EXPIRED', '2031-01-08T00:00:00.000Z');
    expect(await awaiting(failedAt, ids)).toEqual([ready.requestId, failed.requestId]);

    await requests().update(failed.requestId, { cleanedUpAt: '2031-01-01T02:00:00.000Z' });
    expect(await awaiting(LATEST, ids)).toEqual([ready.requestId]);
    await requests().update(ready.requestId, { cleanedUpAt: '2031-01-08T01:00:00.000Z' });
    expect(await awaiting(LATEST, ids)).toEqual([]);
    // The list's keys are the table's business, not the record's.
    expect(Object.keys((await requests().get(failed.requestId)) ?? {})).not.toContain('gsi3pk');
  });

  it('a READY request cleaned up stays off the list when it expires', async () => {
    const record = await createIn('PACKAGING');
    await requests().transition(record.requestId, 'PACKAGING', 'READY', '2031-02-01T00:00:00.000Z');
    await requests().update(record.requestId, { cleanedUpAt: '2031-02-01T00:20:00.000Z' });
    await requests().transition(record.requestId, 'READY', 'EXPIRED', '2031-02-08T00:00:00.000Z');
    expect(await awaiting(LATEST, [record.requestId])).toEqual([]);
  });

  it('a FAILED request restarted is off the list while at work, and back on it from when it ends again', async () => {
    const record = await createIn('COLLECTING');
    const { requestId } = record;
    const firstEnd = '2031-03-01T00:00:00.000Z';
    await requests().transition(requestId, 'COLLECTING', 'FAILED', firstEnd);
    await requests().update(requestId, { cleanedUpAt: '2031-03-01T00:20:00.000Z' });
    expect(await awaiting(LATEST, [requestId])).toEqual([]);

    // An operator's retry: at work again, not on the list.
    await requests().restart(requestId, 'FAILED', 1, '2031-03-02T00:00:00.000Z', 'retried by local:ops');
    expect(await awaiting(LATEST, [requestId])).toEqual([]);
    await requests().transition(requestId, 'RECEIVED', 'COLLECTING', '2031-03-02T00:01:00.000Z');
    expect(await awaiting(LATEST, [requestId])).toEqual([]);

    const secondEnd = '2031-03-02T01:00:00.000Z';
    await requests().transition(requestId, 'COLLECTING', 'FAILED', secondEnd);
    expect(await awaiting(justBefore(secondEnd), [requestId])).toEqual([]);
    expect(await awaiting(secondEnd, [requestId])).toEqual([requestId]);

    // Restarted before its clean-up: off the list all the same (the next end puts it back).
    await requests().restart(requestId, 'FAILED', 2, '2031-03-03T00:00:00.000Z', 'retried by local:ops');
    expect(await awaiting(LATEST, [requestId])).toEqual([]);
  });

  it('lists a request stored already ended (from its state’s time) unless cleaned up or attached', async () => {
    const endedAt = '2031-04-01T00:00:00.000Z';
    const listed = await createIn('FAILED', { stateTimes: { FAILED: endedAt } });
    const cleaned = await createIn('EXPIRED', { cleanedUpAt: '2031-04-01T00:20:00.000Z' });
    const attached = await createIn('READY', { attachedTo: unique('req') });
    const ids = [listed, cleaned, attached].map((r) => r.requestId);
    expect(await awaiting(justBefore(endedAt), ids)).toEqual([]);
    expect(await awaiting(LATEST, ids)).toEqual([listed.requestId]);
  });
});

describe('request records: update', () => {
  it('sets patch fields without moving the request or its updatedAt', async () => {
    const record = await createIn('READY');
    await requests().update(record.requestId, {
      deliveredAt: '2025-03-10T10:05:00.000Z',
      stuckSince: '2025-03-10T12:00:00.000Z',
    });
    await requests().update(record.requestId, {
      deliveryProblem: 'e-mail failed, ExportReady event sent',
      cleanedUpAt: '2025-03-11T00:00:00.000Z',
    });
    expect(await requests().get(record.requestId)).toEqual({
      ...record,
      deliveredAt: '2025-03-10T10:05:00.000Z',
      stuckSince: '2025-03-10T12:00:00.000Z',
      deliveryProblem: 'e-mail failed, ExportReady event sent',
      cleanedUpAt: '2025-03-11T00:00:00.000Z',
    });
    // No audit line: an update is not a move.
    expect((await requests().audit(record.requestId)).map((a) => a.action)).toEqual(['requested']);
    expect(
      (await requests().listInState('READY')).find((r) => r.requestId === record.requestId)?.updatedAt,
    ).toBe(record.updatedAt);
  });

  it('refuses to create a record by updating an unknown request', async () => {
    const requestId = unique('nobody');
    await expect(
      requests().update(requestId, { deliveredAt: '2025-03-10T10:05:00.000Z' }),
    ).rejects.toBeInstanceOf(RequestNotFoundError);
    expect(await requests().get(requestId)).toBeUndefined();
  });
});

describe('request records: audit trail', () => {
  it('is append-only and ordered by time, entries of one millisecond in the order written', async () => {
    const requestId = unique('req');
    const entries = [
      { at: '2025-03-10T10:00:00.000Z', detail: 'a' },
      { at: '2025-03-10T10:00:02.000Z', detail: 'c' },
      { at: '2025-03-10T10:00:01.000Z', detail: 'b' },
      { at: '2025-03-10T10:00:02.000Z', detail: 'd' },
      { at: '2025-03-10T10:00:02.000Z', detail: 'e' },
      // The same entry twice is two lines: nothing is ever overwritten.
      { at: '2025-03-10T10:00:02.000Z', detail: 'e' },
    ];
    for (const e of entries) await requests().appendAudit({ requestId, action: 'download', ...e });
    const audit = await requests().audit(requestId);
    expect(audit.map((a) => a.detail)).toEqual(['a', 'b', 'c', 'd', 'e', 'e']);
    expect(audit.every((a) => a.requestId === requestId && a.action === 'download')).toBe(true);
    // The trail is not the record: a request that never existed has a trail but no record.
    expect(await requests().get(requestId)).toBeUndefined();
  });
});

describe('player claims', () => {
  it('gives one of five concurrent requests of a player the claim and tells the others who holds it', async () => {
    const playerId = unique('p');
    const ids = Array.from({ length: 5 }, () => unique('req'));
    const outcomes = await Promise.all(ids.map((id) => requests().claimPlayer(playerId, id)));
    const winners = ids.filter((_id, i) => outcomes[i]?.claimed);
    expect(winners).toHaveLength(1);
    const holder = winners[0] as string;
    for (const [i, outcome] of outcomes.entries()) {
      if (ids[i] === holder) continue;
      expect(outcome).toEqual({ claimed: false, heldBy: holder, claimedAt: expect.any(String) });
    }
    // The holder may claim again (a retried intake); the others are still refused.
    expect(await requests().claimPlayer(playerId, holder)).toEqual({ claimed: true });
    for (const id of ids.filter((id) => id !== holder)) {
      expect(await requests().claimPlayer(playerId, id)).toEqual({
        claimed: false,
        heldBy: holder,
        claimedAt: expect.any(String),
      });
    }
    // Another player's claim is separate.
    expect(await requests().claimPlayer(unique('p'), ids.find((id) => id !== holder) as string)).toEqual({
      claimed: true,
    });
  });

  it('takes the claim over only from the holder it names', async () => {
    const playerId = unique('p');
    const [first, second, third] = [unique('req'), unique('req'), unique('req')];
    expect(await requests().claimPlayer(playerId, first)).toEqual({ claimed: true });
    // Naming a request that does not hold the claim takes nothing over.
    expect(await requests().claimPlayer(playerId, second, third)).toEqual({
      claimed: false,
      heldBy: first,
      claimedAt: expect.any(String),
    });
    expect(await requests().claimPlayer(playerId, second, first)).toEqual({ claimed: true });
    // The replaced holder is now refused like anyone else, and cannot take it back by naming itself.
    expect(await requests().claimPlayer(playerId, first)).toEqual({
      claimed: false,
      heldBy: second,
      claimedAt: expect.any(String),
    });
    expect(await requests().claimPlayer(playerId, first, first)).toEqual({
      claimed: false,
      heldBy: second,
      claimedAt: expect.any(String),
    });
    // Of several requests replacing the same finished holder at once, one wins.
    const racers = Array.from({ length: 5 }, () => unique('req'));
    const outcomes = await Promise.all(racers.map((id) => requests().claimPlayer(playerId, id, second)));
    const winners = racers.filter((_id, i) => outcomes[i]?.claimed);
    expect(winners).toHaveLength(1);
    for (const [i, outcome] of outcomes.entries()) {
      if (racers[i] !== winners[0])
        expect(outcome).toEqual({ claimed: false, heldBy: winners[0], claimedAt: expect.any(String) });
    }
  });
});

describe('delivery outbox', () => {
  const outbox = () => runtime.records.outbox;

  function delivery(patch: Partial<Delivery> = {}): Delivery {
    const token = newToken();
    const now = new Date();
    return {
      requestId: unique('req'),
      archiveOf: unique('req'),
      playerId: unique('p'),
      locale: 'en',
      tokenHash: hashToken(token),
      link: `https://downloads.example.com/d/${token}`,
      expiresAt: new Date(now.getTime() + 7 * DAY).toISOString(),
      maxDownloads: 5,
      archiveBytes: 4096,
      username: 'nova',
      requestedAt: now.toISOString(),
      kind: 'export',
      mail: 'PENDING',
      event: 'PENDING',
      attempts: 0,
      createdAt: now.toISOString(),
      nextAttemptAt: now.toISOString(),
      ...patch,
    };
  }

  it('creates one entry per request and answers the first one to every later create', async () => {
    const first = delivery();
    expect(await outbox().create(first)).toEqual(first);
    const retried = delivery({ requestId: first.requestId });
    expect(retried.tokenHash).not.toBe(first.tokenHash);
    // A retried step gets the first entry back, and with it the first token: one link per request.
    expect(await outbox().create(retried)).toEqual(first);
    expect(await outbox().get(first.requestId)).toEqual(first);

    // Ten steps creating at once: one entry, and all ten are told the same one.
    const requestId = unique('req');
    const racers = Array.from({ length: 10 }, () => delivery({ requestId }));
    const answers = await Promise.all(racers.map((d) => outbox().create(d)));
    const stored = await outbox().get(requestId);
    expect(racers.map((d) => d.tokenHash)).toContain(stored?.tokenHash);
    for (const answer of answers) expect(answer).toEqual(stored);
    expect(await outbox().get(unique('nobody'))).toBeUndefined();
  });

  it('changes an entry only while its channels are as expected: one of ten senders takes PENDING → SENDING', async () => {
    const entry = await outbox().create(delivery());
    const sendBy = new Date(Date.now() + 10 * 60_000).toISOString();
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        outbox().update(entry.requestId, { mail: 'PENDING' }, { mail: 'SENDING', nextAttemptAt: sendBy }),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await outbox().get(entry.requestId)).toEqual({ ...entry, mail: 'SENDING', nextAttemptAt: sendBy });

    // Both channels are checked when both are expected.
    expect(await outbox().update(entry.requestId, { mail: 'SENDING', event: 'SENT' }, { mail: 'SENT' })).toBe(
      false,
    );
    expect(
      await outbox().update(entry.requestId, { mail: 'SENDING', event: 'PENDING' }, { mail: 'SENT' }),
    ).toBe(true);
    expect(await outbox().update(entry.requestId, { event: 'PENDING' }, { event: 'SENT' })).toBe(true);
    expect(await outbox().get(entry.requestId)).toMatchObject({
      mail: 'SENT',
      event: 'SENT',
      link: entry.link,
    });
    // An entry that does not exist is not created by an update.
    const missing = unique('nobody');
    expect(await outbox().update(missing, {}, { mail: 'SENT' })).toBe(false);
    expect(await outbox().get(missing)).toBeUndefined();
  });

  it('lists only open entries whose next attempt is due', async () => {
    const now = new Date();
    const due = await outbox().create(
      delivery({ nextAttemptAt: new Date(now.getTime() - 60_000).toISOString() }),
    );
    const dueNow = await outbox().create(delivery({ nextAttemptAt: now.toISOString() }));
    const later = await outbox().create(
      delivery({ nextAttemptAt: new Date(now.getTime() + HOUR).toISOString() }),
    );
    const mine = async (at: Date) =>
      (await outbox().listDue(at))
        .map((d) => d.requestId)
        .filter((id) => [due.requestId, dueNow.requestId, later.requestId].includes(id))
        .sort();
    expect(await mine(now)).toEqual([due.requestId, dueNow.requestId].sort());
    expect((await outbox().listDue(now)).find((d) => d.requestId === due.requestId)).toEqual(due);
    expect(await mine(new Date(now.getTime() + HOUR))).toEqual(
      [due.requestId, dueNow.requestId, later.requestId].sort(),
    );

    // Moving the next attempt moves the entry on the list.
    const retryAt = new Date(now.getTime() + 2 * HOUR).toISOString();
    expect(
      await outbox().update(due.requestId, { mail: 'PENDING' }, { attempts: 1, nextAttemptAt: retryAt }),
    ).toBe(true);
    expect(await mine(new Date(now.getTime() + HOUR))).toEqual([dueNow.requestId, later.requestId].sort());
    expect(await mine(new Date(retryAt))).toEqual([due.requestId, dueNow.requestId, later.requestId].sort());
  });

  it('closes a done entry: off the list, its link gone, and no longer changed', async () => {
    const entry = await outbox().create(delivery({ mail: 'SENT', event: 'SENT' }));
    const later = new Date(Date.now() + HOUR);
    expect((await outbox().listDue(later)).map((d) => d.requestId)).toContain(entry.requestId);
    const completedAt = new Date().toISOString();
    expect(
      await outbox().update(
        entry.requestId,
        { mail: 'SENT', event: 'SENT' },
        { completedAt },
        { done: true },
      ),
    ).toBe(true);
    const closed = await outbox().get(entry.requestId);
    const { link: _link, ...withoutLink } = entry;
    expect(closed).toEqual({ ...withoutLink, completedAt });
    expect(closed?.link).toBeUndefined();
    expect((await outbox().listDue(later)).map((d) => d.requestId)).not.toContain(entry.requestId);
    // Closed once: a second close (or any change) is refused.
    expect(
      await outbox().update(
        entry.requestId,
        { mail: 'SENT', event: 'SENT' },
        { completedAt: later.toISOString() },
        { done: true },
      ),
    ).toBe(false);
    expect(await outbox().update(entry.requestId, {}, { lastError: 'Late' })).toBe(false);
    expect((await outbox().get(entry.requestId))?.completedAt).toBe(completedAt);
  });
});

describe('grants: consume', () => {
  const during = new Date('2025-03-12T00:00:00.000Z');
  let grants: DynamoDbGrantRepository;
  beforeAll(() => {
    // Its clock only decides which items count as deleted by TTL; consume takes `now` itself.
    grants = new DynamoDbGrantRepository(runtime.admin.dynamodb, pipelineTable(), {
      clock: { now: () => during },
    });
  });

  async function createGrant(patch: Partial<DownloadGrant> = {}): Promise<DownloadGrant> {
    const grant: DownloadGrant = {
      tokenHash: hashToken(newToken()),
      requestId: unique('req'),
      playerId: unique('p'),
      archiveKey: 'archives/x/1.zip',
      fileName: 'nova-data-export-2025-03-10.zip',
      locale: 'en',
      createdAt: '2025-03-10T10:00:00.000Z',
      expiresAt: '2025-03-17T10:00:00.000Z',
      maxDownloads: 5,
      downloads: 0,
      archiveBytes: 1024,
      recordsByCategory: { account: 1 },
      ...patch,
    };
    await grants.create(grant);
    return grant;
  }

  it('creates once: a second create of the same token hash keeps the first grant and its count', async () => {
    const grant = await createGrant();
    expect(await grants.get(grant.tokenHash)).toEqual(grant);
    expect((await grants.consume(grant.tokenHash, during)).ok).toBe(true);
    await grants.create({ ...grant, archiveKey: 'archives/y/1.zip', downloads: 0, maxDownloads: 100 });
    expect(await grants.get(grant.tokenHash)).toEqual({ ...grant, downloads: 1 });
  });

  it('keeps the volumes of a multi-volume grant in order, through get, consume and the active list', async () => {
    const requestId = unique('req');
    const volumes = [1, 2, 3].map((volume) => ({
      archiveKey: volume === 1 ? `archives/${requestId}/1.zip` : `archives/${requestId}/1.part${volume}.zip`,
      bytes: 2_000_000_000 - volume * 1000,
      sha256: String(volume).repeat(64),
    }));
    const grant = await createGrant({
      requestId,
      archiveKey: volumes[0]?.archiveKey,
      archiveBytes: volumes.reduce((sum, v) => sum + v.bytes, 0),
      maxDownloads: 15,
      volumes,
    });
    expect(await grants.get(grant.tokenHash)).toEqual(grant);
    expect((await grants.get(grant.tokenHash))?.volumes).toEqual(volumes);
    const consumed = await grants.consume(grant.tokenHash, during);
    expect(consumed.ok && consumed.grant).toEqual({ ...grant, downloads: 1 });
    expect(await grants.listActiveForRequest(requestId, during)).toEqual([{ ...grant, downloads: 1 }]);
  });

  it('reads a grant without volumes back without the field', async () => {
    const grant = await createGrant();
    const read = await grants.get(grant.tokenHash);
    expect(read).toEqual(grant);
    expect(read && 'volumes' in read).toBe(false);
    const consumed = await grants.consume(grant.tokenHash, during);
    expect(consumed.ok && 'volumes' in consumed.grant).toBe(false);
  });

  it('allows five downloads, then says used-up', async () => {
    const grant = await createGrant();
    for (let i = 1; i <= 5; i++) {
      const outcome = await grants.consume(grant.tokenHash, during);
      expect(outcome.ok && outcome.grant.downloads).toBe(i);
    }
    expect(await grants.consume(grant.tokenHash, during)).toEqual({ ok: false, reason: 'used-up' });
    expect((await grants.get(grant.tokenHash))?.downloads).toBe(5);
  });

  it('lets exactly one of twenty concurrent downloads take the last one', async () => {
    const grant = await createGrant({ downloads: 4 });
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () => grants.consume(grant.tokenHash, during)),
    );
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    expect(outcomes.filter((o) => !o.ok && o.reason === 'used-up')).toHaveLength(19);
    expect((await grants.get(grant.tokenHash))?.downloads).toBe(5);
  });

  it('refuses a revoked, an expired and an unknown grant, each with its reason', async () => {
    const revoked = await createGrant();
    await grants.revoke(revoked.tokenHash, '2025-03-11T00:00:00.000Z');
    expect(await grants.consume(revoked.tokenHash, during)).toEqual({ ok: false, reason: 'revoked' });
    expect((await grants.get(revoked.tokenHash))?.revokedAt).toBe('2025-03-11T00:00:00.000Z');
    expect((await grants.get(revoked.tokenHash))?.downloads).toBe(0);

    const expired = await createGrant();
    expect(await grants.consume(expired.tokenHash, new Date(expired.expiresAt))).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(await grants.consume(hashToken(newToken()), during)).toEqual({ ok: false, reason: 'unknown' });
    expect((await grants.get(expired.tokenHash))?.downloads).toBe(0);
  });

  it('treats a grant past its ttl as gone, as DynamoDB TTL would (dynalite never deletes it)', async () => {
    const grant = await createGrant();
    const later = new Date(Date.parse(grant.expiresAt) + 31 * DAY);
    const late = new DynamoDbGrantRepository(runtime.admin.dynamodb, pipelineTable(), {
      clock: { now: () => later },
    });
    expect(await late.get(grant.tokenHash)).toBeUndefined();
    expect(await late.consume(grant.tokenHash, later)).toEqual({ ok: false, reason: 'unknown' });
    expect(await grants.get(grant.tokenHash)).toBeDefined();
  });

  it('lists active grants past expiry until they are marked expired; revoked ones not at all', async () => {
    const expiresAt = '2031-01-01T00:00:00.000Z';
    const a = await createGrant({ expiresAt });
    const b = await createGrant({ expiresAt });
    const c = await createGrant({ expiresAt: '2031-06-01T00:00:00.000Z' });
    await grants.revoke(b.tokenHash, '2030-12-01T00:00:00.000Z');
    const now = new Date('2031-01-15T00:00:00.000Z');
    const listed = await expiredHashes(now);
    expect(listed).toContain(a.tokenHash);
    expect(listed).not.toContain(b.tokenHash);
    expect(listed).not.toContain(c.tokenHash);
    await grants.markExpired(a.tokenHash, now.toISOString());
    expect(await expiredHashes(now)).not.toContain(a.tokenHash);
  });

  it('pages through expired grants soonest first; marking each expired while paging leaves none out', async () => {
    // The last to expire of this table's grants, so the pages that hold them end with them.
    const made: DownloadGrant[] = [];
    for (let i = 1; i <= 5; i++) made.push(await createGrant({ expiresAt: `2035-01-0${i}T00:00:00.000Z` }));
    const hashes = made.map((g) => g.tokenHash);
    // Within their 30 days after expiry: past that, TTL counts them as deleted.
    const now = new Date('2035-01-10T00:00:00.000Z');
    const met: string[] = [];
    let pages = 0;
    for await (const page of grants.expiredPages(now, { pageSize: 2 })) {
      expect(page.length).toBeLessThanOrEqual(2);
      pages++;
      for (const grant of page.filter((g) => hashes.includes(g.tokenHash))) {
        met.push(grant.tokenHash);
        await grants.markExpired(grant.tokenHash, now.toISOString());
      }
    }
    expect(met).toEqual(hashes);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect((await expiredHashes(now)).filter((h) => hashes.includes(h))).toEqual([]);
  });

  async function expiredHashes(now: Date): Promise<string[]> {
    const hashes: string[] = [];
    for await (const page of grants.expiredPages(now)) hashes.push(...page.map((g) => g.tokenHash));
    return hashes;
  }

  it('lists the usable links of a request (to revoke them all), not revoked ones nor another request’s', async () => {
    const requestId = unique('req');
    const first = await createGrant({ requestId });
    const second = await createGrant({ requestId });
    const other = await createGrant();
    await grants.revoke(second.tokenHash, '2025-03-11T00:00:00.000Z');
    const listed = await grants.listActiveForRequest(requestId, during);
    expect(listed).toEqual([first]);
    expect(listed.map((g) => g.tokenHash)).not.toContain(other.tokenHash);
  });
});
