import { describe, expect, it } from 'vitest';
import rawDataMap from '../../config/data-map.json' with { type: 'json' };
import {
  applyFieldRules,
  omittedFields,
  pseudonymisedFields,
} from '../../functions/core/collect/field-rules';
import { Pseudonymiser } from '../../functions/core/collect/pseudonymiser';
import { type FieldSpec, parseDataMap, sourceById } from '../../functions/core/data-map/data-map';
import { defaultDataMap } from '../../functions/core/data-map/default-data-map';
import { ExactNumber, type StoreRecord } from '../../functions/core/values';

const KEY = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
const OTHER_KEY = Buffer.from('fedcba9876543210fedcba9876543210', 'hex');
const ME = 'player-me-0001';

const fieldsOf = (id: string): FieldSpec[] => sourceById(defaultDataMap, id).fields;

describe('Pseudonymiser', () => {
  it('is stable for one key, differs across keys, never the real id', () => {
    const a = new Pseudonymiser(KEY, ME);
    const b = new Pseudonymiser(KEY, ME);
    const c = new Pseudonymiser(OTHER_KEY, ME);
    const p = a.pseudonym('opponent-42');
    expect(p).toMatch(/^player-[A-Za-z0-9_-]{12}$/);
    expect(a.pseudonym('opponent-42')).toBe(p);
    expect(b.pseudonym('opponent-42')).toBe(p);
    expect(c.pseudonym('opponent-42')).not.toBe(p);
    expect(p).not.toBe('opponent-42');
    expect(a.pseudonym('opponent-43')).not.toBe(p);
  });

  it("keeps the requester's own id", () => {
    expect(new Pseudonymiser(KEY, ME).pseudonym(ME)).toBe(ME);
  });

  it('gives support agents letter-only "agent-" pseudonyms, stable per key', () => {
    const a = new Pseudonymiser(KEY, ME);
    const agent = a.pseudonym('agent-17', 'agent');
    expect(agent).toMatch(/^agent-[a-z]{12}$/);
    expect(a.pseudonym('agent-17', 'agent')).toBe(agent);
    expect(new Pseudonymiser(OTHER_KEY, ME).pseudonym('agent-17', 'agent')).not.toBe(agent);
    expect(a.pseudonym('bob', 'player')).toBe(a.pseudonym('bob'));
  });

  it('rejects a key shorter than 16 bytes', () => {
    expect(() => new Pseudonymiser(Buffer.from('short'), ME)).toThrow(/key/);
    expect(() => new Pseudonymiser(Buffer.alloc(15, 7), ME)).toThrow();
    expect(() => new Pseudonymiser(Buffer.alloc(16, 7), ME)).not.toThrow();
  });
});

describe('applyFieldRules with the shipped data map', () => {
  it('never exports passwordHash, secretQuestion or secretAnswer', () => {
    // Prepare
    const record: StoreRecord = {
      playerId: ME,
      username: 'ingrid',
      passwordHash: '$argon2id$v=19$...',
      secretQuestion: 'First pet?',
      secretAnswer: 'Rex',
      mailingAddress: { line1: 'Storgata 1', city: 'Oslo' },
    };
    // Act
    const out = applyFieldRules(record, fieldsOf('players'), new Pseudonymiser(KEY, ME));
    // Assess
    expect(out).toEqual({
      playerId: ME,
      username: 'ingrid',
      mailingAddress: { line1: 'Storgata 1', city: 'Oslo' },
    });
    expect(JSON.stringify(out)).not.toMatch(/argon2|First pet|Rex/);
  });

  it('pseudonymises mentions and quotedAuthorId, keeping the requester', () => {
    const pseudonyms = new Pseudonymiser(KEY, ME);
    const out = applyFieldRules(
      {
        postId: 'post-1',
        authorId: ME,
        body: 'hi @bob',
        mentions: ['bob', ME, 'carol'],
        quotedAuthorId: 'bob',
      },
      fieldsOf('forum-posts'),
      pseudonyms,
    );
    const bob = pseudonyms.pseudonym('bob');
    expect(out).toEqual({
      postId: 'post-1',
      authorId: ME,
      body: 'hi @bob',
      mentions: [bob, ME, pseudonyms.pseudonym('carol')],
      quotedAuthorId: bob,
    });
    expect(bob).not.toBe('bob');
  });

  it('pseudonymises opponentIds the same way across sources of one archive, differently with another key', () => {
    const one = new Pseudonymiser(KEY, ME);
    const stats = applyFieldRules(
      { playerId: ME, opponentIds: ['bob', 'dave'] },
      fieldsOf('game-stats'),
      one,
    );
    const post = applyFieldRules({ quotedAuthorId: 'bob' }, fieldsOf('forum-posts'), one);
    expect((stats.opponentIds as string[])[0]).toBe(post.quotedAuthorId);
    expect(stats.opponentIds).not.toContain('bob');
    expect(stats.opponentIds).not.toContain('dave');

    const other = applyFieldRules(
      { opponentIds: ['bob'] },
      fieldsOf('game-stats'),
      new Pseudonymiser(OTHER_KEY, ME),
    );
    expect((other.opponentIds as string[])[0]).not.toBe(post.quotedAuthorId);
  });

  it('pseudonymises ids held as numbers too', () => {
    const out = applyFieldRules(
      { opponentIds: [ExactNumber.of('1234567')] },
      fieldsOf('game-stats'),
      new Pseudonymiser(KEY, ME),
    );
    expect(JSON.stringify(out)).not.toContain('1234567');
  });

  it('exports undeclared fields unchanged, exact numbers included', () => {
    const big = new ExactNumber('123456789012345678901234567890.5');
    const record: StoreRecord = { playerId: ME, newField: { deep: [big, 'x'] }, flag: true, nothing: null };
    const out = applyFieldRules(record, fieldsOf('players'), new Pseudonymiser(KEY, ME));
    expect(out).toEqual(record);
    expect((out.newField as { deep: ExactNumber[] }).deep[0]).toBe(big);
  });

  it('keeps an undeclared field named __proto__', () => {
    const record = JSON.parse('{"__proto__":{"x":"1"},"a":"b"}') as StoreRecord;
    const out = applyFieldRules(record, fieldsOf('players'), new Pseudonymiser(KEY, ME));
    expect(Object.keys(out)).toEqual(['__proto__', 'a']);
  });
});

