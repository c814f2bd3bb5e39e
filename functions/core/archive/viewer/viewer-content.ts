import type { DataMap, FieldSpec, ScalarType, SourceSpec } from '../../data-map/data-map';
import { type Art15Facts, type PrivacyNotice, splitCitations } from '../../data-map/privacy-notice';
import { type ArchiveLocale, archiveMessages } from '../../i18n/archive-messages';
import { contentCatalog, contentKeys, type Localise, localiser, type Translations } from '../../i18n/content';

/**
 * What the viewer and README.txt show beside the records, already in the player's language: the
 * field guide of each source, the Art. 15 facts of each category, and who to contact about what.
 * Built from the data map, the privacy notice and their translations (core/i18n/content.ts).
 */

/** One field as the player reads it; `name` is the raw name in the files. */
export interface FieldGuideEntry {
  name: string;
  label: string;
  description?: string;
  type: ScalarType | 'object' | 'array';
  /** Allowed values of an enumerated text field, each with its label ("refunded" → "Erstattet"). */
  values?: Record<string, string>;
  /** The parts of an object field. */
  fields?: FieldGuideEntry[];
  /** The element of an array field (its name is ""). */
  items?: FieldGuideEntry;
}

/** A place in the privacy policy a text relies on, for the player to read it there. */
export interface PolicyReference {
  /** e.g. "§6.5" */
  section: string;
  /** The section's title in the player's language. */
  title: string;
  /** The policy's name and address. */
  policy: string;
  url: string;
}

/** A text in the player's language with the policy references it cites, taken out of the text. */
export interface CitedText {
  text: string;
  references: PolicyReference[];
}

export interface ContactView {
  name: string;
  address?: string;
  email?: string;
  url?: string;
}

/** The Art. 15 facts of one category, localised. */
export interface FactsView {
  purposes: CitedText[];
  legalBasis: { article: string; text: CitedText };
  recipients: { name: string; role: CitedText; country?: string; countryName?: string }[];
  /** `periodText` is the period in words ("3 years", "3 Jahre"), when the notice states one. */
  retention: { rule: CitedText; period?: string; periodText?: string };
  source: { kind: string; kindText: string; text?: CitedText };
  automatedDecision: null | {
    logic: CitedText;
    significance: CitedText;
    consequences: CitedText;
    humanReview: CitedText;
  };
  thirdCountryTransfers: { country: string; safeguard: CitedText }[];
}

/** The rights and contacts the player reads in the viewer and README.txt. */
export interface NoticeView {
  controller: ContactView & { organisationNumber?: string };
  dpo: ContactView;
  /** Joint controllers (Art. 26) with what they decide together with the controller. */
  jointControllers: (ContactView & { scope: CitedText })[];
  supervisoryAuthority: ContactView;
  /** Where the player writes with questions: the same address the e-mail comes from. */
  support: { email: string; url?: string };
  rights: {
    summary: string;
    items: { article: string; name: string; text: CitedText; how: string }[];
    howToExercise: string;
    /** The lead supervisory authority and the right to complain where the player lives (Art. 77). */
    complaint: string;
  };
  /** Art. 15(2): how transfers outside the EEA are safeguarded, in general. */
  transferSafeguards: string;
  policyVersion: string;
}

/** The player's language, the catalogue lookups in it, and the notice they come from. */
export interface ContentContext {
  locale: ArchiveLocale;
  /** The player's own tag when of that language ("de-AT"), for country names and durations. */
  formatLocale: string;
  t: Localise;
  notice: PrivacyNotice;
}

export function contentContext(
  dataMap: DataMap,
  notice: PrivacyNotice,
  translations: Translations,
  locale: ArchiveLocale,
  formatLocale: string = locale,
): ContentContext {
  return {
    locale,
    formatLocale,
    notice,
    t: localiser(contentCatalog(dataMap, notice), translations, locale),
  };
}

/** A catalogue text with its citations taken out and resolved to titles and addresses. */
export function cited(ctx: ContentContext, key: string): CitedText {
  const { text, citations } = splitCitations(ctx.t(key));
  return {
    text: text.trim(),
    references: citations.map(({ document, section }) => ({
      section,
      title: ctx.t(contentKeys.policySection(document, section)),
      policy: ctx.t(contentKeys.policyTitle(document)),
      url: ctx.notice.policyDocuments[document]?.url ?? ctx.notice.controller.url ?? '',
    })),
  };
}

/** The field guide of a source: every field that reaches the files, with its label and values. */
export function fieldGuide(ctx: ContentContext, source: SourceSpec): FieldGuideEntry[] {
  const entries = (fields: readonly FieldSpec[], prefix: string): FieldGuideEntry[] =>
    fields
      .filter((f) => f.rule !== 'omit')
      .map((field) => {
        const path = `${prefix}${field.name}`;
        const description = ctx.t(contentKeys.fieldDescription(source.id, path));
        const values = field.values
          ? Object.fromEntries(
              Object.keys(field.values).map((v) => [v, ctx.t(contentKeys.fieldValue(source.id, path, v))]),
            )
          : undefined;
        const items = field.items
          ? {
              name: '',
              label: ctx.t(contentKeys.fieldLabel(source.id, path)) || field.name,
              type: field.items.type,
              ...(field.items.fields ? { fields: entries(field.items.fields, `${path}[].`) } : {}),
            }
          : undefined;
        return {
          name: field.name,
          label: ctx.t(contentKeys.fieldLabel(source.id, path)) || field.name,
          type: field.type,
          ...(description ? { description } : {}),
          ...(values ? { values } : {}),
          ...(field.fields ? { fields: entries(field.fields, `${path}.`) } : {}),
          ...(items ? { items } : {}),
        };
      });
  return entries(source.fields, '');
}

