import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readLocalEvents } from '../../functions/adapters/local/file-event-publisher';
import { latestLinkInOutbox } from '../../functions/adapters/local/read-outbox';
import { revokeLinks } from '../../functions/core/requests/revoke-links';
import { DEMO_PLAYER_ID, demoTableItems } from '../../local/demo-data/generate';
import { loadItems } from '../../local/load-data';
import { loadDemoData } from '../../local/load-demo';
import { type LocalStack, startLocalStack } from '../../local/local-stack';
import { exportRequestedEvent, type LocalPipeline, startLocalPipeline } from '../../local/pipeline';
import { downloadAsPlayer } from '../../local/player-download';
import { requestExport } from '../../local/request-export';
import { objectKeys } from '../support/stack';

let stack: LocalStack;
let dir: string;
const pipelines: LocalPipeline[] = [];
const logs: Record<string, unknown>[] = [];

beforeAll(async () => {
  stack = await startLocalStack();
  await loadDemoData(stack.clients.dynamodb);
  dir = await mkdtemp(join(tmpdir(), 'pde-pipeline-'));
});
afterEach(async () => {
  await Promise.all(pipelines.splice(0).map((p) => p.stop()));
});
afterAll(async () => {
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function pipeline(options: Partial<Parameters<typeof startLocalPipeline>[1]> = {}) {
  const started = await startLocalPipeline(stack, {
    workDir: await mkdtemp(join(dir, 'run-')),
    sweepEveryMs: 0,
    retryWaitScale: 0.001,
    log: (line) => logs.push(line),
    ...options,
  });
  pipelines.push(started);
  return started;
}

async function emlCount(p: LocalPipeline): Promise<number> {
  try {
    return (await readdir(p.outboxDir)).filter((n) => n.endsWith('.eml')).length;
  } catch {
    return 0;
  }
}

describe('a request from event to download', () => {
  it('moves RECEIVED → COLLECTING → PACKAGING → READY, publishing each change, and mails a working link', async () => {
    const p = await pipeline();
    const { requestId, record, link, mailed } = await requestExport(p, {
      playerId: DEMO_PLAYER_ID,
      locale: 'nb',
    });
    expect(record.state).toBe('READY');
    expect(Object.keys(record.stateTimes)).toEqual(['RECEIVED', 'COLLECTING', 'PACKAGING', 'READY']);
    const times = Object.values(record.stateTimes).map((t) => Date.parse(t as string));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    // Art. 12(3): one month after receipt.
    const due = new Date(record.receivedAt);
    due.setUTCMonth(due.getUTCMonth() + 1);
    expect(record.dueAt.slice(0, 10)).toBe(due.toISOString().slice(0, 10));

    const events = (await readLocalEvents(p.eventsFile)).filter((e) => e.detail.requestId === requestId);
    expect(
      events.filter((e) => e['detail-type'] === 'ExportStatusChanged').map((e) => e.detail.state),
    ).toEqual(['RECEIVED', 'COLLECTING', 'PACKAGING', 'READY']);
    const ready = events.find((e) => e['detail-type'] === 'ExportReady');
    expect(ready?.detail.link).toBe(link);
    expect(mailed).toBe(true);
    expect(await latestLinkInOutbox(p.outboxDir)).toBe(link);

    const out = join(dir, 'download.zip');
    const { fileName } = await downloadAsPlayer(link, out);
    expect(fileName).toMatch(/^ingrid_nordlys-data-export-\d{4}-\d{2}-\d{2}\.zip$/);
    const audit = await p.deps.requests.audit(requestId);
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(['requested', 'state', 'link-sent', 'download']),
    );
  });

  it('ten concurrent deliveries of one event give one workflow, one archive and one e-mail', async () => {
    const p = await pipeline();
    const event = exportRequestedEvent({ requestId: 'req-dup-10', playerId: 'p-1002', locale: 'de' });
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => p.putEvent(event)));
    expect(outcomes.filter((o) => o.outcome === 'started')).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === 'duplicate')).toHaveLength(9);
    await p.settled('req-dup-10');
    expect(await objectKeys(stack, 'archives/req-dup-10/')).toHaveLength(1);
    expect(await emlCount(p)).toBe(1);
  });

  it('a request while one is under way attaches to it; a repeat within the cooldown re-sends a link', async () => {
    const p = await pipeline();
    const first = await p.putEvent(
      exportRequestedEvent({ requestId: 'req-a1', playerId: 'p-1003', locale: 'fr' }),
    );
    const second = await p.putEvent(
      exportRequestedEvent({ requestId: 'req-a2', playerId: 'p-1003', locale: 'fr' }),
    );
    expect(first.outcome).toBe('started');
    expect(second).toMatchObject({ outcome: 'attached', answeredBy: 'req-a1' });
    await p.settled('req-a1');
    expect(await emlCount(p)).toBe(1);

    const third = await p.putEvent(
      exportRequestedEvent({ requestId: 'req-a3', playerId: 'p-1003', locale: 'fr' }),
    );
    expect(third).toMatchObject({ outcome: 'resend', answeredBy: 'req-a1' });
    expect(await emlCount(p)).toBe(2);
    expect(await objectKeys(stack, 'archives/req-a3/')).toEqual([]);
    // The re-sent link opens the existing archive.
    const { fileName } = await downloadAsPlayer(
      await latestLinkInOutbox(p.outboxDir),
      join(dir, 'resent.zip'),
    );
    expect(fileName).toMatch(/\.zip$/);
  });

  it('builds again once the cooldown has passed', async () => {
    const p = await pipeline({ resendCooldownMs: 0 });
    await requestExport(p, { playerId: 'p-1004', requestId: 'req-c1' });
    const again = await p.putEvent(
      exportRequestedEvent({ requestId: 'req-c2', playerId: 'p-1004', locale: 'da' }),
    );
    expect(again.outcome).toBe('started');
    await p.settled('req-c2');
    expect((await p.deps.requests.get('req-c2'))?.state).toBe('READY');
  });

  it("sends the mail to the portal's address when the event gives one, and keeps it out of events", async () => {
    const p = await pipeline();
    await requestExport(p, { playerId: 'p-1006', email: 'contact-7@portal.example' });
    const [eml] = (await readdir(p.outboxDir)).filter((n) => n.endsWith('.eml'));
    const text = await readFile(join(p.outboxDir, eml as string), 'utf8');
    expect(text).toMatch(/^To: contact-7@portal\.example\r?$/m);
    expect(await readFile(p.eventsFile, 'utf8')).not.toContain('contact-7@portal.example');
  });

  it('a player without an e-mail address gets no mail; ExportReady carries the link', async () => {
    await loadItems(stack.clients.dynamodb, 'players', [{ playerId: 'p-guest', username: 'guest_4711' }]);
    const p = await pipeline();
    const { requestId, mailed, link } = await requestExport(p, { playerId: 'p-guest' });
    expect(mailed).toBe(false);
    expect(await emlCount(p)).toBe(0);
    expect(link).toMatch(/\/d\/[A-Za-z0-9_-]{43}$/);
    const ready = (await readLocalEvents(p.eventsFile)).find(
      (e) => e['detail-type'] === 'ExportReady' && e.detail.requestId === requestId,
    );
    expect(ready?.detail).toMatchObject({ link, mailed: false });
  });
});

