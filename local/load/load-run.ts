import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDeployConfig } from '../../config/deploy';
import { readBudgetsOf } from '../../functions/core/data-map/data-map';
import { defaultDataMap } from '../../functions/core/data-map/default-data-map';
import { hashToken } from '../../functions/core/requests/grant';
import type { ExportRequestRecord } from '../../functions/core/requests/request-record';
import { pipelineRecords, putExportRequested } from '../portal';
import { linkFromEml } from '../runtime/read-outbox';
import { startLocalRuntime } from '../runtime/runtime';
import { seedSyntheticPlayers } from './synthetic-players';

export interface LoadOptions {
  requests: number;
  players: number;
  maxConcurrent?: number;
  /** Read units per second for every game table (the deployment's readBudget). */
  readBudget?: number;
  /** Share of the game tables' reads the local store answers with ProvisionedThroughputExceededException. */
  injectThrottling?: number;
  /** Game statistics of each copy of the demo's heavy player (every len(personas)-th player). */
  stats?: number;
  /** Give up waiting after this long; requests not final by then are `lost`. */
  timeoutMs?: number;
  say?: (line: string) => void;
}

export interface LoadSummary {
  requests: number;
  ready: number;
  failed: number;
  lost: number;
  peakConcurrentExports: number;
  readBudget: number;
  peakReadUnitsPerSecond: Record<string, number>;
  totalReadUnits: Record<string, number>;
  throttledReads: number;
  wallSeconds: number;
  p50Seconds: number;
  p95Seconds: number;
}

const FINAL = new Set(['READY', 'FAILED', 'EXPIRED']);

/**
 * `npm run load`: the synthesized templates on fresh local stores, `players` synthetic players,
 * `requests` ExportRequested events sent at once (several per player, distinct request ids), and
 * a wait until every request has settled. Read units are measured at the store (ReadMeter), per
 * game table and one-second window; concurrency from the requests' own state times.
 */
