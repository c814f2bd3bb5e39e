import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadItems } from '../../functions/adapters/dynamodb/batch-writer';
import { SETTLED_BEFORE_CLEAN_UP_MS } from '../../functions/core/requests/leftovers';
import { ExactNumber } from '../../functions/core/values';
import { outboxMails, putExportRequested } from '../../local/portal';
import type { FaultHandle, FaultRule } from '../../local/runtime/aws-endpoint';
import { parseEml } from '../../local/runtime/read-outbox';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

/**
 * A lifecycle that cannot get stuck or lie: each way the deployed pipeline can fail after an
 * earlier step succeeded is injected into the local runtime (AWS errors at the local endpoint, an
 * execution stopped mid-way, the functions' clock moved on), and the request must end READY with
 * one link mailed once, or FAILED with the reason, with nothing left behind.
 */

let runtime: TestRuntime;
const faults: FaultHandle[] = [];
const fault = (rule: FaultRule) => {
  const handle = runtime.injectFault(rule);
  faults.push(handle);
  return handle;
};
const HOUR = 3_600_000;

beforeAll(async () => {
  runtime = await startTestRuntime({ demoData: false });
});
function clearFaults() {
  for (const handle of faults.splice(0)) handle.remove();
}
afterEach(clearFaults);
afterAll(async () => {
  await runtime?.stop();
});

/** A player of our own per test: one active export per player, so tests must not share one. */
async function newPlayer(options: { email?: string | null; stats?: number } = {}) {
  const id = `p-${randomUUID().slice(0, 8)}`;
  const email = options.email === undefined ? `${id}@example.org` : options.email;
  await loadItems(runtime.admin.dynamodb, runtime.gameTable('players'), [
    {
      playerId: id,
      username: `user_${id.slice(2)}`,
      ...(email ? { email } : {}),
      createdAt: '2024-01-01T00:00:00Z',
    },
  ]);
  if (options.stats) {
    await loadItems(
      runtime.admin.dynamodb,
      runtime.gameTable('game-stats'),
      Array.from({ length: options.stats }, (_, i) => ({
        playerId: id,
        statId: `s-${String(i).padStart(6, '0')}`,
        points: new ExactNumber(String(i)),
      })),
    );
  }
  return { id, email };
}

async function request(playerId: string, extra: { email?: string; requestId?: string } = {}) {
  const requestId = await putExportRequested(runtime, { playerId, ...extra });
  await runtime.settle();
  return requestId;
}

async function record(requestId: string) {
  const found = await runtime.records.requests.get(requestId);
  if (!found) throw new Error(`no record for ${requestId}`);
  return found;
}

function executionsOf(requestId: string) {
  return runtime.stepFunctions
    .list()
    .filter((e) => e.name === requestId || e.name.startsWith(`${requestId}.`));
}

async function mailsTo(address: string) {
  return (await outboxMails(runtime.outboxDir)).map(parseEml).filter((m) => m.headers.get('to') === address);
}

