import { type CollectDeps, collectSource } from '../../functions/core/collect/collect-source';
import { framingsOf } from '../../functions/core/collect/framing';
import { sourceById } from '../../functions/core/data-map/data-map';
import type { ReadPage, SourceReader } from '../../functions/core/ports';
import type { StoreRecord } from '../../functions/core/values';
import type { CollectResult, CollectTask } from '../../functions/core/workflow-types';
import type { MemoryStore } from './memory-store';

/** A reader serving these pages (positions are page numbers), for unit tests of collection. */
export function pagedReader(pages: readonly StoreRecord[][]): SourceReader {
  const from = async function* (after?: Readonly<Record<string, unknown>>): AsyncIterable<ReadPage> {
    const start = typeof after?.page === 'number' ? after.page : 0;
    for (let i = start; i < pages.length; i++) {
      yield { records: pages[i] ?? [], ...(i + 1 < pages.length ? { next: { page: i + 1 } } : {}) };
    }
  };
  return {
    async *pages() {
      for await (const page of from()) yield page.records;
    },
    pagesFrom: (_query, after) => from(after),
  };
}

/**
 * Runs a collect task as the workflow's loop does (again while it hands over) and joins each
 * file's staged pieces inside its framing, as the build writes the file into the archive.
 */
export async function collectFiles(
  deps: CollectDeps & { store: MemoryStore },
  task: CollectTask,
): Promise<{ result: CollectResult; invocations: number; files: Map<string, Buffer> }> {
  let outcome = await collectSource(deps, task);
  let invocations = 1;
  while ('resume' in outcome) {
    outcome = await collectSource(deps, outcome);
    invocations++;
  }
  const result = outcome;
  const files = new Map<string, Buffer>();
  for (const framing of framingsOf(sourceById(deps.dataMap, task.sourceId), task.generatedAt)) {
    const pieces = result.files
      .filter((f) => f.path === framing.path && f.bytes > 0)
      .map((f) => deps.store.objects.get(f.stagingKey) ?? Buffer.alloc(0));
    const body = pieces.flatMap((piece, i) => [
      Buffer.from(i === 0 ? framing.first : framing.between),
      piece,
    ]);
    const tail = pieces.length === 0 ? framing.emptyTail : framing.tail;
    files.set(framing.path, Buffer.concat([Buffer.from(framing.head), ...body, Buffer.from(tail)]));
  }
  return { result, invocations, files };
}
