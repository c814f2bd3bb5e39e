// npm run bench [-- --stats 1000000 --small 100000 --runs 1]
// Figures, never pass/fail: the export of a heavy player against baselines measured in the same run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs, promisify } from 'node:util';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { loadItems } from '../functions/adapters/dynamodb/batch-writer';
import { zipStream } from '../functions/core/archive/zip-writer';
import { DEMO_PLAYER_ID, demoTableItems } from '../functions/seed-demo/demo-data/generate';
import { loadDemoData } from '../functions/seed-demo/load-demo';
import { adminClients, startLocalRuntime } from '../local/runtime/runtime';
import { startStores } from '../local/runtime/stores';
import { BENCH_CONTEXT } from './export-bench-context';

const run = promisify(execFile);
const { values } = parseArgs({
  options: { stats: { type: 'string', default: '1000000' }, small: { type: 'string', default: '100000' } },
});
const big = Number(values.stats);
const small = Number(values.small);
const SMALL_PLAYER = 'p-bench-small';

interface ChildFigures {
  wallMs: number;
  maxRssMb: number;
  records?: number;
  items?: number;
  archiveBytes?: number;
  archiveKey?: string;
  collectMs?: number;
  buildMs?: number;
}

const log = (line: string) => process.stdout.write(`${line}\n`);

async function child(
  mode: 'export' | 'query',
  playerId: string,
  env: Record<string, string>,
): Promise<ChildFigures> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/child.ts', mode, playerId], {
    env: { ...process.env, ...env },
    maxBuffer: 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as ChildFigures;
}

async function filesBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