async function actions(requestId: string) {
  return (await runtime.records.requests.audit(requestId)).map((a) => a.action);
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('queued, admitted, but not started', () => {
  it('StartExecution throttled: the dispatcher leaves the request RECEIVED and the watchdog starts it', async () => {
    const player = await newPlayer();
    fault({
      service: 'states',
      operation: 'StartExecution',
      functionName: 'DispatchExports',
      code: 'ThrottlingException',
    });
    const requestId = await request(player.id);
    // Admitted (QUEUED → RECEIVED), but no execution: the dispatcher's start was refused.
    expect((await record(requestId)).state).toBe('RECEIVED');
    expect(executionsOf(requestId)).toEqual([]);
    // Its retries find the request at work (it holds its slot): starting it is the watchdog's job.
    expect((await runtime.records.requests.audit(requestId)).map((a) => a.detail)).toContain(
      'QUEUED → RECEIVED',
    );

    clearFaults();
    await runtime.runSchedule('SweepSchedule');
    expect((await record(requestId)).state).toBe('READY');
    expect(executionsOf(requestId).map((e) => [e.name, e.status])).toEqual([[requestId, 'SUCCEEDED']]);
    const audit = await runtime.records.requests.audit(requestId);
    expect(audit.find((a) => a.action === 'started')?.detail).toMatch(/started by the watchdog/);
    expect(await mailsTo(player.email as string)).toHaveLength(1);
  });

  it('a request the dispatcher could not admit stays QUEUED, and the dispatch schedule starts it', async () => {
    const player = await newPlayer();
    const broken = fault({
      service: 'dynamodb',
      functionName: 'DispatchExports',
      code: 'InternalServerError',
    });
    const requestId = await request(player.id);
    expect((await record(requestId)).state).toBe('QUEUED');
    expect(executionsOf(requestId)).toEqual([]);
    broken.remove();
    // A re-delivered request event starts nothing itself: admission is the dispatcher's alone.
    await request(player.id, { requestId });
    expect((await record(requestId)).state).toBe('QUEUED');
    await runtime.runSchedule('DispatchSchedule');
    expect((await record(requestId)).state).toBe('READY');
    expect(executionsOf(requestId)).toHaveLength(1);
    expect(await mailsTo(player.email as string)).toHaveLength(1);
  });
});

describe('an execution lost mid-export', () => {
  it('is restarted as the next attempt; the lost attempt leaves nothing behind and the player gets one e-mail', async () => {
    const player = await newPlayer({ stats: 50 });
    // Slow collectors, so the execution can be stopped while it collects.
    fault({ service: 'dynamodb', operation: 'Query', functionName: 'CollectCategory', delayMs: 400 });
    const requestId = await putExportRequested(runtime, { playerId: player.id });
    await waitFor(
      async () => (await runtime.records.requests.get(requestId))?.state === 'COLLECTING',
      'COLLECTING',
    );
    const [first] = executionsOf(requestId);
    runtime.stepFunctions.stopExecution({ executionArn: first?.executionArn as string });
    await runtime.settle();
    clearFaults();
    expect(executionsOf(requestId).map((e) => e.status)).toEqual(['ABORTED']);
    expect((await record(requestId)).state).toBe('COLLECTING');

    await runtime.runSchedule('SweepSchedule');
    const restarted = await record(requestId);
    expect(restarted).toMatchObject({ state: 'READY', attempt: 2 });
    expect(executionsOf(requestId).map((e) => [e.name, e.status])).toEqual([
      [requestId, 'ABORTED'],
      [`${requestId}.2`, 'SUCCEEDED'],
    ]);
    expect(await actions(requestId)).toContain('restarted');

    // A sweep once nothing of attempt 1 can still run removes what it staged; only attempt 2's
    // archive remains.
    runtime.advanceClock(SETTLED_BEFORE_CLEAN_UP_MS);
    await runtime.runSchedule('SweepSchedule');
    expect(await runtime.objectKeys(`staging/${requestId}/`)).toEqual([]);
    expect(await runtime.objectKeys(`archives/${requestId}/`)).toEqual([`archives/${requestId}/2.zip`]);
    expect((await record(requestId)).cleanedUpAt).toBeDefined();
    expect(await mailsTo(player.email as string)).toHaveLength(1);
  });

  it('the watchdog gives up after the configured attempts and marks the request FAILED with the reason', async () => {
    const player = await newPlayer();
    // The collector fails for good, and the failure step cannot record it: each execution ends
    // FAILED while the request still says COLLECTING.
    fault({
      service: 'dynamodb',
      operation: 'Query',
      functionName: 'CollectCategory',
      code: 'InternalServerError',
    });
    fault({
      service: 'dynamodb',
      operation: 'UpdateItem',
      functionName: 'FailExport',
      code: 'InternalServerError',
    });
    const requestId = await request(player.id);
    expect((await record(requestId)).state).toBe('COLLECTING');
    for (let sweep = 0; sweep < 3; sweep++) await runtime.runSchedule('SweepSchedule');
    const failed = await record(requestId);
    expect(failed.state).toBe('FAILED');
    expect(failed.failureReason).toMatch(
      /^Gave up after 3 attempt\(s\): execution .*\.3 ended FAILED while the request was COLLECTING/,
    );
    expect(executionsOf(requestId)).toHaveLength(3);
    expect(await mailsTo(player.email as string)).toEqual([]);
    // Reported to the alarm's metric.
    expect(runtime.logs.some((l) => l.text.includes('"RequestsGivenUp":1'))).toBe(true);
  });
});

describe('delivery after READY', () => {
  it('a throttled mail service: the link waits in the outbox and leaves once, with one grant', async () => {
    const player = await newPlayer();
    fault({ service: 'ses', operation: 'SendEmail', code: 'TooManyRequestsException' });
    const requestId = await request(player.id);
    const ready = await record(requestId);
    expect(ready.state).toBe('READY');
    expect(ready.deliveredAt).toBeUndefined();
    // The export stands; the execution ends deferred, the outbox keeps the try count and error.
    expect(executionsOf(requestId).map((e) => e.status)).toEqual(['SUCCEEDED']);
    const waiting = await runtime.records.outbox.get(requestId);
    expect(waiting).toMatchObject({
      mail: 'PENDING',
      event: 'PENDING',
      lastError: 'TooManyRequestsException',
    });
    expect(waiting?.attempts).toBeGreaterThanOrEqual(4);
    expect(await mailsTo(player.email as string)).toEqual([]);
    expect(await actions(requestId)).toContain('delivery-retry');

    clearFaults();
    runtime.advanceClock(HOUR);
    await runtime.runSchedule('DeliverySchedule');
    const delivered = await runtime.records.outbox.get(requestId);
    expect(delivered).toMatchObject({ mail: 'SENT', event: 'SENT' });
    expect(delivered?.link).toBeUndefined();
    expect((await record(requestId)).deliveredAt).toBeDefined();
    expect(await mailsTo(player.email as string)).toHaveLength(1);
    // One grant for the request, whatever the retries did.
    expect(await runtime.records.grants.listActiveForRequest(requestId, runtime.now())).toHaveLength(1);
    const ready2 = (await runtime.events()).filter(
      (e) => e['detail-type'] === 'ExportReady' && e.detail.requestId === requestId,
    );
    expect(ready2).toHaveLength(1);
    expect(ready2[0]?.detail.mailed).toBe(true);
  });

  it('a mail refused for good is given up at once and reported; the link still reaches the portal', async () => {
    const player = await newPlayer();
    fault({ service: 'ses', operation: 'SendEmail', code: 'MessageRejected' });
    const requestId = await request(player.id);
    const delivery = await runtime.records.outbox.get(requestId);
    expect(delivery).toMatchObject({
      mail: 'FAILED',
      event: 'SENT',
      lastError: 'MailRejectedError',
      attempts: 1,
    });
    const ready = await record(requestId);
    expect(ready.deliveryProblem).toMatch(/e-mail failed/);
    expect(await actions(requestId)).toContain('link-undelivered');
    const event = (await runtime.events()).find(
      (e) => e['detail-type'] === 'ExportReady' && e.detail.requestId === requestId,
    );
    expect(event?.detail).toMatchObject({
      mailed: false,
      link: expect.stringMatching(/\/d\/[A-Za-z0-9_-]{43}$/),
    });
    expect(runtime.logs.some((l) => l.text.includes('"LinksUndelivered":1'))).toBe(true);
  });

  it('ExportReady refused by EventBridge: the e-mail leaves once, the event is retried until published', async () => {
    const player = await newPlayer();
    fault({
      service: 'events',
      operation: 'PutEvents',
      functionName: 'DeliverLink',
      code: 'InternalException',
    });
    const requestId = await request(player.id);
    expect(await runtime.records.outbox.get(requestId)).toMatchObject({ mail: 'SENT', event: 'PENDING' });
    expect(await mailsTo(player.email as string)).toHaveLength(1);

    clearFaults();
    runtime.advanceClock(HOUR);
    await runtime.runSchedule('DeliverySchedule');
    expect(await runtime.records.outbox.get(requestId)).toMatchObject({ mail: 'SENT', event: 'SENT' });
    expect(await mailsTo(player.email as string)).toHaveLength(1);
    expect(
      (await runtime.events()).filter(
        (e) => e['detail-type'] === 'ExportReady' && e.detail.requestId === requestId,
      ),
    ).toHaveLength(1);
  });

  it('a send that never answered is never repeated: it becomes UNCONFIRMED and is reported', async () => {
    const player = await newPlayer();
    const refused = fault({ service: 'ses', operation: 'SendEmail', code: 'TooManyRequestsException' });
    const requestId = await request(player.id);
    refused.remove();
    // As a deliverer that died after claiming the send would leave it.
    const claimed = await runtime.records.outbox.update(
      requestId,
      { mail: 'PENDING' },
      { mail: 'SENDING', nextAttemptAt: new Date(runtime.now().getTime() + 10 * 60_000).toISOString() },
    );
    expect(claimed).toBe(true);
    runtime.advanceClock(HOUR);
    await runtime.runSchedule('DeliverySchedule');
    expect(await runtime.records.outbox.get(requestId)).toMatchObject({ mail: 'UNCONFIRMED', event: 'SENT' });
    expect(await mailsTo(player.email as string)).toEqual([]);
    expect((await record(requestId)).deliveryProblem).toMatch(/e-mail unconfirmed/);
    // The watchdog's report counts it for the "undelivered links" alarm.
    await runtime.runSchedule('SweepSchedule');
    expect(runtime.logs.some((l) => l.text.includes('"undelivered":[') && l.text.includes(requestId))).toBe(
      true,
    );
  });
});

describe('failure and clean-up', () => {
  it('a collector failing for good ends FAILED naming the source; a failed clean-up is reported and redone by the schedule', async () => {
    const player = await newPlayer({ stats: 5 });
    fault({
      service: 'dynamodb',
      operation: 'Query',
      resource: `table/${runtime.gameTable('sanctions')}`,
      code: 'InternalServerError',
    });
    fault({ service: 's3', operation: 'DeleteObjects', functionName: 'FailExport', code: 'InternalError' });
    const requestId = await request(player.id);
    const failed = await record(requestId);
    expect(failed.state).toBe('FAILED');
    expect(failed.failureReason).toMatch(
      /SourceReadError: Reading source "sanctions" \(table sanctions\) failed: InternalServerError/,
    );
    // FAILED first, then the clean-up's failure; the staged files of the other sources are left.
    const audit = await actions(requestId);
    expect(audit.indexOf('cleanup-failed')).toBeGreaterThan(audit.lastIndexOf('state'));
    expect((await runtime.objectKeys(`staging/${requestId}/`)).length).toBeGreaterThan(0);
    expect(failed.cleanedUpAt).toBeUndefined();

    clearFaults();
    // A collector may still be running for 15 minutes after the failure (Step Functions lets
    // invocations in flight finish): a sweep before that leaves the request alone.
    await runtime.runSchedule('SweepSchedule');
    expect((await runtime.objectKeys(`staging/${requestId}/`)).length).toBeGreaterThan(0);
    expect((await record(requestId)).cleanedUpAt).toBeUndefined();
    runtime.advanceClock(SETTLED_BEFORE_CLEAN_UP_MS);
    await runtime.runSchedule('SweepSchedule');
    expect(await runtime.objectKeys(`staging/${requestId}/`)).toEqual([]);
    expect((await record(requestId)).cleanedUpAt).toBeDefined();
    expect(runtime.logs.some((l) => l.text.includes('"DeletionFailures":0'))).toBe(true);
  });
});

describe('deletion that reports', () => {
  const DAY = 24 * HOUR;
  /** The last sweep's summary line and its DeletionFailures metric. */
  function lastSweep() {
    const lines = runtime.logs.filter((l) => l.functionName.includes('ExpireExports'));
    const summary = lines.findLast((l) => l.text.includes('"sweep done"'))?.text ?? '';
    const metric = lines.findLast((l) => l.text.includes('"DeletionFailures"'))?.text ?? '';
    return { summary, failures: Number(/"DeletionFailures":(\d+)/.exec(metric)?.[1]) };
  }

  it('an archive S3 refuses to delete at expiry keeps its request READY, is put on the request once, reported, and deleted on a later run', async () => {
    const player = await newPlayer();
    const requestId = await request(player.id);
    expect((await record(requestId)).state).toBe('READY');
    const archive = `archives/${requestId}/`;
    // S3 answers 200 and lists the key in Errors: the call "succeeded".
    const refused = fault({
      service: 's3',
      operation: 'DeleteObjects',
      functionName: 'ExpireExports',
      resource: archive,
      perKey: 'error',
      code: 'AccessDenied',
    });
    runtime.advanceClock(8 * DAY);
    await runtime.runSchedule('SweepSchedule');
    expect(refused.hits).toBe(2); // the adapter's retry of the failed key, then reported
    const kept = await record(requestId);
    expect(kept.state).toBe('READY');
    expect(kept.deletionFailedAt).toBeDefined();
    expect(await runtime.objectKeys(archive)).toHaveLength(1);
    const entry = (await runtime.records.requests.audit(requestId)).find((a) => a.action === 'delete-failed');
    expect(entry?.detail).toMatch(
      /archive at expiry: DeleteFailedError: 1 object\(s\) could not be deleted \(AccessDenied\)/,
    );
    expect(lastSweep().summary).toContain(requestId);
    expect(lastSweep().failures).toBeGreaterThanOrEqual(1);

    // Still failing: retried, but not put on the trail again.
    await runtime.runSchedule('SweepSchedule');
    expect((await actions(requestId)).filter((a) => a === 'delete-failed')).toHaveLength(1);

    clearFaults();
    await runtime.runSchedule('SweepSchedule');
    expect((await record(requestId)).state).toBe('EXPIRED');
    expect(await runtime.objectKeys(archive)).toEqual([]);
    const summary = JSON.parse(lastSweep().summary);
    expect(summary.expired).toContain(requestId);
    expect(summary.expiryDeleteFailed).toEqual([]);
  });

  it('a delete that answers done but leaves the archive is caught by the check that follows', async () => {
    const player = await newPlayer();
    const requestId = await request(player.id);
    const archive = `archives/${requestId}/`;
    fault({
      service: 's3',
      operation: 'DeleteObjects',
      functionName: 'ExpireExports',
      resource: archive,
      perKey: 'ignored',
    });
    runtime.advanceClock(8 * DAY);
    await runtime.runSchedule('SweepSchedule');
    expect((await record(requestId)).state).toBe('READY');
    expect(await runtime.objectKeys(archive)).toHaveLength(1);
    const entry = (await runtime.records.requests.audit(requestId)).find((a) => a.action === 'delete-failed');
    expect(entry?.detail).toMatch(/StillPresent/);
    clearFaults();
    await runtime.runSchedule('SweepSchedule');
    expect((await record(requestId)).state).toBe('EXPIRED');
    expect(await runtime.objectKeys(archive)).toEqual([]);
  });

  it('a staged copy S3 will not delete after packaging does not fail the export: READY, reported, removed by the schedule', async () => {
    const player = await newPlayer({ stats: 3 });
    fault({
      service: 's3',
      operation: 'DeleteObjects',
      functionName: 'BuildArchive',
      resource: 'game-stats.json',
      perKey: 'error',
      code: 'InternalError',
    });
    const requestId = await request(player.id);
    expect((await record(requestId)).state).toBe('READY');
    const entry = (await runtime.records.requests.audit(requestId)).find(
      (a) => a.action === 'cleanup-failed',
    );
    // Exactly the refused keys stay (the staged data and its schema), and the trail counts them.
    const left = await runtime.objectKeys(`staging/${requestId}/`);
    expect(left.length).toBeGreaterThan(0);
    expect(left.every((k) => k.includes('game-stats.json'))).toBe(true);
    expect(entry?.detail).toContain(`staged copies: DeleteFailedError: ${left.length} object(s)`);
    clearFaults();
    runtime.advanceClock(SETTLED_BEFORE_CLEAN_UP_MS);
    await runtime.runSchedule('SweepSchedule');
    expect(await runtime.objectKeys(`staging/${requestId}/`)).toEqual([]);
    expect((await record(requestId)).cleanedUpAt).toBeDefined();
  });
});

describe('mail reports', () => {
  it('a delivered link e-mail is timed on the request, once, from the configuration set’s report', async () => {
    const player = await newPlayer();
    const requestId = await request(player.id);
    const done = await record(requestId);
    expect(done.state).toBe('READY');
    expect(done.mailDeliveredAt).toBeDefined();
    expect(done.deliveryProblem).toBeUndefined();
    // The report reached mail-events through the rule, not a shortcut: SES's own event on the bus.
    const reports = (await runtime.events()).filter(
      (e) => e.source === 'aws.ses' && JSON.stringify(e.detail).includes(requestId),
    );
    expect(reports.map((e) => e['detail-type'])).toEqual(['Email Delivered']);
    expect((await actions(requestId)).filter((a) => a === 'mail-delivered')).toHaveLength(1);
  });

  it('a bounce makes the link undelivered: deliveryProblem, an audit entry without the address, the watchdog’s report', async () => {
    const player = await newPlayer({ email: 'bounce@simulator.amazonses.com' });
    const requestId = await request(player.id);
    const bounced = await record(requestId);
    expect(bounced.state).toBe('READY');
    expect(bounced.deliveryProblem).toMatch(/^e-mail bounced \(Permanent\/General\)/);
    expect(bounced.mailDeliveredAt).toBeUndefined();
    const entry = (await runtime.records.requests.audit(requestId)).find((a) => a.action === 'mail-bounced');
    expect(entry?.detail).toMatch(/Permanent\/General/);
    expect(entry?.detail).not.toContain('simulator.amazonses.com');
    expect(runtime.logs.some((l) => l.text.includes('"MailBounced":1'))).toBe(true);
    expect(runtime.logs.filter((l) => l.text.includes('simulator.amazonses.com'))).toEqual([]);
    await runtime.runSchedule('SweepSchedule');
    expect(runtime.logs.some((l) => l.text.includes('"undelivered":[') && l.text.includes(requestId))).toBe(
      true,
    );
  });

  it('a complaint after delivery is recorded as a delivery problem too', async () => {
    const player = await newPlayer({ email: 'complaint@simulator.amazonses.com' });
    const requestId = await request(player.id);
    const complained = await record(requestId);
    expect(complained.deliveryProblem).toMatch(/^e-mail complained \(abuse\)/);
    expect(await actions(requestId)).toEqual(expect.arrayContaining(['mail-delivered', 'mail-complained']));
  });

  it('an event that is not SES feedback fails mail-events, naming what is wrong (the rule then dead-letters it)', async () => {
    const result = await runtime.invoke('MailEvents', {
      'detail-type': 'Email Delivered',
      time: 'x',
      detail: {},
    });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.errorType).toBe('SesFeedbackEventError');
      expect(result.error.errorMessage).toMatch(/not an SES event: detail\.mail/);
    }
  });

  it('mail the pipeline did not tag is left alone', async () => {
    const result = await runtime.invoke('MailEvents', {
      'detail-type': 'Email Bounced',
      time: '2026-11-30T10:00:00Z',
      detail: { eventType: 'Bounce', mail: { tags: { 'ses:configuration-set': ['PlayerDataExport-mail'] } } },
    });
    expect(result).toEqual({ ok: true, payload: { recorded: 'untagged' } });
  });
});

