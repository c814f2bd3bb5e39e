import { archiveFilePath } from '../archive/layout';
import { previewStagingKey } from '../collect/preview';
import type { DataMap } from '../data-map/data-map';
import type { ObjectStore } from '../ports';
import type { ExportPlan } from '../workflow-types';

/**
 * Deletes whatever a request may have staged. The paths follow from the data map, so no listing
 * is needed (s3rver cannot page one) and a half-finished collection is cleaned as well as a whole one.
 */
export async function cleanUpStaging(
  deps: { store: ObjectStore; dataMap: DataMap },
  plan: Pick<ExportPlan, 'stagingPrefix'>,
): Promise<void> {
  const keys = deps.dataMap.sources.flatMap((source) => [
    ...(['json', 'csv'] as const).map(
      (ext) => `${plan.stagingPrefix}${archiveFilePath(source.category, source.id, ext)}`,
    ),
    previewStagingKey(plan.stagingPrefix, source.id),
  ]);
  await deps.store.delete(keys);
}
