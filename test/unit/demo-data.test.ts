import { mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, inflateSync } from 'node:zlib';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import dataMap from '../../config/data-map.json';
import type { AttributeItem } from '../../functions/adapters/dynamodb/batch-writer';
import { rootFolderName } from '../../functions/core/archive/layout';
import { toJsonText } from '../../functions/core/collect/json-text';
import { OWN_REQUESTS_TABLE } from '../../functions/core/data-map/data-map';
import { ExactNumber, isPlainObject, type StoreRecord, type Value } from '../../functions/core/values';
import {
  DEMO_BIG_POINTS,
  DEMO_BIG_SCORE,
  DEMO_EXACT_ACCURACY,
  DEMO_PLAYER_ID,
  DEMO_PLAYER_IDS,
  DEMO_TABLES,
  type DemoDataOptions,
  type DemoTable,
  demoTableItems,
  IsoClock,
} from '../../functions/seed-demo/demo-data/generate';
import { DEMO_STORED_TYPES, demoStoredItems } from '../../functions/seed-demo/demo-data/stored-items';
import { writeDemoJsonl } from '../../functions/seed-demo/demo-data/write-jsonl';
import { parseDataLine } from '../../local/load-data';

// Small enough to keep the suite fast, large enough that every stat kind occurs many times.
const SMALL: DemoDataOptions = { statsForHeavyPlayer: 400 };

function items(table: DemoTable, options: DemoDataOptions = SMALL): StoreRecord[] {
  return [...demoTableItems(table, options)];
}

function text(record: StoreRecord, field: string): string {
  const value = record[field];
  if (typeof value !== 'string')
    throw new TypeError(`${field} is not a string: ${toJsonText(value ?? null)}`);
  return value;
}

function stringList(record: StoreRecord, field: string): string[] {
  const value = record[field];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new TypeError(`${field} is not a list of strings`);
  }
  return value as string[];
}

function exact(record: StoreRecord, field: string): string {
  const value = record[field];
  if (!(value instanceof ExactNumber)) throw new TypeError(`${field} is not an ExactNumber`);
  return value.text;
}

/** '9.99' -> 999n; refuses anything that is not a money amount of at most two decimals. */
function cents(amount: string): bigint {
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(amount);
  if (!match) throw new TypeError(`Not a money amount: ${amount}`);
  return BigInt(match[1] ?? '0') * 100n + BigInt((match[2] ?? '').padEnd(2, '0'));
}

/** Binary as base64 text, so items compare by value whatever buffer class holds the bytes. */
function comparable(value: unknown): unknown {
  if (value instanceof Uint8Array) return `base64:${Buffer.from(value).toString('base64')}`;
  if (Array.isArray(value)) return value.map(comparable);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([name, v]) => [name, comparable(v)]));
  }
  return value;
}

/** Width, height and raw pixel bytes of a PNG, checking its signature and every chunk's CRC. */
function readPng(bytes: Uint8Array | undefined): { width: number; height: number; pixels: Buffer } {
  const png = Buffer.from(bytes ?? []);
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  const chunks = new Map<string, Buffer>();
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    const typed = png.subarray(at + 4, at + 8 + length);
    expect(png.readUInt32BE(at + 8 + length), 'chunk CRC').toBe(crc32(typed));
    chunks.set(typed.subarray(0, 4).toString('ascii'), typed.subarray(4));
    at += 12 + length;
  }
  const header = chunks.get('IHDR') ?? Buffer.alloc(13);
  expect([...header.subarray(8)]).toEqual([8, 2, 0, 0, 0]);
  expect(chunks.has('IEND')).toBe(true);
  return {
    width: header.readUInt32BE(0),
    height: header.readUInt32BE(4),
    pixels: inflateSync(chunks.get('IDAT') ?? Buffer.alloc(0)),
  };
}

/** Calls `visit` with every set in an item, however deep. */
function everySet(value: AttributeValue, visit: (tag: string, set: unknown[]) => void): void {
  for (const tag of ['SS', 'NS', 'BS'] as const) {
    const set = value[tag];
    if (set !== undefined) visit(tag, set);
  }
  for (const v of value.L ?? []) everySet(v, visit);
  for (const v of Object.values(value.M ?? {})) everySet(v, visit);
}

function everyValue(value: Value, visit: (value: Value) => void): void {
  visit(value);
  if (Array.isArray(value)) for (const item of value) everyValue(item, visit);
  else if (isPlainObject(value)) for (const item of Object.values(value)) everyValue(item, visit);
}

