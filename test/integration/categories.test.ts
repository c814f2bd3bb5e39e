import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../functions/core/archive/manifest';
import { defaultDataMap } from '../../functions/core/data-map/default-data-map';
import type { ExportRequestRecord } from '../../functions/core/requests/request-record';
import type { StoreRecord } from '../../functions/core/values';
import { DEMO_AGENT_IDS } from '../../functions/seed-demo/demo-data/context';
import {
  DEMO_PLAYER_ID,
  DEMO_PLAYER_IDS,
  demoTableItems,
} from '../../functions/seed-demo/demo-data/generate';
import { exportAndOpen } from '../support/export-archive';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

const NEW_CATEGORIES = [
  'consents-and-preferences',
  'support',
  'private-messages',
  'sanctions-and-anti-cheat',
  'sessions-and-devices',
  'linked-accounts',
  'contests-and-surveys',
  'chat-logs',
  'push-notifications',
  'newsletter-tracking',
  'analytics-and-attribution',
  'data-requests',
];

let runtime: TestRuntime;
let files: Map<string, Buffer>;
let manifest: Manifest;
let everything: string;
let request: ExportRequestRecord | undefined;

function records(path: string): StoreRecord[] {
  const bytes = files.get(path);
  if (!bytes) throw new Error(`${path} is not in the archive`);
  return JSON.parse(bytes.toString('utf8')).records;
}

function mine(table: Parameters<typeof demoTableItems>[0], owner = 'playerId'): StoreRecord[] {
  return [...demoTableItems(table)].filter((item) => item[owner] === DEMO_PLAYER_ID);
}

beforeAll(async () => {
  runtime = await startTestRuntime();
  // The whole deployed path: event, workflow, e-mailed link, download through the gateway.
  const opened = await exportAndOpen(runtime, DEMO_PLAYER_ID);
  ({ files, manifest } = opened);
  request = await runtime.records.requests.get(opened.answering.requestId);
  // Every byte of every file, the manifest and the viewer included.
  everything = Buffer.concat([...files.values()]).toString('utf8');
});
afterAll(async () => {
  await runtime?.stop();
});

