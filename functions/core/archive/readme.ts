import type { DataMap } from '../data-map/data-map';
import type { PrivacyNotice } from '../data-map/privacy-notice';
import {
  type ArchiveLocale,
  type ArchiveMessages,
  archiveMessages,
  formatMessage,
  resolveArchiveLocale,
} from '../i18n/archive-messages';
import type { Translations } from '../i18n/content';
import type { DescribedSource, ExportPlan } from '../workflow-types';
import {
  type CitedText,
  type ContactView,
  contentContext,
  type NoticeView,
  noticeView,
} from './viewer/viewer-content';

const WIDTH = 96;

/**
 * README.txt at the archive root: what is inside and how to open it, in plain words. Written in
 * the player's language and then in English, so whoever helps the player (or a regulator) can
 * read it too; once only when the player's language is English. CRLF: Notepad shows it right.
 */
export interface ReadmeInput {
  plan: ExportPlan;
  results: DescribedSource[];
  dataMap: DataMap;
  notice: PrivacyNotice;
  translations: Translations;
}

export function readmeText(input: ReadmeInput): string {
  const { plan } = input;
  const locale = resolveArchiveLocale(plan.locale);
  const sections = locale === 'en' ? ['en' as const] : [locale, 'en' as const];
  const separator = ['', '-'.repeat(WIDTH), ''];
  return [
    ...sections.flatMap((l, i) => [...(i > 0 ? separator : []), ...readmeIn(archiveMessages[l], l, input)]),
    '',
  ].join('\r\n');
}

function readmeIn(m: ArchiveMessages, locale: ArchiveLocale, input: ReadmeInput): string[] {
  const { plan, results } = input;
  const notice = noticeView(contentContext(input.dataMap, input.notice, input.translations, locale));
  const plural = new Intl.PluralRules(locale);
  const records = (count: number) =>
    formatMessage(plural.select(count) === 'one' ? m.recordsOne : m.recordsOther, { count });
  return [
    formatMessage(m.readmeTitle, { username: plan.username, date: plan.generatedAt.slice(0, 10) }),
    '',
    ...wrap(formatMessage(m.readmeIntro, { requestId: plan.requestId })),
    '',
    m.contents,
    ...entry('index.html', m.readmeIndex),
    ...entry('manifest.json', m.readmeManifest),
    ...results.flatMap((r) => r.files.map((f) => `  ${f.path.padEnd(40)} ${records(r.records)}`)),
    '',
    m.readmeHowTo,
    ...wrap(m.readmeJson, '  '),
    ...wrap(m.readmeCsv, '  '),
    '',
    ...wrap(m.readmePseudonyms),
    '',
    ...wrap(m.readmeSecrets),
    '',
    ...rightsSection(m, notice),
  ];
}

/** Art. 15(1)(e)–(f) and 15(2) where the player reads: rights, contacts, complaint, transfers. */
function rightsSection(m: ArchiveMessages, notice: NoticeView): string[] {
  const contact = (c: ContactView & { organisationNumber?: string }) =>
    [c.name, c.organisationNumber, c.address, c.email, c.url].filter(Boolean).map((line) => `  ${line}`);
  return [
    m.rightsHeading,
    ...wrap(notice.rights.summary),
    ...notice.rights.items.flatMap((r) => [
      '',
      `  ${r.name} (GDPR Art. ${r.article})`,
      ...wrap(withReferences(r.text), '    '),
      ...wrap(`${m.howToUse}: ${r.how}`, '    '),
    ]),
    '',
    ...wrap(notice.rights.howToExercise),
    '',
    m.controllerHeading,
    ...contact(notice.controller),
    '',
    m.dpoHeading,
    ...contact(notice.dpo),
    ...(notice.jointControllers.length > 0
      ? [
          '',
          m.jointControllersHeading,
          ...notice.jointControllers.flatMap((j) => [
            ...contact(j),
            ...wrap(withReferences(j.scope), '    '),
          ]),
        ]
      : []),
    '',
    m.complaintHeading,
    ...wrap(notice.rights.complaint),
    ...contact(notice.supervisoryAuthority),
    '',
    m.transfersSafeguardsHeading,
    ...wrap(notice.transferSafeguards),
    '',
    m.supportHeading,
    `  ${notice.support.email}`,
  ];
}

/** A cited text for plain text: "… (Privacy policy (June 2024) §21.3 “Right to erasure”, <url>)". */
function withReferences(text: CitedText): string {
  if (text.references.length === 0) return text.text;
  const refs = text.references.map((r) => `${r.policy} ${r.section} “${r.title}”, ${r.url}`);
  return `${text.text} (${refs.join('; ')})`;
}

function entry(path: string, text: string): string[] {
  const indent = ' '.repeat(20);
  const [first = '', ...rest] = wrap(text, indent);
  return [`  ${path.padEnd(18)}${first.slice(indent.length)}`, ...rest];
}

/** Wraps at spaces; text without spaces (Thai between phrases) stays on long lines rather than break a word. */
function wrap(text: string, indent = ''): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && indent.length + line.length + 1 + word.length > WIDTH) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines;
}
