import { buildManifest } from '../../functions/core/archive/manifest';
import { buildViewerHtml } from '../../functions/core/archive/viewer/build-viewer';
import { viewerData } from '../../functions/core/archive/viewer/viewer-data';
import { applyFieldRules } from '../../functions/core/collect/field-rules';
import { toJsonText } from '../../functions/core/collect/json-text';
import { PreviewCollector, parsePreview, type SourcePreview } from '../../functions/core/collect/preview';
import { Pseudonymiser } from '../../functions/core/collect/pseudonymiser';
import { sourceQuery, tableName } from '../../functions/core/data-map/data-map';
import { defaultDataMap } from '../../functions/core/data-map/default-data-map';
import { defaultPrivacyNotice } from '../../functions/core/data-map/default-privacy-notice';
import { defaultTranslations } from '../../functions/core/data-map/default-translations';
import type { ObjectStore } from '../../functions/core/ports';
import { ExactNumber, type StoreRecord } from '../../functions/core/values';
import type { CollectResult, ExportPlan } from '../../functions/core/workflow-types';
import {
  DEMO_PLAYER_ID,
  DEMO_TABLES,
  type DemoTable,
  demoTableItems,
} from '../../functions/seed-demo/demo-data/generate';

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
      notice: defaultPrivacyNotice,
      translations: defaultTranslations,
      previews: new Map(previews.map((p) => [p.sourceId, p])),
      locale,
    }),
  );
}

/**
 * The demo player's previews, made the way an export makes them: the demo game's items of the
 * player (found by each source's key, as the collector queries them), field rules applied (secrets omitted, other players pseudonymised), then through the
 * PreviewCollector, which keeps the first rows and summarises all of them. Real shapes and values
 * for the viewer's browser tests without running the pipeline.
 */
export async function demoPreviews(
  options: { generatedAt?: string; rowsPerSource?: number } = {},
): Promise<SourcePreview[]> {
  const generatedAt = options.generatedAt ?? fixturePlan('en').generatedAt;
  const now = new Date(Date.parse(generatedAt));
  const pseudonyms = new Pseudonymiser(Buffer.alloc(32, 7), DEMO_PLAYER_ID);
  const byTable = new Map<string, StoreRecord[]>();
  const previews: SourcePreview[] = [];
  for (const source of defaultDataMap.sources) {
    const table = tableName(source.table) as DemoTable;
    if (!DEMO_TABLES.includes(table)) continue;
    const items = byTable.get(table) ?? [...demoTableItems(table, { now, statsForHeavyPlayer: 600 })];
    byTable.set(table, items);
    const query = sourceQuery(source, DEMO_PLAYER_ID);
    const collector = new PreviewCollector(source);
    let records = 0;
    for (const item of items) {
      if (item[query.partitionAttribute] !== query.partitionValue) continue;
      const record = applyFieldRules(item, source.fields, pseudonyms);
      collector.add(record, toJsonText(record));
      records++;
    }
    const objects = new Map<string, Buffer>();
    const store = {
      async put(key: string, body: AsyncIterable<unknown>) {
        const chunks: Buffer[] = [];
        for await (const chunk of body) chunks.push(chunk as Buffer);
        objects.set(key, Buffer.concat(chunks));
      },
    } as unknown as ObjectStore;
    const key = await collector.save(store, 'staging/demo/', records);
    const preview = parsePreview(objects.get(key) as Buffer);
    // Fewer rows keep a browser test quick; the counts and summaries still cover every record.
    if (options.rowsPerSource !== undefined) preview.rows = preview.rows.slice(0, options.rowsPerSource);
    previews.push(preview);
  }
  return previews;
}

/** index.html of the demo player's export, in the given language, from demoPreviews(). */
export async function demoViewerHtml(locale: string, previews?: SourcePreview[]): Promise<string> {
  const list = previews ?? (await demoPreviews());
  const records = Object.fromEntries(list.map((p) => [p.sourceId, p.records]));
  return fixtureViewerHtml(locale, records, list);
}
