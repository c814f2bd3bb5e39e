import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbGrantRepository } from '../../functions/adapters/dynamodb/dynamodb-grant-repository';
import { DynamoDbRequestRepository } from '../../functions/adapters/dynamodb/dynamodb-request-repository';
import {
  EventBridgeEventPublisher,
  EventPublishError,
} from '../../functions/adapters/eventbridge/eventbridge-event-publisher';
import { DeadLetterFolder } from '../../functions/adapters/local/dead-letter-folder';
import { FileEventPublisher, readLocalEvents } from '../../functions/adapters/local/file-event-publisher';
import type { Clock, WorkflowRequest } from '../../functions/core/ports';
import { type DownloadGrant, hashToken, newToken } from '../../functions/core/requests/grant';
import {
  acceptExportRequest,
  type ExportRequestedDetail,
  type IntakeDeps,
  InvalidEventError,
} from '../../functions/core/requests/intake';
import { failRequest, moveRequest } from '../../functions/core/requests/lifecycle';
import { RequestStateConflictError } from '../../functions/core/requests/request-errors';
import {
  canMove,
  type ExportRequestRecord,
  IllegalTransitionError,
  type RequestState,
  requestStates,
} from '../../functions/core/requests/request-record';
import {
  type DueSoonRequest,
  markStuckRequests,
  requestsNearDueDate,
} from '../../functions/core/requests/watchdog';
import { createStartExportHandler } from '../../functions/start-export/handler';
import { type LocalStack, startLocalStack } from '../../local/local-stack';

/** A clock the test moves by hand: a plain object, not a stand-in for an adapter. */
function clockAt(iso: string): Clock & { set(iso: string): void; advance(ms: number): void } {
  let now = new Date(iso);
  return {
    now: () => new Date(now),
    set: (next) => {
      now = new Date(next);
    },
    advance: (ms) => {
      now = new Date(now.getTime() + ms);
    },
  };
}