describe('one export per player', () => {
  it('five requests of one player at once start one export; the other four attach to it', async () => {
    const player = await newPlayer();
    const ids = await Promise.all(
      Array.from({ length: 5 }, () => putExportRequested(runtime, { playerId: player.id })),
    );
    await runtime.settle();
    const records = await Promise.all(ids.map(record));
    const working = records.filter((r) => !r.attachedTo);
    const seen = await Promise.all(
      records.map(
        async (r) =>
          `${r.requestId} ${r.state} ${r.failureReason ?? ''} ${(await actions(r.requestId)).join(',')}`,
      ),
    );
    expect(working, seen.join('\n')).toHaveLength(1);
    const answering = working[0]?.requestId as string;
    expect(records.filter((r) => r.attachedTo === answering)).toHaveLength(4);
    expect(ids.flatMap(executionsOf).map((e) => e.name)).toEqual([answering]);
    expect((await record(answering)).state).toBe('READY');
    expect(await runtime.objectKeys(`archives/${answering}/`)).toHaveLength(1);
    // One mail for the export; a request whose intake ran only once the archive was READY (a slow
    // cold start) is answered with a new link to that archive, by mail too, never by a rebuild.
    const resent = (
      await Promise.all(
        ids.map(async (id) =>
          (await runtime.records.requests.audit(id)).some((a) => a.detail?.includes('new link')),
        ),
      )
    ).filter(Boolean).length;
    expect(await mailsTo(player.email as string)).toHaveLength(1 + resent);
  });
});

