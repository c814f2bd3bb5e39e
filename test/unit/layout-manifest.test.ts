import { describe, expect, it } from 'vitest';
import {
  archiveFilePath,
  archiveKey,
  FORMAT_VERSION,
  rootFolderName,
  stagingPrefix,
} from '../../functions/core/archive/layout';
import { buildManifest, mediaTypeOf } from '../../functions/core/archive/manifest';
import { parseDataMap } from '../../functions/core/data-map/data-map';
import { defaultPrivacyNotice as notice } from '../../functions/core/data-map/default-privacy-notice';
import type { CollectResult, ExportPlan } from '../../functions/core/workflow-types';

const day = new Date('2026-11-23T22:30:00Z');
const suffix = '-data-export-2026-11-23';

describe('rootFolderName', () => {
  it('is "<username>-data-export-<yyyy-mm-dd>" in UTC', () => {
    expect(rootFolderName('ingrid', day)).toBe(`ingrid${suffix}`);
  });

  it.each([
    ['../../etc/passwd', 'etc-passwd'],
    ['..\\..\\windows\\system32', 'windows-system32'],
    ['a/b\\c', 'a-b-c'],
    ['x\u0000y\u001fz\u007f\r\n', 'x-y-z'],
    ['<>:"|?*name', 'name'],
    ['\u202Eevil', 'evil'],
    ['  spaced   out  ', 'spaced-out'],
    ['snake_case-name', 'snake_case-name'],
  ])('reduces %j to a safe name', (username, expected) => {
    const name = rootFolderName(username, day);
    expect(name).toBe(`${expected}${suffix}`);
    expect(name).not.toMatch(/[/\\\p{Cc}]|\.\./u);
  });

  it.each(['สมชาย', 'Bjørn Ærø Åse', 'Ingrid_Øvre', 'José', 'Łukasz', 'Дмитрий', '李小龍'])(
    'keeps the letters of %j',
    (username) => {
      expect(rootFolderName(username, day)).toBe(`${username.replaceAll(' ', '-')}${suffix}`);
    },
  );

  it('composes decomposed letters (NFC)', () => {
    expect(rootFolderName('Zoe\u0308', day)).toBe(`Zo\u00eb${suffix}`);
  });

  it('keeps the combining marks of a Thai name', () => {
    expect(rootFolderName('สมศักดิ์', day)).toBe(`สมศักดิ์${suffix}`);
  });

  it.each(['', '...', '../', '🎮🔥', '\u0000\u0001', '---___'])(
    'falls back to "player" for %j',
    (username) => {
      expect(rootFolderName(username, day)).toBe(`player${suffix}`);
    },
  );

  it('caps the username part at 40 characters', () => {
    expect(rootFolderName('a'.repeat(500), day)).toBe(`${'a'.repeat(40)}${suffix}`);
  });

  it('never splits a letter outside the BMP', () => {
    const name = rootFolderName(`${'a'.repeat(39)}\u{20000}`, day);
    expect(/[\ud800-\udbff](?![\udc00-\udfff])/.test(name)).toBe(false);
  });
});

describe('archive paths', () => {
  it('places files, staging and archives', () => {
    expect(archiveFilePath('forum', 'forum-posts', 'csv')).toBe('forum/forum-posts.csv');
    // One prefix and one archive per attempt; no player text in any key.
    expect(stagingPrefix('req-1', 1)).toBe('staging/req-1/1/');
    expect(stagingPrefix('req-1', 2)).toBe('staging/req-1/2/');
    expect(archiveKey('req-1', 2)).toBe('archives/req-1/2.zip');
  });

  it('knows the media types', () => {
    expect(mediaTypeOf('a/b.json')).toBe('application/json');
    expect(mediaTypeOf('a/b.csv')).toBe('text/csv; charset=utf-8');
    expect(mediaTypeOf('README.txt')).toBe('text/plain; charset=utf-8');
    expect(mediaTypeOf('index.html')).toBe('text/html; charset=utf-8');
    expect(mediaTypeOf('x.bin')).toBe('application/octet-stream');
  });
});

