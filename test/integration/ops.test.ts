/**
 * `npm run ops`, against the local runtime as a running `npm start` exposes it: the test writes the
 * stack's ops.json as `npm start` does, and the CLI (as a child process for list, show, register,
 * bad input and a stopped stack; through runOps, the same code in-process, for the rest) reads it
 * and acts with the real SDK clients on the runtime's endpoint. What the commands do is checked
 * where the pipeline shows it: the records, the audit trail, the executions, the e-mails in the
 * outbox and the download gateway's answers.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadItems } from '../../functions/adapters/dynamodb/batch-writer';
import type { ExportRequestRecord } from '../../functions/core/requests/request-record';
import { runOps } from '../../local/cli/ops';
import { localStackInfo, writeLocalStackFile } from '../../local/ops/local-stack-file';
import { linkOf, outboxMails, putExportRequested, requestExport } from '../../local/portal';
import type { FaultHandle, FaultRule } from '../../local/runtime/aws-endpoint';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

let runtime: TestRuntime;
let opsFile: string;
let demo: Awaited<ReturnType<typeof requestExport>>;
const actor = `local:${userInfo().username}`;
const faults: FaultHandle[] = [];
const fault = (rule: FaultRule) => {
  const handle = runtime.injectFault(rule);
  faults.push(handle);
  return handle;
};

beforeAll(async () => {
  runtime = await startTestRuntime();
  opsFile = join(runtime.workDir, 'ops.json');
  await writeLocalStackFile(opsFile, localStackInfo(runtime, runtime.workDir));
  demo = await requestExport(runtime, { playerId: 'p-1001' });
});
afterEach(() => {
  for (const handle of faults.splice(0)) handle.remove();
});
afterAll(async () => {
  await runtime?.stop();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI in this process (runOps: what `npm run ops` runs). */
async function ops(...argv: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runOps(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env: { OPS_LOCAL_STACK_FILE: opsFile },
  });
  return { code, stdout, stderr };
}

