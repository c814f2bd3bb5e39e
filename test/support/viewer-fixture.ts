import { buildManifest } from '../../functions/core/archive/manifest';
import { buildViewerHtml } from '../../functions/core/archive/viewer/build-viewer';
import { viewerData } from '../../functions/core/archive/viewer/viewer-data';
import type { SourcePreview } from '../../functions/core/collect/preview';
import { defaultDataMap } from '../../functions/core/data-map/default-data-map';
import { defaultPrivacyNotice } from '../../functions/core/data-map/default-privacy-notice';
import { ExactNumber, type StoreRecord } from '../../functions/core/values';
import type { CollectResult, ExportPlan } from '../../functions/core/workflow-types';

/** An export's plan and results without running one: for building the viewer directly. */
export function fixturePlan(locale: string): ExportPlan {
  return {
    requestId: 'req-viewer-fixture',
    playerId: 'p-fixture',
    attempt: 1,
    username: 'fixture_player',
    locale,
    generatedAt: '2026-01-15T10:30:00.000Z',
    stagingPrefix: 'staging/req-viewer-fixture/',
    archiveKey: 'archives/req-viewer-fixture/x.zip',
    rootFolder: 'fixture_player-data-export-2026-01-15',
    tasks: [],
  };
}

/** One result per source of the shipped data map, with the given record counts (0 for others). */
export function fixtureResults(records: Readonly<Record<string, number>>): CollectResult[] {
  return defaultDataMap.sources.map((source) => {
    const count = records[source.id] ?? 0;
    return {
      sourceId: source.id,
      category: source.category,
      records: count,
      files: (['json', 'csv'] as const).map((ext) => ({
        path: `${source.category}/${source.id}.${ext}`,
        stagingKey: `staging/req-viewer-fixture/${source.category}/${source.id}.${ext}`,
        bytes: 100,
        sha256: '0'.repeat(64),
        records: count,
      })),
    };
  });
}

/** Cheap game statistics rows: a match every hour from 2024-01-01. */
export function statRows(count: number): StoreRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    playerId: 'p-fixture',
    // Zero-padded: the store sorts by statId as text, so rows come back in this order.
    statId: `match#${String(i).padStart(7, '0')}`,
    kind: 'match',
    recordedAt: new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString(),
    result: ['win', 'loss', 'draw'][i % 3] ?? 'draw',
    durationSec: ExactNumber.of(600),
    mapName: i === 7 ? 'Needle-map' : 'Fjord',
  }));
}

/** index.html for the fixture export with the given previews. */
export function fixtureViewerHtml(
  locale: string,
  records: Readonly<Record<string, number>>,
  previews: SourcePreview[],
): string {
  const plan = fixturePlan(locale);
  const manifest = buildManifest(defaultDataMap, defaultPrivacyNotice, plan, fixtureResults(records));
  return buildViewerHtml(
    viewerData({
      manifest,
      dataMap: defaultDataMap,
      previews: new Map(previews.map((p) => [p.sourceId, p])),
      locale,
    }),
  );
}