describe('buildManifest', () => {
  const plan: ExportPlan = {
    requestId: 'req-1',
    playerId: 'p-1',
    attempt: 1,
    username: 'ingrid',
    locale: 'nb',
    generatedAt: '2026-11-23T10:00:00.000Z',
    stagingPrefix: 'staging/req-1/1/',
    archiveKey: 'archives/req-1/1.zip',
    rootFolder: `ingrid${suffix}`,
    tasks: [],
  };

  function result(sourceId: string, category: string, records: number): CollectResult {
    const file = (ext: string) => ({
      path: `${category}/${sourceId}.${ext}`,
      stagingKey: `staging/req-1/${category}/${sourceId}.${ext}`,
      bytes: 100 + records,
      sha256: `${ext}-${sourceId}`.padEnd(64, '0'),
      records,
    });
    return { sourceId, category, records, files: [file('json'), file('csv')] };
  }

  /** A map of its own: the shipped one grows, these facts must not move with it. */
  const dataMap = parseDataMap({
    version: 1,
    identity: { source: 'players', usernameField: 'username' },
    categories: [
      { id: 'account', title: 'Account and profile' },
      { id: 'purchases', title: 'Purchase history' },
      { id: 'forum', title: 'Forum posts' },
      { id: 'game-statistics', title: 'Game statistics' },
    ],
    sources: [
      {
        id: 'players',
        category: 'account',
        kind: 'dynamodb',
        table: 'players',
        key: { partition: 'playerId' },
        fields: [
          { name: 'playerId', type: 'string' },
          { name: 'passwordHash', type: 'string', rule: 'omit', reason: 'Protects the account.' },
          {
            name: 'security',
            type: 'object',
            fields: [{ name: 'secretAnswer', type: 'string', rule: 'omit', reason: 'Recovers the account.' }],
          },
        ],
      },
      {
        id: 'purchases',
        category: 'purchases',
        kind: 'dynamodb',
        table: 'arn:aws:dynamodb:eu-west-1:123456789012:table/purchases',
        key: { partition: 'playerId' },
        fields: [{ name: 'purchaseId', type: 'string' }],
      },
      {
        id: 'forum-posts',
        category: 'forum',
        kind: 'dynamodb',
        table: 'forum-posts',
        key: { index: 'byAuthor', partition: 'authorId' },
        fields: [
          { name: 'mentions', type: 'array', items: { type: 'string' }, rule: 'pseudonymise' },
          { name: 'quotedAuthorId', type: 'string', rule: 'pseudonymise' },
        ],
      },
      {
        id: 'game-stats',
        category: 'game-statistics',
        kind: 'dynamodb',
        table: 'game-stats',
        key: { partition: 'playerId' },
        fields: [{ name: 'opponentIds', type: 'array', items: { type: 'string' }, rule: 'pseudonymise' }],
      },
    ],
  });

  const results = [
    result('players', 'account', 1),
    result('purchases', 'purchases', 0),
    result('forum-posts', 'forum', 7),
    result('game-stats', 'game-statistics', 120),
  ];

  it('describes the request and the player', () => {
    const manifest = buildManifest(dataMap, notice, plan, results);
    expect(manifest).toMatchObject({
      formatVersion: FORMAT_VERSION,
      requestId: 'req-1',
      player: { playerId: 'p-1', username: 'ingrid' },
      generatedAt: plan.generatedAt,
      locale: 'nb',
    });
    expect(manifest.notes.length).toBeGreaterThan(0);
  });

  it('counts records per source and says "none held" for a category with zero records', () => {
    const manifest = buildManifest(dataMap, notice, plan, results);
    expect(manifest.sources.map((s) => [s.id, s.records])).toEqual([
      ['players', 1],
      ['purchases', 0],
      ['forum-posts', 7],
      ['game-stats', 120],
    ]);
    expect(manifest.categories).toMatchObject([
      {
        id: 'account',
        title: 'Account and profile',
        status: 'exported',
        records: 1,
        files: ['account/players.json', 'account/players.csv'],
      },
      {
        id: 'purchases',
        title: 'Purchase history',
        status: 'none held',
        records: 0,
        files: ['purchases/purchases.json', 'purchases/purchases.csv'],
      },
      { id: 'forum', title: 'Forum posts', status: 'exported', records: 7, files: expect.any(Array) },
      {
        id: 'game-statistics',
        title: 'Game statistics',
        status: 'exported',
        records: 120,
        files: expect.any(Array),
      },
    ]);
  });

  it('lists withheld fields with reasons and pseudonymised fields per source', () => {
    const manifest = buildManifest(dataMap, notice, plan, results);
    expect(manifest.sources[0]).toEqual({
      id: 'players',
      category: 'account',
      store: 'dynamodb',
      table: 'players',
      index: null,
      records: 1,
      retention: null,
      portable: true,
      withheldFields: [
        { field: 'passwordHash', reason: 'Protects the account.' },
        { field: 'security.secretAnswer', reason: 'Recovers the account.' },
      ],
      pseudonymisedFields: [],
    });
    expect(manifest.sources.find((s) => s.id === 'forum-posts')).toMatchObject({
      index: 'byAuthor',
      withheldFields: [],
      pseudonymisedFields: ['mentions', 'quotedAuthorId'],
    });
    expect(manifest.sources.find((s) => s.id === 'purchases')?.table).toBe(
      'arn:aws:dynamodb:eu-west-1:123456789012:table/purchases',
    );
  });

  it('lists every file with sha256, bytes, records and media type, generated files first', () => {
    const readme = {
      path: 'README.txt',
      bytes: 42,
      sha256: 'f'.repeat(64),
      mediaType: 'text/plain; charset=utf-8',
    };
    const manifest = buildManifest(dataMap, notice, plan, results, [readme]);
    expect(manifest.files).toHaveLength(1 + 2 * results.length);
    expect(manifest.files[0]).toEqual({ ...readme, records: null, set: 'access' });
    expect(manifest.files).toContainEqual({
      path: 'forum/forum-posts.csv',
      bytes: 107,
      records: 7,
      sha256: 'csv-forum-posts'.padEnd(64, '0'),
      mediaType: 'text/csv; charset=utf-8',
      set: 'access',
    });
    expect(manifest.files).toContainEqual(
      expect.objectContaining({
        path: 'purchases/purchases.json',
        records: 0,
        mediaType: 'application/json',
      }),
    );
  });

  it('throws when a source has no result', () => {
    expect(() => buildManifest(dataMap, notice, plan, results.slice(0, 3))).toThrow(
      'No collection result for source "game-stats"',
    );
  });
});
