import type { SourcePreview } from '../../collect/preview';
import type { Summary } from '../../collect/summaries';
import type { DataMap } from '../../data-map/data-map';
import { factsFor, type PrivacyNotice } from '../../data-map/privacy-notice';
import {
  type ArchiveLocale,
  type ArchiveMessages,
  archiveMessages,
  resolveArchiveLocale,
} from '../../i18n/archive-messages';
import { contentKeys, type Translations } from '../../i18n/content';
import type { StoreRecord } from '../../values';
import { archiveFilePath } from '../layout';
import {
  contentContext,
  type FactsView,
  type FieldGuideEntry,
  factsView,
  fieldGuide,
  type NoticeView,
  noticeView,
} from './viewer-content';

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
    portability?: unknown;
  }[];
}

export interface ViewerSource {
  id: string;
  /** What this source is, in the player's language, when the data map says (e.g. "Messages you received"). */
  description?: string;
  /** Whether the source's files are in the Art. 20 portability set (others' messages are not). */
  portable: boolean;
  /** Labels, descriptions and value labels of the declared fields, in data-map order. */
  fields: FieldGuideEntry[];
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
  /** Times are shown in this zone and name it ("UTC" unless the account holds the player's zone). */
  timeZone: string;
  notice: NoticeView;
  categories: ViewerCategory[];
  /** Preview rows by source id, kept apart so they can be written with exact numbers. */
  rows: Record<string, StoreRecord[]>;
}

export interface ViewerCategory {
  id: string;
  /** In the player's language. */
  title: string;
  description?: string;
  /** "exported", "none held", or "not stored" (the game does not keep this kind of data). */
  status: string;
  records: number;
  files: string[];
  facts: FactsView;
  portability: boolean;
  sources: ViewerSource[];
}

export interface ViewerInput {
  manifest: ViewerManifest;
  dataMap: DataMap;
  notice: PrivacyNotice;
  translations: Translations;
  /** Previews by source id; a source without one shows its status and files, but no rows. */
  previews: ReadonlyMap<string, SourcePreview>;
  locale: string | undefined;
  /** The zone the account holds for the player, if any; times are shown in UTC otherwise. */
  timeZone?: string;
}

export function viewerData(input: ViewerInput): ViewerData {
  const { manifest, dataMap, previews, locale } = input;
  const resolved = resolveArchiveLocale(locale);
  const formatLocale = formatLocaleOf(locale, resolved);
  const ctx = contentContext(dataMap, input.notice, input.translations, resolved, formatLocale);
  const rows: Record<string, StoreRecord[]> = {};
  const categories = manifest.categories.map((category): ViewerCategory => {
    const description = ctx.t(contentKeys.categoryDescription(category.id));
    return {
      id: category.id,
      title: ctx.t(contentKeys.categoryTitle(category.id)) || category.title,
      ...(description ? { description } : {}),
      status: category.status,
      records: category.records,
      files: category.files,
      facts: factsView(ctx, category.id, factsFor(input.notice, category.id)),
      portability: category.portability === true,
      sources: manifest.sources
        .filter((s) => s.category === category.id)
        .map((s): ViewerSource => {
          const preview = previews.get(s.id);
          rows[s.id] = preview?.rows ?? [];
          const spec = dataMap.sources.find((d) => d.id === s.id);
          const sourceDescription = ctx.t(contentKeys.sourceDescription(s.id));
          return {
            id: s.id,
            ...(sourceDescription ? { description: sourceDescription } : {}),
            portable: category.portability === true && spec?.portable !== false,
            fields: spec ? fieldGuide(ctx, spec) : [],
            records: s.records,
            columns: columnsOf(spec?.fields.map((f) => f.name) ?? [], rows[s.id] ?? []),
            files: [archiveFilePath(s.category, s.id, 'csv'), archiveFilePath(s.category, s.id, 'json')],
            ...(preview?.summary ? { summary: preview.summary } : {}),
          };
        }),
    };
  });
  return {
    locale: resolved,
    formatLocale,
    messages: archiveMessages[resolved],
    requestId: manifest.requestId,
    generatedAt: manifest.generatedAt,
    username: manifest.player.username,
    // Sizes and counts only: index.html is written before the data files are hashed.
    files: manifest.files.map(({ path, bytes, records }) => ({ path, bytes, records })),
    timeZone: validTimeZone(input.timeZone) ?? 'UTC',
    notice: noticeView(ctx),
    categories,
    rows,
  };
}

function validTimeZone(zone: string | undefined): string | undefined {
  if (!zone) return undefined;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    return undefined; // not an IANA zone this runtime knows: UTC, named as such
  }
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
