// npm run bench:record-path -- [items] — the collector's record path alone: `collectSource` on game
// statistics served in pages of 1,000 from memory and staged into a store that counts the bytes and
// keeps none, so no SDK, no network and no local S3 share the measurement (a store that kept the
// ~85 MB made the encoding look several times dearer: every block landed on fresh pages). Prints µs per record; with
// `node --import tsx --cpu-prof bench/record-path.ts` it writes a CPU profile of exactly that path
// (what the export bench's ratio to a plain Query cannot separate from the build and the stores).
import type { Readable } from 'node:stream';
import { collectSource } from '../functions/core/collect/collect-source';
import { defaultDataMap } from '../functions/core/data-map/default-data-map';
import type { ObjectStore } from '../functions/core/ports';
import { ExactNumber, type StoreRecord } from '../functions/core/values';
import { pagedReader } from '../test/support/collect-files';

const N = Number(process.argv[2] ?? 200000);
const items: StoreRecord[] = Array.from({ length: N }, (_, i) => ({
  playerId: 'p-1',
  statId: `match#2024-01-01T00:00:00Z#${String(i).padStart(7, '0')}`,
  kind: 'match',
  recordedAt: new Date(Date.UTC(2024, 0, 1) + i * 60000).toISOString(),
  result: i % 3 === 0 ? 'win' : 'loss',
  durationSec: ExactNumber.of(600 + (i % 900)),
  score: ExactNumber.of(i % 5000),
  opponentIds: ['p-2', 'p-3'],
  map: 'fjord',
  device: 'pc',
}));
const pages: StoreRecord[][] = [];
for (let i = 0; i < N; i += 1000) pages.push(items.slice(i, i + 1000));
let stagedBytes = 0;
const store: ObjectStore = {
  async put(_key: string, body: Readable) {
    for await (const chunk of body) stagedBytes += (chunk as Buffer).length;
  },
  get: () => Promise.reject(new Error('the record path reads nothing back')),
  exists: async () => false,
  keysUnder: async () => [],
  delete: async () => undefined,
};
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const out = await collectSource(
  {
    reader: pagedReader(pages),
    store,
    dataMap: defaultDataMap,
    pseudonymKeys: { keyFor: async () => Buffer.alloc(32, 7) },
    timeBudgetMs: 600_000,
  },
  {
    requestId: 'req-1',
    playerId: 'p-1',
    attempt: 1,
    sourceId: 'game-stats',
    generatedAt: '2026-11-30T12:00:00.000Z',
    stagingPrefix: 'staging/req-1/1/',
  },
);
const cpu = process.cpuUsage(cpu0);
const ms = performance.now() - t0;
if (!('records' in out) || out.records !== N)
  throw new Error(`collected ${JSON.stringify(out).slice(0, 200)}`);
process.stdout.write(
  `${JSON.stringify({
    items: N,
    ms: Math.round(ms),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    usPerRecord: Number(((ms * 1000) / N).toFixed(1)),
    stagedMb: Number((stagedBytes / 2 ** 20).toFixed(1)),
  })}\n`,
);