describe('categories of the demo player export', () => {
  it('lists every category of the data map with its title, status, portability and Art. 15 facts', () => {
    expect(manifest.categories.map((c) => c.id)).toEqual(defaultDataMap.categories.map((c) => c.id));
    expect(manifest.categories.map((c) => c.id)).toEqual(expect.arrayContaining(NEW_CATEGORIES));
    for (const category of manifest.categories) {
      expect(category.title.length, category.id).toBeGreaterThan(5);
      expect(['exported', 'none held', 'not stored']).toContain(category.status);
      expect(typeof category.portability, category.id).toBe('boolean');
      expect(category.facts.purposes.length, category.id).toBeGreaterThan(0);
      expect(category.facts.legalBasis.article, category.id).toMatch(/^6\(1\)\([a-f]\)$/);
      expect(category.facts.recipients.length, category.id).toBeGreaterThan(0);
      expect(category.facts.retention.rule, category.id).toBeTruthy();
      expect(category.facts.source.kind, category.id).toBeTruthy();
      expect(category.facts).toHaveProperty('automatedDecision');
      expect(Array.isArray(category.facts.thirdCountryTransfers), category.id).toBe(true);
    }
    expect(manifest.controller.name).toBe('Nordlys Games AS');
    expect(manifest.rights.supervisoryAuthority.name).toMatch(/Datatilsynet/);
  });

  it('exports the records of each new category and reads both private-message indexes', () => {
    const status = Object.fromEntries(manifest.categories.map((c) => [c.id, c.status]));
    for (const id of NEW_CATEGORIES) expect(status[id], id).toBe('exported');
    const counted = Object.fromEntries(manifest.sources.map((s) => [s.id, s.records]));
    const messages = [...demoTableItems('private-messages')];
    expect(counted['private-messages-sent']).toBe(
      messages.filter((m) => m.senderId === DEMO_PLAYER_ID).length,
    );
    expect(counted['private-messages-received']).toBe(
      messages.filter((m) => m.recipientId === DEMO_PLAYER_ID).length,
    );
    expect(counted['private-messages-sent']).toBeGreaterThan(0);
    expect(counted['private-messages-received']).toBeGreaterThan(0);
    expect(counted.consents).toBe(mine('consents').length);
    expect(counted['support-tickets']).toBe(mine('support-tickets').length);
    expect(counted['linked-accounts']).toBe(mine('linked-accounts').length);
    expect(counted['contest-entries']).toBe(mine('contest-entries').length);
    expect(counted.sanctions).toBe(mine('sanctions').length);
  });

  // Art. 15 is about what is held: a record past its stated retention is exported, and its
  // store's late deletion is reported to operators (manifest, the request's ops report, a metric).
  for (const [table, sourceId, category, field, days, idField] of [
    ['sessions', 'sessions', 'sessions-and-devices', 'loggedInAt', 30, 'sessionId'],
    ['chat-logs', 'chat-logs', 'chat-logs', 'sentAt', 7, 'messageId'],
    ['push-notifications', 'push-notifications', 'push-notifications', 'sentAt', 21, 'notificationId'],
  ] as const) {
    it(`exports every ${table} record, those past the ${days}-day retention too, and reports them`, () => {
      const held = mine(table);
      const cutoff = Date.parse(manifest.generatedAt) - days * 86_400_000;
      const old = held.filter((r) => Date.parse(String(r[field])) < cutoff);
      expect(old.length, 'the demo holds records past the retention').toBeGreaterThan(0);
      const exported = records(`${category}/${sourceId}.json`);
      expect(exported.map((r) => r[idField]).sort()).toEqual(held.map((r) => r[idField]).sort());
      const oldest = old.map((r) => String(r[field])).sort()[0];
      expect(manifest.notesForOperators.retentionFindings).toContainEqual({
        source: sourceId,
        category,
        table, // as the data map names it; the log line names the deployed table
        field,
        days,
        records: old.length,
        oldest: new Date(Date.parse(oldest ?? '')).toISOString(),
      });
      expect(request?.retentionFindings).toContainEqual(
        expect.objectContaining({ source: sourceId, records: old.length }),
      );
      expect(manifest.categories.find((c) => c.id === category)).toMatchObject({
        status: 'exported',
        records: held.length,
      });
    });
  }

  it("keeps others' words out of the portability set: messages received and support tickets with agents' replies", () => {
    const set = Object.fromEntries(manifest.files.map((f) => [f.path, f.set]));
    expect(set['private-messages/private-messages-sent.json']).toBe('portability');
    expect(set['private-messages/private-messages-received.json']).toBe('access');
    expect(set['support/support-tickets.json']).toBe('access');
    expect(set['account/players.json']).toBe('portability');
  });

  it("counts the archive's download on the request: the history the player's next archive shows", () => {
    expect(request).toMatchObject({ downloads: 1, lastDownloadAt: expect.any(String) });
  });

  it("holds the player's own history of data requests: this one, and an earlier one with its downloads", async () => {
    const first = records('data-requests/data-requests.json');
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({
      requestId: request?.requestId,
      state: 'COLLECTING',
      dueAt: request?.dueAt,
    });
    // Our own bookkeeping stays out, saying why; nothing of another player's requests is read.
    for (const internal of ['pk', 'sk', 'gsi1pk', 'gsi2pk', 'attempt', 'archiveKey']) {
      expect(first[0], internal).not.toHaveProperty(internal);
    }
    expect(
      manifest.sources.find((s) => s.id === 'data-requests')?.withheldFields.map((f) => f.field),
    ).toContain('archiveKey');
    // Once the first archive has expired, a new request makes a new archive, which lists both.
    const earlier = request?.requestId ?? '';
    await runtime.records.requests.transition(earlier, 'READY', 'EXPIRED', runtime.now().toISOString());
    const again = await exportAndOpen(runtime, DEMO_PLAYER_ID);
    expect(again.answering.requestId).not.toBe(earlier);
    const history = JSON.parse(again.files.get('data-requests/data-requests.json')?.toString('utf8') ?? '{}')
      .records as StoreRecord[];
    expect(history.map((r) => r.requestId).sort()).toEqual([earlier, again.answering.requestId].sort());
    expect(history.find((r) => r.requestId === earlier)).toMatchObject({
      state: 'EXPIRED',
      downloads: 1,
      stateTimes: { READY: expect.any(String), EXPIRED: expect.any(String) },
    });
    for (const other of DEMO_PLAYER_IDS.filter((id) => id !== DEMO_PLAYER_ID)) {
      expect(history.some((r) => r.playerId === other)).toBe(false);
    }
  });

  it('omits anti-cheat internals, saying why, and keeps the decision facts', () => {
    const held = mine('sanctions');
    const withInternals = held.filter((s) => s.detectionSignature !== undefined);
    expect(withInternals.length).toBeGreaterThan(0);
    for (const sanction of withInternals) {
      expect(everything).not.toContain(String(sanction.detectionSignature));
      expect(everything).not.toContain(String(sanction.rngSeed));
    }
    const exported = records('sanctions-and-anti-cheat/sanctions.json');
    for (const sanction of exported) {
      for (const field of ['detectionSignature', 'heuristicScore', 'rngSeed']) {
        expect(sanction, field).not.toHaveProperty(field);
      }
      expect(typeof sanction.decidedAutomatically).toBe('boolean');
      expect(sanction.classification).toBeTruthy();
      expect(sanction.detectedAt).toBeTruthy();
    }
    const withheld = manifest.sources.find((s) => s.id === 'sanctions')?.withheldFields ?? [];
    expect(withheld.map((w) => w.field).sort()).toEqual(['detectionSignature', 'heuristicScore', 'rngSeed']);
    for (const w of withheld) expect(w.reason.length, w.field).toBeGreaterThan(40);
    const facts = manifest.categories.find((c) => c.id === 'sanctions-and-anti-cheat')?.facts;
    expect(facts?.automatedDecision?.humanReview).toBeTruthy();
  });

  it('marks files as portability or access from the category facts', () => {
    const sets = Object.fromEntries(manifest.files.map((f) => [f.path, f.set]));
    expect(sets['private-messages/private-messages-sent.json']).toBe('portability');
    expect(sets['purchases/purchases.csv']).toBe('portability');
    expect(sets['sessions-and-devices/sessions.json']).toBe('access');
    expect(sets['sanctions-and-anti-cheat/sanctions.json']).toBe('access');
    expect(sets['linked-accounts/linked-accounts.json']).toBe('access');
    for (const file of manifest.files) expect(['portability', 'access']).toContain(file.set);
  });

  it("never holds another player's id, username, e-mail or full name, nor an agent id, in any file", () => {
    const others = [...demoTableItems('players')].filter((p) => p.playerId !== DEMO_PLAYER_ID);
    expect(others).toHaveLength(DEMO_PLAYER_IDS.length - 1);
    for (const other of others) {
      for (const field of ['playerId', 'username', 'email', 'fullName']) {
        expect(everything, `${field} of ${other.playerId}`).not.toContain(String(other[field]));
      }
    }
    for (const agent of DEMO_AGENT_IDS) expect(everything, agent).not.toContain(agent);
    // The data did name them, so pseudonymisation (not absence) is what keeps them out.
    const tickets = records('support/support-tickets.json');
    expect(tickets.length).toBeGreaterThan(0);
    for (const ticket of tickets) expect(ticket.assignedAgentId).toMatch(/^agent-[a-z]{12}$/);
    expect(tickets.some((t) => String(t.reportedPlayerId).startsWith('player-'))).toBe(true);
    const sent = records('private-messages/private-messages-sent.json');
    const received = records('private-messages/private-messages-received.json');
    for (const m of sent) {
      expect(m.senderId).toBe(DEMO_PLAYER_ID);
      expect(m.recipientId).toMatch(/^player-/);
    }
    for (const m of received) {
      expect(m.recipientId).toBe(DEMO_PLAYER_ID);
      expect(m.senderId).toMatch(/^player-/);
    }
    // Stable within the archive: one pseudonym per conversation partner, both ways.
    const partner = new Map<string, string>();
    for (const m of [
      ...sent.map((s) => [s.conversationId, s.recipientId]),
      ...received.map((r) => [r.conversationId, r.senderId]),
    ]) {
      const [conversation, pseudonym] = m as [string, string];
      expect(partner.get(conversation) ?? pseudonym).toBe(pseudonym);
      partner.set(conversation, pseudonym);
    }
  });

  it('exports linked accounts that agree with the account, and the Apple relay address only for its owner', () => {
    const linked = records('linked-accounts/linked-accounts.json');
    const account = records('account/players.json')[0];
    const logins = (account?.socialLogins ?? []) as StoreRecord[];
    expect(linked.map((l) => l.externalId).sort()).toEqual(logins.map((l) => l.externalId).sort());
    for (const link of linked) expect(Array.isArray(link.scopes)).toBe(true);
    const relays = [...demoTableItems('linked-accounts')].filter((l) => l.relayEmail !== undefined);
    expect(relays.length).toBeGreaterThan(0);
    for (const relay of relays.filter((r) => r.playerId !== DEMO_PLAYER_ID)) {
      expect(everything).not.toContain(String(relay.relayEmail));
    }
  });
});