const HOUR = 3600_000;
let stack: LocalStack;
let folder: string;
let requests: DynamoDbRequestRepository;
let events: FileEventPublisher;
let counter = 0;
/** Ids unique to this run, so tests share one table without seeing each other's items. */
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++counter}`;

beforeAll(async () => {
  stack = await startLocalStack({ createTables: false });
  folder = await mkdtemp(join(tmpdir(), 'pde-requests-'));
  requests = new DynamoDbRequestRepository(stack.clients.dynamodb, stack.pipelineTable);
  events = new FileEventPublisher(join(folder, 'events.jsonl'));
});
afterAll(async () => {
  await stack?.stop();
  if (folder) await rm(folder, { recursive: true, force: true });
});

function deps(clock: Clock): IntakeDeps {
  return { requests, events, clock };
}

function detail(playerId: string, patch: Partial<ExportRequestedDetail> = {}): ExportRequestedDetail {
  return {
    requestId: unique('req'),
    playerId,
    locale: 'de-AT',
    requestedAt: '2025-03-10T09:00:00.000Z',
    email: 'nova@example.org',
    channel: 'portal',
    ...patch,
  };
}

/** Walks a request along the happy path to `to`, one allowed move at a time. */
async function walk(clock: Clock, requestId: string, to: 'COLLECTING' | 'PACKAGING' | 'READY') {
  const path: RequestState[] = ['RECEIVED', 'COLLECTING', 'PACKAGING', 'READY'];
  for (let i = 1; i <= path.indexOf(to); i++) {
    await moveRequest(deps(clock), requestId, path[i - 1] as RequestState, path[i] as RequestState);
  }
}

describe('intake: acceptExportRequest', () => {
  it('starts exactly one export for ten concurrent deliveries of the same request', async () => {
    const clock = clockAt('2025-03-10T10:00:00.000Z');
    const request = detail(unique('p'));
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () => acceptExportRequest(deps(clock), request)),
    );
    const counts = outcomes.reduce<Record<string, number>>((acc, o) => {
      acc[o.outcome] = (acc[o.outcome] ?? 0) + 1;
      return acc;
    }, {});
    expect(counts).toEqual({ started: 1, duplicate: 9 });

    const audit = await requests.audit(request.requestId);
    expect(audit.map((a) => a.action)).toEqual(['requested']);
    const published = (await readLocalEvents(events.path)).filter(
      (e) => e.detail.requestId === request.requestId,
    );
    expect(published).toHaveLength(1);
  });

  it('records a new request as RECEIVED, due one month after receipt, the e-mail only as contactEmail', async () => {
    const clock = clockAt('2025-01-31T08:00:00.000Z');
    const request = detail(unique('p'), { requestedAt: '2025-01-31T07:59:00.000Z' });
    const accepted = await acceptExportRequest(deps(clock), request);
    expect(accepted.outcome).toBe('started');
    const record = await requests.get(request.requestId);
    expect(record).toMatchObject({
      state: 'RECEIVED',
      receivedAt: '2025-01-31T08:00:00.000Z',
      // The month runs from the portal's receipt (the earlier time), and 31 Jan falls to 28 Feb.
      dueAt: '2025-02-28T07:59:00.000Z',
      stateTimes: { RECEIVED: '2025-01-31T08:00:00.000Z' },
      channel: 'portal',
    });
    // The portal's address is kept for the mail, on the (encrypted) record only.
    expect(record?.contactEmail).toBe(request.email);
    const { contactEmail: _kept, ...rest } = record ?? ({} as NonNullable<typeof record>);
    expect(JSON.stringify(rest)).not.toContain('example.org');
  });

  it('attaches a second request of a player whose export is under way, and a third to the same one', async () => {
    const clock = clockAt('2025-03-10T10:00:00.000Z');
    const playerId = unique('p');
    const first = detail(playerId);
    expect((await acceptExportRequest(deps(clock), first)).outcome).toBe('started');
    clock.advance(60_000);
    await walk(clock, first.requestId, 'COLLECTING');

    clock.advance(60_000);
    const second = await acceptExportRequest(deps(clock), detail(playerId));
    expect(second.outcome).toBe('attached');
    if (second.outcome !== 'attached') return;
    expect(second.answeredBy.requestId).toBe(first.requestId);
    expect(second.record.attachedTo).toBe(first.requestId);
    const audit = await requests.audit(second.record.requestId);
    expect(audit).toEqual([
      expect.objectContaining({ action: 'attached', detail: `answered by ${first.requestId} (COLLECTING)` }),
    ]);

    clock.advance(60_000);
    const third = await acceptExportRequest(deps(clock), detail(playerId));
    expect(third.outcome === 'attached' && third.record.attachedTo).toBe(first.requestId);
  });

  it('re-sends the link within the cooldown and builds again after it', async () => {
    const clock = clockAt('2025-03-10T10:00:00.000Z');
    const playerId = unique('p');
    const first = detail(playerId);
    await acceptExportRequest(deps(clock), first);
    await walk(clock, first.requestId, 'READY');

    clock.advance(23 * HOUR);
    const soon = await acceptExportRequest(deps(clock), detail(playerId));
    expect(soon.outcome).toBe('resend');
    expect(soon.outcome === 'resend' && soon.answeredBy.requestId).toBe(first.requestId);

    // The cooldown is the operator's choice: with one hour, the same request builds again.
    const shortCooldown = await acceptExportRequest(deps(clock), detail(playerId), {
      resendCooldownMs: HOUR,
    });
    expect(shortCooldown.outcome).toBe('started');

    const otherPlayer = unique('p');
    const old = detail(otherPlayer);
    await acceptExportRequest(deps(clock), old);
    await walk(clock, old.requestId, 'READY');
    clock.advance(25 * HOUR);
    expect((await acceptExportRequest(deps(clock), detail(otherPlayer))).outcome).toBe('started');
  });

  it('starts a new export when the last one failed', async () => {
    const clock = clockAt('2025-03-10T10:00:00.000Z');
    const playerId = unique('p');
    const first = detail(playerId);
    await acceptExportRequest(deps(clock), first);
    await failRequest(deps(clock), first.requestId, 'SourceReadError: source "players" failed');
    clock.advance(60_000);
    expect((await acceptExportRequest(deps(clock), detail(playerId))).outcome).toBe('started');
  });
});

describe('request records: transitions', () => {
  async function createIn(state: RequestState): Promise<ExportRequestRecord> {
    const at = '2025-03-10T10:00:00.000Z';
    const record: ExportRequestRecord = {
      requestId: unique('req'),
      playerId: unique('p'),
      locale: 'en',
      requestedAt: at,
      receivedAt: at,
      dueAt: '2025-04-10T10:00:00.000Z',
      state,
      stateTimes: { [state]: at },
      updatedAt: at,
    };
    expect(await requests.create(record, { requestId: record.requestId, at, action: 'requested' })).toBe(
      'created',
    );
    return record;
  }

  for (const from of requestStates) {
    for (const to of requestStates) {
      const allowed = canMove(from, to);
      it(`${from} → ${to} is ${allowed ? 'allowed and timed' : 'refused'}`, async () => {
        const record = await createIn(from);
        const at = '2025-03-11T12:34:56.789Z';
        if (!allowed) {
          await expect(requests.transition(record.requestId, from, to, at)).rejects.toBeInstanceOf(
            IllegalTransitionError,
          );
          expect((await requests.get(record.requestId))?.state).toBe(from);
          return;
        }
        const moved = await requests.transition(record.requestId, from, to, at);
        expect(moved.state).toBe(to);
        expect(moved.stateTimes).toEqual({ [from]: '2025-03-10T10:00:00.000Z', [to]: at });
        expect(moved.updatedAt).toBe(at);
        expect(await requests.get(record.requestId)).toEqual(moved);
        expect((await requests.listInState(to)).map((r) => r.requestId)).toContain(record.requestId);
        expect((await requests.listInState(from)).map((r) => r.requestId)).not.toContain(record.requestId);
        expect((await requests.audit(record.requestId)).at(-1)).toMatchObject({
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
      Array.from({ length: 10 }, () => requests.transition(record.requestId, 'RECEIVED', 'COLLECTING', at)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(RequestStateConflictError);
      expect(((r as PromiseRejectedResult).reason as Error).message).toMatch(
        /is in COLLECTING, not RECEIVED/,
      );
    }
  });

  it('keeps patch fields (archive, expiry, counts) on the record', async () => {
    const record = await createIn('PACKAGING');
    const moved = await requests.transition(
      record.requestId,
      'PACKAGING',
      'READY',
      '2025-03-11T00:00:00.000Z',
      {
        archiveKey: 'archives/x.zip',
        archiveBytes: 12345,
        expiresAt: '2025-03-18T00:00:00.000Z',
        recordsByCategory: { account: 1, forum: 12 },
      },
    );
    expect(await requests.get(record.requestId)).toEqual(moved);
    expect(moved).toMatchObject({ archiveBytes: 12345, recordsByCategory: { account: 1, forum: 12 } });
  });

  it('returns the latest request of a player and lists a state oldest update first', async () => {
    const clock = clockAt('2025-05-01T10:00:00.000Z');
    const playerId = unique('p');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const d = detail(playerId);
      ids.push(d.requestId);
      await acceptExportRequest(deps(clock), d, { resendCooldownMs: 0 });
      await failRequest(deps(clock), d.requestId, 'test');
      clock.advance(HOUR);
    }
    expect((await requests.latestForPlayer(playerId))?.requestId).toBe(ids[2]);
    expect(await requests.latestForPlayer(unique('nobody'))).toBeUndefined();
    const failed = (await requests.listInState('FAILED')).filter((r) => r.playerId === playerId);
    expect(failed.map((r) => r.requestId)).toEqual(ids);
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
    for (const e of entries) await requests.appendAudit({ requestId, action: 'download', ...e });
    const audit = await requests.audit(requestId);
    expect(audit.map((a) => a.detail)).toEqual(['a', 'b', 'c', 'd', 'e', 'e']);
    expect(audit.every((a) => a.requestId === requestId && a.action === 'download')).toBe(true);
  });
});

describe('grants: consume', () => {
  const during = new Date('2025-03-12T00:00:00.000Z');
  let grants: DynamoDbGrantRepository;
  beforeAll(() => {
    // Its clock only decides which items count as deleted by TTL; consume takes `now` itself.
    grants = new DynamoDbGrantRepository(stack.clients.dynamodb, stack.pipelineTable, {
      clock: { now: () => during },
    });
  });

  async function createGrant(patch: Partial<DownloadGrant> = {}): Promise<DownloadGrant> {
    const grant: DownloadGrant = {
      tokenHash: hashToken(newToken()),
      requestId: unique('req'),
      playerId: unique('p'),
      archiveKey: 'archives/x/x.zip',
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
    const later = new Date(Date.parse(grant.expiresAt) + 31 * 24 * HOUR);
    const late = new DynamoDbGrantRepository(stack.clients.dynamodb, stack.pipelineTable, {
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
    const listed = (await grants.listExpired(now)).map((g) => g.tokenHash);
    expect(listed).toContain(a.tokenHash);
    expect(listed).not.toContain(b.tokenHash);
    expect(listed).not.toContain(c.tokenHash);
    await grants.markExpired(a.tokenHash, now.toISOString());
    expect((await grants.listExpired(now)).map((g) => g.tokenHash)).not.toContain(a.tokenHash);
  });
});

describe('watchdog', () => {
  it('marks a request stuck once, reports it on every run, and a move clears the mark', async () => {
    const clock = clockAt('2026-01-05T08:00:00.000Z');
    const stuck = detail(unique('p'));
    const fresh = detail(unique('p'));
    await acceptExportRequest(deps(clock), stuck);
    await walk(clock, stuck.requestId, 'COLLECTING');
    clock.advance(2 * HOUR + 1000);
    await acceptExportRequest(deps(clock), fresh);

    const first = (await markStuckRequests(deps(clock))).filter((s) =>
      [stuck.requestId, fresh.requestId].includes(s.requestId),
    );
    expect(first).toEqual([
      {
        requestId: stuck.requestId,
        state: 'COLLECTING',
        updatedAt: '2026-01-05T08:00:00.000Z',
        stuckSince: clock.now().toISOString(),
        newlyMarked: true,
      },
    ]);
    expect((await requests.get(stuck.requestId))?.stuckSince).toBe(clock.now().toISOString());

    clock.advance(HOUR);
    const second = (await markStuckRequests(deps(clock))).filter((s) => s.requestId === stuck.requestId);
    expect(second.map((s) => s.newlyMarked)).toEqual([false]);
    const audit = await requests.audit(stuck.requestId);
    expect(audit.filter((a) => a.action === 'stuck')).toHaveLength(1);

    await moveRequest(deps(clock), stuck.requestId, 'COLLECTING', 'PACKAGING');
    expect((await requests.get(stuck.requestId))?.stuckSince).toBeUndefined();
  });

  it('honours a configured limit', async () => {
    const clock = clockAt('2026-02-05T08:00:00.000Z');
    const request = detail(unique('p'));
    await acceptExportRequest(deps(clock), request);
    clock.advance(20 * 60_000);
    const ids = async (stuckAfterMs: number) =>
      (await markStuckRequests(deps(clock), { stuckAfterMs })).map((s) => s.requestId);
    expect(await ids(30 * 60_000)).not.toContain(request.requestId);
    expect(await ids(15 * 60_000)).toContain(request.requestId);
  });

  it('reports requests not READY whose due date is close or past', async () => {
    const clock = clockAt('2026-03-01T00:00:00.000Z');
    const requestedAt = clock.now().toISOString();
    const working = detail(unique('p'), { requestedAt });
    const failed = detail(unique('p'), { requestedAt });
    const ready = detail(unique('p'), { requestedAt });
    for (const d of [working, failed, ready]) await acceptExportRequest(deps(clock), d);
    await failRequest(deps(clock), failed.requestId, 'test');
    await walk(clock, ready.requestId, 'READY');
    const mine = (due: DueSoonRequest[]) =>
      due.filter((d) => [working, failed, ready].some((r) => r.requestId === d.requestId));

    clock.set('2026-03-20T00:00:00.000Z');
    expect(mine(await requestsNearDueDate(deps(clock)))).toEqual([]);

    clock.set('2026-03-28T00:00:00.000Z');
    const near = mine(await requestsNearDueDate(deps(clock)));
    expect(near.map((d) => [d.requestId, d.state, d.overdue]).sort()).toEqual(
      [
        [working.requestId, 'RECEIVED', false],
        [failed.requestId, 'FAILED', false],
      ].sort(),
    );
    expect(near[0]?.dueAt).toBe('2026-04-01T00:00:00.000Z');

    clock.set('2026-04-02T00:00:00.000Z');
    expect(mine(await requestsNearDueDate(deps(clock), { dueWithinDays: 0 })).every((d) => d.overdue)).toBe(
      true,
    );
  });
});

describe('lifecycle events', () => {
  it('writes ExportStatusChanged for each move to the local events file, without personal data', async () => {
    const clock = clockAt('2025-03-10T10:00:00.000Z');
    const request = detail(unique('p'));
    await acceptExportRequest(deps(clock), request);
    clock.advance(1000);
    await moveRequest(deps(clock), request.requestId, 'RECEIVED', 'COLLECTING');
    clock.advance(1000);
    await failRequest(
      deps(clock),
      request.requestId,
      'MailError: mailbox nova@example.org unavailable\n(retry later)',
    );
    // Failing again is a no-op: it is no longer in a working state.
    expect((await failRequest(deps(clock), request.requestId, 'again')).failureReason).toBe(
      'MailError: mailbox [e-mail address removed] unavailable (retry later)',
    );

    const published = (await readLocalEvents(events.path)).filter(
      (e) => e.detail.requestId === request.requestId,
    );
    expect(published.map((e) => [e['detail-type'], e.detail.state, e.detail.at])).toEqual([
      ['ExportStatusChanged', 'RECEIVED', '2025-03-10T10:00:00.000Z'],
      ['ExportStatusChanged', 'COLLECTING', '2025-03-10T10:00:01.000Z'],
      ['ExportStatusChanged', 'FAILED', '2025-03-10T10:00:02.000Z'],
    ]);
    expect(published[2]?.detail).toEqual({
      requestId: request.requestId,
      playerId: request.playerId,
      state: 'FAILED',
      at: '2025-03-10T10:00:02.000Z',
      dueAt: '2025-04-10T09:00:00.000Z',
      failureReason: 'MailError: mailbox [e-mail address removed] unavailable (retry later)',
    });
    expect(JSON.stringify(published)).not.toContain('example.org');
    const audit = await requests.audit(request.requestId);
    expect(audit.map((a) => a.detail ?? a.action)).toEqual([
      'requested',
      'RECEIVED → COLLECTING',
      'COLLECTING → FAILED',
    ]);
  });
});

describe('start-export handler', () => {
  function envelope(d: Record<string, unknown>) {
    return {
      version: '0',
      id: unique('evt'),
      source: 'game.account-portal',
      'detail-type': 'ExportRequested',
      detail: d,
    };
  }

  function wiring() {
    const started: WorkflowRequest[] = [];
    const resent: string[] = [];
    const logs: string[] = [];
    const deadLetters = new DeadLetterFolder(join(folder, unique('dead-letters')));
    const handler = createStartExportHandler({
      requests,
      events,
      clock: clockAt('2025-03-10T10:00:00.000Z'),
      starter: { start: async (r) => void started.push(r) },
      resendLink: async (readyRequestId) => void resent.push(readyRequestId),
      deadLetters,
      log: (line) => logs.push(JSON.stringify(line)),
    });
    return { handler, started, resent, logs, deadLetters };
  }
  const context = {};

  it('starts the workflow once for a request delivered twice', async () => {
    const { handler, started, logs } = wiring();
    const d = detail(unique('p'));
    const event = envelope(d);
    expect(await handler(event, context)).toEqual({ outcome: 'started', requestId: d.requestId });
    expect(await handler(event, context)).toEqual({ outcome: 'duplicate', requestId: d.requestId });
    expect(started).toEqual([{ requestId: d.requestId, playerId: d.playerId, locale: d.locale }]);
    expect(logs.join('\n')).not.toContain('example.org');
  });

  it('re-sends the link of a fresh archive instead of starting a workflow', async () => {
    const { handler, started, resent } = wiring();
    const playerId = unique('p');
    const first = detail(playerId);
    await handler(envelope(first), context);
    await walk(clockAt('2025-03-10T10:00:00.000Z'), first.requestId, 'READY');
    const second = detail(playerId);
    expect(await handler(envelope(second), context)).toEqual({
      outcome: 'resend',
      requestId: second.requestId,
      answeredBy: first.requestId,
    });
    expect(started.map((s) => s.requestId)).toEqual([first.requestId]);
    expect(resent).toEqual([first.requestId]);
  });

  it('throws InvalidEventError for a malformed event and keeps it in the dead-letter folder', async () => {
    const { handler, started, logs, deadLetters } = wiring();
    const bad = envelope({ ...detail(unique('p')), requestedAt: 'last tuesday', email: 'nova@example.org' });
    const error = await handler(bad, context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as Error).message).toContain('detail.requestedAt: expected an ISO 8601 date-time');
    expect(started).toEqual([]);
    expect(await requests.get((bad.detail as { requestId: string }).requestId)).toBeUndefined();

    const letters = await deadLetters.list();
    expect(letters).toHaveLength(1);
    expect(letters[0]?.event).toEqual(bad);
    expect(letters[0]?.error).toMatchObject({
      name: 'InvalidEventError',
      message: (error as Error).message,
      issues: [{ path: 'detail.requestedAt' }],
    });
    expect(logs.join('\n')).not.toContain('example.org');
    expect(logs.join('\n')).toContain('detail.requestedAt');
  });
});

describe('EventBridge publisher', () => {
  /**
   * There is no local EventBridge: a loopback endpoint answers PutEvents as EventBridge does, 200
   * with FailedEntryCount, so the real SDK client parses a real response.
   */
  async function withEndpoint(
    answer: Record<string, unknown>,
    run: (client: EventBridgeClient) => Promise<void>,
  ) {
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        bodies.push(body);
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new EventBridgeClient({
      region: 'eu-west-1',
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    try {
      await run(client);
    } finally {
      client.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
    return bodies;
  }

  it('sends one entry with source, detail-type and JSON detail', async () => {
    const bodies = await withEndpoint(
      { FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] },
      async (client) => {
        await new EventBridgeEventPublisher(client, { eventBusName: 'portal', source: 'pde' }).publish(
          'ExportStatusChanged',
          { requestId: 'req-1', state: 'READY' },
        );
      },
    );
    expect(JSON.parse(bodies[0] ?? '{}')).toEqual({
      Entries: [
        {
          EventBusName: 'portal',
          Source: 'pde',
          DetailType: 'ExportStatusChanged',
          Detail: JSON.stringify({ requestId: 'req-1', state: 'READY' }),
        },
      ],
    });
  });

  it('throws when EventBridge refused the entry, although the call answered 200', async () => {
    await withEndpoint(
      { FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }] },
      async (client) => {
        const error = await new EventBridgeEventPublisher(client)
          .publish('ExportReady', { requestId: 'req-1' })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(EventPublishError);
        expect((error as Error).message).toBe(
          'EventBridge refused a ExportReady event: ThrottlingException: Rate exceeded',
        );
      },
    );
  });
});
