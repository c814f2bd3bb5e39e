import { mergePreviews, parsePreview, type SourcePreview } from '../../collect/preview';
import type { DataMap } from '../../data-map/data-map';
import type { PrivacyNotice } from '../../data-map/privacy-notice';
import type { Translations } from '../../i18n/content';
import type { DescribedSource, ExportPlan } from '../../workflow-types';
import { buildManifest } from '../manifest';
import { buildViewerHtml } from './build-viewer';
import { viewerData } from './viewer-data';

export interface ViewerFileInput {
  dataMap: DataMap;
  plan: ExportPlan;
  results: DescribedSource[];
  readPreview?: ((key: string) => Promise<Buffer>) | undefined;
  notice: PrivacyNotice;
  translations: Translations;
}

/**
 * index.html for one export. It shows the same manifest the archive carries, built from the same
 * inputs; the generated files are left out of that copy because index.html cannot list its own
 * checksum, and the viewer shows the data files, not the archive's housekeeping.
 */
export async function viewerFile(input: ViewerFileInput): Promise<{ path: string; content: Buffer }> {
  const { dataMap, plan, results, readPreview } = input;
  const { notice, translations } = input;
  const manifest = buildManifest(dataMap, notice, plan, results);
  const previews = new Map<string, SourcePreview>();
  if (readPreview) {
    for (const result of results) {
      const pieces: SourcePreview[] = [];
      for (const key of result.previewKeys ?? []) pieces.push(parsePreview(await readPreview(key)));
      const preview = mergePreviews(pieces);
      if (preview) previews.set(result.sourceId, preview);
    }
  }
  const html = buildViewerHtml(
    viewerData({ manifest, dataMap, notice, translations, previews, locale: plan.locale }),
  );
  return { path: 'index.html', content: Buffer.from(html, 'utf8') };
}