describe('applyFieldRules with nested rules', () => {
  const spec: FieldSpec[] = [
    {
      name: 'profile',
      type: 'object',
      rule: 'export',
      fields: [
        { name: 'nick', type: 'string', rule: 'export' },
        { name: 'token', type: 'string', rule: 'omit', reason: 'session secret' },
        { name: 'invitedBy', type: 'string', rule: 'pseudonymise' },
        {
          name: 'guild',
          type: 'object',
          rule: 'export',
          fields: [{ name: 'leaderId', type: 'string', rule: 'pseudonymise' }],
        },
      ],
    },
    {
      name: 'matches',
      type: 'array',
      rule: 'export',
      items: {
        type: 'object',
        fields: [
          { name: 'opponent', type: 'string', rule: 'pseudonymise' },
          { name: 'seed', type: 'string', rule: 'omit', reason: 'anti-cheat seed' },
        ],
      },
    },
    {
      name: 'friend',
      type: 'object',
      rule: 'pseudonymise',
      fields: [{ name: 'id', type: 'string', rule: 'export' }],
    },
  ];

  it('applies omit and pseudonymise inside objects and arrays of objects', () => {
    const p = new Pseudonymiser(KEY, ME);
    const out = applyFieldRules(
      {
        profile: {
          nick: 'ingrid',
          token: 'tok',
          invitedBy: 'bob',
          guild: { leaderId: ME, name: 'G' },
          extra: 'kept',
        },
        matches: [{ opponent: 'bob', seed: 's1', score: 'x' }, 'not-an-object', { opponent: 'eve' }],
        friend: { id: 'carol', since: true },
      },
      spec,
      p,
    );
    expect(out).toEqual({
      profile: {
        nick: 'ingrid',
        invitedBy: p.pseudonym('bob'),
        guild: { leaderId: ME, name: 'G' },
        extra: 'kept',
      },
      matches: [
        { opponent: p.pseudonym('bob'), score: 'x' },
        'not-an-object',
        { opponent: p.pseudonym('eve') },
      ],
      friend: { id: p.pseudonym('carol'), since: true },
    });
  });

  it('leaves a value of the wrong shape as it is', () => {
    const out = applyFieldRules({ profile: 'text', matches: { a: 'b' } }, spec, new Pseudonymiser(KEY, ME));
    expect(out).toEqual({ profile: 'text', matches: { a: 'b' } });
  });

  // The data map refuses `fields` on an array: its elements are described in items.fields, and a
  // secret listed in the wrong place would be exported while the manifest says it was withheld.
  it('refuses a data map whose array declares `fields` instead of items.fields', () => {
    const map = structuredClone(rawDataMap) as { sources: { fields: unknown[] }[] };
    map.sources[0]?.fields.push({
      name: 'keys',
      type: 'array',
      items: { type: 'object' },
      fields: [{ name: 'secret', type: 'string', rule: 'omit', reason: 'secret' }],
    });
    expect(() => parseDataMap(map)).toThrow(/"keys" is a array: only objects take "fields"/);
  });

  it('lists omitted and pseudonymised fields by dotted path', () => {
    expect(omittedFields(spec)).toEqual([
      { field: 'profile.token', reason: 'session secret' },
      { field: 'matches.seed', reason: 'anti-cheat seed' },
    ]);
    expect(pseudonymisedFields(spec)).toEqual([
      'profile.invitedBy',
      'profile.guild.leaderId',
      'matches.opponent',
      'friend',
    ]);
  });
});

describe('omittedFields / pseudonymisedFields with the shipped data map', () => {
  it('lists the three account secrets with their reasons', () => {
    const omitted = omittedFields(fieldsOf('players'));
    expect(omitted.map((o) => o.field)).toEqual(
      expect.arrayContaining(['passwordHash', 'secretQuestion', 'secretAnswer']),
    );
    for (const o of omitted) expect(o.reason.length).toBeGreaterThan(10);
  });

  it('lists the pseudonymised fields of each source', () => {
    expect(pseudonymisedFields(fieldsOf('forum-posts'))).toEqual(
      expect.arrayContaining(['mentions', 'quotedAuthorId']),
    );
    expect(pseudonymisedFields(fieldsOf('game-stats'))).toEqual(expect.arrayContaining(['opponentIds']));
  });
});