describe('failures end as FAILED with a clear reason', () => {
  it('an unknown player', async () => {
    const p = await pipeline();
    await p.putEvent(exportRequestedEvent({ requestId: 'req-nobody', playerId: 'p-nobody', locale: 'en' }));
    await p.settled('req-nobody');
    const record = await p.deps.requests.get('req-nobody');
    expect(record?.state).toBe('FAILED');
    expect(record?.failureReason).toMatch(/^PlayerNotFoundError: .*p-nobody/);
    expect(record?.stateTimes.FAILED).toBeDefined();
    const states = (await readLocalEvents(p.eventsFile))
      .filter((e) => e.detail.requestId === 'req-nobody')
      .map((e) => e.detail.state);
    expect(states.at(-1)).toBe('FAILED');
    expect(await emlCount(p)).toBe(0);
  });

  it('a store that fails names the source, and leaves no archive', async () => {
    const own = await startLocalStack();
    try {
      await loadItems(own.clients.dynamodb, 'players', [
        { playerId: 'p-y', username: 'y', email: 'y@example.org' },
      ]);
      await own.clients.dynamodb.send(new DeleteTableCommand({ TableName: 'purchases' }));
      const p = await startLocalPipeline(own, {
        workDir: await mkdtemp(join(dir, 'broken-')),
        sweepEveryMs: 0,
        retryWaitScale: 0.001,
        log: () => undefined,
      });
      pipelines.push(p);
      await p.putEvent(exportRequestedEvent({ requestId: 'req-broken', playerId: 'p-y', locale: 'en' }));
      await p.settled('req-broken');
      const record = await p.deps.requests.get('req-broken');
      expect(record?.state).toBe('FAILED');
      expect(record?.failureReason).toMatch(
        /source "purchases" \(table purchases\).*ResourceNotFoundException/,
      );
      expect(await objectKeys(own, 'archives/')).toEqual([]);
      expect(await objectKeys(own, 'staging/req-broken/')).toEqual([]);
    } finally {
      await Promise.all(pipelines.splice(0).map((p) => p.stop()));
      await own.stop();
    }
  });

  it('a malformed event is rejected naming the field, and kept in the dead-letter folder', async () => {
    const p = await pipeline();
    const bad = exportRequestedEvent({ requestId: 'req-bad', playerId: 'p-1001', locale: 'en' });
    const event = { ...bad, detail: { ...bad.detail, requestedAt: 'yesterday' } };
    await expect(p.putEvent(event)).rejects.toThrow(/detail\.requestedAt/);
    const kept = await readdir(p.deadLetterDir);
    expect(kept).toHaveLength(1);
    expect(await p.deps.requests.get('req-bad')).toBeUndefined();
  });
});