describe('who gets the link', () => {
  it('the address comes from the game’s identity table, not from the event (the portal is not trusted by default)', async () => {
    const player = await newPlayer();
    const requestId = await request(player.id, { email: 'someone-else@attacker.example' });
    expect((await record(requestId)).contactEmail).toBeUndefined();
    expect(await mailsTo('someone-else@attacker.example')).toEqual([]);
    expect(await mailsTo(player.email as string)).toHaveLength(1);
    expect(runtime.logs.some((l) => l.text.includes('"eventEmailIgnored":true'))).toBe(true);
  });

  it('a player without an address gets no e-mail; ExportReady carries the link', async () => {
    const player = await newPlayer({ email: null });
    const requestId = await request(player.id);
    expect(await runtime.records.outbox.get(requestId)).toMatchObject({ mail: 'NO_ADDRESS', event: 'SENT' });
    expect((await record(requestId)).deliveredAt).toBeDefined();
    const event = (await runtime.events()).find(
      (e) => e['detail-type'] === 'ExportReady' && e.detail.requestId === requestId,
    );
    expect(event?.detail).toMatchObject({ mailed: false });
    expect(await actions(requestId)).toContain('link-sent');
  });
});

describe('events refused at the edge', () => {
  it.each([
    ['a 540,000-character locale', { locale: `en-${'a'.repeat(540_000)}` }, 'detail.locale'],
    ['a request from 1970', { requestedAt: '1970-01-01T00:00:00Z' }, 'detail.requestedAt'],
    [
      'a request from next year',
      { requestedAt: new Date(Date.now() + 366 * 86_400_000).toISOString() },
      'detail.requestedAt',
    ],
    ['a request id too long to name an execution', { requestId: 'r'.repeat(73) }, 'detail.requestId'],
  ])('%s is dead-lettered naming the field, and nothing is recorded', async (_what, detail, field) => {
    const player = await newPlayer();
    const before = (await runtime.queues.messages('StartExportDeadLetters')).length;
    const requestId = await putExportRequested(runtime, { playerId: player.id, ...detail });
    await runtime.settle();
    const dead = (await runtime.queues.messages('StartExportDeadLetters')).slice(before);
    expect(dead).toHaveLength(1);
    expect(dead[0]?.attributes.ErrorMessage).toContain(
      `InvalidEventError: Invalid ExportRequested event: ${field}:`,
    );
    expect(await runtime.records.requests.get(requestId)).toBeUndefined();
  });
});

