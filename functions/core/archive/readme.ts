import {
  type ArchiveMessages,
  archiveMessages,
  formatMessage,
  resolveArchiveLocale,
} from '../i18n/archive-messages';
import type { CollectResult, ExportPlan } from '../workflow-types';

const WIDTH = 96;

/**
 * README.txt at the archive root: what is inside and how to open it, in plain words. Written in
 * the player's language and then in English, so whoever helps the player (or a regulator) can
 * read it too; once only when the player's language is English. CRLF: Notepad shows it right.
 */
export function readmeText(plan: ExportPlan, results: CollectResult[]): string {
  const locale = resolveArchiveLocale(plan.locale);
  const sections = locale === 'en' ? ['en' as const] : [locale, 'en' as const];
  const separator = ['', '-'.repeat(WIDTH), ''];
  return [
    ...sections.flatMap((l, i) => [
      ...(i > 0 ? separator : []),
      ...readmeIn(archiveMessages[l], l, plan, results),
    ]),
    '',
  ].join('\r\n');
}

function readmeIn(m: ArchiveMessages, locale: string, plan: ExportPlan, results: CollectResult[]): string[] {
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
  ];
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
