import { buildArchive } from '../archive/build-archive';
import { collectSource } from '../collect/collect-source';
import type { DataMap } from '../data-map/data-map';
import type { Clock, Ids, ObjectStore, SourceReader } from '../ports';
import type { ExportSteps } from '../workflow';
import { cleanUpStaging } from './clean-up-staging';
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
      if (plan) await cleanUpStaging(deps, plan);
    },
  };
}
