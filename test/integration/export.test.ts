import { createHash } from 'node:crypto';
import { GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadItems } from '../../functions/adapters/dynamodb/batch-writer';
import { Pseudonymiser, pseudonymKeyMessage } from '../../functions/core/collect/pseudonymiser';
import { SETTLED_BEFORE_CLEAN_UP_MS } from '../../functions/core/requests/leftovers';
import { ExactNumber, type StoreRecord } from '../../functions/core/values';
import { executionName } from '../../functions/core/workflow';
import {
  DEMO_BIG_SCORE,
  DEMO_PLAYER_ID,
  type DemoTable,
  demoTableItems,
} from '../../functions/seed-demo/demo-data/generate';
import { RequestFailedError, requestExport } from '../../local/portal';
import { ADMIN_ACCESS_KEY, type CallRecord } from '../../local/runtime/aws-endpoint';
import { LOCAL_REGION } from '../../local/runtime/deployment';
import { exportAndOpen, type OpenedArchive } from '../support/export-archive';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

let runtime: TestRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(async () => {
  await runtime?.stop();
});

/** The AWS calls the functions made since `mark` (the last call seen before), oldest first. */
function callsSince(mark: CallRecord | undefined): CallRecord[] {
  return runtime.calls.slice(mark ? runtime.calls.indexOf(mark) + 1 : 0);
}

/** The collector's Query calls on a table or index (its ARN ends with this). */
function collectorQueries(calls: CallRecord[], tableOrIndex: string): CallRecord[] {
  return calls.filter(
    (c) =>
      c.principal.includes('CollectCategory') &&
      c.operation === 'Query' &&
      c.resources.some((r) => r.endsWith(`:table/${tableOrIndex}`)),
  );
}

/** The request a failed export ended in (requestExport throws when no archive resulted). */
async function failedRequest(playerId: string) {
  const failure = await requestExport(runtime, { playerId }).catch((e: unknown) => e);
  expect(failure).toBeInstanceOf(RequestFailedError);
  return (failure as RequestFailedError).record;
}

