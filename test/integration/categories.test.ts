import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../functions/core/archive/manifest';
import { defaultDataMap } from '../../functions/core/data-map/default-data-map';
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
];

let runtime: TestRuntime;
let files: Map<string, Buffer>;
let manifest: Manifest;
let everything: string;

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
  ({ files, manifest } = await exportAndOpen(runtime, DEMO_PLAYER_ID));
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
      expect(['exported', 'none held', 'not retained']).toContain(category.status);
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
    for (const id of NEW_CATEGORIES.filter((c) => c !== 'chat-logs')) expect(status[id], id).toBe('exported');
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

  it('leaves out sessions older than the 30-day window and counts them', () => {
    const held = mine('sessions');
    const cutoff = Date.parse(manifest.generatedAt) - 30 * 86_400_000;
    const inside = held.filter((s) => Date.parse(String(s.loggedInAt)) >= cutoff);
    const outside = held.filter((s) => Date.parse(String(s.loggedInAt)) < cutoff);
    expect(inside.length).toBeGreaterThan(0);
    expect(outside.length).toBeGreaterThan(0);
    const exported = records('sessions-and-devices/sessions.json');
    expect(exported.map((s) => s.sessionId).sort()).toEqual(inside.map((s) => s.sessionId).sort());
    for (const old of outside) expect(everything).not.toContain(String(old.sessionId));
    expect(manifest.sources.find((s) => s.id === 'sessions')).toMatchObject({
      records: inside.length,
      droppedByRetention: outside.length,
      retention: { field: 'loggedInAt', days: 30 },
    });
  });

  it('says chat logs are "not retained", with the 7-day rule, and exports none of them', () => {
    const held = mine('chat-logs');
    expect(held.length).toBeGreaterThan(0);
    const chat = manifest.categories.find((c) => c.id === 'chat-logs');
    expect(chat).toMatchObject({ status: 'not retained', records: 0, droppedByRetention: held.length });
    expect(chat?.retentionNote).toMatch(/7 days/);
    expect(records('chat-logs/chat-logs.json')).toEqual([]);
    for (const line of held) expect(everything).not.toContain(String(line.messageId));
    expect(manifest.categories.find((c) => c.id === 'push-notifications')?.status).toBe('not retained');
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
    expect(sets['support/support-tickets.csv']).toBe('portability');
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
