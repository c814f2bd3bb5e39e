import { createHash } from 'node:crypto';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbSourceReader } from '../../functions/adapters/dynamodb/dynamodb-source-reader';
import type { Manifest } from '../../functions/core/archive/manifest';
import type { SourceReader } from '../../functions/core/ports';
import { ExactNumber, type StoreRecord } from '../../functions/core/values';
import { ExportFailedError } from '../../functions/core/workflow';
import {
  DEMO_BIG_SCORE,
  DEMO_PLAYER_ID,
  type DemoTable,
  demoTableItems,
} from '../../local/demo-data/generate';
import { loadItems } from '../../local/load-data';
import { loadDemoData } from '../../local/load-demo';
import { type LocalStack, startLocalStack } from '../../local/local-stack';
import { runLocalExport } from '../../local/run-export';
import { readZip } from '../support/read-zip';
import { objectKeys, readAll } from '../support/stack';

let stack: LocalStack;
const fast = { retryWaitScale: 0.001 };

beforeAll(async () => {
  stack = await startLocalStack();
  await loadDemoData(stack.clients.dynamodb);
});
afterAll(async () => {
  await stack?.stop();
});

async function exportAndOpen(playerId: string) {
  const outcome = await runLocalExport(stack, { playerId, ...fast });
  const zip = await readAll(await outcome.store.get(outcome.archive.archiveKey));
  const entries = await readZip(zip);
  const root = `${outcome.plan.rootFolder}/`;
  const files = new Map([...entries].map(([name, bytes]) => [name.slice(root.length), bytes]));
  const manifest = JSON.parse(files.get('manifest.json')?.toString('utf8') ?? 'null') as Manifest;
  return { outcome, zip, entries, files, manifest, root };
}

describe('export of the demo player', () => {
  let result: Awaited<ReturnType<typeof exportAndOpen>>;
  beforeAll(async () => {
    result = await exportAndOpen(DEMO_PLAYER_ID);
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
        const rows = parseCsv((bytes as Buffer).toString('utf8'), { columns: true, relax_quotes: false });
        expect(rows.length, file.path).toBe(file.records);
      }
    }
  });

  it('reports the record count of every source read', async () => {
    const mine = (table: DemoTable, owner = 'playerId') =>
      [...demoTableItems(table)].filter((item) => item[owner] === DEMO_PLAYER_ID);
    const sessionCutoff = Date.parse(result.manifest.generatedAt) - 30 * 86_400_000;
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
      // Only logins inside the 30-day retention window (test/integration/categories.test.ts).
      sessions: mine('sessions').filter((s) => Date.parse(String(s.loggedInAt)) >= sessionCutoff).length,
      'linked-accounts': mine('linked-accounts').length,
      'contest-entries': mine('contest-entries').length,
      // Every chat line of the demo player is older than the 7-day retention.
      'chat-logs': 0,
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
    const rows = parseCsv(csv, { columns: true }) as Record<string, string>[];
    const formula = rows.find((r) => r.body?.includes('HYPERLINK'));
    expect(formula?.body?.startsWith("'=")).toBe(true);
    const json = JSON.parse(result.files.get('forum/forum-posts.json')?.toString('utf8') ?? '{}').records;
    expect(json.some((p: { body: string }) => p.body.startsWith('=HYPERLINK'))).toBe(true);
  });

  it('leaves no staged files behind', async () => {
    expect(await objectKeys(stack, `staging/${result.outcome.plan.requestId}/`)).toEqual([]);
  });
});

describe('a player with no data in some categories', () => {
  it('lists those categories as "none held" with valid empty files', async () => {
    await loadItems(stack.clients.dynamodb, 'players', [
      {
        playerId: 'p-quiet',
        username: 'quiet_one',
        email: 'quiet@example.org',
        passwordHash: 'x',
        createdAt: '2024-01-01T00:00:00Z',
      },
    ]);
    const { manifest, files } = await exportAndOpen('p-quiet');
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
      // Never stored for anyone: the data map says so, whatever the player.
      'push-notifications': 'not retained',
    });
    expect(JSON.parse(files.get('purchases/purchases.json')?.toString('utf8') ?? '').records).toEqual([]);
    expect(parseCsv(files.get('purchases/purchases.csv')?.toString('utf8') ?? '', { columns: true })).toEqual(
      [],
    );
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
    await loadItems(stack.clients.dynamodb, 'players', [{ playerId: 'p-busy', username: 'busy' }]);
    await loadItems(stack.clients.dynamodb, 'forum-posts', posts);
    await loadItems(stack.clients.dynamodb, 'game-stats', stats);

    const { manifest } = await exportAndOpen('p-busy');
    const counted = Object.fromEntries(manifest.sources.map((s) => [s.id, s.records]));
    expect(counted['forum-posts']).toBe(200);
    expect(counted['game-stats']).toBe(3000);
  });
});

describe('failures', () => {
  it('an unknown player fails before anything is written', async () => {
    const failure = await runLocalExport(stack, {
      playerId: 'p-nobody',
      requestId: 'req-unknown',
      ...fast,
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ExportFailedError);
    expect((failure as Error).message).toMatch(/p-nobody/);
    expect(((failure as Error).cause as Error).name).toBe('PlayerNotFoundError');
    expect(await objectKeys(stack, 'archives/req-unknown/')).toEqual([]);
    expect(await objectKeys(stack, 'staging/req-unknown/')).toEqual([]);
  });

  it('a store that fails mid-export leaves no archive and says which source and why', async () => {
    const own = await startLocalStack();
    try {
      await loadItems(own.clients.dynamodb, 'players', [{ playerId: 'p-x', username: 'x' }]);
      await loadItems(
        own.clients.dynamodb,
        'game-stats',
        // About 4 MB: four pages, so with one page read ahead a later page is still to come.
        Array.from({ length: 8000 }, (_, i) => ({ playerId: 'p-x', statId: `s#${i}`, pad: 'y'.repeat(500) })),
      );
      const real = new DynamoDbSourceReader(own.clients.dynamodb);
      // After the first page of game statistics, the table disappears: the next page fails in the real store.
      const breaking: SourceReader = {
        async *pages(query) {
          let n = 0;
          for await (const page of real.pages(query)) {
            yield page;
            if (query.table === 'game-stats' && n++ === 0) {
              await own.clients.dynamodb.send(new DeleteTableCommand({ TableName: 'game-stats' }));
            }
          }
        },
      };
      const failure = await runLocalExport(own, {
        playerId: 'p-x',
        requestId: 'req-broken',
        reader: breaking,
        ...fast,
      }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(ExportFailedError);
      expect((failure as Error).message).toMatch(/source "game-stats" \(table game-stats\)/);
      expect((failure as Error).message).toMatch(/ResourceNotFoundException/);
      expect(await objectKeys(own, 'archives/')).toEqual([]);
      expect(await objectKeys(own, 'staging/req-broken/')).toEqual([]);
    } finally {
      await own.stop();
    }
  });
});