describe('a deployment that trusts its portal and names its own detail-type', () => {
  let trusting: TestRuntime;
  beforeAll(async () => {
    trusting = await startTestRuntime({
      demoData: false,
      context: { trustPortalEmail: true, requestDetailType: 'DataExportRequested' },
    });
    await loadItems(trusting.admin.dynamodb, trusting.gameTable('players'), [
      { playerId: 'p-trust', username: 'trusted', email: 'identity@example.org' },
    ]);
  });
  afterAll(async () => {
    await trusting?.stop();
  });

  it('an ExportRequested event matches no rule: nothing is invoked, nothing recorded', async () => {
    const invocations = trusting.calls.filter((c) => c.principal.includes('StartExport')).length;
    await trusting.putEvent({
      source: 'game.account-portal',
      detailType: 'ExportRequested',
      detail: {
        requestId: 'req-wrong-type',
        playerId: 'p-trust',
        locale: 'en',
        requestedAt: trusting.now().toISOString(),
      },
    });
    await trusting.settle();
    expect(await trusting.records.requests.get('req-wrong-type')).toBeUndefined();
    expect(trusting.calls.filter((c) => c.principal.includes('StartExport'))).toHaveLength(invocations);
  });

  it('its own detail-type is exported, and the portal’s address is used', async () => {
    const requestId = await putExportRequested(trusting, {
      playerId: 'p-trust',
      email: 'portal@example.org',
    });
    await trusting.settle();
    expect(await trusting.records.requests.get(requestId)).toMatchObject({
      state: 'READY',
      contactEmail: 'portal@example.org',
    });
    const mails = (await outboxMails(trusting.outboxDir)).map(parseEml);
    expect(mails.map((m) => m.headers.get('to'))).toEqual(['portal@example.org']);
  });
});