/** The CLI as its own process, as `npm run ops -- …` starts it. */
function opsProcess(argv: string[], file = opsFile): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'local/cli/ops.ts', ...argv],
      { env: { ...process.env, OPS_LOCAL_STACK_FILE: file }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The last line of stdout, which --json makes one JSON value. */
function lastJson<T = unknown>(run: Run): T {
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const lines = run.stdout.trimEnd().split('\n');
  return JSON.parse(lines.at(-1) ?? '') as T;
}

function expectOneLineError(run: Run, code: number, pattern: RegExp) {
  expect(run.code).toBe(code);
  expect(run.stdout).toBe('');
  expect(run.stderr.endsWith('\n')).toBe(true);
  expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(run.stderr).toMatch(pattern);
}

async function record(requestId: string): Promise<ExportRequestRecord> {
  const found = await runtime.records.requests.get(requestId);
  if (!found) throw new Error(`no record for ${requestId}`);
  return found;
}

async function audit(requestId: string) {
  return runtime.records.requests.audit(requestId);
}

/** A player of its own (one export per player at a time), with an address in the identity table. */
async function newPlayer(): Promise<string> {
  const id = `p-ops-${randomUUID().slice(0, 8)}`;
  await loadItems(runtime.admin.dynamodb, runtime.gameTable('players'), [
    {
      playerId: id,
      username: `user_${id.slice(6)}`,
      email: `${id}@example.org`,
      createdAt: '2024-01-01T00:00:00Z',
    },
  ]);
  return id;
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const landing = (link: string) => fetch(link, { redirect: 'manual' }).then((r) => r.status);

describe('reading', () => {
  it('requests list --json (a process of its own) shows the demo request READY', async () => {
    const rows = lastJson<Record<string, unknown>[]>(await opsProcess(['requests', 'list', '--json']));
    const row = rows.find((r) => r.requestId === demo.requestId);
    expect(row).toEqual({
      requestId: demo.requestId,
      playerId: 'p-1001',
      state: 'READY',
      receivedAt: demo.record.receivedAt,
      dueAt: demo.record.dueAt,
      updatedAt: demo.record.updatedAt,
    });
  });

  it('filters by state, player and due date; prints a table without --json', async () => {
    const ids = async (...argv: string[]) =>
      lastJson<{ requestId: string }[]>(await ops('requests', 'list', '--json', ...argv)).map(
        (r) => r.requestId,
      );
    expect(await ids('--state', 'READY')).toContain(demo.requestId);
    expect(await ids('--state', 'FAILED')).not.toContain(demo.requestId);
    expect(await ids('--player', 'p-1001')).toEqual([demo.requestId]);
    expect(await ids('--player', 'p-nobody')).toEqual([]);
    // Answered (READY, link delivered): it owes the player nothing, so it is not "due".
    expect(await ids('--due-within', '60d')).not.toContain(demo.requestId);

    const human = await ops('requests', 'list', '--player', 'p-1001');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^request\s+player\s+state\s+received\s+due\s+updated\s+reason\n/);
    expect(human.stdout).toContain(`${demo.requestId}  p-1001  READY`);
  });

  it('requests show --json (a process of its own) gives the record and its timeline', async () => {
    const shown = lastJson<
      Record<string, unknown> & { timeline: { at: string; event: string; detail?: string }[] }
    >(await opsProcess(['requests', 'show', demo.requestId, '--json']));
    expect(shown).toMatchObject({
      requestId: demo.requestId,
      state: 'READY',
      archiveKey: demo.record.archiveKey,
    });
    const events = shown.timeline.map((e) => e.event);
    expect(events[0]).toBe('requested');
    expect(events).toEqual(expect.arrayContaining(['state', 'link-sent']));
    expect(shown.timeline.filter((e) => e.event === 'state').map((e) => e.detail)).toEqual([
      'QUEUED → RECEIVED',
      'RECEIVED → COLLECTING',
      'COLLECTING → PACKAGING',
      'PACKAGING → READY',
    ]);
    const times = shown.timeline.map((e) => e.at);
    expect(times).toEqual([...times].sort());

    const human = await ops('requests', 'show', demo.requestId);
    expect(human.stdout).toContain(`Request ${demo.requestId} of player p-1001`);
    expect(human.stdout).toMatch(/\nTimeline\n {2}\S+ {2}requested/);
  });

  it('register --format csv (a process of its own) lists the request, RFC 4180 with a header', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const run = await opsProcess(['register', '--from', today, '--to', today, '--format', 'csv']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.split('\r\n')[0]).toBe(
      'requestId,playerId,receivedAt,dueAt,completedAt,onTime,lateBy,outcome,downloads,lastDownloadAt',
    );
    const rows = parseCsv(run.stdout, { columns: true, record_delimiter: '\r\n' }) as Record<
      string,
      string
    >[];
    expect(rows.find((r) => r.requestId === demo.requestId)).toEqual({
      requestId: demo.requestId,
      playerId: 'p-1001',
      receivedAt: demo.record.receivedAt,
      dueAt: demo.record.dueAt,
      completedAt: demo.record.stateTimes.READY,
      onTime: 'true',
      lateBy: '',
      outcome: 'READY',
      downloads: String(demo.record.downloads ?? 0),
      lastDownloadAt: demo.record.lastDownloadAt ?? '',
    });

    // The day before has none of today's requests; JSON gives the same rows.
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const before = lastJson<{ requestId: string }[]>(
      await ops('register', '--from', yesterday, '--to', yesterday, '--format', 'json'),
    );
    expect(before.map((r) => r.requestId)).not.toContain(demo.requestId);
    const json = lastJson<{ requestId: string; onTime: boolean }[]>(
      await ops('register', '--from', today, '--to', today, '--json'),
    );
    expect(json.find((r) => r.requestId === demo.requestId)?.onTime).toBe(true);
  });

  it('retention findings lists what the export of p-1001 found past retention', async () => {
    const findings = demo.record.retentionFindings ?? [];
    expect(findings.length, 'the demo player has records past retention').toBeGreaterThan(0);
    const rows = lastJson<Record<string, unknown>[]>(await ops('retention', 'findings', '--json'));
    const mine = rows.filter((r) => r.requestId === demo.requestId);
    expect(mine).toEqual(
      expect.arrayContaining(
        findings.map((f) =>
          expect.objectContaining({
            playerId: 'p-1001',
            foundAt: demo.record.stateTimes.READY,
            source: f.source,
            table: f.table,
            records: f.records,
            oldest: f.oldest,
          }),
        ),
      ),
    );
    expect(mine).toHaveLength(findings.length);
    const human = await ops('retention', 'findings');
    expect(human.stdout).toMatch(/^request\s+player\s+found\s+source\s+table\s+records\s+oldest\n/);
  });
});

