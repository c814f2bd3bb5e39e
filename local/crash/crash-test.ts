// The pinned SDK runs fine on Node 20; its notice about 2027 releases is noise in a CLI's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DynamoDbDeliveryOutbox } from '../../functions/adapters/dynamodb/dynamodb-delivery-outbox';
import { DynamoDbRequestRepository } from '../../functions/adapters/dynamodb/dynamodb-request-repository';
import { OWN_REQUESTS_TABLE } from '../../functions/core/data-map/data-map';
import { defaultDataMap } from '../../functions/core/data-map/default-data-map';
import { hashToken } from '../../functions/core/requests/grant';
import { SETTLED_BEFORE_CLEAN_UP_MS, servedArchiveKeys } from '../../functions/core/requests/leftovers';
import { DEMO_PLAYER_ID } from '../../functions/seed-demo/demo-data/generate';
import { ADMIN_ACCESS_KEY } from '../runtime/aws-endpoint';
import { LOCAL_REGION, readDeployment } from '../runtime/deployment';
import { linkFromEml } from '../runtime/read-outbox';
import { startStores } from '../runtime/stores';
import { synthesizeTemplates } from '../runtime/synth';

/**
 * `npm run crash-test -- [--runs 20] [--seed n] [--window 4000]`: kills the local runtime with
 * SIGKILL at a random moment of an export, again and again. The stores and the runtime's work
 * folder outlive each kill (as DynamoDB, S3 and Lambda's event queue outlive a crashed function);
 * a new runtime then resumes the queued invocations, and the schedules (watchdog, delivery, clean-up)
 * run until the request is final. Each request must end READY with the records of an uninterrupted
 * export (the player's history of data requests holds every request so far, one more each run), or
 * FAILED with a reason; leave no staging or superseded archive object once the clean-up has had its
 * turn; and never mail the player twice. Prints one line per run and a summary; exits 1 if any run broke a rule.
 */

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    seed: { type: 'string' },
    window: { type: 'string', default: '4000' },
  },
});
const runs = Number(values.runs);
let seed = Number(values.seed ?? Date.now() % 100_000);
const startSeed = seed;
const random = () => {
  // mulberry32: a seeded run can be repeated.
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
};
const say = (line: string) => process.stdout.write(`${line}\n`);
const child = fileURLToPath(new URL('./runtime-child.ts', import.meta.url));
const context = { resendCooldownHours: 0 };

const stores = await startStores();
const workDir = await mkdtemp(join(tmpdir(), 'pde-crash-'));
const templates = await synthesizeTemplates({ context, cacheDir: '.local/cache' });
const deployment = readDeployment(templates, { httpApiEndpoint: () => 'http://127.0.0.1:0' });
const outputs = Object.assign({}, ...Object.values(deployment.outputs)) as Record<string, string>;
const credentials = { accessKeyId: ADMIN_ACCESS_KEY, secretAccessKey: ADMIN_ACCESS_KEY };
const dynamodb = new DynamoDBClient({
  region: LOCAL_REGION,
  endpoint: stores.endpoints.dynamodb,
  credentials,
});
const s3 = new S3Client({
  region: LOCAL_REGION,
  endpoint: stores.endpoints.s3,
  credentials,
  forcePathStyle: true,
});
const requests = new DynamoDbRequestRepository(dynamodb, outputs.PipelineTableName as string);
/** The category of the player's own data requests: it grows by one with every run's request. */
const historyCategories = new Set(
  defaultDataMap.sources.filter((source) => source.table === OWN_REQUESTS_TABLE).map((s) => s.category),
);
const withoutHistory = (counts: Record<string, number> = {}) =>
  JSON.stringify(Object.entries(counts).filter(([category]) => !historyCategories.has(category)));
const history = (counts: Record<string, number> = {}) =>
  Object.entries(counts).reduce((sum, [category, n]) => sum + (historyCategories.has(category) ? n : 0), 0);
const outbox = new DynamoDbDeliveryOutbox(dynamodb, outputs.PipelineTableName as string);

class Runtime {
  private process: ChildProcess;
  private readonly waiting: ((message: { type: string; message?: string }) => void)[] = [];
  readonly ready: Promise<void>;

  constructor() {
    this.process = spawn(
      process.execPath,
      ['--import', 'tsx', child, JSON.stringify({ stores: stores.endpoints, workDir, context })],
      {
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      },
    );
    this.process.on('message', (message: { type: string; message?: string }) =>
      this.waiting.shift()?.(message),
    );
    this.ready = this.next().then(() => undefined);
  }

  private next(): Promise<{ type: string; message?: string }> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async send(command: Record<string, unknown>): Promise<void> {
    const answer = this.next();
    this.process.send(command);
    const message = await answer;
    if (message.type === 'error') throw new Error(`runtime: ${message.message}`);
  }

  kill(): Promise<void> {
    return new Promise((resolve) => {
      this.process.once('exit', () => resolve());
      this.process.kill('SIGKILL');
    });
  }

  async stop(): Promise<void> {
    await this.send({ type: 'stop' });
  }
}

async function keys(prefix: string): Promise<string[]> {
  const listed = await s3.send(
    new ListObjectsV2Command({ Bucket: outputs.ExportsBucketName, Prefix: prefix }),
  );
  return (listed.Contents ?? []).map((o) => o.Key as string);
}

