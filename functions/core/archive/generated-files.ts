import type { DataMap } from '../data-map/data-map';
import type { CollectResult, ExportPlan } from '../workflow-types';
import { readmeText } from './readme';

/** A file the build writes itself (not staged by a collector), e.g. README.txt. */
export interface GeneratedContent {
  path: string;
  content: Buffer;
}

export interface GeneratedFilesInput {
  dataMap: DataMap;
  plan: ExportPlan;
  results: CollectResult[];
}

/**
 * Every file the build adds beside the staged data files, in archive order after manifest.json.
 * Each producer gets the plan and the collection results (never the records themselves), so
 * this step stays small whatever the size of the export.
 */
export async function generatedFiles(input: GeneratedFilesInput): Promise<GeneratedContent[]> {
  return [{ path: 'README.txt', content: Buffer.from(readmeText(input.plan, input.results), 'utf8') }];
}