describe('export of the demo player', () => {
  let result: OpenedArchive;
  beforeAll(async () => {
    result = await exportAndOpen(runtime, DEMO_PLAYER_ID);
  });

  it('puts every entry under one root folder and lists every data file in the manifest', () => {
    expect([...result.entries.keys()].every((name) => name.startsWith(result.root))).toBe(true);
    const listed = result.manifest.files.map((f) => f.path).sort();
    const present = [...result.files.keys()].filter((p) => p !== 'manifest.json').sort();
    expect(listed).toEqual(present);
  });

  it('matches every sha256, size and record count of the manifest', () => {
    for (const file of result.manifest.files) {
      const bytes = result.files.get(file.path);
      expect(bytes, file.path).toBeDefined();
      expect(bytes?.length, file.path).toBe(file.bytes);
      expect(
        createHash('sha256')
          .update(bytes as Buffer)
          .digest('hex'),
        file.path,
      ).toBe(file.sha256);
      if (file.records !== null && file.path.endsWith('.json')) {
        const parsed = JSON.parse((bytes as Buffer).toString('utf8'));
        expect(parsed.records.length, file.path).toBe(file.records);
      }
      if (file.records !== null && file.path.endsWith('.csv')) {
        const rows = parseCsv((bytes as Buffer).toString('utf8'), {
          columns: true,
          relax_quotes: false,
          bom: true,
        });
        expect(rows.length, file.path).toBe(file.records);
      }
    }
  });

  it('reports the record count of every source read', async () => {
    const mine = (table: DemoTable, owner = 'playerId') =>
      [...demoTableItems(table)].filter((item) => item[owner] === DEMO_PLAYER_ID);
    const expected: Record<string, number> = {
      players: 1,
      purchases: [...demoTableItems('purchases')].filter((p) => p.playerId === DEMO_PLAYER_ID).length,
      'forum-posts': [...demoTableItems('forum-posts')].filter((p) => p.authorId === DEMO_PLAYER_ID).length,
      'game-stats': [...demoTableItems('game-stats')].filter((p) => p.playerId === DEMO_PLAYER_ID).length,
      consents: mine('consents').length,
      'support-tickets': mine('support-tickets').length,
      'private-messages-sent': mine('private-messages', 'senderId').length,
      'private-messages-received': mine('private-messages', 'recipientId').length,
      sanctions: mine('sanctions').length,
      // Every record held, those past their retention too (test/integration/categories.test.ts).
      sessions: mine('sessions').length,
      'linked-accounts': mine('linked-accounts').length,
      'contest-entries': mine('contest-entries').length,
      'chat-logs': mine('chat-logs').length,
      'push-notifications': mine('push-notifications').length,
      'newsletter-events': mine('newsletter-events').length,
      attribution: mine('attribution').length,
      // This request itself: the player's own history of data requests.
      'data-requests': 1,
    };
    const counted = Object.fromEntries(result.manifest.sources.map((s) => [s.id, s.records]));
    expect(counted).toEqual(expected);
    expect(expected['game-stats']).toBeGreaterThan(1000);
  });

  it('keeps numbers exact past 2^53', () => {
    const stats = result.files.get('game-statistics/game-stats.json')?.toString('utf8') ?? '';
    expect(stats).toContain(`"score":${DEMO_BIG_SCORE}`);
    expect(result.files.get('game-statistics/game-stats.csv')?.toString('utf8')).toContain(
      `,${DEMO_BIG_SCORE},`,
    );
  });

  it('never exports secrets, and says why they are withheld', () => {
    const me = [...demoTableItems('players')].find((p) => p.playerId === DEMO_PLAYER_ID) as StoreRecord;
    const everything = Buffer.concat([...result.files.values()]).toString('utf8');
    for (const secret of ['passwordHash', 'secretQuestion', 'secretAnswer']) {
      expect(typeof me[secret]).toBe('string');
      expect(everything).not.toContain(me[secret] as string);
    }
    const players = result.manifest.sources.find((s) => s.id === 'players');
    expect(players?.withheldFields.map((f) => f.field).sort()).toEqual([
      'passwordHash',
      'secretAnswer',
      'secretQuestion',
    ]);
    expect(players?.withheldFields.every((f) => f.reason.length > 20)).toBe(true);
  });

  it("contains no other player's real id, username or e-mail, and pseudonyms are stable", () => {
    const others = [...demoTableItems('players')].filter((p) => p.playerId !== DEMO_PLAYER_ID);
    expect(others.length).toBeGreaterThan(3);
    const everything = Buffer.concat([...result.files.values()]).toString('utf8');
    for (const other of others) {
      for (const field of ['playerId', 'username', 'email', 'fullName']) {
        expect(everything, `${field} of another player`).not.toContain(other[field] as string);
      }
    }
    const posts = JSON.parse(result.files.get('forum/forum-posts.json')?.toString('utf8') ?? '{}').records;
    const stats = JSON.parse(
      result.files.get('game-statistics/game-stats.json')?.toString('utf8') ?? '{}',
    ).records;
    const pseudonyms = new Set<string>([
      ...posts.flatMap((p: { mentions?: string[] }) => p.mentions ?? []),
      ...stats.flatMap((s: { opponentIds?: string[] }) => s.opponentIds ?? []),
    ]);
    expect(pseudonyms.size).toBeGreaterThan(0);
    // Six demo players: whatever the number of mentions, at most five distinct pseudonyms.
    expect(pseudonyms.size).toBeLessThanOrEqual(others.length);
    for (const pseudonym of pseudonyms) expect(pseudonym).toMatch(/^player-[A-Za-z0-9_-]{12}$/);
  });

  it('derives pseudonyms from the KMS key inside the collectors: no key or salt in the workflow history', async () => {
    const { requestId, attempt } = result.answering;
    const admin = {
      region: LOCAL_REGION,
      endpoint: runtime.endpoint,
      credentials: { accessKeyId: ADMIN_ACCESS_KEY, secretAccessKey: ADMIN_ACCESS_KEY },
    };
    const { Mac } = await new KMSClient(admin).send(
      new GenerateMacCommand({
        KeyId: runtime.outputs.PseudonymKeyArn,
        MacAlgorithm: 'HMAC_SHA_256',
        Message: Buffer.from(pseudonymKeyMessage(requestId, attempt)),
      }),
    );
    const key = Buffer.from(Mac as Uint8Array);
    // The archive's pseudonyms are HMACs under that derived key…
    const opponents = [...demoTableItems('game-stats')]
      .filter((s) => s.playerId === DEMO_PLAYER_ID)
      .flatMap((s) => (s.opponentIds as string[] | undefined) ?? []);
    const exported = JSON.parse(
      result.files.get('game-statistics/game-stats.json')?.toString('utf8') ?? '{}',
    ).records.flatMap((s: { opponentIds?: string[] }) => s.opponentIds ?? []);
    const pseudonyms = new Pseudonymiser(key, DEMO_PLAYER_ID);
    expect(opponents.length).toBeGreaterThan(0);
    expect(new Set(exported)).toEqual(new Set(opponents.map((id) => pseudonyms.pseudonym(id))));

    // …which no state's input or output holds, in any encoding, nor anything named like a secret.
    const execution = runtime.stepFunctions.list().find((e) => e.name === executionName(requestId, attempt));
    const { events = [] } = await new SFNClient(admin).send(
      new GetExecutionHistoryCommand({ executionArn: execution?.executionArn }),
    );
    const payloads = events.flatMap((e) => [
      e.executionStartedEventDetails?.input,
      e.executionSucceededEventDetails?.output,
      e.stateEnteredEventDetails?.input,
      e.stateExitedEventDetails?.output,
    ]);
    const history = payloads.filter((p): p is string => p !== undefined);
    expect(history.some((p) => p.includes('"tasks"'))).toBe(true);
    const text = history.join('\n');
    for (const encoding of ['base64', 'base64url', 'hex'] as const) {
      expect(text).not.toContain(key.toString(encoding).slice(0, 16));
    }
    const names = new Set<string>();
    const visit = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(visit);
      else if (value && typeof value === 'object') {
        for (const [name, nested] of Object.entries(value)) {
          names.add(name);
          visit(nested);
        }
      }
    };
    for (const payload of history) visit(JSON.parse(payload));
    expect(names.has('sourceId')).toBe(true);
    // S3 object keys are the only "…Key" the workflow may carry.
    const secretLike = [...names].filter(
      (n) => /salt|secret|hmac|mac$|key$/i.test(n) && !/^(staging|preview|archive)Key$/.test(n),
    );
    expect(secretLike).toEqual([]);
  });

  it('holds only the requesting player own records', () => {
    const posts = JSON.parse(result.files.get('forum/forum-posts.json')?.toString('utf8') ?? '{}').records;
    expect(posts.every((p: { authorId: string }) => p.authorId === DEMO_PLAYER_ID)).toBe(true);
    const stats = JSON.parse(
      result.files.get('game-statistics/game-stats.json')?.toString('utf8') ?? '{}',
    ).records;
    expect(stats.every((s: { playerId: string }) => s.playerId === DEMO_PLAYER_ID)).toBe(true);
  });

  it('neutralises formulas in CSV but keeps the exact text in JSON', () => {
    const csv = result.files.get('forum/forum-posts.csv')?.toString('utf8') ?? '';
    const rows = parseCsv(csv, { columns: true, bom: true }) as Record<string, string>[];
    const formula = rows.find((r) => r.body?.includes('HYPERLINK'));
    expect(formula?.body?.startsWith("'=")).toBe(true);
    const json = JSON.parse(result.files.get('forum/forum-posts.json')?.toString('utf8') ?? '{}').records;
    expect(json.some((p: { body: string }) => p.body.startsWith('=HYPERLINK'))).toBe(true);
  });

  it('leaves no staged files behind', async () => {
    expect(result.answering.requestId).toBe(result.requestId);
    expect(await runtime.objectKeys(`staging/${result.requestId}/`)).toEqual([]);
    // Only the archive that the link serves is left of the request.
    expect(await runtime.objectKeys(`archives/${result.requestId}/`)).toEqual([result.answering.archiveKey]);
  });
});

