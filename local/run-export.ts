import { randomUUID } from 'node:crypto';
import { DynamoDbSourceReader } from '../functions/adapters/dynamodb/dynamodb-source-reader';
import { S3ObjectStore } from '../functions/adapters/s3/s3-object-store';
import type { DataMap } from '../functions/core/data-map/data-map';
import { defaultDataMap } from '../functions/core/data-map/default-data-map';
import { exportSteps } from '../functions/core/export/export-steps';
import type { SourceReader } from '../functions/core/ports';
import { type RunOptions, runExportWorkflow } from '../functions/core/workflow';
import { randomIds, systemClock } from '../functions/runtime/system';
import type { LocalStack } from './local-stack';

export interface LocalExportOptions extends RunOptions {
  playerId: string;
  requestId?: string;
  locale?: string;
  dataMap?: DataMap;
  /** Lets a test put a real reader behind a wrapper, e.g. to break the store mid-export. */
  reader?: SourceReader;
  compressionLevel?: number;
}

/** Runs the export workflow in-process against the embedded stack, as the Lambdas run it on AWS. */
export async function runLocalExport(
  stack: Pick<LocalStack, 'clients' | 'bucket'>,
  options: LocalExportOptions,
) {
  const store = new S3ObjectStore(stack.clients.s3, stack.bucket);
  const steps = exportSteps({
    reader: options.reader ?? new DynamoDbSourceReader(stack.clients.dynamodb),
    store,
    dataMap: options.dataMap ?? defaultDataMap,
    clock: systemClock,
    ids: randomIds,
    ...(options.compressionLevel !== undefined ? { compressionLevel: options.compressionLevel } : {}),
  });
  const request = {
    requestId: options.requestId ?? randomUUID(),
    playerId: options.playerId,
    ...(options.locale ? { locale: options.locale } : {}),
  };
  const started = performance.now();
  const outcome = await runExportWorkflow(steps, request, options);
  return { ...outcome, store, millis: performance.now() - started };
}