export async function runLoad(options: LoadOptions): Promise<LoadSummary> {
  const say = options.say ?? (() => undefined);
  const workDir = await mkdtemp(join(tmpdir(), 'pde-load-'));
  const context: Record<string, unknown> = {
    // A production SES account's first sending rate (14 a second), not the sandbox's 1: a load run
    // measures the exports, and a thousand links at 1 a second would take a quarter of an hour.
    mailPerSecond: 14,
    ...(options.maxConcurrent ? { maxConcurrentExports: options.maxConcurrent } : {}),
    ...(options.readBudget ? { readBudget: options.readBudget } : {}),
  };
  say('Synthesizing the CDK app and starting its local runtime…');
  // The schedules tick (dispatcher safety net, watchdog, delivery retries); retries wait as written.
  const runtime = await startLocalRuntime({ workDir, context, scheduleEveryMs: 5_000 });
  try {
    const config = readDeployConfig((key) => runtime.context[key]);
    const budgets = readBudgetsOf(defaultDataMap, config.readBudget);
    const tables = new Map(
      Object.keys(budgets).map((table) => {
        const deployed = runtime.deployment.tables.find((t) => t.name === runtime.gameTable(table));
        if (!deployed) throw new Error(`No deployed table for ${table}`);
        return [table, deployed] as const;
      }),
    );
    const players = await seedSyntheticPlayers(runtime.admin.dynamodb, {
      count: options.players,
      dataMap: defaultDataMap,
      tables,
      ...(options.stats !== undefined ? { statsForHeavyPlayer: options.stats } : {}),
    });
    say(`${players.length} players seeded; ${options.requests} requests at once…`);
    const throttle =
      options.injectThrottling && options.injectThrottling > 0
        ? runtime.injectFault({
            service: 'dynamodb',
            functionName: 'CollectCategory',
            operation: 'Query',
            code: 'ProvisionedThroughputExceededException',
            share: options.injectThrottling,
          })
        : undefined;

    runtime.readMeter.reset();
    const started = Date.now();
    const ids = await Promise.all(
      Array.from({ length: options.requests }, (_, i) =>
        putExportRequested(runtime, {
          requestId: `load-${String(i + 1).padStart(String(options.requests).length, '0')}`,
          playerId: players[i % players.length] as string,
        }),
      ),
    );
    const { requests } = pipelineRecords(runtime);
    const deadline = started + (options.timeoutMs ?? 30 * 60_000);
    let records = new Map<string, ExportRequestRecord>();
    const delivered = new Set<string>();
    const { outbox } = pipelineRecords(runtime);
    for (;;) {
      records = await readAll(requests, ids, records);
      // A request answered with a new link to a fresh archive has a delivery of its own: wait for it.
      for (const id of ids) {
        if (settled(id, records) && !delivered.has(id)) {
          const own = await outbox.get(id).catch(() => undefined);
          if (!own || own.completedAt) delivered.add(id);
        }
      }
      const open = ids.filter((id) => !settled(id, records) || !delivered.has(id));
      say(`  ${ids.length - open.length}/${ids.length} settled`);
      if (open.length === 0 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    const wallSeconds = (Date.now() - started) / 1000;
    throttle?.remove();

    const links = await linksByTokenHash(runtime.outboxDir);
    // A player without an address gets the link from the ExportReady event only (the portal shows it).
    for (const event of await runtime.events()) {
      if (event['detail-type'] === 'ExportReady' && typeof event.detail.link === 'string') {
        const link = event.detail.link;
        links.set(hashToken(link.slice(link.lastIndexOf('/') + 1)), link);
      }
    }
    let ready = 0;
    let failed = 0;
    let lost = 0;
    const latencies: number[] = [];
    for (const id of ids) {
      const record = records.get(id);
      const answering = record?.attachedTo
        ? (records.get(record.attachedTo) ?? (await requests.get(record.attachedTo)))
        : record;
      if (!record || !answering || !FINAL.has(answering.state)) {
        lost++;
        continue;
      }
      if (answering.state !== 'READY') {
        failed++;
        say(`  ${id}: ${answering.state}: ${answering.failureReason ?? ''}`);
        continue;
      }
      const delivery = (await outbox.get(id)) ?? (await outbox.get(answering.requestId));
      const link = delivery ? links.get(delivery.tokenHash) : undefined;
      const status = link ? await landingPageStatus(link) : 'no link';
      if (status === 200) ready++;
      else {
        failed++;
        say(`  ${id}: READY, but its link answered ${status}`);
      }
      const readyAt = Date.parse(answering.stateTimes.READY ?? answering.updatedAt);
      latencies.push(Math.max(0, readyAt - Date.parse(record.receivedAt)) / 1000);
    }

    const deployedToMap = new Map([...tables].map(([name, t]) => [t.name, name]));
    const byMapName = (figures: Record<string, number>) =>
      Object.fromEntries(
        Object.entries(figures).flatMap(([deployed, units]) => {
          const name = deployedToMap.get(deployed);
          return name ? [[name, Math.round(units * 10) / 10]] : [];
        }),
      );
    latencies.sort((a, b) => a - b);
    return {
      requests: ids.length,
      ready,
      failed,
      lost,
      peakConcurrentExports: peakConcurrency([...records.values()]),
      readBudget: config.readBudget,
      peakReadUnitsPerSecond: byMapName(runtime.readMeter.peakPerSecond()),
      totalReadUnits: byMapName(runtime.readMeter.totalUnits()),
      throttledReads: throttle?.hits ?? 0,
      wallSeconds: Math.round(wallSeconds * 10) / 10,
      p50Seconds: percentile(latencies, 0.5),
      p95Seconds: percentile(latencies, 0.95),
    };
  } finally {
    await runtime.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * The requests' records, twenty reads at a time (a load run must not become the store's load);
 * a read the busy store fails keeps the last answer and is read again at the next poll.
 */
async function readAll(
  requests: { get(id: string): Promise<ExportRequestRecord | undefined> },
  ids: readonly string[],
  last: ReadonlyMap<string, ExportRequestRecord>,
): Promise<Map<string, ExportRequestRecord>> {
  const records = new Map(last);
  for (let i = 0; i < ids.length; i += 20) {
    await Promise.all(
      ids.slice(i, i + 20).map(async (id) => {
        const record = await requests.get(id).catch(() => records.get(id));
        if (record) records.set(id, record);
      }),
    );
  }
  return records;
}

/** Final, and for READY the link has left (or delivery was given up: the watchdog's business). */
function settled(id: string, records: ReadonlyMap<string, ExportRequestRecord>): boolean {
  const record = records.get(id);
  if (!record) return false;
  const answering = record.attachedTo ? records.get(record.attachedTo) : record;
  if (!answering) return FINAL.has(record.state) || Boolean(record.attachedTo);
  if (!FINAL.has(answering.state)) return false;
  return answering.state !== 'READY' || Boolean(answering.deliveredAt || answering.deliveryProblem);
}

/** The most exports at work at one moment: each from admission (RECEIVED) to READY or FAILED. */
export function peakConcurrency(records: readonly ExportRequestRecord[]): number {
  const edges: [number, number][] = [];
  for (const record of records) {
    if (record.attachedTo) continue;
    const start = record.stateTimes.RECEIVED;
    const end = record.stateTimes.READY ?? record.stateTimes.FAILED;
    if (!start) continue;
    edges.push([Date.parse(start), 1]);
    if (end) edges.push([Date.parse(end), -1]);
  }
  // At one instant an end comes before a start: a slot given back and taken again is not two.
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let running = 0;
  let peak = 0;
  for (const [, step] of edges) {
    running += step;
    peak = Math.max(peak, running);
  }
  return peak;
}

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const value = sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
  return Math.round(value * 10) / 10;
}

/**
 * The landing page's status as a player's browser gets it: the gateway's rate limit (20 requests a
 * second by default) answers 429 with Retry-After to a burst of checks, so wait as a browser would.
 */
async function landingPageStatus(link: string): Promise<number> {
  for (let tries = 0; ; tries++) {
    const response = await fetch(link);
    await response.arrayBuffer();
    if (response.status !== 429 || tries >= 10) return response.status;
    const seconds = Number(response.headers.get('retry-after') ?? '1');
    await new Promise((resolve) => setTimeout(resolve, (Number.isFinite(seconds) ? seconds : 1) * 1000));
  }
}

/** Every e-mailed link in the outbox by its token's hash (one pass over the files). */
async function linksByTokenHash(outboxDir: string): Promise<Map<string, string>> {
  const links = new Map<string, string>();
  for (const name of await readdir(outboxDir).catch(() => [] as string[])) {
    if (!name.endsWith('.eml')) continue;
    const link = linkFromEml(await readFile(join(outboxDir, name), 'utf8'));
    links.set(hashToken(link.slice(link.lastIndexOf('/') + 1)), link);
  }
  return links;
}