describe('a player with no data in some categories', () => {
  it('lists those categories as "none held" with valid empty files', async () => {
    await loadItems(runtime.admin.dynamodb, runtime.gameTable('players'), [
      {
        playerId: 'p-quiet',
        username: 'quiet_one',
        email: 'quiet@example.org',
        passwordHash: 'x',
        createdAt: '2024-01-01T00:00:00Z',
      },
    ]);
    const { manifest, files } = await exportAndOpen(runtime, 'p-quiet');
    const status = Object.fromEntries(manifest.categories.map((c) => [c.id, c.status]));
    expect(status).toEqual({
      account: 'exported',
      purchases: 'none held',
      forum: 'none held',
      'game-statistics': 'none held',
      'consents-and-preferences': 'none held',
      support: 'none held',
      'private-messages': 'none held',
      'sanctions-and-anti-cheat': 'none held',
      'sessions-and-devices': 'none held',
      'linked-accounts': 'none held',
      'contests-and-surveys': 'none held',
      'chat-logs': 'none held',
      'push-notifications': 'none held',
      'newsletter-tracking': 'none held',
      'analytics-and-attribution': 'none held',
      // Even a player with nothing else has this request on record.
      'data-requests': 'exported',
    });
    expect(JSON.parse(files.get('purchases/purchases.json')?.toString('utf8') ?? '').records).toEqual([]);
    expect(
      parseCsv(files.get('purchases/purchases.csv')?.toString('utf8') ?? '', { columns: true, bom: true }),
    ).toEqual([]);
  });
});

