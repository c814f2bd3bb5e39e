import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildManifest } from '../../functions/core/archive/manifest';
import { Pseudonymiser } from '../../functions/core/collect/pseudonymiser';
import { RetentionCheck } from '../../functions/core/collect/retention';
import { DataMapError, parseDataMap, type SourceSpec } from '../../functions/core/data-map/data-map';
import { defaultPrivacyNotice } from '../../functions/core/data-map/default-privacy-notice';
import type { PrivacyNotice } from '../../functions/core/data-map/privacy-notice';
import type { PseudonymKeys, SourceReader } from '../../functions/core/ports';
import type { StoreRecord } from '../../functions/core/values';
import type { CollectResult, CollectTask, ExportPlan } from '../../functions/core/workflow-types';
import { collectFiles, pagedReader } from '../support/collect-files';
import { MemoryStore } from '../support/memory-store';

const GENERATED_AT = '2026-11-23T10:00:00.000Z';
const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(Date.parse(GENERATED_AT) - days * DAY).toISOString();

/** A small map of its own, so the shipped one can grow without moving these facts. */
const dataMap = parseDataMap({
  version: 1,
  identity: { source: 'players', usernameField: 'username' },
  categories: [
    { id: 'account', title: 'Account and profile' },
    { id: 'forum', title: 'Forum posts' },
    { id: 'sessions-and-devices', title: 'Logins, sessions and devices' },
    { id: 'chat-logs', title: 'In-game chat logs' },
    { id: 'support', title: 'Support tickets' },
    { id: 'push-notifications', title: 'Push notifications', stored: false },
  ],
  sources: [
    {
      id: 'players',
      category: 'account',
      kind: 'dynamodb',
      table: 'players',
      key: { partition: 'playerId' },
      fields: [{ name: 'playerId', type: 'string' }],
    },
    {
      id: 'forum-posts',
      category: 'forum',
      kind: 'dynamodb',
      table: 'forum-posts',
      key: { partition: 'authorId' },
      fields: [{ name: 'body', type: 'string' }],
    },
    {
      id: 'sessions',
      category: 'sessions-and-devices',
      kind: 'dynamodb',
      table: 'sessions',
      key: { partition: 'playerId', sort: 'sessionId' },
      retention: { field: 'loggedInAt', days: 30 },
      fields: [
        { name: 'sessionId', type: 'string' },
        { name: 'loggedInAt', type: 'datetime' },
      ],
    },
    {
      id: 'chat-logs',
      category: 'chat-logs',
      kind: 'dynamodb',
      table: 'chat-logs',
      key: { partition: 'playerId', sort: 'messageId' },
      retention: { field: 'sentAt', days: 7 },
      fields: [{ name: 'sentAt', type: 'datetime' }],
    },
    {
      id: 'support-tickets',
      category: 'support',
      kind: 'dynamodb',
      table: 'support-tickets',
      key: { partition: 'playerId', sort: 'ticketId' },
      portable: false,
      fields: [
        { name: 'assignedAgentId', type: 'string', rule: 'pseudonymise', pseudonym: 'agent' },
        { name: 'reportedPlayerId', type: 'string', rule: 'pseudonymise' },
      ],
    },
  ],
});

const sourceOf = (id: string) => dataMap.sources.find((s) => s.id === id) as SourceSpec;

describe('Method: RetentionCheck', () => {
  const sessions = sourceOf('sessions');
  const check = (source: SourceSpec, items: StoreRecord[]) => {
    const c = new RetentionCheck(source, GENERATED_AT);
    for (const item of items) c.observe(item);
    return c.finding();
  };

  it('counts items older than generatedAt minus the stated days, and names the oldest', () => {
    expect(
      check(
        sessions,
        [31, 30.001, 29.999, 0, 45].map((d) => ({ loggedInAt: daysAgo(d) })),
      ),
    ).toEqual({
      field: 'loggedInAt',
      days: 30,
      records: 3,
      oldest: daysAgo(45),
    });
    expect(check(sessions, [{ loggedInAt: daysAgo(29.999) }])).toBeUndefined();
  });

  it('does not count an item it cannot date: nothing shows its age', () => {
    expect(check(sessions, [{}, { loggedInAt: null }, { loggedInAt: 'yesterday-ish' }])).toBeUndefined();
  });

  it('finds nothing in a source without retention', () => {
    expect(check(sourceOf('players'), [{ createdAt: '1970-01-01T00:00:00.000Z' }])).toBeUndefined();
  });
});

