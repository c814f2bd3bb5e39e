import { describe, expect, it } from 'vitest';
import {
  handlePortalRequest,
  isSessionOf,
  MAX_PORTAL_REQUESTS,
  type PlayerRequestSummary,
  portalViews,
} from '../../functions/core/portal/player-requests';
import type { RequestRepository } from '../../functions/core/ports';
import { failureKind, requestGauges } from '../../functions/core/requests/ops-gauges';
import type { ExportRequestRecord, RequestState } from '../../functions/core/requests/request-record';

const NOW = new Date('2026-11-20T12:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function record(
  requestId: string,
  state: RequestState,
  receivedHoursAgo: number,
  patch: Partial<ExportRequestRecord> = {},
): ExportRequestRecord {
  const receivedAt = new Date(NOW.getTime() - receivedHoursAgo * HOUR).toISOString();
  return {
    requestId,
    playerId: `player-${requestId}`,
    locale: 'en',
    requestedAt: receivedAt,
    receivedAt,
    attempt: 1,
    dueAt: new Date(Date.parse(receivedAt) + 30 * DAY).toISOString(),
    state,
    stateTimes: { [state]: receivedAt },
    updatedAt: receivedAt,
    ...patch,
  };
}

/** The repository as the gauges use it: requests listed by state, in pages of two. */
function repository(records: ExportRequestRecord[]): RequestRepository {
  return {
    async *pagesInState(state: RequestState) {
      const inState = records.filter((r) => r.state === state);
      for (let i = 0; i < inState.length; i += 2) yield inState.slice(i, i + 2);
    },
  } as unknown as RequestRepository;
}

const clock = { now: () => NOW };

describe('requestGauges (the sweep’s dashboard figures)', () => {
  it('counts requests by state, leaves out attached ones and EXPIRED, and finds the oldest waiting', async () => {
    const gauges = await requestGauges({
      clock,
      requests: repository([
        record('a', 'RECEIVED', 1),
        record('b', 'COLLECTING', 30),
        record('c', 'PACKAGING', 2.5),
        // Attached: answered by "b"; stays RECEIVED on its own record and is not work of its own.
        record('d', 'RECEIVED', 200, { attachedTo: 'b' }),
        record('e', 'READY', 50, { deliveredAt: NOW.toISOString() }),
        record('f', 'READY', 3),
        record('g', 'READY', 4, { deliveryProblem: 'MessageRejected' }),
        record('h', 'FAILED', 400),
        record('i', 'EXPIRED', 900),
      ]),
    });
    expect(gauges.byState).toEqual({
      QUEUED: 0,
      RECEIVED: 1,
      COLLECTING: 1,
      PACKAGING: 1,
      READY: 3,
      FAILED: 1,
    });
    // The oldest request in a working state (not the attached one, not FAILED or READY).
    expect(gauges.oldestWaitingHours).toBe(30);
    // READY, link not sent and no problem reported: "f" only.
    expect(gauges.deliveriesPending).toBe(1);
  });

  it('reports 0 hours when nothing waits, and counts what is due within 7 days or overdue', async () => {
    const dueIn = (days: number) => new Date(NOW.getTime() + days * DAY).toISOString();
    const gauges = await requestGauges({
      clock,
      requests: repository([
        record('soon', 'COLLECTING', 0.5, { dueAt: dueIn(6.9) }),
        record('later', 'RECEIVED', 0.2, { dueAt: dueIn(8) }),
        record('overdue', 'FAILED', 1000, { dueAt: dueIn(-3) }),
        record('answered', 'READY', 1, { dueAt: dueIn(1), deliveredAt: NOW.toISOString() }),
        record('attached', 'RECEIVED', 1, { dueAt: dueIn(1), attachedTo: 'soon' }),
      ]),
    });
    expect(gauges.dueWithin7Days).toBe(2);
    expect(gauges.oldestWaitingHours).toBe(0.5);

    const empty = await requestGauges({ clock, requests: repository([]) });
    expect(empty).toEqual({
      byState: { QUEUED: 0, RECEIVED: 0, COLLECTING: 0, PACKAGING: 0, READY: 0, FAILED: 0 },
      oldestWaitingHours: 0,
      dueWithin7Days: 0,
      deliveriesPending: 0,
    });
  });
});

describe('failureKind (the `reason` dimension of ExportsFailed)', () => {
  it('keeps the error name and drops the message', () => {
    expect(failureKind('PlayerNotFoundError: player p-1001 is not in players')).toBe('PlayerNotFoundError');
    expect(failureKind('States.Timeout: ')).toBe('States.Timeout');
    expect(failureKind('AccessDeniedException')).toBe('AccessDeniedException');
    expect(failureKind('Gave up after 3 attempt(s): execution r-1.3 ended FAILED')).toBe('GaveUp');
  });

  it('answers Other for anything that is not an error name, so no text reaches a dimension', () => {
    for (const reason of [
      '',
      undefined,
      'unknown failure',
      'nova@example.org: bounced',
      `${'E'.repeat(65)}: x`,
    ]) {
      expect(failureKind(reason), String(reason)).toBe('Other');
    }
  });
});

