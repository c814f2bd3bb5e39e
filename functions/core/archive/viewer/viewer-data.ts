import type { SourcePreview } from '../../collect/preview';
import type { Summary } from '../../collect/summaries';
import type { DataMap } from '../../data-map/data-map';
import {
  type ArchiveLocale,
  type ArchiveMessages,
  archiveMessages,
  resolveArchiveLocale,
} from '../../i18n/archive-messages';
import type { StoreRecord } from '../../values';
import { archiveFilePath } from '../layout';

/**
 * The parts of the manifest the viewer shows. Structural and lenient on purpose: the manifest
 * grows (facts, statuses, portability) and the viewer shows whatever is there, so an older or
 * newer manifest still renders.
 */
export interface ViewerManifest {
  requestId: string;
  generatedAt: string;
  player: { username: string };
  files: { path: string; bytes: number; records: number | null }[];
  sources: { id: string; category: string; records: number }[];
  categories: {
    id: string;
    title: string;
    status: string;
    records: number;
    files: string[];
    facts?: object | null;
    retentionNote?: string;
    portability?: unknown;
  }[];
}

export interface ViewerSource {
  id: string;
  /** Every record of the source; `rows` holds only the first of them. */
  records: number;
  columns: string[];
  /** The full data, relative to the archive root. */
  files: string[];
  summary?: Summary;
}

export interface ViewerData {
  /** The catalogue's language: `<html lang>`. */
  locale: ArchiveLocale;
  /** The player's own tag when it is of that language ("de-AT"), for dates and numbers. */
  formatLocale: string;
  messages: ArchiveMessages;
  requestId: string;
  generatedAt: string;
  username: string;
  files: ViewerManifest['files'];
  categories: (ViewerManifest['categories'][number] & { sources: ViewerSource[] })[];
  /** Preview rows by source id, kept apart so they can be written with exact numbers. */
  rows: Record<string, StoreRecord[]>;
}

export interface ViewerInput {
  manifest: ViewerManifest;
  dataMap: DataMap;
  /** Previews by source id; a source without one shows its status and files, but no rows. */
  previews: ReadonlyMap<string, SourcePreview>;
  locale: string | undefined;
}

export function viewerData({ manifest, dataMap, previews, locale }: ViewerInput): ViewerData {
  const resolved = resolveArchiveLocale(locale);
  const rows: Record<string, StoreRecord[]> = {};
  const categories = manifest.categories.map((category) => ({
    ...category,
    sources: manifest.sources
      .filter((s) => s.category === category.id)
      .map((s): ViewerSource => {
        const preview = previews.get(s.id);
        rows[s.id] = preview?.rows ?? [];
        const declared = dataMap.sources.find((d) => d.id === s.id)?.fields.map((f) => f.name) ?? [];
        return {
          id: s.id,
          records: s.records,
          columns: columnsOf(declared, rows[s.id] ?? []),
          files: [archiveFilePath(s.category, s.id, 'csv'), archiveFilePath(s.category, s.id, 'json')],
          ...(preview?.summary ? { summary: preview.summary } : {}),
        };
      }),
  }));
  return {
    locale: resolved,
    formatLocale: formatLocaleOf(locale, resolved),
    messages: archiveMessages[resolved],
    requestId: manifest.requestId,
    generatedAt: manifest.generatedAt,
    username: manifest.player.username,
    files: manifest.files,
    categories,
    rows,
  };
}

/** Declared fields in data-map order, then any field the records carry beyond them. */
function columnsOf(declared: string[], rows: StoreRecord[]): string[] {
  const present = new Set(rows.flatMap((r) => Object.keys(r)));
  return [...declared.filter((f) => present.has(f)), ...[...present].filter((f) => !declared.includes(f))];
}

function formatLocaleOf(tag: string | undefined, resolved: ArchiveLocale): string {
  try {
    const [canonical] = Intl.getCanonicalLocales(tag ?? []);
    // English is also the fallback: "pt" reads English, so its dates must not be Portuguese.
    const sameLanguage = resolved !== 'en' || canonical?.split('-')[0] === 'en';
    return canonical && sameLanguage && resolveArchiveLocale(canonical) === resolved ? canonical : resolved;
  } catch {
    return resolved; // not a well-formed tag
  }
}
