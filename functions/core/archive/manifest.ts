import { omittedFields, pseudonymisedFields } from '../collect/field-rules';
import type { DataMap } from '../data-map/data-map';
import type { CollectResult, ExportPlan } from '../workflow-types';
import { FORMAT_VERSION } from './layout';

export interface ManifestFile {
  path: string;
  bytes: number;
  records: number | null;
  sha256: string;
  mediaType: string;
}

/** A file the build adds itself (manifest excluded: it cannot list its own checksum). */
export interface GeneratedFile {
  path: string;
  bytes: number;
  sha256: string;
  mediaType: string;
}

/** The facts GDPR Art. 15(1) and 13/14 require with a copy, per category, as ops write them in config/. */
export interface Art15Facts {
  purposes: { text: string; dpv?: string }[];
  /** e.g. { article: '6(1)(b)', text: 'performance of the contract', dpv: 'dpv:Contract' } */
  legalBasis: { article: string; text: string; dpv?: string };
  recipients: { name: string; role: string; country?: string; dpv?: string }[];
  /** period as an ISO 8601 duration where there is one, e.g. 'P3Y' */
  retention: { rule: string; period?: string; dpv?: string };
  source: { kind: 'the player' | 'observed' | 'derived' | 'third party'; text?: string; dpv?: string };
  automatedDecision: null | { logic: string; significance: string; consequences: string; humanReview: string };
  thirdCountryTransfers: { country: string; safeguard: string }[];
}

export interface Manifest {
  formatVersion: string;
  requestId: string;
  player: { playerId: string; username: string };
  generatedAt: string;
  locale: string;
  files: ManifestFile[];
  sources: {
    id: string;
    category: string;
    store: string;
    table: string;
    index: string | null;
    records: number;
    withheldFields: { field: string; reason: string }[];
    pseudonymisedFields: string[];
  }[];
  categories: {
    id: string;
    title: string;
    status: 'exported' | 'none held';
    records: number;
    files: string[];
  }[];
  notes: string[];
}

const mediaTypes: Record<string, string> = {
  json: 'application/json',
  csv: 'text/csv; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  html: 'text/html; charset=utf-8',
};

export function mediaTypeOf(path: string): string {
  return mediaTypes[path.slice(path.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
}

/**
 * The manifest: what the archive holds (every file with size, records and sha256), which sources
 * were read and how many records each gave, what was held back and why. Paths are relative to the
 * archive's root folder.
 */
export function buildManifest(
  dataMap: DataMap,
  plan: ExportPlan,
  results: CollectResult[],
  generated: GeneratedFile[] = [],
): Manifest {
  const bySource = new Map(results.map((r) => [r.sourceId, r]));
  const sources = dataMap.sources.map((source) => {
    const result = bySource.get(source.id);
    if (!result) throw new Error(`No collection result for source "${source.id}"`);
    return {
      id: source.id,
      category: source.category,
      store: source.kind,
      table: source.table,
      index: source.key.index ?? null,
      records: result.records,
      withheldFields: omittedFields(source.fields),
      pseudonymisedFields: pseudonymisedFields(source.fields),
    };
  });
  const categories = dataMap.categories.map((category) => {
    const fed = results.filter((r) => r.category === category.id);
    const records = fed.reduce((sum, r) => sum + r.records, 0);
    return {
      id: category.id,
      title: category.title,
      status: records > 0 ? ('exported' as const) : ('none held' as const),
      records,
      files: fed.flatMap((r) => r.files.map((f) => f.path)),
    };
  });
  const files: ManifestFile[] = [
    ...generated.map((f) => ({ ...f, records: null })),
    ...results.flatMap((r) =>
      r.files.map((f) => ({
        path: f.path,
        bytes: f.bytes,
        records: f.records,
        sha256: f.sha256,
        mediaType: mediaTypeOf(f.path),
      })),
    ),
  ];
  return {
    formatVersion: FORMAT_VERSION,
    requestId: plan.requestId,
    player: { playerId: plan.playerId, username: plan.username },
    generatedAt: plan.generatedAt,
    locale: plan.locale,
    files,
    sources,
    categories,
    notes: [
      'Other players appear under pseudonyms (player-…) that are stable within this archive only.',
      'Only records that belong to you are included; posts by other players that quote or mention you are theirs.',
      'Numbers are exact: JSON keeps every digit as stored; CSV text cells that a spreadsheet could run as a formula start with an apostrophe.',
    ],
  };
}