interface FieldSpec {
  name: string;
  type: string;
  fields?: FieldSpec[];
  items?: { type: string; fields?: FieldSpec[] };
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
// Fields the generator adds beyond the data map (exported under the map's default rule).
const EXTRA_FIELDS = new Set(['accuracy']);
// The only places the demo stores NULL: a clan left, a microphone never chosen.
const NULLABLE = new Set(['players.clanTag', 'players.settings.audio.voiceChatDevice']);

/** Checks a record against the data map: known field names and values of the declared type. */
function checkAgainstMap(record: StoreRecord, fields: FieldSpec[], where: string): void {
  const specs = new Map(fields.map((f) => [f.name, f]));
  for (const [name, value] of Object.entries(record)) {
    const spec = specs.get(name);
    if (!spec) {
      expect(EXTRA_FIELDS.has(name), `${where}.${name} is not in the data map`).toBe(true);
      continue;
    }
    checkValue(value, spec.type, spec.fields ?? spec.items?.fields, spec.items?.type, `${where}.${name}`);
  }
}

function checkValue(
  value: Value,
  type: string,
  fields: FieldSpec[] | undefined,
  itemType: string | undefined,
  where: string,
) {
  if (value === null) {
    expect(NULLABLE.has(where), `${where} is null`).toBe(true);
    return;
  }
  switch (type) {
    case 'string':
      expect(typeof value, where).toBe('string');
      break;
    case 'boolean':
      expect(typeof value, where).toBe('boolean');
      break;
    case 'datetime':
      expect(value, where).toMatch(ISO_INSTANT);
      expect(new Date(value as string).toISOString(), where).toBe(value);
      break;
    case 'date':
      expect(value, where).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      break;
    case 'number':
      expect(value, where).toBeInstanceOf(ExactNumber);
      break;
    case 'integer':
      expect(value, where).toBeInstanceOf(ExactNumber);
      expect((value as ExactNumber).text, where).toMatch(/^-?\d+$/);
      break;
    case 'object':
      if (!isPlainObject(value)) throw new TypeError(`${where} is not an object`);
      checkAgainstMap(value, fields ?? [], where);
      break;
    case 'array':
      if (!Array.isArray(value)) throw new TypeError(`${where} is not an array`);
      for (const item of value) checkValue(item, itemType ?? 'string', fields, undefined, `${where}[]`);
      break;
    default:
      throw new TypeError(`${where}: unknown type ${type} in the data map`);
  }
}

describe('demo data', () => {
  it('gives the same items for the same seed and different ones for another seed', () => {
    for (const table of DEMO_TABLES) {
      const once = items(table, { ...SMALL, seed: 7 }).map(toJsonText);
      const again = items(table, { ...SMALL, seed: 7 }).map(toJsonText);
      expect(again).toEqual(once);
    }
    const stats = (seed: number) => items('game-stats', { ...SMALL, seed }).map(toJsonText);
    expect(stats(8)).not.toEqual(stats(7));
  });

  it('gives the heavy player exactly the requested number of stats, and the others 20 to 60', () => {
    for (const wanted of [0, 1, 2, 1234]) {
      const stats = items('game-stats', { statsForHeavyPlayer: wanted });
      expect(stats.filter((s) => s.playerId === DEMO_PLAYER_ID)).toHaveLength(wanted);
    }
    const byDefault = items('game-stats', {});
    expect(byDefault.filter((s) => s.playerId === DEMO_PLAYER_ID)).toHaveLength(2000);
    for (const other of DEMO_PLAYER_IDS.filter((id) => id !== DEMO_PLAYER_ID)) {
      const count = byDefault.filter((s) => s.playerId === other).length;
      expect(count).toBeGreaterThanOrEqual(20);
      expect(count).toBeLessThanOrEqual(60);
    }
  });

  it('generates lazily, so a huge table can be streamed', () => {
    const iterator = demoTableItems('game-stats', { statsForHeavyPlayer: 2 ** 32 })[Symbol.iterator]();
    expect(iterator.next().value?.playerId).toBe(DEMO_PLAYER_ID);
  });

  it('refuses options it cannot honour', () => {
    expect(() => demoTableItems('game-stats', { statsForHeavyPlayer: -1 })).toThrow(RangeError);
    expect(() => demoTableItems('game-stats', { statsForHeavyPlayer: 1.5 })).toThrow(RangeError);
    expect(() => demoTableItems('players', { seed: Number.NaN })).toThrow(RangeError);
  });

  it('matches the data map: field names, types, and numbers only as ExactNumber', () => {
    // "@requests" is the pipeline's own table, not the demo game's.
    for (const source of dataMap.sources.filter((s) => s.table !== OWN_REQUESTS_TABLE)) {
      const records = items(source.table as DemoTable);
      expect(records.length, source.table).toBeGreaterThan(0);
      for (const record of records) {
        checkAgainstMap(record, source.fields as FieldSpec[], source.table);
        everyValue(record, (value) => {
          expect(['number', 'bigint', 'undefined']).not.toContain(typeof value);
          if (value instanceof ExactNumber) expect(value.text).toMatch(ExactNumber.pattern);
        });
      }
    }
  });

  it('writes numbers in the canonical form the store returns (no trailing fraction zeros)', () => {
    for (const table of DEMO_TABLES) {
      for (const record of items(table)) {
        everyValue(record, (value) => {
          if (value instanceof ExactNumber) expect(value.text).not.toMatch(/\.\d*0$/);
        });
      }
    }
  });

  it('has players with unique usernames and e-mails, and secrets to be omitted', () => {
    const players = items('players');
    expect(players.map((p) => p.playerId)).toEqual(DEMO_PLAYER_IDS);
    expect(new Set(players.map((p) => text(p, 'username'))).size).toBe(players.length);
    expect(new Set(players.map((p) => text(p, 'email'))).size).toBe(players.length);
    const demo = players.find((p) => p.playerId === DEMO_PLAYER_ID);
    expect(demo && text(demo, 'email')).toBe('ingrid.nordmann@example.no');
    for (const player of players) {
      expect(text(player, 'passwordHash')).toMatch(
        /^\$argon2id\$v=19\$m=65536,t=3,p=4\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/,
      );
      expect(text(player, 'secretAnswer')).not.toBe('');
    }
  });

  it('has players whose usernames are in Thai, Arabic, Japanese, and emoji alone', () => {
    const usernames = Object.fromEntries(items('players').map((p) => [p.playerId, text(p, 'username')]));
    expect(usernames['p-1007']).toMatch(/^[\p{Script=Thai}_]+$/u);
    expect(usernames['p-1008']).toMatch(/^[\p{Script=Arabic}_]+$/u);
    expect(usernames['p-1009']).toMatch(/^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]+$/u);
    // No letter or digit at all (the archive folder falls back to "player-…"), and a ZWJ sequence.
    expect(usernames['p-1010']).toMatch(/^(?:\p{Extended_Pictographic}|\u200D|\uFE0F)+$/u);
    expect(usernames['p-1010']).toContain('\u{1F9D9}\u200D\u2640\uFE0F');
  });

  it('gives the players with non-Latin usernames the same kinds of records as the others', () => {
    const owned: [DemoTable, string][] = [
      ['players', 'playerId'],
      ['purchases', 'playerId'],
      ['forum-posts', 'authorId'],
      ['game-stats', 'playerId'],
      ['consents', 'playerId'],
      ['support-tickets', 'playerId'],
      ['private-messages', 'senderId'],
      ['private-messages', 'recipientId'],
      ['sessions', 'playerId'],
      ['linked-accounts', 'playerId'],
      ['contest-entries', 'playerId'],
      ['chat-logs', 'playerId'],
    ];
    const newcomers = ['p-1007', 'p-1008', 'p-1009', 'p-1010'];
    expect(DEMO_PLAYER_IDS).toEqual(expect.arrayContaining(newcomers));
    expect(DEMO_PLAYER_IDS).toHaveLength(10);
    for (const [table, owner] of owned) {
      const held = items(table);
      for (const id of newcomers) {
        expect(
          held.some((item) => item[owner] === id),
          `${table} (${owner}) of ${id}`,
        ).toBe(true);
      }
    }
  });

  it('stores a string set, a number set, binary, a binary set, NULL and maps in maps as DynamoDB types', () => {
    const record = items('players').find((p) => p.playerId === DEMO_PLAYER_ID) as StoreRecord;
    const player = [...demoStoredItems('players', SMALL)].find((p) => p.playerId?.S === DEMO_PLAYER_ID);
    expect(stringList(record, 'badges').length).toBeGreaterThan(0);
    expect(player?.badges).toEqual({ SS: record.badges });
    expect(player?.seasonPasses).toEqual({ NS: (record.seasonPasses as ExactNumber[]).map((n) => n.text) });
    expect(player?.seasonPasses?.NS?.length).toBeGreaterThan(0);
    const avatar = readPng(player?.avatarThumbnail?.B);
    expect(avatar).toMatchObject({ width: 8, height: 8 });
    expect(avatar.pixels).toHaveLength(8 * (1 + 8 * 3));
    expect(Buffer.from(player?.avatarThumbnail?.B ?? []).toString('base64')).toBe(record.avatarThumbnail);
    expect(player?.clanTag).toEqual({ S: 'FJU' });
    expect(player?.settings?.M?.audio?.M?.voiceChatDevice).toEqual({ NULL: true });
    expect(player?.settings?.M?.controls?.M?.keybinds?.M?.attack).toEqual({ S: 'Mouse1' });
    expect(player?.settings?.M?.graphics?.M?.fpsLimit?.N).toMatch(/^\d+$/);

    const entry = [...demoStoredItems('contest-entries', SMALL)].find(
      (e) => e.playerId?.S === DEMO_PLAYER_ID && e.kind?.S === 'contest',
    );
    const screenshots = entry?.screenshotThumbnails?.BS ?? [];
    expect(screenshots.length).toBeGreaterThan(0);
    for (const picture of screenshots) expect(readPng(picture)).toMatchObject({ width: 8, height: 8 });
    // A player who has left their clan: NULL at the top level too.
    expect([...demoStoredItems('players', SMALL)].some((p) => p.clanTag?.NULL === true)).toBe(true);

    // Only sets DynamoDB accepts: never empty, values distinct.
    let sets = 0;
    for (const table of DEMO_TABLES) {
      for (const item of demoStoredItems(table, SMALL) as Iterable<AttributeItem>) {
        everySet({ M: item }, (tag, set) => {
          sets++;
          const keys = set.map((v) =>
            v instanceof Uint8Array ? Buffer.from(v).toString('base64') : String(v),
          );
          expect(keys.length, tag).toBeGreaterThan(0);
          expect(new Set(keys).size, tag).toBe(keys.length);
        });
      }
    }
    expect(sets).toBeGreaterThan(DEMO_PLAYER_IDS.length);
  });

  it('names each archive folder after the username, in its own script', () => {
    const at = new Date('2025-06-01T12:00:00Z');
    const folders = Object.fromEntries(
      items('players').map((p) => [p.playerId, rootFolderName(text(p, 'username'), at)]),
    );
    expect(folders['p-1007']).toBe('นักรบแสงเหนือ-data-export-2025-06-01');
    expect(folders['p-1008']).toBe('فارس_الشمال-data-export-2025-06-01');
    expect(folders['p-1009']).toBe('星空ハルカ-data-export-2025-06-01');
  });

  // rootFolderName keeps marks (\p{M}) so that Thai tone marks stay with their letters; the emoji
  // presentation selector U+FE0F is a mark too, and with its emoji gone it must not be kept alone
  // (the folder once began with that invisible character).
  it('names the folder of an emoji-only username "player-data-export-…", as documented', () => {
    const emoji = items('players').find((p) => p.playerId === 'p-1010') as StoreRecord;
    expect(rootFolderName(text(emoji, 'username'), new Date('2025-06-01T12:00:00Z'))).toBe(
      'player-data-export-2025-06-01',
    );
  });

  it('builds statIds from kind, recordedAt and a unique id, with the fields of each kind', () => {
    const stats = items('game-stats');
    const seen = new Set<string>();
    const kindFields: Record<string, string[]> = {
      match: ['score', 'result', 'durationSec', 'mapName', 'opponentIds'],
      achievement: ['achievementName', 'points'],
      session: ['durationSec', 'ipAddress', 'device'],
      ranking: ['rank', 'points'],
    };
    for (const stat of stats) {
      const statId = text(stat, 'statId');
      const match = /^(match|achievement|session|ranking)#(.+)#([0-9a-f]{8})$/.exec(statId);
      expect(match, statId).not.toBeNull();
      expect(match?.[1]).toBe(stat.kind);
      expect(match?.[2]).toBe(stat.recordedAt);
      expect(text(stat, 'recordedAt')).toMatch(ISO_INSTANT);
      expect(text(stat, 'game')).toMatch(/^Fjord Raiders/);
      for (const field of kindFields[text(stat, 'kind')] ?? ['unknown kind'])
        expect(stat, statId).toHaveProperty(field);
      const key = `${stat.playerId}|${statId}`;
      expect(seen.has(key), key).toBe(false);
      seen.add(key);
    }
    expect(new Set(stats.map((s) => s.kind))).toEqual(new Set(Object.keys(kindFields)));
  });

  it('uses only documentation IP ranges for sessions', () => {
    const sessions = items('game-stats').filter((s) => s.kind === 'session');
    expect(sessions.length).toBeGreaterThan(0);
    for (const session of sessions) {
      expect(text(session, 'ipAddress')).toMatch(
        /^(192\.0\.2\.\d+|198\.51\.100\.\d+|203\.0\.113\.\d+|2001:db8:[0-9a-f:]+)$/,
      );
    }
  });

  it('holds numbers for the demo player that a binary float would change', () => {
    const demoStats = items('game-stats').filter((s) => s.playerId === DEMO_PLAYER_ID);
    expect(demoStats.some((s) => s.kind === 'match' && exact(s, 'score') === DEMO_BIG_SCORE)).toBe(true);
    expect(demoStats.some((s) => s.kind === 'match' && exact(s, 'accuracy') === DEMO_EXACT_ACCURACY)).toBe(
      true,
    );
    expect(demoStats.some((s) => s.kind === 'ranking' && exact(s, 'points') === DEMO_BIG_POINTS)).toBe(true);
    expect(String(Number(DEMO_BIG_SCORE))).not.toBe(DEMO_BIG_SCORE);
    expect(toJsonText(demoStats)).toContain(`"score":${DEMO_BIG_SCORE}`);
  });

  it('makes each purchase amount the exact sum of quantity times unit price', () => {
    const purchases = items('purchases');
    const currencies: Record<string, string> = {
      'p-1001': 'NOK',
      'p-1002': 'EUR',
      'p-1003': 'EUR',
      'p-1004': 'DKK',
      'p-1005': 'THB',
      'p-1006': 'GBP',
      'p-1007': 'THB',
      'p-1008': 'AED',
      'p-1009': 'JPY',
      'p-1010': 'EUR',
    };
    for (const id of DEMO_PLAYER_IDS) {
      const own = purchases.filter((p) => p.playerId === id);
      expect(own.length).toBeGreaterThanOrEqual(3);
      expect(own.length).toBeLessThanOrEqual(15);
      expect(new Set(own.map((p) => p.purchaseId)).size).toBe(own.length);
    }
    for (const purchase of purchases) {
      const lines = purchase.items;
      if (!Array.isArray(lines) || lines.length === 0) throw new TypeError('a purchase without items');
      let sum = 0n;
      for (const line of lines) {
        if (!isPlainObject(line)) throw new TypeError('an item that is not an object');
        sum += BigInt(exact(line, 'quantity')) * cents(exact(line, 'unitPrice'));
      }
      expect(cents(exact(purchase, 'amount'))).toBe(sum);
      expect(purchase.currency).toBe(currencies[text(purchase, 'playerId')]);
      // The yen has no smaller unit.
      if (purchase.currency === 'JPY') expect(exact(purchase, 'amount')).toMatch(/^\d+$/);
      expect(['completed', 'refunded', 'chargeback']).toContain(purchase.status);
    }
  });

  it('references only other, existing players in mentions, quotes and opponents', () => {
    const known = new Set(DEMO_PLAYER_IDS);
    const posts = items('forum-posts');
    for (const post of posts) {
      const author = text(post, 'authorId');
      for (const id of stringList(post, 'mentions')) {
        expect(known.has(id), id).toBe(true);
        expect(id).not.toBe(author);
      }
      if (post.quotedAuthorId !== undefined) {
        expect(known.has(text(post, 'quotedAuthorId'))).toBe(true);
        expect(post.quotedAuthorId).not.toBe(author);
      }
    }
    expect(new Set(posts.map((p) => p.postId)).size).toBe(posts.length);
    for (const match of items('game-stats').filter((s) => s.kind === 'match')) {
      const opponents = stringList(match, 'opponentIds');
      expect(opponents.length).toBeGreaterThanOrEqual(1);
      expect(opponents.length).toBeLessThanOrEqual(3);
      expect(new Set(opponents).size).toBe(opponents.length);
      for (const id of opponents) {
        expect(known.has(id), id).toBe(true);
        expect(id).not.toBe(match.playerId);
      }
    }
  });

  it('gives every player 5 to 20 posts', () => {
    const posts = items('forum-posts');
    for (const id of DEMO_PLAYER_IDS) {
      const count = posts.filter((p) => p.authorId === id).length;
      expect(count, id).toBeGreaterThanOrEqual(5);
      expect(count, id).toBeLessThanOrEqual(20);
    }
  });

  it('writes multilingual text: Nordic, German, French letters, Thai, Arabic and Japanese script, emoji', () => {
    const all = DEMO_TABLES.map((table) =>
      items(table, { statsForHeavyPlayer: 50 }).map(toJsonText).join('\n'),
    ).join('\n');
    for (const letters of ['æ', 'ø', 'å', 'ä', 'ö', 'ü', 'ß', 'é', 'è', 'ç']) expect(all).toContain(letters);
    expect(all).toMatch(/\p{Script=Thai}/u);
    expect(all).toMatch(/\p{Script=Arabic}/u);
    expect(all).toMatch(/\p{Script=Han}/u);
    expect(all).toMatch(/\p{Script=Katakana}/u);
    expect(all).toMatch(/\p{Extended_Pictographic}/u);
    const postsText = items('forum-posts')
      .map((p) => text(p, 'body'))
      .join('\n');
    expect(postsText).toMatch(/\p{Script=Thai}/u);
    expect(postsText).toMatch(/\p{Extended_Pictographic}/u);
  });

  it('gives the demo player posts with a formula, a script tag, and emoji across a line break', () => {
    const bodies = items('forum-posts')
      .filter((p) => p.authorId === DEMO_PLAYER_ID)
      .map((p) => text(p, 'body'));
    expect(bodies).toContain('=HYPERLINK("http://evil.example","click")');
    expect(bodies.some((b) => b.includes('<script>alert(1)</script>'))).toBe(true);
    expect(bodies.some((b) => b.includes('\n') && /\p{Extended_Pictographic}/u.test(b))).toBe(true);
  });

  it('has posts by other players that quote and mention the demo player', () => {
    const others = items('forum-posts').filter((p) => p.authorId !== DEMO_PLAYER_ID);
    const quoting = others.filter((p) => p.quotedAuthorId === DEMO_PLAYER_ID);
    const mentioning = others.filter((p) => stringList(p, 'mentions').includes(DEMO_PLAYER_ID));
    expect(new Set(quoting.map((p) => p.authorId)).size).toBe(DEMO_PLAYER_IDS.length - 1);
    expect(mentioning.length).toBeGreaterThan(0);
  });

  it('formats instants exactly like Date#toISOString', () => {
    const clock = new IsoClock();
    const instants = [0, 1, 999, 59_999, 3_599_999, 3_600_000, Date.UTC(2024, 1, 29, 23, 59, 59, 999)];
    for (let ms = Date.UTC(2022, 0, 1); ms < Date.UTC(2022, 0, 3); ms += 7_777_777) instants.push(ms);
    instants.push(Date.UTC(2021, 0, 1), -1, -3_600_001);
    for (const ms of instants) expect(clock.format(ms), String(ms)).toBe(new Date(ms).toISOString());
  });

  it('writes one JSON line per item, DynamoDB JSON where it holds a set or binary, and returns the counts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'demo-data-'));
    const options = { statsForHeavyPlayer: 3000 };
    try {
      const counts = await writeDemoJsonl(dir, options);
      let typedLines = 0;
      for (const table of DEMO_TABLES) {
        const lines = (await readFile(join(dir, `${table}.jsonl`), 'utf8')).split('\n');
        expect(lines.pop()).toBe('');
        expect(lines).toHaveLength(counts[table] ?? -1);
        const records = items(table, options);
        const stored = [...demoStoredItems(table, options)];
        for (const [i, line] of lines.entries()) {
          const record = records[i] as StoreRecord;
          const typed = Object.keys(record).some((name) => DEMO_STORED_TYPES[table]?.[name] !== undefined);
          // Plain JSON where it can say everything; the loader reads both back as the store's items.
          if (typed) expect(line.startsWith('{"Item":{'), `${table} line ${i + 1}`).toBe(true);
          else expect(line, `${table} line ${i + 1}`).toBe(toJsonText(record));
          expect(comparable(parseDataLine(line)), `${table} line ${i + 1}`).toEqual(
            comparable(stored[i] ?? {}),
          );
          if (typed) typedLines++;
        }
      }
      expect(typedLines).toBe(
        items('players').filter((p) => p.badges || p.seasonPasses || p.avatarThumbnail).length +
          items('contest-entries').filter((e) => e.screenshotThumbnails).length,
      );
      expect(typedLines).toBeGreaterThan(0);
      expect(Object.keys(counts)).toEqual([...DEMO_TABLES]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects instead of hanging when the files cannot be written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'demo-data-'));
    try {
      // Node's own recursive mkdir spins forever under a dangling symlink.
      await symlink(join(dir, 'missing'), join(dir, 'dangling'));
      await expect(writeDemoJsonl(join(dir, 'dangling', 'out'))).rejects.toMatchObject({ code: 'ENOENT' });
      // A directory where a table file should go: fails on the first (small) and the last (large) table.
      await mkdir(join(dir, 'a', 'players.jsonl'), { recursive: true });
      await expect(writeDemoJsonl(join(dir, 'a'))).rejects.toMatchObject({ code: 'EISDIR' });
      await mkdir(join(dir, 'b', 'game-stats.jsonl'), { recursive: true });
      await expect(writeDemoJsonl(join(dir, 'b'), { statsForHeavyPlayer: 5000 })).rejects.toMatchObject({
        code: 'EISDIR',
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('demo data: push notifications, newsletter events and attribution', () => {
  const NOW = new Date('2025-06-10T00:00:00Z');
  const AT_NOW: DemoDataOptions = { ...SMALL, now: NOW };
  const DAY = 86_400_000;
  const TRACKING_TABLES = ['push-notifications', 'newsletter-events', 'attribution'] as const;
  const SORT_KEYS: Record<(typeof TRACKING_TABLES)[number], string> = {
    'push-notifications': 'notificationId',
    'newsletter-events': 'eventId',
    attribution: 'eventId',
  };
  const DOC_IP = /^(192\.0\.2\.\d+|198\.51\.100\.\d+|203\.0\.113\.\d+|2001:db8:[0-9a-f:]+)$/;

  type Period = [from: number, to: number];

  /** When each player's consent for a purpose was in force, from the consents table. */
  function consentPeriods(purpose: string): Map<string, Period[]> {
    const periods = new Map<string, Period[]>();
    const events = items('consents')
      .filter((c) => c.purpose === purpose)
      .sort((a, b) => Date.parse(text(a, 'at')) - Date.parse(text(b, 'at')));
    const open = new Map<string, number>();
    for (const consent of events) {
      const id = text(consent, 'playerId');
      const when = Date.parse(text(consent, 'at'));
      if (consent.action === 'granted' && !open.has(id)) open.set(id, when);
      if (consent.action === 'withdrawn' && open.has(id)) {
        periods.set(id, [...(periods.get(id) ?? []), [open.get(id) ?? 0, when]]);
        open.delete(id);
      }
    }
    for (const [id, from] of open) periods.set(id, [...(periods.get(id) ?? []), [from, Infinity]]);
    return periods;
  }

  function inPeriods(periods: Period[] | undefined, when: string): boolean {
    const ms = Date.parse(when);
    return (periods ?? []).some(([from, to]) => from <= ms && ms < to);
  }

  function sourceOf(table: string) {
    const source = dataMap.sources.find((s) => s.table === table);
    if (!source) throw new Error(`no source reads ${table}`);
    return source;
  }

  it('are the last three demo tables, each read by a source of the data map', () => {
    expect(DEMO_TABLES.slice(-3)).toEqual([...TRACKING_TABLES]);
    for (const table of TRACKING_TABLES)
      expect(sourceOf(table).key).toEqual({ partition: 'playerId', sort: SORT_KEYS[table] });
  });

  it('hold only fields of the data map, of its types, and enumerated values from its lists', () => {
    for (const table of TRACKING_TABLES) {
      const source = sourceOf(table);
      const records = items(table, AT_NOW);
      expect(records.length, table).toBeGreaterThan(0);
      const fields = source.fields as (FieldSpec & { values?: Record<string, string> })[];
      for (const record of records) {
        checkAgainstMap(record, fields, table);
        for (const value of Object.values(record)) expect(typeof value, table).toBe('string');
        for (const field of fields) {
          if (field.values === undefined || record[field.name] === undefined) continue;
          expect(Object.keys(field.values), `${table}.${field.name}`).toContain(record[field.name]);
        }
      }
      // Each (playerId, sort key) once: the table's primary key.
      const keys = records.map((r) => `${text(r, 'playerId')}|${text(r, SORT_KEYS[table])}`);
      expect(new Set(keys).size, table).toBe(keys.length);
    }
  });

  it('give the demo player records in all three tables', () => {
    for (const table of TRACKING_TABLES) {
      expect(
        items(table, AT_NOW).some((r) => r.playerId === DEMO_PLAYER_ID),
        table,
      ).toBe(true);
    }
  });

  it('send push notifications only to players who allowed them on a phone or tablet, mostly in the last 21 days', () => {
    const granted = consentPeriods('push');
    const pushes = items('push-notifications', AT_NOW);
    for (const push of pushes) {
      const id = text(push, 'playerId');
      expect(inPeriods(granted.get(id), text(push, 'sentAt')), `${id} push consent`).toBe(true);
      const device = text(push, 'device');
      expect(device).toMatch(/iPhone|iPad|Android/);
      expect(push.pushService).toBe(/Android/.test(device) ? 'fcm' : 'apns');
      const sent = Date.parse(text(push, 'sentAt'));
      expect(sent).toBeLessThan(NOW.getTime());
      if (push.openedAt !== undefined) {
        const opened = Date.parse(text(push, 'openedAt'));
        expect(opened).toBeGreaterThan(sent);
        expect(opened).toBeLessThan(NOW.getTime());
      }
      const age = NOW.getTime() - sent;
      if (id !== DEMO_PLAYER_ID) expect(age, id).toBeLessThan(21 * DAY);
    }
    // Every player with the consent and a phone or tablet has a few; nobody else has any.
    const senders = new Set(pushes.map((p) => p.playerId));
    expect([...senders].sort()).toEqual(['p-1001', 'p-1005', 'p-1006', 'p-1007', 'p-1008']);
    for (const id of senders) expect(granted.has(String(id))).toBe(true);
    // The demo player: some inside the 21-day retention, and 2 or 3 from 30 to 60 days ago.
    const mine = pushes.filter((p) => p.playerId === DEMO_PLAYER_ID);
    const ages = mine.map((p) => (NOW.getTime() - Date.parse(text(p, 'sentAt'))) / DAY);
    expect(ages.filter((a) => a < 21).length).toBeGreaterThanOrEqual(3);
    const old = ages.filter((a) => a >= 21);
    expect(old.length).toBeGreaterThanOrEqual(2);
    expect(old.length).toBeLessThanOrEqual(3);
    for (const age of old) expect(age).toBeGreaterThanOrEqual(30);
    for (const age of old) expect(age).toBeLessThanOrEqual(60);
    // In the player's own language: Norwegian for the demo player, Thai for p-1005.
    for (const push of mine) {
      expect([
        'Bygningen er ferdig',
        'Kamp funnet',
        'Klaninvitasjon',
        'Ny sesong!',
        'En venn er pålogget',
      ]).toContain(push.title);
    }
    for (const push of pushes.filter((p) => p.playerId === 'p-1005')) {
      expect(text(push, 'title')).toMatch(/\p{Script=Thai}/u);
      expect(text(push, 'body')).toMatch(/\p{Script=Thai}/u);
    }
  });

  it('track the newsletter only while the player was subscribed, from documentation addresses', () => {
    const subscribed = consentPeriods('newsletter-email');
    const events = items('newsletter-events', AT_NOW);
    const kinds = new Set<string>();
    for (const event of events) {
      const id = text(event, 'playerId');
      expect(inPeriods(subscribed.get(id), text(event, 'at')), `${id} ${event.at}`).toBe(true);
      expect(event.provider).toBe('Mailgun');
      expect(text(event, 'campaign')).not.toBe('');
      kinds.add(text(event, 'event'));
      if (event.event === 'opened' || event.event === 'clicked') {
        expect(text(event, 'ipAddress')).toMatch(DOC_IP);
        expect(text(event, 'userAgent')).toMatch(/^Mozilla\/5\.0 /);
      } else {
        expect(event.ipAddress).toBeUndefined();
        expect(event.userAgent).toBeUndefined();
      }
      if (event.event === 'clicked') expect(text(event, 'link')).toMatch(/^https:\/\/[a-z.-]+\.example\//);
      else expect(event.link).toBeUndefined();
    }
    expect([...kinds].sort()).toEqual(['bounced', 'clicked', 'delivered', 'opened']);
    // Opened and clicked only after the same campaign reached the player.
    for (const id of new Set(events.map((e) => text(e, 'playerId')))) {
      const own = events.filter((e) => e.playerId === id);
      for (const later of own.filter((e) => e.event === 'opened' || e.event === 'clicked')) {
        const delivered = own.find((e) => e.campaign === later.campaign && e.event === 'delivered');
        expect(delivered, `${id} ${later.campaign}`).toBeDefined();
        expect(Date.parse(text(later, 'at'))).toBeGreaterThan(Date.parse(text(delivered ?? {}, 'at')));
      }
    }
    const mine = events.filter((e) => e.playerId === DEMO_PLAYER_ID);
    expect(mine.some((e) => e.event === 'clicked')).toBe(true);
  });

  it('record attribution only while third-party tracking was allowed: an ad click, one install, then the app in use', () => {
    const allowed = consentPeriods('third-party-tracking');
    const events = items('attribution', AT_NOW);
    const purchases = items('purchases');
    const partners: Record<string, string> = {
      'ad-click': 'singular',
      install: 'adjust',
      'first-open': 'firebase',
      'session-start': 'firebase',
      purchase: 'adjust',
      'fraud-score': '24metrics',
    };
    for (const id of new Set(events.map((e) => text(e, 'playerId')))) {
      const own = events.filter((e) => e.playerId === id);
      const count = (kind: string) => own.filter((e) => e.event === kind).length;
      expect([count('ad-click'), count('install'), count('first-open'), count('fraud-score')], id).toEqual([
        1, 1, 1, 1,
      ]);
      const time = (kind: string) => Date.parse(text(own.find((e) => e.event === kind) ?? {}, 'at'));
      expect(time('ad-click')).toBeLessThan(time('install'));
      expect(time('install')).toBeLessThan(time('first-open'));
      expect(time('install')).toBeLessThan(time('fraud-score'));
      const platforms = new Set(own.map((e) => e.platform));
      expect(platforms.size).toBe(1);
      const platform = String([...platforms][0]);
      expect(['iOS', 'Android', 'Windows']).toContain(platform);
      const adIds = new Set(own.map((e) => e.advertisingId));
      expect(adIds.size, id).toBe(1);
      const country = items('players').find((p) => p.playerId === id)?.country;
      for (const event of own) {
        expect(inPeriods(allowed.get(id), text(event, 'at')), `${id} ${event.at}`).toBe(true);
        expect(event.partner).toBe(partners[text(event, 'event')]);
        expect(event.country).toBe(country);
        if (event.advertisingId !== undefined) {
          expect(text(event, 'advertisingId')).toMatch(
            platform === 'iOS'
              ? /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/
              : /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
          );
        }
        if (event.event === 'ad-click') expect(event.appInstanceId).toBeUndefined();
        else expect(text(event, 'appInstanceId')).toMatch(/^[0-9a-f]{32}$/);
        if (event.event === 'fraud-score')
          expect(['clean', 'suspicious', 'blocked']).toContain(event.fraudVerdict);
        else expect(event.fraudVerdict).toBeUndefined();
        if (['ad-click', 'install', 'purchase', 'fraud-score'].includes(text(event, 'event'))) {
          expect(text(event, 'network')).not.toBe('');
          expect(text(event, 'campaign')).toMatch(new RegExp(`^${country}_${platform}_`));
        }
        if (event.event === 'purchase') {
          expect(
            purchases.some((p) => p.playerId === id && p.purchasedAt === event.at),
            `${id} purchase at ${event.at}`,
          ).toBe(true);
        }
      }
    }
    // Never for a player without a phone, tablet or Windows PC to install the app on (p-1003).
    expect(events.some((e) => e.playerId === 'p-1003')).toBe(false);
    expect(new Set(events.map((e) => e.partner))).toEqual(
      new Set(['singular', 'adjust', 'firebase', '24metrics']),
    );
    const mine = events.filter((e) => e.playerId === DEMO_PLAYER_ID);
    expect(mine.some((e) => e.event === 'purchase')).toBe(true);
    expect(mine.some((e) => e.event === 'session-start')).toBe(true);
    expect(text(mine[0] ?? {}, 'advertisingId')).toMatch(/^[0-9A-F-]{36}$/);
  });

  it('keep the rules for any seed: consents, keys and allowed values', () => {
    for (const seed of [1, 7, 99]) {
      const options = { ...AT_NOW, seed };
      const consents = [...demoTableItems('consents', options)];
      const granted = (id: string, purpose: string, when: string) => {
        const own = consents
          .filter(
            (c) =>
              c.playerId === id && c.purpose === purpose && Date.parse(text(c, 'at')) <= Date.parse(when),
          )
          .sort((a, b) => Date.parse(text(a, 'at')) - Date.parse(text(b, 'at')));
        return own.at(-1)?.action === 'granted';
      };
      const purposes = {
        'push-notifications': 'push',
        'newsletter-events': 'newsletter-email',
        attribution: 'third-party-tracking',
      };
      for (const table of TRACKING_TABLES) {
        const timeField = table === 'push-notifications' ? 'sentAt' : 'at';
        const records = [...demoTableItems(table, options)];
        expect(
          records.some((r) => r.playerId === DEMO_PLAYER_ID),
          `${table} seed ${seed}`,
        ).toBe(true);
        for (const record of records) {
          const id = text(record, 'playerId');
          expect(granted(id, purposes[table], text(record, timeField)), `${table} ${id} seed ${seed}`).toBe(
            true,
          );
        }
      }
    }
  });
});
