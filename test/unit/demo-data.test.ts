import { mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import dataMap from '../../config/data-map.json';
import { toJsonText } from '../../functions/core/collect/json-text';
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
} from '../../local/demo-data/generate';
import { writeDemoJsonl } from '../../local/demo-data/write-jsonl';

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
    for (const source of dataMap.sources) {
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

  it('writes multilingual text: Nordic, German, French letters, Thai script and emoji', () => {
    const all = DEMO_TABLES.map((table) =>
      items(table, { statsForHeavyPlayer: 50 }).map(toJsonText).join('\n'),
    ).join('\n');
    for (const letters of ['æ', 'ø', 'å', 'ä', 'ö', 'ü', 'ß', 'é', 'è', 'ç']) expect(all).toContain(letters);
    expect(all).toMatch(/\p{Script=Thai}/u);
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

  it('writes one JSON line per item and returns the counts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'demo-data-'));
    try {
      const counts = await writeDemoJsonl(dir, { statsForHeavyPlayer: 3000 });
      for (const table of DEMO_TABLES) {
        const lines = (await readFile(join(dir, `${table}.jsonl`), 'utf8')).split('\n');
        expect(lines.pop()).toBe('');
        expect(lines).toHaveLength(counts[table] ?? -1);
        expect(lines).toEqual(items(table, { statsForHeavyPlayer: 3000 }).map(toJsonText));
      }
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
