import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadItems } from '../../functions/adapters/dynamodb/batch-writer';
import { StepFunctionsExecutions } from '../../functions/adapters/stepfunctions/step-functions-executions';
import { ExactNumber } from '../../functions/core/values';
import { executionName } from '../../functions/core/workflow';
import { RequestFailedError, requestExport } from '../../local/portal';
import { ADMIN_ACCESS_KEY } from '../../local/runtime/aws-endpoint';
import { LOCAL_REGION } from '../../local/runtime/deployment';
import { exportAndOpen, type OpenedArchive } from '../support/export-archive';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

/**
 * A source of any size: the data map shards game-stats and forum-posts by sort-key ranges, and
 * every collector hands over after each page (collectSecondsPerInvocation 0), so each shard is
 * many pieces written by many invocations from checkpoints. The archive must hold every item
 * exactly once, in the store's order, as one file per source whose checksums the manifest gives.
 * An archive of any size: the volume size is 64 KiB, so the archive is several complete zips,
 * each packed by its own build invocation, downloaded one by one through the gateway.
 */
const STATS = 3000;
const statId = (i: number) => `session#2024-01-01T00:00:00Z#${String(i).padStart(5, '0')}`;
// An existing value (the item belongs to the shard from it on), one between items, one past all.
const STAT_SHARDS = [statId(1000), `${statId(2000)}~`, 'zzz'];
// Two posts share the boundary's createdAt on the index: both belong to the later shard, once.
const POST_SHARDS = ['2024-01-01T00:40:00.000Z'];
// The smallest volume the deployment settings allow: the statistics' JSON and CSV (about 1 MB
// each) are volumes of their own, and the small files share the rest.
const VOLUME_BYTES = 64 * 1024;

const execFileAsync = promisify(execFile);

let runtime: TestRuntime;
let archive: OpenedArchive;

beforeAll(async () => {
  const map = JSON.parse(await readFile('config/data-map.json', 'utf8')) as {
    sources: { id: string; shards?: string[] }[];
  };
  for (const source of map.sources) {
    if (source.id === 'game-stats') source.shards = STAT_SHARDS;
    if (source.id === 'forum-posts') source.shards = POST_SHARDS;
  }
  const dir = await mkdtemp(join(tmpdir(), 'pde-map-'));
  const dataMapFile = join(dir, 'data-map.json');
  await writeFile(dataMapFile, JSON.stringify(map));
  runtime = await startTestRuntime({
    context: { dataMapFile, collectSecondsPerInvocation: 0, archiveVolumeBytes: VOLUME_BYTES },
  });
  await loadItems(runtime.admin.dynamodb, runtime.gameTable('players'), [
    { playerId: 'p-big', username: 'big' },
  ]);
  await loadItems(
    runtime.admin.dynamodb,
    runtime.gameTable('game-stats'),
    Array.from({ length: STATS }, (_, i) => ({
      playerId: 'p-big',
      statId: statId(i),
      kind: 'session',
      recordedAt: '2024-01-01T00:00:00.000Z',
      durationSec: ExactNumber.of(i),
      device: 'x'.repeat(200),
    })),
  );
  await loadItems(
    runtime.admin.dynamodb,
    runtime.gameTable('forum-posts'),
    Array.from({ length: 80 }, (_, i) => ({
      postId: `post-${i}`,
      authorId: 'p-big',
      // Posts 40 and 41 share a minute: the boundary value twice on the index.
      createdAt: new Date(Date.UTC(2024, 0, 1, 0, i === 41 ? 40 : i)).toISOString(),
      body: `post ${i}`,
      threadId: 't-1',
    })),
  );
  archive = await exportAndOpen(runtime, 'p-big');
}, 300_000);
afterAll(async () => {
  await runtime?.stop();
});

