// One measured run in its own process, so its peak RSS is its own (the stores live in the parent):
// the local runtime of the synthesized templates against the parent's stores, then either a whole
// export (event → READY) or a plain paginated Query of the same items through the same endpoint.
// Usage: tsx bench/child.ts <export|query> <playerId>; BENCH_STORES and BENCH_WORK from the parent.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { readFile } from 'node:fs/promises';
import { paginateQuery } from '@aws-sdk/client-dynamodb';
import { requestExport } from '../local/portal';
import { maxMemoryUsedMb } from '../local/runtime/lambda-host';
import { startLocalRuntime } from '../local/runtime/runtime';
import { BENCH_CONTEXT } from './export-bench-context';

const [mode, playerId] = process.argv.slice(2);
const stores = JSON.parse(process.env.BENCH_STORES ?? '{}');
/**
 * The most memory any invocation of each function used (its REPORT lines' Max Memory Used), by
 * the function's name in the stack ("CollectCategory", "BuildArchive"): what must fit the
 * function's memory size, where the process's RSS holds every environment and the runtime.
 */
const functionMemoryMb: Record<string, number> = {};
let measuring = false;
// The bench loads its own sizes of the demo game (export-bench.ts): no seed at deploy.
const runtime = await startLocalRuntime({
  workDir: process.env.BENCH_WORK ?? '.local/bench',
  stores,
  context: BENCH_CONTEXT,
  onLog: ({ functionName, text }) => {
    const used = maxMemoryUsedMb(text);
    if (!measuring || used === undefined) return;
    const name = /-(\w+?)Function[0-9A-F]{8}/.exec(functionName)?.[1] ?? functionName;
    functionMemoryMb[name] = Math.max(functionMemoryMb[name] ?? 0, used);
  },
});

async function plainQuery(): Promise<Record<string, number>> {
  let items = 0;
  const pages = paginateQuery(
    { client: runtime.admin.dynamodb },
    {
      TableName: runtime.gameTable('game-stats'),
      KeyConditionExpression: 'playerId = :p',
      ExpressionAttributeValues: { ':p': { S: playerId as string } },
    },
  );
  for await (const page of pages) items += page.Items?.length ?? 0;
  return { items };
}

async function exportOnce(): Promise<Record<string, unknown>> {
  const { answering } = await requestExport(runtime, { playerId: playerId as string });
  const at = (state: string) => Date.parse(answering.stateTimes[state as 'READY'] ?? '');
  return {
    records: Object.values(answering.recordsByCategory ?? {}).reduce((a, b) => a + b, 0),
    archiveBytes: answering.archiveBytes,
    archiveKey: answering.archiveKey,
    collectMs: at('PACKAGING') - at('COLLECTING'),
    buildMs: at('READY') - at('PACKAGING'),
  };
}

/**
 * Peak RSS of this process alone (the runtime and every function's environment: they are threads
 * of it). getrusage's ru_maxrss survives exec on Linux, so a child forked from the bench would
 * report the parent's size; VmHWM belongs to the new address space and starts afresh at exec.
 */
async function peakRssMb(): Promise<number> {
  try {
    const status = await readFile('/proc/self/status', 'utf8');
    const kb = Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1]);
    if (Number.isFinite(kb) && kb > 0) return kb / 1024;
  } catch {
    // not Linux: fall back below
  }
  return process.resourceUsage().maxRSS / 1024;
}

// The parent reads these two lines to measure its stores' CPU over exactly the measured part.
process.stdout.write('measure: start\n');
measuring = true;
const started = performance.now();
const cpuAtStart = process.cpuUsage();
const figures = mode === 'query' ? await plainQuery() : await exportOnce();
// Every thread of this process: the runtime and every function's environment (or the SDK client).
const cpu = process.cpuUsage(cpuAtStart);
const wallMs = performance.now() - started;
process.stdout.write('measure: end\n');
measuring = false;
const cpuMs = (cpu.user + cpu.system) / 1000;
const maxRssMb = await peakRssMb();
await runtime.stop();
process.stdout.write(
  `${JSON.stringify({ mode, playerId, wallMs, cpuMs, maxRssMb, functionMemoryMb, ...figures })}\n`,
);