describe('links', () => {
  it('resend mails a fresh working link and keeps the old one; --revoke-old withdraws the others; revoke makes a link answer 410', async () => {
    const { requestId, link: first } = demo;
    expect(await landing(first)).toBe(200);
    const mailsBefore = (await outboxMails(runtime.outboxDir)).length;

    const resent = lastJson<Record<string, unknown>>(await ops('links', 'resend', requestId, '--json'));
    expect(resent).toMatchObject({ requestId, archiveOf: requestId, revoked: 0, delivery: 'queued' });
    // The delivery function sends it from the outbox, on its schedule, through SES (the outbox folder here).
    await runtime.runSchedule('DeliverySchedule');
    const { link: second, mailed } = await linkOf(runtime, requestId);
    expect(mailed).toBe(true);
    expect(second).not.toBe(first);
    expect(await outboxMails(runtime.outboxDir)).toHaveLength(mailsBefore + 1);
    expect(await landing(second)).toBe(200);
    expect(await landing(first)).toBe(200);

    expect(lastJson(await ops('links', 'resend', requestId, '--revoke-old', '--json'))).toMatchObject({
      revoked: 2,
    });
    await runtime.runSchedule('DeliverySchedule');
    const { link: third } = await linkOf(runtime, requestId);
    expect(await outboxMails(runtime.outboxDir)).toHaveLength(mailsBefore + 2);
    expect(await landing(third)).toBe(200);
    expect(await landing(first)).toBe(410);
    expect(await landing(second)).toBe(410);

    const revoked = await ops(
      'links',
      'revoke',
      requestId,
      '--reason',
      'player says the mail was not theirs',
    );
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(/^1 link\(s\) of request \S+ revoked: they answer 410 Gone\n$/);
    expect(await landing(third)).toBe(410);
    expect((await record(requestId)).state).toBe('READY');

    const trail = await audit(requestId);
    const byOps = trail.filter((e) => e.action.startsWith('ops-'));
    expect(byOps.map((e) => e.action)).toEqual(['ops-resend', 'ops-resend', 'ops-revoke']);
    for (const entry of byOps) expect(entry.detail).toContain(`by ${actor}`);
    expect(byOps[2]?.detail).toContain('player says the mail was not theirs');
    expect(trail.filter((e) => e.action === 'link-sent')).toHaveLength(3);
  });

  it('refuses to re-send a link while its first delivery is under way', async () => {
    const playerId = await newPlayer();
    // The mail service throttles: the delivery stays open, retried by the schedule.
    fault({ service: 'ses', operation: 'SendEmail', code: 'TooManyRequestsException' });
    const requestId = await putExportRequested(runtime, { playerId });
    await runtime.settle();
    expect((await record(requestId)).state).toBe('READY');
    const run = await ops('links', 'resend', requestId);
    expectOneLineError(run, 1, /still being delivered/);
  });
});