describe('retention in the data map', () => {
  const base = {
    version: 1,
    identity: { source: 's', usernameField: 'u' },
    categories: [{ id: 'c', title: 'C' }],
  };

  it('rejects a retention field that is not a declared date field', () => {
    const source = {
      id: 's',
      category: 'c',
      kind: 'dynamodb',
      table: 't',
      key: { partition: 'playerId' },
      fields: [{ name: 'body', type: 'string' }],
    };
    for (const field of ['missing', 'body']) {
      expect(() =>
        parseDataMap({ ...base, sources: [{ ...source, retention: { field, days: 7 } }] }),
      ).toThrow(/retention field ".*" must be a declared datetime or date field/);
    }
    expect(() =>
      parseDataMap({ ...base, sources: [{ ...source, retention: { field: 'body', days: 0 } }] }),
    ).toThrow(DataMapError);
  });

  it('rejects a source feeding a category marked as not stored', () => {
    expect(() =>
      parseDataMap({
        ...base,
        categories: [{ id: 'c', title: 'C', stored: false }],
        sources: [
          {
            id: 's',
            category: 'c',
            kind: 'dynamodb',
            table: 't',
            key: { partition: 'p' },
            fields: [{ name: 'x', type: 'string' }],
          },
        ],
      }),
    ).toThrow(/marked as not stored/);
  });
});

/** A fixed key per request and attempt, as the KMS adapter derives one. */
const pseudonymKeys: PseudonymKeys = {
  keyFor: async (requestId, attempt) => createHash('sha256').update(`${requestId}/${attempt}`).digest(),
};

function readerOf(items: StoreRecord[]): SourceReader {
  // Two pages, so counting across pages is exercised too.
  return pagedReader([items.slice(0, 2), items.slice(2)]);
}

const task = (sourceId: string): CollectTask => ({
  requestId: 'req-1',
  playerId: 'p-1',
  attempt: 1,
  sourceId,
  generatedAt: GENERATED_AT,
  stagingPrefix: 'staging/req-1/',
});

describe('Method: collectSource with retention', () => {
  it('exports every item, and reports those past the window as a finding', async () => {
    const store = new MemoryStore();
    const items = [40, 31, 29, 2, 45].map((d, i) => ({ sessionId: `s-${i}`, loggedInAt: daysAgo(d) }));
    const { result, files } = await collectFiles(
      { reader: readerOf(items), store, dataMap, pseudonymKeys },
      task('sessions'),
    );
    expect(result).toMatchObject({
      records: 5,
      pastRetention: { field: 'loggedInAt', days: 30, records: 3, oldest: daysAgo(45) },
    });
    const json = JSON.parse(files.get('sessions-and-devices/sessions.json')?.toString() ?? '');
    expect(json.records.map((r: { sessionId: string }) => r.sessionId)).toEqual([
      's-0',
      's-1',
      's-2',
      's-3',
      's-4',
    ]);
  });

  it('reports nothing where the map states no retention', async () => {
    const store = new MemoryStore();
    const items = [{ body: 'old', createdAt: '2001-01-01T00:00:00.000Z' }];
    const { result } = await collectFiles(
      { reader: readerOf(items), store, dataMap, pseudonymKeys },
      task('forum-posts'),
    );
    expect(result.records).toBe(1);
    expect(result).not.toHaveProperty('pastRetention');
  });

  it('gives agents stable letters-only "agent-" pseudonyms, apart from player pseudonyms', async () => {
    const store = new MemoryStore();
    const items = [
      { ticketId: 't1', assignedAgentId: 'agent-17', reportedPlayerId: 'p-2' },
      { ticketId: 't2', assignedAgentId: 'agent-17', reportedPlayerId: 'p-2' },
    ];
    const { files } = await collectFiles(
      { reader: readerOf(items), store, dataMap, pseudonymKeys },
      task('support-tickets'),
    );
    const text = files.get('support/support-tickets.json')?.toString() ?? '';
    const records = JSON.parse(text).records as { assignedAgentId: string; reportedPlayerId: string }[];
    expect(text).not.toContain('agent-17');
    expect(records[0]?.assignedAgentId).toMatch(/^agent-[a-z]{12}$/);
    expect(records[1]?.assignedAgentId).toBe(records[0]?.assignedAgentId);
    expect(records[0]?.reportedPlayerId).toMatch(/^player-[A-Za-z0-9_-]{12}$/);
  });
});

describe('Pseudonymiser: agent flavour', () => {
  it('is stable per key, different across keys, and never starts with a digit', () => {
    const a = new Pseudonymiser(Buffer.alloc(32, 's'), 'p-1');
    const b = new Pseudonymiser(Buffer.alloc(32, 't'), 'p-1');
    expect(a.pseudonym('agent-4', 'agent')).toBe(a.pseudonym('agent-4', 'agent'));
    expect(b.pseudonym('agent-4', 'agent')).not.toBe(a.pseudonym('agent-4', 'agent'));
    for (let n = 0; n < 200; n++) expect(a.pseudonym(`agent-${n}`, 'agent')).toMatch(/^agent-[a-z]{12}$/);
    expect(a.pseudonym('p-2')).toMatch(/^player-/);
  });
});

