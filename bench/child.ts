// One measured run in its own process, so its peak RSS is the export's alone (the stores live in
// the parent). Usage: tsx bench/child.ts <export|query> <playerId>; endpoints from the environment.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { readFile } from 'node:fs/promises';
import { paginateQuery } from '@aws-sdk/client-dynamodb';
import { createClients } from '../functions/runtime/clients';
import { runLocalExport } from '../local/run-export';

const [mode, playerId] = process.argv.slice(2);
const endpoints = { dynamodb: process.env.BENCH_DYNAMODB ?? '', s3: process.env.BENCH_S3 ?? '' };
const clients = createClients(endpoints);
const bucket = process.env.BENCH_BUCKET ?? '';

async function plainQuery(): Promise<Record<string, number>> {
  let items = 0;
  const pages = paginateQuery(
    { client: clients.dynamodb },
    {
      TableName: 'game-stats',
      KeyConditionExpression: 'playerId = :p',
      ExpressionAttributeValues: { ':p': { S: playerId as string } },
    },
  );
  for await (const page of pages) items += page.Items?.length ?? 0;
  return { items };
}

async function exportOnce(): Promise<Record<string, number>> {
  const marks: Record<string, number> = {};
  const started = performance.now();
  const outcome = await runLocalExport(
    { clients, bucket },
    {
      playerId: playerId as string,
      onProgress: ({ step }) => {
        marks[step] ??= performance.now() - started;
      },
    },
  );
  return {
    records: Object.values(outcome.archive.recordsByCategory).reduce((a, b) => a + b, 0),
    archiveBytes: outcome.archive.bytes,
    stagedBytes: outcome.results.flatMap((r) => r.files).reduce((a, f) => a + f.bytes, 0),
    buildMs: performance.now() - started - (marks.BuildArchive ?? 0),
  };
}

/**
 * Peak RSS of this process alone. getrusage's ru_maxrss survives exec on Linux, so a child forked
 * from the bench (which holds the stores' million items) would report the parent's size; VmHWM
 * belongs to the new address space and starts afresh at exec.
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

const started = performance.now();
const figures = mode === 'query' ? await plainQuery() : await exportOnce();
const wallMs = performance.now() - started;
clients.dynamodb.destroy();
clients.s3.destroy();
process.stdout.write(
  `${JSON.stringify({ mode, playerId, wallMs, maxRssMb: await peakRssMb(), ...figures })}\n`,
);