describe('a sharded source collected in checkpointed pieces', () => {
  it('holds every item once, in the store order, in one JSON and one CSV file per source', () => {
    const stats = JSON.parse(archive.files.get('game-statistics/game-stats.json')?.toString('utf8') ?? '{}');
    expect(stats.records.map((r: { statId: string }) => r.statId)).toEqual(
      Array.from({ length: STATS }, (_, i) => statId(i)),
    );
    const csv = parseCsv(archive.files.get('game-statistics/game-stats.csv') ?? '', {
      columns: true,
      bom: true,
    }) as { statId: string }[];
    expect(csv.map((r) => r.statId)).toEqual(stats.records.map((r: { statId: string }) => r.statId));
    const posts = JSON.parse(archive.files.get('forum/forum-posts.json')?.toString('utf8') ?? '{}');
    const ids = posts.records.map((r: { postId: string }) => r.postId);
    expect([...ids].sort()).toEqual(Array.from({ length: 80 }, (_, i) => `post-${i}`).sort());
    expect(new Set(ids).size).toBe(80);
  });

  it('gives each joined file its true size and sha256, in datapackage.json and manifest.json, which come last', () => {
    const names = [...(archive.volumeEntries[0]?.keys() ?? [])].map((n) => n.slice(archive.root.length));
    expect(names.slice(-2)).toEqual(['datapackage.json', 'manifest.json']);
    expect(names.indexOf('index.html')).toBe(0);
    const dataPackage = JSON.parse(archive.files.get('datapackage.json')?.toString('utf8') ?? '{}');
    for (const file of archive.manifest.files) {
      const bytes = archive.files.get(file.path) as Buffer;
      const sha = createHash('sha256').update(bytes).digest('hex');
      expect([bytes.length, sha], file.path).toEqual([file.bytes, file.sha256]);
      const resource = dataPackage.resources.find((r: { path: string }) => r.path === file.path);
      if (resource) expect(resource.hash, file.path).toBe(`sha256:${sha}`);
    }
    const counts = Object.fromEntries(archive.manifest.sources.map((s) => [s.id, s.records]));
    expect([counts['game-stats'], counts['forum-posts']]).toEqual([STATS, 80]);
  });

  it('ran each shard as several invocations, kept read positions out of the execution history, and left nothing staged', async () => {
    const admin = {
      region: LOCAL_REGION,
      endpoint: runtime.endpoint,
      credentials: { accessKeyId: ADMIN_ACCESS_KEY, secretAccessKey: ADMIN_ACCESS_KEY },
    };
    const execution = runtime.stepFunctions
      .list()
      .find((e) => e.name === executionName(archive.requestId, 1));
    const history = await new SFNClient(admin).send(
      new GetExecutionHistoryCommand({ executionArn: execution?.executionArn }),
    );
    const collects = (history.events ?? []).filter(
      (e) => e.type === 'TaskStateEntered' && e.stateEnteredEventDetails?.name === 'CollectSourcesItem',
    );
    const sources = archive.manifest.sources.length;
    // 4 + 2 shards for two sources, one task for every other source, and more for the pieces.
    expect(collects.length).toBeGreaterThan(sources + 4 + 1 + 3);
    // States' inputs and outputs are JSON text inside the events (quotes escaped once more).
    const text = JSON.stringify(history.events);
    expect(text.includes('\\"resume\\":{\\"piece\\":2')).toBe(true);
    // A checkpoint's position (a DynamoDB key of the player's items) stays in the bucket.
    expect(text.includes(statId(1))).toBe(false);
    expect(text.includes('LastEvaluatedKey')).toBe(false);
    expect(await runtime.objectKeys(`staging/${archive.requestId}/`)).toEqual([]);

    // The watchdog's view of the same execution: its newest event, without the states' data.
    const machineArn = (execution?.executionArn ?? '')
      .replace(':execution:', ':stateMachine:')
      .replace(/:[^:]+$/, '');
    const executions = new StepFunctionsExecutions(new SFNClient(admin), machineArn);
    const newest = history.events?.at(-1)?.timestamp;
    expect(await executions.lastActivity(archive.requestId, 1)).toBe(newest?.toISOString());
    expect(await executions.lastActivity('no-such-request', 1)).toBeUndefined();
  });

  it('packs an archive over the volume size as complete zips, each opened by unzip, volume 1 listing every other with its sha256', async () => {
    const { volumes, volumeEntries, manifest } = archive;
    expect(volumes.length).toBeGreaterThan(2);
    const manifested = manifest.volumes ?? [];
    expect(manifested.map((v) => v.volume)).toEqual(volumes.map((_, i) => i + 1));
    for (const [i, volume] of volumes.entries()) {
      const dir = await mkdtemp(join(tmpdir(), 'pde-volume-'));
      const path = join(dir, `v${i + 1}.zip`);
      await writeFile(path, volume);
      const { stdout } = await execFileAsync('/usr/bin/unzip', ['-t', path]);
      expect(stdout.includes('No errors detected'), `volume ${i + 1}`).toBe(true);
      const listed = manifested[i];
      const names = [...(volumeEntries[i]?.keys() ?? [])].map((n) => n.slice(archive.root.length));
      // Volume 1's own size and checksum cannot be inside it; the download page and grant give them.
      if (i === 0) expect([listed?.bytes, listed?.sha256]).toEqual([null, null]);
      else {
        expect(listed?.sha256).toBe(createHash('sha256').update(volume).digest('hex'));
        expect(listed?.bytes).toBe(volume.length);
        expect(names.sort()).toEqual([...(listed?.files ?? [])].sort());
      }
      for (const path of listed?.files ?? []) {
        expect(manifest.files.find((f) => f.path === path)?.volume, path).toBe(i + 1);
      }
    }
    // The describing files are in volume 1 only; every data file in exactly one volume.
    const first = [...(volumeEntries[0]?.keys() ?? [])].map((n) => n.slice(archive.root.length));
    expect(first.includes('index.html') && first.includes('manifest.json')).toBe(true);
    const all = volumeEntries.flatMap((v) => [...v.keys()]);
    expect(all.length).toBe(new Set(all).size);
    expect(manifest.files.every((f) => all.includes(`${archive.root}${f.path}`))).toBe(true);
    // The stats' JSON is bigger than a volume: a volume of its own.
    const statsVolume = manifested.find((v) => v.files.includes('game-statistics/game-stats.json'));
    expect(statsVolume?.files).toEqual(['game-statistics/game-stats.json']);
  });

  it('keeps every volume on the READY request, and no other archive object', async () => {
    const record = archive.answering;
    const keys = (record.archiveVolumes ?? []).map((v) => v.archiveKey);
    expect(keys.length).toBe(archive.volumes.length);
    expect((await runtime.objectKeys(`archives/${archive.requestId}/`)).sort()).toEqual([...keys].sort());
    expect(record.archiveBytes).toBe(archive.volumes.reduce((sum, v) => sum + v.length, 0));
  });

  it('fails a build that cannot write volume 1 after packing the others, and deletes every volume it wrote', async () => {
    await loadItems(runtime.admin.dynamodb, runtime.gameTable('players'), [
      { playerId: 'p-big-2', username: 'big2' },
    ]);
    await loadItems(
      runtime.admin.dynamodb,
      runtime.gameTable('game-stats'),
      Array.from({ length: 400 }, (_, i) => ({
        playerId: 'p-big-2',
        statId: statId(i),
        kind: 'session',
        recordedAt: '2024-01-01T00:00:00.000Z',
        device: 'y'.repeat(200),
      })),
    );
    // Every write of volume 1 (archives/<id>/1.zip) fails; the other volumes' writes succeed.
    const refused = runtime.injectFault({
      service: 's3',
      functionName: 'BuildArchive',
      resource: '/1.zip',
      code: 'InternalError',
    });
    try {
      const failed = await requestExport(runtime, { playerId: 'p-big-2', locale: 'en' }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failed).toBeInstanceOf(RequestFailedError);
      expect(refused.hits).toBeGreaterThan(0);
      const record = (failed as RequestFailedError).record;
      expect(record.state).toBe('FAILED');
      // The retries packed volume 1 again (not every volume); the failure step removed them all.
      expect(await runtime.objectKeys(`archives/${record.requestId}/`)).toEqual([]);
      expect(await runtime.objectKeys(`staging/${record.requestId}/`)).toEqual([]);
    } finally {
      refused.remove();
    }
  });

  it('deletes every volume when the archive expires', async () => {
    runtime.advanceClock(8 * 24 * 3_600_000);
    await runtime.runSchedule('SweepSchedule');
    const record = await runtime.records.requests.get(archive.requestId);
    expect(record?.state).toBe('EXPIRED');
    expect(await runtime.objectKeys(`archives/${archive.requestId}/`)).toEqual([]);
  });
});