describe('lifecycle actions', () => {
  it('retry starts a new attempt of a FAILED request, which ends READY', async () => {
    const playerId = await newPlayer();
    fault({
      service: 'dynamodb',
      operation: 'Query',
      resource: `table/${runtime.gameTable('sanctions')}`,
      code: 'InternalServerError',
    });
    const requestId = await putExportRequested(runtime, { playerId });
    await runtime.settle();
    expect((await record(requestId)).state).toBe('FAILED');
    for (const handle of faults.splice(0)) handle.remove();

    const retried = lastJson<Record<string, unknown>>(await ops('requests', 'retry', requestId, '--json'));
    expect(retried).toMatchObject({ requestId, attempt: 2, execution: `${requestId}.2`, from: 'FAILED' });
    await runtime.settle();
    const done = await record(requestId);
    expect(done).toMatchObject({ state: 'READY', attempt: 2 });
    expect(done.failureReason).toBeUndefined();
    expect(
      runtime.stepFunctions
        .list()
        .filter((e) => e.name.startsWith(requestId))
        .map((e) => [e.name, e.status]),
    ).toEqual([
      [requestId, 'FAILED'],
      [`${requestId}.2`, 'SUCCEEDED'],
    ]);
    const trail = await audit(requestId);
    expect(trail.find((e) => e.action === 'restarted')?.detail).toMatch(
      new RegExp(
        `^attempt 2: retried by ${actor.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} after: SourceReadError`,
      ),
    );
    expect(trail.find((e) => e.action === 'ops-retry')?.detail).toBe(`by ${actor}: attempt 2 (from FAILED)`);
    expect(trail.filter((e) => e.action === 'link-sent')).toHaveLength(1);
    const status = (await runtime.events()).filter(
      (e) => e['detail-type'] === 'ExportStatusChanged' && e.detail.requestId === requestId,
    );
    expect(status.map((e) => e.detail.state)).toContain('RECEIVED');

    // READY is not retried: the player has an answer.
    expectOneLineError(
      await ops('requests', 'retry', requestId),
      1,
      /is READY: only a FAILED or stuck request/,
    );
  });

  it('retry of a request the watchdog marked stuck stops its execution and starts the next attempt', async () => {
    const playerId = await newPlayer();
    const slow = fault({
      service: 'dynamodb',
      operation: 'Query',
      functionName: 'CollectCategory',
      delayMs: 700,
    });
    const requestId = await putExportRequested(runtime, { playerId });
    await waitFor(
      async () => (await runtime.records.requests.get(requestId))?.state === 'COLLECTING',
      'COLLECTING',
    );
    // At work and not stuck: the watchdog looks after it.
    expectOneLineError(await ops('requests', 'retry', requestId), 1, /is COLLECTING and not marked stuck/);

    // As the watchdog marks a request that has not moved for stuckAfterHours.
    await runtime.records.requests.update(requestId, { stuckSince: new Date().toISOString() });
    const list = lastJson<{ requestId: string; stuckSince?: string }[]>(
      await ops('requests', 'list', '--state', 'COLLECTING', '--json'),
    );
    expect(list.find((r) => r.requestId === requestId)?.stuckSince).toBeDefined();
    slow.remove();
    const retried = lastJson<Record<string, unknown>>(await ops('requests', 'retry', requestId, '--json'));
    expect(retried).toMatchObject({ attempt: 2, from: 'COLLECTING', stoppedStuck: true });
    await runtime.settle();
    expect(await record(requestId)).toMatchObject({ state: 'READY', attempt: 2 });
    expect(
      runtime.stepFunctions
        .list()
        .filter((e) => e.name.startsWith(requestId))
        .map((e) => e.status),
    ).toEqual(['ABORTED', 'SUCCEEDED']);
  });

  it('cancel fails a request at work with the reason, stops its execution and says who', async () => {
    const playerId = await newPlayer();
    // Slow collectors, so the request is still at work when it is cancelled.
    fault({ service: 'dynamodb', operation: 'Query', functionName: 'CollectCategory', delayMs: 700 });
    const requestId = await putExportRequested(runtime, { playerId });
    await waitFor(
      async () => (await runtime.records.requests.get(requestId))?.state === 'COLLECTING',
      'COLLECTING',
    );

    const cancelled = lastJson<Record<string, unknown>>(
      await ops('requests', 'cancel', requestId, '--reason', 'asked twice, by mistake', '--json'),
    );
    expect(cancelled).toMatchObject({ requestId, state: 'FAILED', stopped: true });
    await runtime.settle();
    const failed = await record(requestId);
    expect(failed.state).toBe('FAILED');
    expect(failed.failureReason).toBe(`cancelled by ${actor}: asked twice, by mistake`);
    expect(runtime.stepFunctions.list().find((e) => e.name === requestId)?.status).toBe('ABORTED');
    expect((await audit(requestId)).find((e) => e.action === 'ops-cancel')?.detail).toBe(
      `by ${actor}: asked twice, by mistake`,
    );
    // Final: cancelled again, it is refused.
    expectOneLineError(await ops('requests', 'cancel', requestId, '--reason', 'again'), 1, /is FAILED/);
  });
});

