import type { CollectResult } from '../workflow-types';
import type { RetentionFinding } from './retention';
import type { FieldMismatch } from './type-observer';

/**
 * One result from the results of consecutive parts of one source (pieces of one invocation after
 * another, or shard after shard): counts add up, pieces and previews keep their order, findings
 * combine. `later` follows `earlier` in the source's sort-key order.
 */
export function mergeCollected(earlier: CollectResult, later: CollectResult): CollectResult {
  if (earlier.sourceId !== later.sourceId) {
    throw new Error(`Cannot merge results of "${earlier.sourceId}" and "${later.sourceId}"`);
  }
  const mismatches = mergeMismatches(earlier.mismatches ?? [], later.mismatches ?? []);
  const pastRetention = mergeRetention(earlier.pastRetention, later.pastRetention);
  const previewKeys = [...(earlier.previewKeys ?? []), ...(later.previewKeys ?? [])];
  const { shard: _shard, ...rest } = earlier;
  return {
    ...rest,
    records: earlier.records + later.records,
    files: [...earlier.files, ...later.files],
    ...(pastRetention ? { pastRetention } : {}),
    ...(mismatches.length > 0 ? { mismatches } : {}),
    ...(previewKeys.length > 0 ? { previewKeys } : {}),
  };
}

/** The results of a whole collection, one per source in the order given (shards merged in order). */
export function resultsBySource(results: readonly CollectResult[]): CollectResult[] {
  const bySource = new Map<string, CollectResult[]>();
  for (const result of results) {
    bySource.set(result.sourceId, [...(bySource.get(result.sourceId) ?? []), result]);
  }
  return [...bySource.values()].map((parts) => {
    const ordered = [...parts].sort((a, b) => (a.shard ?? 0) - (b.shard ?? 0));
    const [first, ...rest] = ordered as [CollectResult, ...CollectResult[]];
    const merged = rest.reduce(mergeCollected, first);
    const { shard: _shard, ...whole } = merged;
    return whole;
  });
}

function mergeMismatches(a: readonly FieldMismatch[], b: readonly FieldMismatch[]): FieldMismatch[] {
  const byPath = new Map<string, FieldMismatch>();
  for (const m of [...a, ...b]) {
    const found = byPath.get(m.path);
    byPath.set(
      m.path,
      found
        ? {
            ...found,
            seen: [...new Set([...found.seen, ...m.seen])].sort(),
            records: found.records + m.records,
          }
        : { ...m, seen: [...m.seen] },
    );
  }
  return [...byPath.values()].sort((x, y) => x.path.localeCompare(y.path));
}

function mergeRetention(
  a: RetentionFinding | undefined,
  b: RetentionFinding | undefined,
): RetentionFinding | undefined {
  if (!a || !b) return a ?? b;
  // ISO dates of one format: their text order is their time order.
  const oldest = [a.oldest, b.oldest].sort()[0] ?? a.oldest;
  return { ...a, records: a.records + b.records, oldest };
}