describe('a player with more than one page of items', () => {
  it('reads every page of a table and of a global secondary index', async () => {
    const body = 'ø'.repeat(6000); // 12 KB a post: 200 posts are more than two 1 MB pages
    const posts = Array.from({ length: 200 }, (_, i) => ({
      postId: `big-${i}`,
      authorId: 'p-busy',
      createdAt: new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString(),
      body,
      threadId: 't-1',
    }));
    const stats = Array.from({ length: 3000 }, (_, i) => ({
      playerId: 'p-busy',
      statId: `session#2024-01-01T00:00:00Z#${String(i).padStart(5, '0')}`,
      kind: 'session',
      durationSec: ExactNumber.of(i),
      device: 'x'.repeat(400),
    }));
    await loadItems(runtime.admin.dynamodb, runtime.gameTable('players'), [
      { playerId: 'p-busy', username: 'busy' },
    ]);
    await loadItems(runtime.admin.dynamodb, runtime.gameTable('forum-posts'), posts);
    await loadItems(runtime.admin.dynamodb, runtime.gameTable('game-stats'), stats);

    const mark = runtime.calls.at(-1);
    const { manifest } = await exportAndOpen(runtime, 'p-busy');
    const counted = Object.fromEntries(manifest.sources.map((s) => [s.id, s.records]));
    expect(counted['forum-posts']).toBe(200);
    expect(counted['game-stats']).toBe(3000);
    // More than one page each, so the counts above needed every page (not vacuous).
    const calls = callsSince(mark);
    expect(
      collectorQueries(calls, `${runtime.gameTable('forum-posts')}/index/byAuthor`).length,
    ).toBeGreaterThan(1);
    expect(collectorQueries(calls, runtime.gameTable('game-stats')).length).toBeGreaterThan(1);
  });
});