describe('Portal API core', () => {
  const summaries: PlayerRequestSummary[] = [
    {
      requestId: 'r-3',
      state: 'RECEIVED',
      receivedAt: '2026-11-20T10:00:00Z',
      dueAt: '2026-12-20T10:00:00Z',
      attachedTo: 'r-2',
    },
    {
      requestId: 'r-2',
      state: 'READY',
      receivedAt: '2026-11-19T10:00:00Z',
      dueAt: '2026-12-19T10:00:00Z',
      expiresAt: '2026-11-26T10:05:00Z',
      downloads: 2,
    },
    { requestId: 'r-1', state: 'EXPIRED', receivedAt: '2026-01-01T10:00:00Z', dueAt: '2026-02-01T10:00:00Z' },
  ];

  it('shows an attached request with the state, expiry and downloads of the request that answers it', () => {
    expect(portalViews(summaries)).toEqual([
      {
        requestId: 'r-3',
        state: 'READY',
        receivedAt: '2026-11-20T10:00:00Z',
        dueAt: '2026-12-20T10:00:00Z',
        expiresAt: '2026-11-26T10:05:00Z',
        downloads: 2,
        answeredBy: 'r-2',
      },
      {
        requestId: 'r-2',
        state: 'READY',
        receivedAt: '2026-11-19T10:00:00Z',
        dueAt: '2026-12-19T10:00:00Z',
        expiresAt: '2026-11-26T10:05:00Z',
        downloads: 2,
      },
      {
        requestId: 'r-1',
        state: 'EXPIRED',
        receivedAt: '2026-01-01T10:00:00Z',
        dueAt: '2026-02-01T10:00:00Z',
        downloads: 0,
      },
    ]);
  });

  const ROLE = 'arn:aws:iam::111122223333:role/portal/PortalInvoker';
  const asked: { playerId: string; limit: number }[] = [];
  const deps = (allowedCallerRoleArn?: string, history: PlayerRequestSummary[] = summaries) => ({
    history: {
      forPlayer: async (playerId: string, limit: number) => {
        asked.push({ playerId, limit });
        return history;
      },
      // Four requests of other players were received before any of this player's.
      queuedBefore: async () => 4,
    },
    ...(allowedCallerRoleArn ? { allowedCallerRoleArn } : {}),
  });

  it('answers the player’s requests, asking the store for at most MAX_PORTAL_REQUESTS', async () => {
    const response = await handlePortalRequest(deps(), {
      playerId: 'p-1001',
      callerArn: 'arn:aws:iam::1:user/x',
    });
    expect(response.status).toBe(200);
    expect((response.body as { requests: unknown[] }).requests).toHaveLength(3);
    expect(asked.at(-1)).toEqual({ playerId: 'p-1001', limit: MAX_PORTAL_REQUESTS });
  });

  it('a waiting request, and one attached to it, show its place in line; nothing else has one', async () => {
    const waiting: PlayerRequestSummary[] = [
      {
        requestId: 'r-2',
        state: 'RECEIVED',
        receivedAt: '2026-11-30T10:01:00Z',
        dueAt: 'x',
        attachedTo: 'r-1',
      },
      { requestId: 'r-1', state: 'QUEUED', receivedAt: '2026-11-30T10:00:00Z', dueAt: 'x' },
      { requestId: 'r-0', state: 'EXPIRED', receivedAt: '2026-01-30T10:00:00Z', dueAt: 'x' },
    ];
    const response = await handlePortalRequest(deps(undefined, waiting), {
      playerId: 'p-1',
      callerArn: undefined,
    });
    const views = (
      response.body as { requests: { requestId: string; state: string; queuePosition?: number }[] }
    ).requests;
    expect(views.map((v) => [v.requestId, v.state, v.queuePosition])).toEqual([
      ['r-2', 'QUEUED', 5],
      ['r-1', 'QUEUED', 5],
      ['r-0', 'EXPIRED', undefined],
    ]);
  });

  it('refuses a player id the intake would refuse, naming the rule and not the value', async () => {
    for (const playerId of [undefined, '', 'p 1', 'x'.repeat(129), 'p/../1']) {
      const response = await handlePortalRequest(deps(), { playerId, callerArn: undefined });
      expect(response.status, String(playerId)).toBe(400);
      expect(JSON.stringify(response.body)).not.toContain('p 1');
    }
  });

  it('with an invoker role, accepts only that role’s sessions', async () => {
    const session = 'arn:aws:sts::111122223333:assumed-role/PortalInvoker/portal-web-1';
    expect((await handlePortalRequest(deps(ROLE), { playerId: 'p-1', callerArn: session })).status).toBe(200);
    for (const callerArn of [
      undefined,
      'arn:aws:iam::111122223333:user/admin',
      'arn:aws:sts::111122223333:assumed-role/PortalInvokerX/s',
      'arn:aws:sts::999999999999:assumed-role/PortalInvoker/s',
    ]) {
      const response = await handlePortalRequest(deps(ROLE), { playerId: 'p-1', callerArn });
      expect(response, String(callerArn)).toEqual({ status: 403, body: { message: 'Forbidden' } });
    }
    expect(
      isSessionOf('arn:aws-cn:sts::111122223333:assumed-role/R/s', 'arn:aws-cn:iam::111122223333:role/R'),
    ).toBe(true);
    expect(isSessionOf('arn:aws:sts::111122223333:assumed-role/R/s', 'not an arn')).toBe(false);
  });
});
