import { archiveFilePath } from '../archive/layout';
import { type DataMap, sourceById, sourceQuery } from '../data-map/data-map';
import { SourceReadError, SourceThrottledError } from '../errors';
import type { ObjectStore, PseudonymKeys, SourceReader } from '../ports';
import type { CollectResult, CollectTask, StagedFile } from '../workflow-types';
import { csvColumns, csvHeader, csvRow } from './csv';
import { applyFieldRules } from './field-rules';
import { toJsonText } from './json-text';
import { PreviewCollector } from './preview';
import { Pseudonymiser } from './pseudonymiser';
import { RetentionCheck } from './retention';
import { StagedWriter } from './staged-writer';
import { TypeObserver } from './type-observer';

export interface CollectDeps {
  reader: SourceReader;
  store: ObjectStore;
  dataMap: DataMap;
  pseudonymKeys: PseudonymKeys;
}

/**
 * Reads every page of one source's items for the player and stages them as a JSON and a CSV file,
 * page by page: at most one store page and a few output chunks are in memory at any time.
 */
export async function collectSource(deps: CollectDeps, task: CollectTask): Promise<CollectResult> {
  const source = sourceById(deps.dataMap, task.sourceId);
  const pseudonyms = new Pseudonymiser(
    await deps.pseudonymKeys.keyFor(task.requestId, task.attempt),
    task.playerId,
  );
  const columns = csvColumns(source.fields);
  const jsonPath = archiveFilePath(source.category, source.id, 'json');
  const csvPath = archiveFilePath(source.category, source.id, 'csv');
  const jsonKey = `${task.stagingPrefix}${jsonPath}`;
  const csvKey = `${task.stagingPrefix}${csvPath}`;
  const json = new StagedWriter(deps.store, jsonKey, 'application/json');
  const csv = new StagedWriter(deps.store, csvKey, 'text/csv; charset=utf-8');
  // First rows and totals for the offline viewer, gathered in this same pass.
  const preview = new PreviewCollector(source);
  const types = new TypeObserver(source.fields);

  const retention = new RetentionCheck(source, task.generatedAt);
  let records = 0;
  try {
    await json.write(
      `{"category":${JSON.stringify(source.category)},"source":${JSON.stringify(source.id)},` +
        `"generatedAt":${JSON.stringify(task.generatedAt)},"records":[`,
    );
    await csv.write(csvHeader(columns));
    for await (const page of deps.reader.pages(sourceQuery(source, task.playerId))) {
      for (const item of page) {
        retention.observe(item);
        const record = applyFieldRules(item, source.fields, pseudonyms);
        types.observe(record);
        const text = toJsonText(record);
        json.append(records === 0 ? '\n' : ',\n');
        json.append(text);
        preview.add(record, text);
        csv.append(csvRow(record, columns, source.fields));
        records++;
      }
      // Awaited once per page, not per record: the upload's backpressure still holds.
      await Promise.all([json.flush(), csv.flush()]);
    }
    await json.write(records === 0 ? ']}\n' : '\n]}\n');
    const [jsonSha, csvSha] = await Promise.all([json.close(), csv.close()]);
    const files: StagedFile[] = [
      {
        path: jsonPath,
        stagingKey: jsonKey,
        bytes: json.bytes,
        sha256: jsonSha,
        records,
      },
      {
        path: csvPath,
        stagingKey: csvKey,
        bytes: csv.bytes,
        sha256: csvSha,
        records,
      },
    ];
    const previewKey = await preview.save(deps.store, task.stagingPrefix, records);
    const mismatches = types.mismatches();
    const pastRetention = retention.finding();
    return {
      sourceId: source.id,
      category: source.category,
      records,
      files,
      ...(pastRetention ? { pastRetention } : {}),
      ...(mismatches.length > 0 ? { mismatches } : {}),
      previewKey,
    };
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