describe('Method: buildManifest — facts, statuses and portability', () => {
  const plan: ExportPlan = {
    requestId: 'req-1',
    playerId: 'p-1',
    attempt: 1,
    username: 'ingrid',
    locale: 'nb',
    generatedAt: GENERATED_AT,
    stagingPrefix: 'staging/req-1/',
    archiveKey: 'archives/req-1/ingrid.zip',
    rootFolder: 'ingrid',
    tasks: [],
  };

  function result(sourceId: string, records: number, pastRetention?: number): CollectResult {
    const category = sourceOf(sourceId).category;
    const file = (ext: string) => ({
      path: `${category}/${sourceId}.${ext}`,
      stagingKey: `staging/req-1/${category}/${sourceId}.${ext}`,
      bytes: 10,
      sha256: '0'.repeat(64),
      records,
    });
    return {
      sourceId,
      category,
      records,
      ...(pastRetention === undefined
        ? {}
        : { pastRetention: { field: 'at', days: 7, records: pastRetention, oldest: daysAgo(90) } }),
      files: [file('json'), file('csv')],
    };
  }

  const results = [
    result('players', 1),
    result('forum-posts', 0),
    result('sessions', 4, 6),
    result('chat-logs', 12, 12),
    result('support-tickets', 2),
  ];
  const manifest = buildManifest(dataMap, defaultPrivacyNotice, plan, results);
  const category = (id: string) => manifest.categories.find((c) => c.id === id);

  it('gives every category its Art. 15 facts from the notice', () => {
    expect(manifest.categories.map((c) => c.id)).toEqual(dataMap.categories.map((c) => c.id));
    for (const c of manifest.categories) expect(c.facts).toEqual(defaultPrivacyNotice.categories[c.id]);
  });

  it('says "exported" or "none held"; records past their retention are exported all the same', () => {
    expect(category('account')).toMatchObject({ status: 'exported', records: 1 });
    expect(category('forum')).toMatchObject({ status: 'none held', records: 0 });
    expect(category('chat-logs')).toMatchObject({ status: 'exported', records: 12 });
    expect(category('sessions-and-devices')).toMatchObject({ status: 'exported', records: 4 });
  });

  it('says "not stored" for a category the map marks as not stored, with no files', () => {
    expect(category('push-notifications')).toMatchObject({ status: 'not stored', records: 0, files: [] });
  });

  it('reports retention findings to operators, per source with its table', () => {
    expect(manifest.notesForOperators.retentionFindings).toEqual([
      {
        source: 'sessions',
        category: 'sessions-and-devices',
        table: 'sessions',
        field: 'at',
        days: 7,
        records: 6,
        oldest: daysAgo(90),
      },
      {
        source: 'chat-logs',
        category: 'chat-logs',
        table: 'chat-logs',
        field: 'at',
        days: 7,
        records: 12,
        oldest: daysAgo(90),
      },
    ]);
    expect(manifest.sources.find((s) => s.id === 'sessions')).toMatchObject({
      retention: { field: 'loggedInAt', days: 30 },
    });
  });

  it('marks portability per category and each file as "portability" or "access"', () => {
    // account: the player, contract. support: the player, contract. forum, sessions, chat: legitimate interest.
    expect(manifest.categories.filter((c) => c.portability).map((c) => c.id)).toEqual(['account', 'support']);
    const set = Object.fromEntries(manifest.files.map((f) => [f.path, f.set]));
    expect(set).toMatchObject({
      'account/players.json': 'portability',
      'account/players.csv': 'portability',
      // The agents' replies are others' words: a portable category, an access-only source.
      'support/support-tickets.json': 'access',
      'forum/forum-posts.json': 'access',
      'sessions-and-devices/sessions.csv': 'access',
      'chat-logs/chat-logs.json': 'access',
    });
  });

  it('puts generated files in the access set', () => {
    const readme = { path: 'README.txt', bytes: 1, sha256: 'f'.repeat(64), mediaType: 'text/plain' };
    const withReadme = buildManifest(dataMap, defaultPrivacyNotice, plan, results, [readme]);
    expect(withReadme.files[0]).toMatchObject({ path: 'README.txt', set: 'access' });
  });

  it('carries controller, DPO, rights and supervisory authority at the top level', () => {
    expect(manifest.formatVersion).toBeTruthy();
    expect(manifest.policyVersion).toBe(defaultPrivacyNotice.policyVersion);
    expect(manifest.controller).toMatchObject({
      name: 'Nordlys Games AS',
      dpo: { email: defaultPrivacyNotice.dpo.email },
    });
    expect(manifest.rights.items.some((r) => r.article === '20')).toBe(true);
    expect(manifest.rights.supervisoryAuthority.name).toMatch(/Datatilsynet/);
  });

  it('refuses to build without facts for a category, naming it', () => {
    const partial: PrivacyNotice = structuredClone(defaultPrivacyNotice);
    delete partial.categories['chat-logs'];
    expect(() => buildManifest(dataMap, partial, plan, results)).toThrow(
      'No Art. 15 facts for category "chat-logs"',
    );
  });
});
