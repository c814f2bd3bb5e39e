import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { checkpointKey, stagedPieceKey } from '../archive/layout';
import { type DataMap, DataMapError, shardCount, sourceById, sourceQuery } from '../data-map/data-map';
import { SourceReadError, SourceThrottledError } from '../errors';
import type { ObjectStore, PseudonymKeys, ReadPosition, SourceReader } from '../ports';
import type { CollectResult, CollectTask, StagedFile } from '../workflow-types';
import { csvColumns, csvRow } from './csv';
import { applyFieldRules } from './field-rules';
import { csvFraming, jsonFraming } from './framing';
import { toJsonText } from './json-text';
import { mergeCollected } from './merge-collected';
import { PreviewCollector, previewStagingKey } from './preview';
import { Pseudonymiser } from './pseudonymiser';
import { RetentionCheck } from './retention';
import { StagedWriter } from './staged-writer';
import { TypeObserver } from './type-observer';

/** Records written between two turns of the event loop (see the record loop). */
const YIELD_EVERY_RECORDS = 100;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface CollectDeps {
  reader: SourceReader;
  store: ObjectStore;
  dataMap: DataMap;
  pseudonymKeys: PseudonymKeys;
  /**
   * How long one invocation reads before it stops after a page and hands the rest to the next
   * invocation (well under Lambda's 15 minutes). Absent: no limit.
   */
  timeBudgetMs?: number;
  /** Milliseconds, for the time budget. @default Date.now */
  now?: () => number;
}

/**
 * The outcome of one invocation: the source's (or shard's) result when it read to the end, or the
 * task again with `resume` set when it stopped at its time budget (the workflow invokes it again).
 */
export type CollectOutcome = CollectResult | (CollectTask & { resume: NonNullable<CollectTask['resume']> });

/**
 * Reads one source's items for the player (one shard of it, when the data map shards it) and
 * stages them as a piece of its JSON and CSV files, page by page: at most one store page and a few
 * output chunks are in memory at any time. Past its time budget it stops after a page and saves
 * where it stopped; the next invocation writes the next piece from there.
 */
export async function collectSource(deps: CollectDeps, task: CollectTask): Promise<CollectOutcome> {
  const source = sourceById(deps.dataMap, task.sourceId);
  const shard = task.shard ?? 0;
  if (!Number.isInteger(shard) || shard < 0 || shard >= shardCount(source)) {
    throw new DataMapError(`Source "${source.id}" has no shard ${shard}`);
  }
  const piece = task.resume?.piece ?? 0;
  const now = deps.now ?? Date.now;
  const started = now();
  const after = task.resume ? await readCheckpoint(deps.store, task.resume.checkpointKey) : undefined;
  const pseudonyms = new Pseudonymiser(
    await deps.pseudonymKeys.keyFor(task.requestId, task.attempt),
    task.playerId,
  );
  const columns = csvColumns(source.fields);
  const jsonFile = jsonFraming(source, task.generatedAt);
  const jsonPath = jsonFile.path;
  const csvPath = csvFraming(source).path;
  const jsonKey = stagedPieceKey(task.stagingPrefix, jsonPath, shard, piece);
  const csvKey = stagedPieceKey(task.stagingPrefix, csvPath, shard, piece);
  // Records only: the build adds each file's head, tail and the separators between pieces.
  const json = new StagedWriter(deps.store, jsonKey, 'application/json');
  const csv = new StagedWriter(deps.store, csvKey, 'text/csv; charset=utf-8');
  // First rows and totals for the offline viewer, gathered in this same pass.
  const preview = new PreviewCollector(source);
  const types = new TypeObserver(source.fields);

  const retention = new RetentionCheck(source, task.generatedAt);
  let records = 0;
  let stoppedAt: ReadPosition | undefined;
  try {
    const query = sourceQuery(source, task.playerId, task.shard);
    for await (const page of deps.reader.pagesFrom(query, after)) {
      for (const item of page.records) {
        // A page is thousands of records: letting the event loop run between slices of it lets
        // the read-ahead's round trips (budget, next page) and the uploads progress meanwhile,
        // instead of queueing until the whole page is written.
        if (records % YIELD_EVERY_RECORDS === YIELD_EVERY_RECORDS - 1) await yieldToEventLoop();
        retention.observe(item);
        const record = applyFieldRules(item, source.fields, pseudonyms);
        types.observe(record);
        const text = toJsonText(record);
        if (records > 0) json.append(jsonFile.between);
        json.append(text);
        preview.add(record, text);
        csv.append(csvRow(record, columns, source.fields));
        records++;
      }
      // Awaited once per page, not per record: the upload's backpressure still holds.
      await Promise.all([json.flush(), csv.flush()]);
      if (page.next && deps.timeBudgetMs !== undefined && now() - started >= deps.timeBudgetMs) {
        stoppedAt = page.next;
        break;
      }
    }
    const [jsonSha, csvSha] = await Promise.all([json.close(), csv.close()]);
    const files: StagedFile[] = [
      { path: jsonPath, stagingKey: jsonKey, bytes: json.bytes, sha256: jsonSha, records },
      { path: csvPath, stagingKey: csvKey, bytes: csv.bytes, sha256: csvSha, records },
    ];
    const previewKey = await preview.save(
      deps.store,
      previewStagingKey(task.stagingPrefix, source.id, shard, piece),
      records,
    );
    const mismatches = types.mismatches();
    const pastRetention = retention.finding();
    const thisPiece: CollectResult = {
      sourceId: source.id,
      category: source.category,
      records,
      files,
      ...(pastRetention ? { pastRetention } : {}),
      ...(mismatches.length > 0 ? { mismatches } : {}),
      previewKeys: [previewKey],
    };
    const collected = task.resume ? mergeCollected(task.resume.collected, thisPiece) : thisPiece;
    if (stoppedAt) {
      const key = checkpointKey(task.stagingPrefix, source.id, shard);
      await deps.store.put(key, Readable.from([Buffer.from(JSON.stringify({ after: stoppedAt }), 'utf8')]), {
        contentType: 'application/json',
      });
      return { ...task, resume: { piece: piece + 1, checkpointKey: key, collected } };
    }
    return task.shard !== undefined ? { ...collected, shard: task.shard } : collected;
  } catch (error) {
    // Throttling keeps its name: the workflow waits and retries it, where a read error fails.
    const failure =
      error instanceof SourceThrottledError ? error : new SourceReadError(source.id, source.table, error);
    json.abort(failure);
    csv.abort(failure);
    await Promise.all([json.settled(), csv.settled()]);
    throw failure;
  }
}

async function readCheckpoint(store: ObjectStore, key: string): Promise<ReadPosition> {
  const saved: unknown = JSON.parse((await buffer(await store.get(key))).toString('utf8'));
  const after = (saved as { after?: unknown } | null)?.after;
  if (typeof after !== 'object' || after === null)
    throw new Error(`Checkpoint ${key} holds no read position`);
  return after as ReadPosition;
}
