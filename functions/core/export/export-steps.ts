import { buildArchive } from '../archive/build-archive';
import { archiveFilePath } from '../archive/layout';
import { collectSource } from '../collect/collect-source';
import { previewStagingKey } from '../collect/preview';
import type { DataMap } from '../data-map/data-map';
import type { Clock, Ids, ObjectStore, SourceReader } from '../ports';
import type { ExportSteps } from '../workflow';
import { planExport } from './plan-export';

export interface ExportDeps {
  reader: SourceReader;
  store: ObjectStore;
  dataMap: DataMap;
  clock: Clock;
  ids: Ids;
  compressionLevel?: number;
}

/** The workflow's steps bound to their dependencies: what each Lambda runs, and what local/ runs. */
export function exportSteps(deps: ExportDeps): ExportSteps {
  return {
    planExport: (request) => planExport(deps, request),
    collectCategory: (task) => collectSource(deps, task),
    buildArchive: (input) => buildArchive(deps, input),
    async cleanUp({ plan }) {
      if (!plan) return;
      // Staged paths follow from the data map, so clean-up needs no listing (s3rver cannot page one).
      const keys = deps.dataMap.sources.flatMap((source) => [
        ...(['json', 'csv'] as const).map(
          (ext) => `${plan.stagingPrefix}${archiveFilePath(source.category, source.id, ext)}`,
        ),
        previewStagingKey(plan.stagingPrefix, source.id),
      ]);
      await deps.store.delete(keys);
    },
  };
}