describe('expiry', () => {
  it('the sweep marks an expired request EXPIRED and deletes its archive', async () => {
    let now = new Date();
    const p = await pipeline({ clock: { now: () => now } });
    const { requestId, record, link } = await requestExport(p, { playerId: 'p-1005', locale: 'th' });
    expect(await objectKeys(stack, `archives/${requestId}/`)).toHaveLength(1);
    now = new Date(Date.parse(record.expiresAt as string) + 1000);
    const swept = await p.sweep();
    expect(swept.requests).toContain(requestId);
    expect((await p.deps.requests.get(requestId))?.state).toBe('EXPIRED');
    expect(await objectKeys(stack, `archives/${requestId}/`)).toEqual([]);
    const page = await fetch(link);
    expect(page.status).toBe(410);
  });
});

describe('privacy of logs', () => {
  it('no log line holds a player e-mail, name, post text or token', () => {
    const text = JSON.stringify(logs);
    expect(logs.length).toBeGreaterThan(0);
    const players = [...demoTableItems('players')];
    const posts = [...demoTableItems('forum-posts')];
    for (const player of players) {
      expect(text).not.toContain(player.email as string);
      expect(text).not.toContain(player.fullName as string);
    }
    for (const post of posts.slice(0, 20)) expect(text).not.toContain(post.body as string);
    expect(text).not.toMatch(/\/d\/[A-Za-z0-9_-]{43}/);
  });
});

describe('revocation', () => {
  it('withdraws every live link of a request, with an audit entry each, and the link answers 410', async () => {
    const p = await pipeline({ resendCooldownMs: 60 * 60 * 1000 });
    const first = await requestExport(p, { playerId: 'p-1002', requestId: 'req-r1' });
    // A repeat within the cooldown adds a second link to the same archive.
    await p.putEvent(exportRequestedEvent({ requestId: 'req-r2', playerId: 'p-1002', locale: 'de' }));
    const second = await latestLinkInOutbox(p.outboxDir);
    expect(second).not.toBe(first.link);

    const { revoked } = await revokeLinks(p.deps, 'req-r1', 'player reported an unrequested export');
    expect(revoked).toBe(2);
    for (const link of [first.link, second]) {
      const page = await fetch(link);
      expect(page.status).toBe(410);
      expect(await page.text()).toContain('data-reason="revoked"');
    }
    const audit = await p.deps.requests.audit('req-r1');
    expect(audit.filter((a) => a.action === 'revoked')).toHaveLength(2);
    expect((await p.deps.requests.get('req-r1'))?.state).toBe('READY');
  });
});
