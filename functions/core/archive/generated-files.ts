import type { DataMap } from '../data-map/data-map';
import { defaultPrivacyNotice } from '../data-map/default-privacy-notice';
import { defaultTranslations } from '../data-map/default-translations';
import type { PrivacyNotice } from '../data-map/privacy-notice';
import type { Translations } from '../i18n/content';
import type { DescribedSource, ExportPlan } from '../workflow-types';
import { jsonSchemaFiles } from './json-schema';
import { readmeText } from './readme';
import { viewerFile } from './viewer/viewer-file';

/** A file the build writes itself (not staged by a collector), e.g. README.txt. */
export interface GeneratedContent {
  path: string;
  content: Buffer;
}

export interface GeneratedFilesInput {
  dataMap: DataMap;
  plan: ExportPlan;
  results: DescribedSource[];
  /** Reads a staged preview (CollectResult.previewKeys, merged) for index.html; without it the viewer shows no rows. */
  readPreview?: (key: string) => Promise<Buffer>;
  /** For the Art. 15 facts index.html shows; the shipped notice when absent. */
  privacyNotice?: PrivacyNotice;
  /** The notice's and map's texts in other languages; the shipped translations when absent. */
  translations?: Translations;
}

/**
 * The files the build writes before the data files, in archive order. Each producer gets the
 * plan and the collection results (never the records themselves), so this step stays small
 * whatever the size of the export. None of them gives a data file's checksum: those are known
 * once the data files are packed, and datapackage.json and manifest.json, which give them, come
 * after the data files.
 */
export async function generatedFiles(input: GeneratedFilesInput): Promise<GeneratedContent[]> {
  const { dataMap, plan, results } = input;
  const notice = input.privacyNotice ?? defaultPrivacyNotice;
  const translations = input.translations ?? defaultTranslations;
  const readme = readmeText({ plan, results, dataMap, notice, translations });
  return [
    // First, so a player who opens the zip sees the page meant for people before the data files.
    await viewerFile({ dataMap, plan, results, readPreview: input.readPreview, notice, translations }),
    { path: 'README.txt', content: Buffer.from(readme, 'utf8') },
    // Standard descriptions (DESIGN.md §5): a JSON Schema per source (datapackage.json comes last).
    ...jsonSchemaFiles(dataMap, results, { requesterId: plan.playerId }),
  ];
}
