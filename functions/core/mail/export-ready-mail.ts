import { escapeHtml } from '../gateway/html';
import { formatMessage, resolveArchiveLocale } from '../i18n/archive-messages';
import { formatCount, formatDateTime } from '../i18n/formats';
import type { MailMessage } from '../ports';
import { exportReadyMessages } from './export-ready-messages';

export interface ExportReadyMailInput {
  /** The player's language (BCP 47; 'de-AT' → de); English for one without a catalogue. */
  locale: string;
  /** The only personal data in the mail besides the recipient address (which is only in `to`). */
  username: string;
  /** The gateway's landing page, https://…/d/<token>. */
  link: string;
  requestedAt: string;
  expiresAt: string;
  maxDownloads: number;
  /** How many volumes (zips) the archive has, when more than one. */
  volumes?: number;
  to: string;
  /** Where a player who did not ask for the export reports it; a sentence without a URL otherwise. */
  supportUrl?: string;
  /** IANA zone the times are given in; UTC when unset. Either way each time names its zone. */
  timeZone?: string;
}

/**
 * The "your export is ready" e-mail, in the player's language. It says what was asked for and
 * when, so a player who did not ask recognises an attack (an export is a way to steal an
 * account's data) and knows what to do. Text and HTML carry the same content; every value in the
 * HTML is escaped.
 */
export function exportReadyMail(input: ExportReadyMailInput): MailMessage {
  const locale = resolveArchiveLocale(input.locale);
  const m = exportReadyMessages[locale];
  const values = {
    username: input.username,
    requestedAt: formatDateTime(locale, input.requestedAt, input.timeZone),
    expiresAt: formatDateTime(locale, input.expiresAt, input.timeZone),
    maxDownloads: formatCount(locale, input.maxDownloads),
    volumes: formatCount(locale, input.volumes ?? 1),
    supportUrl: input.supportUrl ?? '',
  };
  const fill = (template: string) => formatMessage(template, values);
  const plural = new Intl.PluralRules(locale).select(input.maxDownloads);
  const validity = fill(plural === 'one' ? m.validityOne : m.validityOther);
  const support = input.supportUrl ? fill(m.support) : undefined;
  const parts = (input.volumes ?? 1) > 1 ? fill(m.parts) : undefined;

  const text = [
    fill(m.greeting),
    '',
    fill(m.requested),
    '',
    input.link,
    '',
    validity,
    '',
    ...(parts ? [parts, ''] : []),
    fill(m.notYouHeading),
    fill(m.notYou),
    ...(support ? [support] : []),
    '',
    '-- ',
    fill(m.footer),
    '',
  ].join('\n');

  const e = (value: string) => escapeHtml(value);
  const html = [
    '<!doctype html>',
    `<html lang="${e(locale)}"><head><meta charset="utf-8"><title>${e(m.subject)}</title></head>`,
    '<body style="font-family:system-ui,sans-serif;line-height:1.5;max-width:40rem">',
    `<p>${e(fill(m.greeting))}</p>`,
    `<p>${e(fill(m.requested))}</p>`,
    `<p><a href="${e(input.link)}" style="display:inline-block;padding:.6rem 1.2rem;background:#1a5fb4;color:#fff;text-decoration:none;border-radius:.3rem">${e(m.button)}</a></p>`,
    // The bare link too: some clients strip buttons, and players may want to see where it goes.
    `<p style="word-break:break-all"><a href="${e(input.link)}">${e(input.link)}</a></p>`,
    `<p>${e(validity)}</p>`,
    ...(parts ? [`<p>${e(parts)}</p>`] : []),
    `<h2 style="font-size:1.1rem">${e(fill(m.notYouHeading))}</h2>`,
    `<p>${e(fill(m.notYou))}</p>`,
    ...(input.supportUrl
      ? [`<p><a href="${e(input.supportUrl)}">${e(support ?? input.supportUrl)}</a></p>`]
      : []),
    `<p style="font-size:.85rem;color:#666">${e(fill(m.footer))}</p>`,
    '</body></html>',
  ].join('\n');

  return {
    to: input.to,
    subject: m.subject,
    text,
    html,
    headers: { 'Content-Language': locale },
  };
}
