import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergePreviews, parsePreview } from '../../functions/core/collect/preview';
import { defaultDataMap } from '../../functions/core/data-map/default-data-map';
import { ExactNumber, type StoreRecord } from '../../functions/core/values';
import type { CollectTask } from '../../functions/core/workflow-types';
import { collectFiles, pagedReader } from '../support/collect-files';
import { MemoryStore } from '../support/memory-store';

const pseudonymKeys = { keyFor: async () => Buffer.alloc(32, 7) };
const task = (sourceId: string): CollectTask => ({
  requestId: 'req-1',
  playerId: 'p-1',
  attempt: 1,
  sourceId,
  generatedAt: '2026-11-30T12:00:00.000Z',
  stagingPrefix: 'staging/req-1/1/',
});

const decimal = fc
  .tuple(fc.integer({ min: -99999, max: 99999 }), fc.integer({ min: 0, max: 99 }))
  .map(([whole, cents]) => new ExactNumber(`${whole}.${String(cents).padStart(2, '0')}`));
const date = fc
  .integer({ min: Date.UTC(2019, 0, 1), max: Date.UTC(2026, 10, 1) })
  .map((ms) => new Date(ms).toISOString());

/** Purchases (money totals, retention) and game statistics (monthly timeline), with misfits now and then. */
const purchase = fc.record(
  {
    purchaseId: fc.string({ minLength: 1, maxLength: 8 }),
    purchasedAt: date,
    amount: fc.oneof(decimal, decimal, fc.constant('free')),
    currency: fc.constantFrom('EUR', 'USD', '฿'),
    status: fc.constantFrom('completed', 'refunded'),
    note: fc.string({ maxLength: 20 }),
  },
  { requiredKeys: ['purchaseId', 'purchasedAt'] },
);
const stat = fc.record(
  {
    statId: fc.string({ minLength: 1, maxLength: 8 }),
    kind: fc.constantFrom('match', 'session', 'achievement'),
    recordedAt: date,
    result: fc.constantFrom('win', 'loss', 'draw'),
    durationSec: fc.integer({ min: 0, max: 9000 }).map((n) => ExactNumber.of(n)),
    opponentIds: fc.array(fc.constantFrom('p-2', 'p-3', '🎮'), { maxLength: 3 }),
  },
  { requiredKeys: ['statId', 'kind', 'recordedAt'] },
);

/** Cuts a list into pages at the given points. */
function pagesOf(items: StoreRecord[], cuts: number[]): StoreRecord[][] {
  const points = [...new Set(cuts.map((c) => c % (items.length + 1)))].sort((a, b) => a - b);
  const pages: StoreRecord[][] = [];
  let from = 0;
  for (const point of [...points, items.length]) {
    pages.push(items.slice(from, point));
    from = point;
  }
  return pages;
}

async function collect(sourceId: string, pages: StoreRecord[][], timeBudgetMs?: number) {
  const store = new MemoryStore();
  const deps = {
    reader: pagedReader(pages),
    store,
    dataMap: defaultDataMap,
    pseudonymKeys,
    ...(timeBudgetMs !== undefined ? { timeBudgetMs } : {}),
  };
  const { result, files, invocations } = await collectFiles(deps, task(sourceId));
  const previews = (result.previewKeys ?? []).map((key) =>
    parsePreview(store.objects.get(key) ?? Buffer.alloc(0)),
  );
  return { result, files, invocations, preview: mergePreviews(previews) };
}

describe('a source collected in pieces (a checkpoint after every page)', () => {
  it.each([
    ['purchases', purchase as fc.Arbitrary<StoreRecord>],
    ['game-stats', stat as fc.Arbitrary<StoreRecord>],
  ] as const)('gives %s the same files, counts, findings and preview as one pass', async (sourceId, item) => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(item, { maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (records, cuts) => {
          const items = records.map((r) => ({ ...r, playerId: 'p-1' }) as StoreRecord);
          const whole = await collect(sourceId, [items]);
          const pieces = await collect(sourceId, pagesOf(items, cuts), 0);
          expect(pieces.invocations).toBe(pagesOf(items, cuts).length);
          expect(pieces.files).toEqual(whole.files);
          const { files: _a, previewKeys: _b, ...wholeFacts } = whole.result;
          const { files: _c, previewKeys: _d, ...pieceFacts } = pieces.result;
          expect(pieceFacts).toEqual(wholeFacts);
          expect(pieces.preview).toEqual(whole.preview);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('keeps the preview to its first rows without gaps across pieces', async () => {
    const items = Array.from({ length: 1200 }, (_, i) => ({
      playerId: 'p-1',
      statId: `s-${String(i).padStart(4, '0')}`,
      kind: 'session',
      recordedAt: '2026-01-01T00:00:00.000Z',
    }));
    const { preview } = await collect('game-stats', pagesOf(items, [300, 450, 900]), 0);
    expect(preview?.records).toBe(1200);
    expect(preview?.rows.map((r) => r.statId)).toEqual(items.slice(0, 500).map((r) => r.statId));
  });
});
