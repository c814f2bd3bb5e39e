import { z } from 'zod';
import type { DataMap } from './data-map';

/**
 * The privacy notice as data (config/privacy-notice.json): who the controller is, the player's
 * rights, and per category of the data map the facts GDPR Art. 15(1)(a)–(h) and 15(2) require
 * beside the copy. Ops write it with the privacy team; it is validated against the data map so
 * that no category can ship without its facts.
 */

/** The six lawful bases of GDPR Art. 6(1). */
export type LegalBasisArticle = '6(1)(a)' | '6(1)(b)' | '6(1)(c)' | '6(1)(d)' | '6(1)(e)' | '6(1)(f)';

/** The facts GDPR Art. 15(1) and 13/14 require with a copy, per category, as ops write them in config/. */
export interface Art15Facts {
  purposes: { text: string; dpv?: string }[];
  /** e.g. { article: '6(1)(b)', text: 'performance of the contract', dpv: 'dpv:Contract' } */
  legalBasis: { article: LegalBasisArticle; text: string; dpv?: string };
  recipients: { name: string; role: string; country?: string; dpv?: string }[];
  /** period as an ISO 8601 duration where there is one, e.g. 'P3Y' */
  retention: { rule: string; period?: string; dpv?: string };
  source: { kind: 'the player' | 'observed' | 'derived' | 'third party'; text?: string; dpv?: string };
  automatedDecision: null | {
    logic: string;
    significance: string;
    consequences: string;
    humanReview: string;
  };
  thirdCountryTransfers: { country: string; safeguard: string }[];
}

// W3C Data Privacy Vocabulary terms are written as CURIEs ("dpv:Contract").
const dpv = z.string().regex(/^dpv(-[a-z]+)?:[A-Z][A-Za-z0-9]*$/, 'a DPV term such as "dpv:Contract"');
const text = z.string().trim().min(1);

// An ISO 8601 duration of whole units, e.g. P30D, P3Y, P1Y6M, PT12H.
const isoDuration = z
  .string()
  .regex(
    /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/,
    'an ISO 8601 duration such as "P30D" or "P3Y"',
  );

const factsSchema = z
  .object({
    purposes: z.array(z.object({ text, dpv: dpv.optional() }).strict()).min(1),
    legalBasis: z
      .object({
        article: z.enum(['6(1)(a)', '6(1)(b)', '6(1)(c)', '6(1)(d)', '6(1)(e)', '6(1)(f)']),
        text,
        dpv: dpv.optional(),
      })
      .strict(),
    recipients: z
      .array(
        z
          .object({
            name: text,
            role: text,
            country: z
              .string()
              .regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code')
              .optional(),
            dpv: dpv.optional(),
          })
          .strict(),
      )
      .min(1),
    retention: z.object({ rule: text, period: isoDuration.optional(), dpv: dpv.optional() }).strict(),
    source: z
      .object({
        kind: z.enum(['the player', 'observed', 'derived', 'third party']),
        text: text.optional(),
        dpv: dpv.optional(),
      })
      .strict(),
    automatedDecision: z
      .object({ logic: text, significance: text, consequences: text, humanReview: text })
      .strict()
      .nullable(),
    thirdCountryTransfers: z.array(z.object({ country: text, safeguard: text }).strict()),
  })
  .strict();

const contactSchema = z
  .object({
    name: text,
    address: text.optional(),
    email: z.email(),
    url: z.url().optional(),
  })
  .strict();

const noticeSchema = z
  .object({
    version: z.literal(1),
    /** The notice version players accept; stamped into each archive. */
    policyVersion: text,
    controller: contactSchema.extend({ organisationNumber: text.optional(), country: text }).strict(),
    dpo: contactSchema,
    supervisoryAuthority: contactSchema.extend({ country: text }).strict(),
    rights: z
      .object({
        summary: text,
        /** `how`: what the player does to use the right, in one or two sentences. */
        items: z.array(z.object({ article: text, name: text, text, how: text }).strict()).min(1),
        howToExercise: text,
        complaint: text,
        /** Art. 15(2): how transfers outside the EEA are safeguarded, in general. */
        transferSafeguards: text,
      })
      .strict(),
    /** Art. 26: who decides with the controller, and on what. */
    jointControllers: z.array(contactSchema.extend({ scope: text }).strict()).default([]),
    /**
     * The documents the texts cite as "[004 §6.5]": each with its title, address and the titles of
     * the cited sections, so the player reads "Privacy policy (June 2024), §6.5 …" with a link.
     */
    policyDocuments: z.record(
      z.string().regex(/^\d{3}$/),
      z.object({ title: text, url: z.url(), sections: z.record(z.string(), text) }).strict(),
    ),
    categories: z.record(z.string(), factsSchema),
  })
  .strict();