async function mailsFor(tokenHash: string): Promise<number> {
  const dir = join(workDir, 'outbox');
  let count = 0;
  for (const name of (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.eml'))) {
    const link = linkFromEml(await readFile(join(dir, name), 'utf8'));
    if (hashToken(link.slice(link.lastIndexOf('/') + 1)) === tokenHash) count++;
  }
  return count;
}

/** Runs the schedules until the request is final (or gives up after a few rounds). */
async function recover(runtime: Runtime, requestId: string) {
  await runtime.send({ type: 'settle' });
  for (let round = 0; round < 6; round++) {
    const record = await requests.get(requestId);
    const delivery = await outbox.get(requestId);
    const final = record && ['READY', 'FAILED'].includes(record.state);
    const delivered = !delivery || delivery.completedAt || record?.state === 'FAILED';
    if (final && delivered && record.cleanedUpAt) return;
    // The clean-up takes a request only once nothing of it can still be running (leftovers.ts).
    if (final && delivered) await runtime.send({ type: 'advanceClock', ms: SETTLED_BEFORE_CLEAN_UP_MS });
    // A QUEUED request whose event died with the runtime is the dispatch schedule's.
    await runtime.send({ type: 'schedule', name: 'DispatchSchedule' });
    await runtime.send({ type: 'schedule', name: 'SweepSchedule' });
    await runtime.send({ type: 'schedule', name: 'DeliverySchedule' });
  }
}

say(`crash test: ${runs} runs, seed ${startSeed}, kill within ${values.window} ms of the event`);
const first = new Runtime();
await first.ready;
// The first runtime's deploy seeded the demo game (Custom::DemoData); the restarts do not.
// The uninterrupted export every run is compared with.
await first.send({ type: 'request', playerId: DEMO_PLAYER_ID, requestId: 'crash-baseline' });
await recover(first, 'crash-baseline');
await first.stop();
const baseline = await requests.get('crash-baseline');
if (baseline?.state !== 'READY') throw new Error(`the uninterrupted export ended ${baseline?.state}`);

const problems: string[] = [];
const outcomes: Record<string, number> = {};
for (let run = 1; run <= runs; run++) {
  const requestId = `crash-${startSeed}-${run}`;
  const killAfter = Math.floor(random() * Number(values.window));
  const runtime = new Runtime();
  await runtime.ready;
  await runtime.send({ type: 'request', playerId: DEMO_PLAYER_ID, requestId });
  await new Promise((resolve) => setTimeout(resolve, killAfter));
  await runtime.kill();
  const atKill = (await requests.get(requestId))?.state ?? 'not recorded';
  const restarted = new Runtime();
  await restarted.ready;
  await recover(restarted, requestId);
  const record = await requests.get(requestId);
  const delivery = await outbox.get(requestId);
  const mails = delivery ? await mailsFor(delivery.tokenHash) : 0;
  const staging = await keys(`staging/${requestId}/`);
  const archives = await keys(`archives/${requestId}/`);
  const broken: string[] = [];
  if (!record) broken.push('never recorded although EventBridge accepted the event');
  else if (record.state === 'READY') {
    if (withoutHistory(record.recordsByCategory) !== withoutHistory(baseline.recordsByCategory))
      broken.push('records differ');
    // The baseline's request and one per run so far, this one included.
    if (history(record.recordsByCategory) !== run + 1)
      broken.push(`request history holds ${history(record.recordsByCategory)}, not ${run + 1}`);
    if (archives.sort().join() !== servedArchiveKeys(record).sort().join())
      broken.push(`archives ${archives.join(', ')}`);
  } else if (record.state === 'FAILED') {
    if (!record.failureReason) broken.push('FAILED without a reason');
    if (archives.length > 0) broken.push(`archives of a failed request: ${archives.join(', ')}`);
  } else broken.push(`stuck in ${record.state}`);
  if (staging.length > 0) broken.push(`${staging.length} staging objects left`);
  if (mails > 1) broken.push(`${mails} e-mails`);
  if (delivery?.mail === 'SENT' && mails !== 1) broken.push('mail SENT but not in the outbox');
  const outcome = `${record?.state ?? 'none'}/${delivery?.mail ?? 'no delivery'}`;
  outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  say(
    `run ${String(run).padStart(2)}: killed after ${String(killAfter).padStart(4)} ms in ${atKill.padEnd(12)} → ${record?.state ?? '?'} attempt ${record?.attempt ?? '-'}, mail ${delivery?.mail ?? '-'} (${mails} sent)${broken.length ? `  BROKEN: ${broken.join('; ')}` : ''}`,
  );
  problems.push(...broken.map((b) => `run ${run}: ${b}`));
  await restarted.stop();
}

say(`outcomes: ${JSON.stringify(outcomes)}`);
say(
  problems.length === 0
    ? `all ${runs} runs kept every rule (seed ${startSeed})`
    : `${problems.length} problem(s):\n  ${problems.join('\n  ')}`,
);
dynamodb.destroy();
s3.destroy();
await stores.stop();
await rm(workDir, { recursive: true, force: true });
process.exit(problems.length === 0 ? 0 : 1);