describe('errors', () => {
  it('bad input exits 2 with one line on stderr (a process of its own)', async () => {
    expectOneLineError(
      await opsProcess(['requests', 'show']),
      2,
      /^error: requests show takes one request id/,
    );
  });

  it.each([
    [['requests', 'list', '--state', 'DONE'], /--state takes one of QUEUED, RECEIVED, COLLECTING/],
    [['requests', 'list', '--due-within', 'soon'], /--due-within takes a duration/],
    [['requests', 'list', '--reason', 'x'], /--reason is not an option of requests list/],
    [['requests', 'cancel', 'r-1'], /--reason is required/],
    [['requests', 'show', 'not an id'], /is not a request id/],
    [['register', '--from', '2026-02-30', '--to', '2026-03-01'], /--from takes a date/],
    [['register', '--from', '2026-03-02', '--to', '2026-03-01'], /--from must be before --to/],
    [
      ['register', '--from', '2026-03-01', '--to', '2026-03-02', '--format', 'xml'],
      /--format takes csv or json/,
    ],
    [['links', 'resend', 'r-1', '--wait', 'forever'], /--wait takes a duration/],
    [['delete', 'everything'], /unknown command "delete everything"/],
    [['--nope'], /Unknown option '--nope'/],
  ])('%j exits 2', async (argv, pattern) => {
    expectOneLineError(await ops(...argv), 2, pattern);
  });

  it('an unknown request exits 1', async () => {
    for (const argv of [
      ['requests', 'show', 'no-such-request'],
      ['requests', 'retry', 'no-such-request'],
      ['links', 'revoke', 'no-such-request', '--reason', 'test'],
    ]) {
      expectOneLineError(await ops(...argv), 1, /^error: unknown request no-such-request\n$/);
    }
  });

  it('without a running local stack, one clear line (a process of its own)', async () => {
    const missing = join(runtime.workDir, 'no-such-ops.json');
    expectOneLineError(
      await opsProcess(['requests', 'list'], missing),
      1,
      /^error: No local stack is running: start one with npm start\n$/,
    );
    // A file left behind by a stack whose process has ended is stale.
    const stale = join(runtime.workDir, 'stale-ops.json');
    const dead = await new Promise<number>((resolve) => {
      const child = execFile(process.execPath, ['-e', '']);
      child.on('exit', () => resolve(child.pid as number));
    });
    await writeFile(stale, JSON.stringify({ ...localStackInfo(runtime, runtime.workDir), pid: dead }));
    let stderr = '';
    const code = await runOps(['requests', 'list'], {
      stdout: () => undefined,
      stderr: (text) => {
        stderr += text;
      },
      env: { OPS_LOCAL_STACK_FILE: stale },
    });
    expect(code).toBe(1);
    expect(stderr).toBe('error: No local stack is running: start one with npm start\n');
  });
});