/** The Art. 15 facts of a category in the player's language. */
export function factsView(ctx: ContentContext, categoryId: string, facts: Art15Facts): FactsView {
  const key = (path: string) => contentKeys.fact(categoryId, path);
  const countries = regionNames(ctx.formatLocale);
  return {
    purposes: facts.purposes.map((_, i) => cited(ctx, key(`purposes.${i}`))),
    legalBasis: { article: facts.legalBasis.article, text: cited(ctx, key('legalBasis')) },
    recipients: facts.recipients.map((r, i) => ({
      name: r.country ? r.name : ctx.t(key(`recipients.${i}.name`)),
      role: cited(ctx, key(`recipients.${i}.role`)),
      ...(r.country ? { country: r.country, countryName: countries(r.country) } : {}),
    })),
    retention: {
      rule: cited(ctx, key('retention')),
      ...(facts.retention.period
        ? {
            period: facts.retention.period,
            periodText: durationInWords(ctx.formatLocale, facts.retention.period),
          }
        : {}),
    },
    source: {
      kind: facts.source.kind,
      kindText: archiveMessages[ctx.locale][sourceKindMessage[facts.source.kind]],
      ...(facts.source.text ? { text: cited(ctx, key('source')) } : {}),
    },
    automatedDecision: facts.automatedDecision
      ? {
          logic: cited(ctx, key('automatedDecision.logic')),
          significance: cited(ctx, key('automatedDecision.significance')),
          consequences: cited(ctx, key('automatedDecision.consequences')),
          humanReview: cited(ctx, key('automatedDecision.humanReview')),
        }
      : null,
    thirdCountryTransfers: facts.thirdCountryTransfers.map((_, i) => ({
      country: ctx.t(key(`transfers.${i}.country`)),
      safeguard: cited(ctx, key(`transfers.${i}.safeguard`)),
    })),
  };
}

/** Rights and contacts in the player's language. */
export function noticeView(ctx: ContentContext): NoticeView {
  const { notice, t } = ctx;
  const n = (path: string) => t(contentKeys.notice(path));
  const contact = (c: { name: string; address?: string; email?: string; url?: string }, name = c.name) => ({
    name,
    ...(c.address ? { address: c.address } : {}),
    ...(c.email ? { email: c.email } : {}),
    ...(c.url ? { url: c.url } : {}),
  });
  return {
    controller: {
      ...contact(notice.controller),
      ...(notice.controller.organisationNumber
        ? { organisationNumber: notice.controller.organisationNumber }
        : {}),
    },
    dpo: contact(notice.dpo, n('dpo.name')),
    jointControllers: notice.jointControllers.map((j, i) => ({
      ...contact(j),
      scope: cited(ctx, contentKeys.notice(`jointControllers.${i}.scope`)),
    })),
    supervisoryAuthority: contact(notice.supervisoryAuthority, n('supervisoryAuthority.name')),
    // The controller's privacy address is the one the e-mail comes from (config/deploy.ts checks).
    support: {
      email: notice.controller.email,
      ...(notice.controller.url ? { url: notice.controller.url } : {}),
    },
    rights: {
      summary: n('rights.summary'),
      items: notice.rights.items.map((r) => ({
        article: r.article,
        name: n(`rights.${r.article}.name`),
        text: cited(ctx, contentKeys.notice(`rights.${r.article}.text`)),
        how: n(`rights.${r.article}.how`),
      })),
      howToExercise: n('rights.howToExercise'),
      complaint: n('rights.complaint'),
    },
    transferSafeguards: n('rights.transferSafeguards'),
    policyVersion: notice.policyVersion,
  };
}

const sourceKindMessage = {
  'the player': 'sourceThePlayer',
  observed: 'sourceObserved',
  derived: 'sourceDerived',
  'third party': 'sourceThirdParty',
} as const;

function regionNames(locale: string): (code: string) => string {
  try {
    const names = new Intl.DisplayNames([locale], { type: 'region' });
    return (code) => names.of(code) ?? code;
  } catch {
    return (code) => code;
  }
}

const durationUnits = [
  ['Y', 'year'],
  ['M', 'month'],
  ['W', 'week'],
  ['D', 'day'],
] as const;
const timeUnits = [
  ['H', 'hour'],
  ['M', 'minute'],
  ['S', 'second'],
] as const;

/** "P3Y" → "3 years" / "3 Jahre" / "3 ปี"; "P1Y6M" → "1 year and 6 months". */
export function durationInWords(locale: string, iso: string): string {
  const match = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(
    iso,
  );
  if (!match) return iso;
  const amounts = match.slice(1).map((v) => (v === undefined ? 0 : Number(v)));
  const units = [...durationUnits, ...timeUnits].map(([, unit]) => unit);
  const parts = units.flatMap((unit, i) =>
    amounts[i]
      ? [new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' }).format(amounts[i] ?? 0)]
      : [],
  );
  return new Intl.ListFormat(locale, { style: 'long', type: 'conjunction' }).format(parts);
}