describe('failures', () => {
  it('an unknown player fails before anything is written', async () => {
    const mark = runtime.calls.at(-1);
    const record = await failedRequest('p-nobody');
    expect(record.playerId).toBe('p-nobody');
    expect(record.state).toBe('FAILED');
    expect(record.failureReason).toMatch(/^PlayerNotFoundError: /);
    expect(record.failureReason).toMatch(/p-nobody/);
    expect(await runtime.objectKeys(`archives/${record.requestId}/`)).toEqual([]);
    expect(await runtime.objectKeys(`staging/${record.requestId}/`)).toEqual([]);
    // Not written and removed: never written at all.
    const writes = callsSince(mark).filter(
      (c) =>
        c.principal !== 'admin' &&
        c.service === 's3' &&
        !c.operation.startsWith('Delete') &&
        !c.operation.startsWith('List'),
    );
    expect(writes).toEqual([]);
  });

  it('a store that fails mid-export leaves no archive and says which source and why', async () => {
    await loadItems(runtime.admin.dynamodb, runtime.gameTable('players'), [
      { playerId: 'p-x', username: 'x' },
    ]);
    await loadItems(
      runtime.admin.dynamodb,
      runtime.gameTable('game-stats'),
      // About 4 MB: four pages, so with one page read ahead a later page is still to come.
      Array.from({ length: 8000 }, (_, i) => ({ playerId: 'p-x', statId: `s#${i}`, pad: 'y'.repeat(500) })),
    );
    const archivesBefore = await runtime.objectKeys('archives/');
    const mark = runtime.calls.at(-1);
    // After the first page of game statistics, the store fails every Query of the table for good:
    // neither the SDK's own retries nor the workflow's retries of the collector get past it.
    const fault = runtime.injectFault({
      service: 'dynamodb',
      operation: 'Query',
      resource: 'game-stats',
      after: 1,
      code: 'InternalServerError',
    });
    let record: Awaited<ReturnType<typeof failedRequest>>;
    try {
      record = await failedRequest('p-x');
    } finally {
      fault.remove();
    }
    // The failure came mid-read: the collector had a page of the table before the store failed,
    // and other sources had been staged, so the empty staging below is the clean-up's doing: the
    // failure step's, and the schedule's for what a collector still in flight when the Map failed
    // staged after it (Step Functions lets such invocations finish).
    const calls = callsSince(mark);
    const statsQueries = collectorQueries(calls, runtime.gameTable('game-stats'));
    expect(statsQueries[0]?.fault).toBeUndefined();
    expect(statsQueries.slice(1).every((c) => c.fault === 'InternalServerError')).toBe(true);
    expect(fault.hits).toBe(statsQueries.length - 1);
    expect(fault.hits).toBeGreaterThan(0);
    expect(
      calls.some(
        (c) =>
          c.operation === 'PutObject' && c.resources.some((r) => r.includes(`/staging/${record.requestId}/`)),
      ),
    ).toBe(true);
    expect(record.state).toBe('FAILED');
    expect(record.failureReason).toMatch(/source "game-stats" \(table game-stats\)/);
    expect(record.failureReason).toMatch(/InternalServerError/);
    expect(await runtime.objectKeys(`archives/${record.requestId}/`)).toEqual([]);
    expect(await runtime.objectKeys('archives/')).toEqual(archivesBefore);
    // Every invocation has ended (requestExport waits until nothing is in flight); the clean-up
    // takes the request once no invocation of it could still be running.
    runtime.advanceClock(SETTLED_BEFORE_CLEAN_UP_MS);
    await runtime.runSchedule('SweepSchedule');
    expect(await runtime.objectKeys(`staging/${record.requestId}/`)).toEqual([]);
    expect((await runtime.records.requests.get(record.requestId))?.cleanedUpAt).toBeDefined();
  });
});
