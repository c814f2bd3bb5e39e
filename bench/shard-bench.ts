// Parallel efficiency of sharded collection: one big source (game-stats) collected as one task and
// as `--shards` sort-key ranges, each read through the deployed workflow (event → READY) against a
// store that holds every Query page of that table for `--latency-ms`, like a network would. The
// figure is efficiency = T(1) / (shards × T(shards)), T being the time from the source's first
// collector invocation to its last, taken from the execution history.
// Usage: npm run bench:shards -- [--items 200000] [--shards 4] [--latency-ms 300]
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { GetExecutionHistoryCommand, type HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { loadItems } from '../functions/adapters/dynamodb/batch-writer';
import { ExactNumber } from '../functions/core/values';
import { executionName } from '../functions/core/workflow';
import { requestExport } from '../local/portal';
import { ADMIN_ACCESS_KEY } from '../local/runtime/aws-endpoint';
import { LOCAL_REGION } from '../local/runtime/deployment';
import { startLocalRuntime } from '../local/runtime/runtime';
import { BENCH_CONTEXT } from './export-bench-context';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '200000' },
    shards: { type: 'string', default: '4' },
    'latency-ms': { type: 'string', default: '300' },
  },
});
const items = Number(values.items);
const shards = Number(values.shards);
const latencyMs = Number(values['latency-ms']);
if (![items, shards, latencyMs].every((n) => Number.isInteger(n) && n >= 0) || shards < 2 || items < shards) {
  console.error('--items, --shards (≥ 2) and --latency-ms must be whole numbers');
  process.exit(2);
}

const PLAYER = 'p-bench';
const statId = (i: number) => `stat#${String(i).padStart(9, '0')}`;

/** One export of the player with game-stats cut into `parts` even sort-key ranges (1: not sharded). */
async function measure(parts: number): Promise<{ seconds: number; invocations: number; records: number }> {
  const workDir = await mkdtemp(join(tmpdir(), 'pde-shard-bench-'));
  try {
    const map = JSON.parse(await readFile('config/data-map.json', 'utf8')) as {
      sources: { id: string; shards?: string[] }[];
    };
    const stats = map.sources.find((s) => s.id === 'game-stats');
    if (!stats) throw new Error('The data map has no game-stats source');
    if (parts > 1)
      stats.shards = Array.from({ length: parts - 1 }, (_, i) =>
        statId(Math.floor(((i + 1) * items) / parts)),
      );
    const dataMapFile = join(workDir, 'data-map.json');
    await writeFile(dataMapFile, JSON.stringify(map));
    const runtime = await startLocalRuntime({
      workDir,
      context: { ...BENCH_CONTEXT, dataMapFile, mailPerSecond: 50 },
    });
    try {
      const admin = runtime.admin.dynamodb;
      await loadItems(admin, runtime.gameTable('players'), [{ playerId: PLAYER, username: 'bench' }]);
      for (let from = 0; from < items; from += 50_000) {
        await loadItems(
          admin,
          runtime.gameTable('game-stats'),
          Array.from({ length: Math.min(50_000, items - from) }, (_, k) => ({
            playerId: PLAYER,
            statId: statId(from + k),
            kind: 'match',
            recordedAt: '2026-01-01T00:00:00.000Z',
            result: 'win',
            score: ExactNumber.of(from + k),
            durationSec: ExactNumber.of(600),
            device: 'x'.repeat(120),
          })),
        );
      }
      runtime.injectFault({
        service: 'dynamodb',
        functionName: 'CollectCategory',
        operation: 'Query',
        resource: `table/${runtime.gameTable('game-stats')}`,
        delayMs: latencyMs,
      });
      const exported = await requestExport(runtime, { playerId: PLAYER });
      const execution = runtime.stepFunctions
        .list()
        .find((e) => e.name === executionName(exported.requestId, 1));
      const sfn = new SFNClient({
        region: LOCAL_REGION,
        endpoint: runtime.endpoint,
        credentials: { accessKeyId: ADMIN_ACCESS_KEY, secretAccessKey: ADMIN_ACCESS_KEY },
      });
      const { events = [] } = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn: execution?.executionArn }),
      );
      const ofStats = (e: HistoryEvent, text: string | undefined) =>
        e.stateEnteredEventDetails?.name === 'CollectSourcesItem' ||
        e.stateExitedEventDetails?.name === 'CollectSourcesItem'
          ? (text ?? '').includes('"sourceId":"game-stats"')
          : false;
      const entered = events.filter((e) => ofStats(e, e.stateEnteredEventDetails?.input));
      const exited = events.filter((e) => ofStats(e, e.stateExitedEventDetails?.output));
      const at = (e: HistoryEvent) => new Date(e.timestamp as Date).getTime();
      const seconds = (Math.max(...exited.map(at)) - Math.min(...entered.map(at))) / 1000;
      return {
        seconds,
        invocations: entered.length,
        records: exported.answering.recordsByCategory?.['game-statistics'] ?? -1,
      };
    } finally {
      await runtime.stop();
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

console.log(
  `shard bench: ${items.toLocaleString('en')} game statistics, ${latencyMs} ms per Query page, ` +
    `${cpus().length} cores`,
);
const one = await measure(1);
console.log(`1 task: ${one.seconds.toFixed(1)} s (${one.records} records)`);
const many = await measure(shards);
console.log(`${shards} shards: ${many.seconds.toFixed(1)} s (${many.records} records)`);
const efficiency = one.seconds / (shards * many.seconds);
console.log(
  `speed-up ${(one.seconds / many.seconds).toFixed(2)}×, parallel efficiency ${efficiency.toFixed(2)} (target ≥ 0.7)`,
);
const file = `bench/results/shards-${new Date().toISOString().slice(0, 10)}-${items}-${latencyMs}ms.json`;
await writeFile(
  file,
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? '', node: process.version },
      items,
      latencyMsPerPage: latencyMs,
      oneTask: one,
      sharded: { shards, ...many },
      speedUp: one.seconds / many.seconds,
      efficiency,
    },
    null,
    2,
  )}\n`,
);
console.log(`figures written to ${file}`);