export type PrivacyNotice = z.infer<typeof noticeSchema>;

// Compile-time check that the schema yields exactly Art15Facts (what the manifest ships), both ways.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const factsMatchManifest: Same<z.infer<typeof factsSchema>, Art15Facts> = true;
void factsMatchManifest;

export class PrivacyNoticeError extends Error {
  override name = 'PrivacyNoticeError';
}

/**
 * Validates a parsed privacy notice against the data map. Every category of the map needs its
 * facts (a category without them would reach the player with no purpose, basis or retention),
 * and facts for a category the map does not have are a typo to fix. All problems are listed.
 */
export function parsePrivacyNotice(input: unknown, dataMap: DataMap): PrivacyNotice {
  const result = noticeSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new PrivacyNoticeError(`The privacy notice is invalid:\n  ${problems.join('\n  ')}`);
  }
  const notice = result.data;
  const unresolved = unresolvedReferences(notice);
  if (unresolved.length > 0) {
    throw new PrivacyNoticeError(
      `The privacy notice cites sections it does not describe in policyDocuments (add their titles):\n  ${unresolved.join('\n  ')}`,
    );
  }
  const known = new Set(dataMap.categories.map((c) => c.id));
  const problems = [
    ...dataMap.categories
      .filter((c) => !notice.categories[c.id])
      .map((c) => `categories: no Art. 15 facts for category "${c.id}" (${c.title}); add them`),
    ...Object.keys(notice.categories)
      .filter((id) => !known.has(id))
      .map((id) => `categories.${id}: the data map has no category "${id}"`),
  ];
  if (problems.length > 0) {
    throw new PrivacyNoticeError(
      `The privacy notice does not match the data map:\n  ${problems.join('\n  ')}`,
    );
  }
  return notice;
}

/** A policy section a text cites, e.g. { document: '004', section: '§6.5' }. */
export interface Citation {
  document: string;
  section: string;
}

const CITATION = /\s*\[(\d{3} [^\]]+)\]/g;

/**
 * Splits "Kept 3 years [004 §15.4; 000 §9.3]." into the text without its citations and the
 * citations, in order. A part without a document ("§21.3" in "[004 §6.5, §21.3]") belongs to the
 * document named before it.
 */
export function splitCitations(input: string): { text: string; citations: Citation[] } {
  const citations: Citation[] = [];
  for (const match of input.matchAll(CITATION)) {
    let document = '';
    for (const part of (match[1] ?? '').split(/[;,]\s*/)) {
      const named = /^(\d{3}) (.+)$/.exec(part.trim());
      if (named) document = named[1] ?? '';
      const section = (named ? (named[2] ?? '') : part).trim();
      if (document && section) citations.push({ document, section });
    }
  }
  return { text: input.replace(CITATION, ''), citations };
}

function unresolvedReferences(notice: z.infer<typeof noticeSchema>): string[] {
  const texts: string[] = [];
  const collect = (value: unknown): void => {
    if (typeof value === 'string') texts.push(value);
    else if (Array.isArray(value)) value.forEach(collect);
    else if (value && typeof value === 'object') Object.values(value).forEach(collect);
  };
  collect({ ...notice, policyDocuments: undefined });
  const missing = new Set<string>();
  for (const t of texts) {
    for (const { document, section } of splitCitations(t).citations) {
      if (!notice.policyDocuments[document]?.sections[section]) missing.add(`${document} ${section}`);
    }
  }
  return [...missing];
}

/** The facts of one category; parsePrivacyNotice guarantees they exist for every mapped category. */
export function factsFor(notice: PrivacyNotice, categoryId: string): Art15Facts {
  const facts = notice.categories[categoryId];
  if (!facts) throw new PrivacyNoticeError(`No Art. 15 facts for category "${categoryId}"`);
  return facts;
}

/**
 * Art. 20 covers data the player provided (including what they generated by using the game:
 * "observed") and that is processed on consent or contract; everything else is theirs to see
 * under Art. 15 but not part of the portability set.
 */
export function isPortable(facts: Art15Facts): boolean {
  const provided = facts.source.kind === 'the player' || facts.source.kind === 'observed';
  const basis = facts.legalBasis.article === '6(1)(a)' || facts.legalBasis.article === '6(1)(b)';
  return provided && basis;
}