async function main(): Promise<void> {
  log(
    `bench: export of a player with ${big.toLocaleString('en')} game statistics (and ${small.toLocaleString('en')} for the memory comparison)`,
  );
  log(`machine: ${cpus().length} cores, ${cpus()[0]?.model ?? '?'}, node ${process.version}`);
  // The stores live here, so each measured child is only the runtime and its functions.
  const stores = await startStores();
  const work = await mkdtemp(join(tmpdir(), 'pde-bench-'));
  // A first runtime creates the templates' tables and bucket, then leaves the stores to the children.
  const setup = await startLocalRuntime({
    workDir: join(work, 'setup'),
    stores: stores.endpoints,
    context: BENCH_CONTEXT,
  });
  const bucket = setup.outputs.ExportsBucketName as string;
  const tables = setup.gameTables;
  await setup.stop();
  const clients = adminClients(stores.endpoints.dynamodb);
  const s3 = adminClients(stores.endpoints.s3).s3;
  try {
    let t = performance.now();
    await loadDemoData(clients.dynamodb, tables, { statsForHeavyPlayer: big });
    // A second heavy player, the demo player's first `small` statistics under another id.
    await loadItems(clients.dynamodb, tables.get('players') ?? 'players', [
      { playerId: SMALL_PLAYER, username: 'bench_small' },
    ]);
    await loadItems(
      clients.dynamodb,
      tables.get('game-stats') ?? 'game-stats',
      (function* () {
        let n = 0;
        for (const item of demoTableItems('game-stats', { statsForHeavyPlayer: small })) {
          if (item.playerId !== DEMO_PLAYER_ID) continue;
          if (n++ >= small) return;
          yield { ...item, playerId: SMALL_PLAYER };
        }
      })(),
    );
    const loadSeconds = (performance.now() - t) / 1000;
    log(`loaded in ${loadSeconds.toFixed(0)} s`);

    const env = { BENCH_STORES: JSON.stringify(stores.endpoints), BENCH_WORK: join(work, 'runtime') };
    const query = await child('query', DEMO_PLAYER_ID, env);
    log(
      `(a) plain paginated Query of ${query.items} items through the local endpoint: ${(query.wallMs / 1000).toFixed(1)} s`,
    );
    const exportBig = await child('export', DEMO_PLAYER_ID, env);
    log(
      `export of ${exportBig.records} records, event to READY on the deployed workflow: ${(exportBig.wallMs / 1000).toFixed(1)} s (collect ${((exportBig.collectMs ?? 0) / 1000).toFixed(1)} s, build ${((exportBig.buildMs ?? 0) / 1000).toFixed(1)} s), peak RSS ${exportBig.maxRssMb.toFixed(0)} MB`,
    );
    const exportSmall = await child('export', SMALL_PLAYER, env);
    log(
      `export of ${exportSmall.records} records: ${(exportSmall.wallMs / 1000).toFixed(1)} s, peak RSS ${exportSmall.maxRssMb.toFixed(0)} MB`,
    );

    // (c) Packaging: the same output files, zipped by Info-ZIP `zip -6` and by our zip writer (deflate 6).
    const archivePath = join(work, 'archive.zip');
    const archive = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: exportBig.archiveKey }));
    await pipeline(archive.Body as NodeJS.ReadableStream, createWriteStream(archivePath));
    const unpacked = join(work, 'unpacked');
    await run('unzip', ['-q', archivePath, '-d', unpacked]);
    const files = await filesBelow(unpacked);
    const inputBytes = (await Promise.all(files.map((f) => stat(f)))).reduce((a, s) => a + s.size, 0);
    t = performance.now();
    await run('zip', ['-6', '-q', '-r', join(work, 'infozip.zip'), '.'], { cwd: unpacked });
    const infoZipMs = performance.now() - t;
    t = performance.now();
    const zip = zipStream(
      files.map((f) => ({ name: relative(unpacked, f), data: createReadStream(f) })),
      { level: 6 },
    );
    await Promise.all([pipeline(zip.stream, createWriteStream(join(work, 'ours.zip'))), zip.done]);
    const oursMs = performance.now() - t;
    const mbps = (bytes: number, ms: number) => bytes / 1024 / 1024 / (ms / 1000);

    const figures = {
      date: new Date().toISOString(),
      machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? '?', node: process.version },
      items: { big, small },
      loadSeconds,
      plainQuery: { items: query.items, seconds: query.wallMs / 1000, maxRssMb: query.maxRssMb },
      export: {
        big: {
          records: exportBig.records,
          seconds: exportBig.wallMs / 1000,
          maxRssMb: exportBig.maxRssMb,
          archiveBytes: exportBig.archiveBytes,
          collectSeconds: (exportBig.collectMs ?? 0) / 1000,
          buildSeconds: (exportBig.buildMs ?? 0) / 1000,
        },
        small: {
          records: exportSmall.records,
          seconds: exportSmall.wallMs / 1000,
          maxRssMb: exportSmall.maxRssMb,
        },
      },
      packaging: {
        inputBytes,
        infoZip6: { seconds: infoZipMs / 1000, mbPerSecond: mbps(inputBytes, infoZipMs) },
        ours6: { seconds: oursMs / 1000, mbPerSecond: mbps(inputBytes, oursMs) },
        // The staged files are the archive's data files, unpacked here.
        buildStepMbPerSecond: mbps(inputBytes, exportBig.buildMs ?? 1),
      },
      ratios: {
        exportVsPlainQuery: exportBig.wallMs / query.wallMs,
        rssBigVsSmall: exportBig.maxRssMb / exportSmall.maxRssMb,
        packagingVsInfoZip: infoZipMs / oursMs,
      },
      targets: {
        exportVsPlainQuery: '<= 1.2',
        rssBigVsSmall: '<= 1.2 and big < 512 MB',
        packagingVsInfoZip: '>= 0.75',
      },
    };
    log('');
    log(
      `export / plain Query          ${figures.ratios.exportVsPlainQuery.toFixed(2)}×  (target ≤ 1.2, issue 11)`,
    );
    log(
      `peak RSS ${big} / ${small}     ${figures.ratios.rssBigVsSmall.toFixed(2)}×  (${exportBig.maxRssMb.toFixed(0)} MB vs ${exportSmall.maxRssMb.toFixed(0)} MB; target ≤ 1.2 and < 512 MB)`,
    );
    log(
      `packaging vs zip -6           ${figures.ratios.packagingVsInfoZip.toFixed(2)}×  (ours ${figures.packaging.ours6.mbPerSecond.toFixed(0)} MB/s, zip -6 ${figures.packaging.infoZip6.mbPerSecond.toFixed(0)} MB/s on ${(inputBytes / 1024 / 1024).toFixed(0)} MB; target ≥ 0.75)`,
    );
    log(
      `build step (S3 read + zip + S3 write): ${figures.packaging.buildStepMbPerSecond.toFixed(0)} MB/s of staged data`,
    );
    const out = join('bench', 'results', `export-${figures.date.slice(0, 10)}-${big}.json`);
    await writeFile(out, `${JSON.stringify(figures, null, 2)}\n`);
    log(`figures written to ${out}`);
  } finally {
    clients.dynamodb.destroy();
    s3.destroy();
    await stores.stop();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
