import type { DataMap, FieldSpec } from '../data-map/data-map';
import { type Art15Facts, type PrivacyNotice, splitCitations } from '../data-map/privacy-notice';
import type { ArchiveLocale } from './archive-messages';

/**
 * Everything the player reads that the operators wrote (the data map's titles, labels and value
 * names; the privacy notice's facts, rights and contacts), as one catalogue of keys to English
 * text. A translation is the same keys in another language (config/translations/<locale>.json):
 * the catalogue is derived from the map and the notice, so a new field or fact without its
 * translation fails a test (test/unit/translations.test.ts) instead of reaching a player.
 *
 * Citations such as "[004 §6.5]" stay in the texts of every language and are resolved when shown.
 */
export type ContentCatalog = Readonly<Record<string, string>>;

/** A translation per locale; English is the catalogue itself. */
export type Translations = Readonly<Partial<Record<Exclude<ArchiveLocale, 'en'>, ContentCatalog>>>;

export const contentKeys = {
  categoryTitle: (id: string) => `category.${id}.title`,
  categoryDescription: (id: string) => `category.${id}.description`,
  sourceDescription: (id: string) => `source.${id}.description`,
  fieldLabel: (source: string, path: string) => `field.${source}.${path}.label`,
  fieldDescription: (source: string, path: string) => `field.${source}.${path}.description`,
  fieldReason: (source: string, path: string) => `field.${source}.${path}.reason`,
  fieldValue: (source: string, path: string, value: string) => `field.${source}.${path}.value.${value}`,
  fact: (category: string, path: string) => `facts.${category}.${path}`,
  notice: (path: string) => `notice.${path}`,
  policyTitle: (document: string) => `policy.${document}.title`,
  policySection: (document: string, section: string) => `policy.${document}.section.${section}`,
};

/** The catalogue of a data map and its notice, in English, in the order a translator reads it. */
export function contentCatalog(dataMap: DataMap, notice: PrivacyNotice): ContentCatalog {
  const out: Record<string, string> = {};
  const put = (key: string, value: string | undefined) => {
    if (value !== undefined && value.trim() !== '') out[key] = value;
  };
  for (const category of dataMap.categories) {
    put(contentKeys.categoryTitle(category.id), category.title);
    put(contentKeys.categoryDescription(category.id), category.description);
  }
  for (const source of dataMap.sources) {
    put(contentKeys.sourceDescription(source.id), source.description);
    forEachField(source.fields, '', (field, path) => {
      put(contentKeys.fieldLabel(source.id, path), field.label);
      put(contentKeys.fieldDescription(source.id, path), field.description);
      put(contentKeys.fieldReason(source.id, path), field.reason);
      for (const [value, label] of Object.entries(field.values ?? {})) {
        put(contentKeys.fieldValue(source.id, path, value), label);
      }
    });
  }
  for (const [id, facts] of Object.entries(notice.categories)) {
    for (const [path, text] of factTexts(facts)) put(contentKeys.fact(id, path), text);
  }
  put(contentKeys.notice('dpo.name'), notice.dpo.name);
  put(contentKeys.notice('supervisoryAuthority.name'), notice.supervisoryAuthority.name);
  put(contentKeys.notice('rights.summary'), notice.rights.summary);
  for (const right of notice.rights.items) {
    put(contentKeys.notice(`rights.${right.article}.name`), right.name);
    put(contentKeys.notice(`rights.${right.article}.text`), right.text);
    put(contentKeys.notice(`rights.${right.article}.how`), right.how);
  }
  put(contentKeys.notice('rights.howToExercise'), notice.rights.howToExercise);
  put(contentKeys.notice('rights.complaint'), notice.rights.complaint);
  put(contentKeys.notice('rights.transferSafeguards'), notice.rights.transferSafeguards);
  notice.jointControllers.forEach((joint, i) => {
    put(contentKeys.notice(`jointControllers.${i}.scope`), joint.scope);
  });
  for (const [document, policy] of Object.entries(notice.policyDocuments)) {
    put(contentKeys.policyTitle(document), policy.title);
    for (const [section, title] of Object.entries(policy.sections)) {
      put(contentKeys.policySection(document, section), title);
    }
  }
  return out;
}

/** Walks declared fields depth first; paths read "settings.graphics.quality", "items[].sku". */
export function forEachField(
  fields: readonly FieldSpec[],
  prefix: string,
  visit: (field: FieldSpec, path: string) => void,
): void {
  for (const field of fields) {
    const path = `${prefix}${field.name}`;
    visit(field, path);
    if (field.fields) forEachField(field.fields, `${path}.`, visit);
    if (field.items?.fields) forEachField(field.items.fields, `${path}[].`, visit);
  }
}

/** The translatable texts of one category's facts; company names and codes are not translated. */
function factTexts(facts: Art15Facts): [string, string][] {
  const out: [string, string][] = [];
  facts.purposes.forEach((p, i) => {
    out.push([`purposes.${i}`, p.text]);
  });
  out.push(['legalBasis', facts.legalBasis.text]);
  facts.recipients.forEach((r, i) => {
    // A recipient without a country is a group ("Other players"), whose name is words to translate.
    if (!r.country) out.push([`recipients.${i}.name`, r.name]);
    out.push([`recipients.${i}.role`, r.role]);
  });
  out.push(['retention', facts.retention.rule]);
  if (facts.source.text) out.push(['source', facts.source.text]);
  if (facts.automatedDecision) {
    for (const key of ['logic', 'significance', 'consequences', 'humanReview'] as const) {
      out.push([`automatedDecision.${key}`, facts.automatedDecision[key]]);
    }
  }
  facts.thirdCountryTransfers.forEach((t, i) => {
    out.push([`transfers.${i}.country`, t.country]);
    out.push([`transfers.${i}.safeguard`, t.safeguard]);
  });
  return out;
}

/** Looks a key up in the player's language, in English where a deployment lacks a translation. */
export type Localise = (key: string) => string;

export function localiser(
  catalog: ContentCatalog,
  translations: Translations,
  locale: ArchiveLocale,
): Localise {
  const translated = locale === 'en' ? undefined : translations[locale];
  return (key) => translated?.[key] ?? catalog[key] ?? '';
}

/** What a translation lacks, adds, or changed in its citations: for the tests and for synth. */
export function translationProblems(catalog: ContentCatalog, translation: ContentCatalog): string[] {
  const problems: string[] = [];
  for (const [key, english] of Object.entries(catalog)) {
    const text = translation[key];
    if (text === undefined || text.trim() === '') {
      problems.push(`missing: ${key}`);
      continue;
    }
    const want = citationsOf(english);
    if (citationsOf(text) !== want) problems.push(`citations differ from the English text (${want}): ${key}`);
  }
  for (const key of Object.keys(translation)) {
    if (!(key in catalog)) problems.push(`not in the catalogue (remove it): ${key}`);
  }
  return problems;
}

function citationsOf(text: string): string {
  return splitCitations(text)
    .citations.map((c) => `${c.document} ${c.section}`)
    .join('; ');
}
