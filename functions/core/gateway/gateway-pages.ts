import { formatMessage } from '../i18n/archive-messages';
import { formatBytes, formatCount, formatDateTime, formatMinutes, formatTimeLeft } from '../i18n/formats';
import { type DownloadGrant, type GrantStatus, type GrantVolume, grantVolumes } from '../requests/grant';
import { type GatewayLocale, gatewayMessages, resolveGatewayLocale } from './gateway-messages';
import { escapeHtml, page } from './html';

export type GoneReason = Exclude<GrantStatus, 'usable'>;

export interface PageOptions {
  /** Where a player asks for a new export (the game's account portal); shown on 404 and 410 pages. */
  portalUrl?: string;
  /** A category's title for the player (e.g. from the privacy notice); the category id otherwise. */
  categoryTitle?: (categoryId: string, locale: GatewayLocale) => string | undefined;
  /**
   * IANA zone the pages show times in ("Europe/Oslo"); UTC when unset. Every time names its zone
   * either way, since the player's own zone is not known.
   */
  timeZone?: string;
}

/**
 * Which language a page is in. Pages about a known grant speak the grant's language; pages
 * that know no grant (404, 429, 405, 500) take the caller's, from Accept-Language.
 */
export function grantLocale(grant: Pick<DownloadGrant, 'locale'>): GatewayLocale {
  return resolveGatewayLocale(grant.locale);
}

/** Fills a message and escapes the result: the template and every value are plain text. */
function text(template: string, values: Readonly<Record<string, string | number>> = {}): string {
  return escapeHtml(formatMessage(template, values));
}

export function landingPage(
  grant: DownloadGrant,
  token: string,
  now: Date,
  options: PageOptions = {},
): string {
  const locale = grantLocale(grant);
  const m = gatewayMessages[locale];
  const size = formatBytes(locale, grant.archiveBytes);
  const left = Math.max(0, grant.maxDownloads - grant.downloads);
  const categories = Object.entries(grant.recordsByCategory);
  const rows = categories
    .map(([id, count]) => {
      const title = options.categoryTitle?.(id, locale) ?? id;
      return `<tr><td>${escapeHtml(title)}</td><td class="n">${escapeHtml(formatCount(locale, count))}</td></tr>`;
    })
    .join('');
  const contents =
    categories.length === 0
      ? `<p>${text(m.noCategories)}</p>`
      : `<table><thead><tr><th scope="col">${text(m.category)}</th><th scope="col" class="n">${text(m.records)}</th></tr></thead><tbody>${rows}</tbody></table>`;
  // The token is [A-Za-z0-9_-] (checked before any lookup), escaped anyway: no value reaches the page raw.
  const action = `/d/${encodeURIComponent(token)}/download`;
  const volumes = grantVolumes(grant);
  const expiry = [
    `<dt>${text(m.expires)}</dt><dd>${escapeHtml(formatDateTime(locale, grant.expiresAt, options.timeZone))}</dd>`,
    `<dt>${text(m.timeLeft)}</dt><dd>${escapeHtml(formatTimeLeft(locale, now, grant.expiresAt))}</dd>`,
    `<dt>${text(m.downloadsLeft)}</dt><dd>${text(m.downloadsLeftValue, {
      left: formatCount(locale, left),
      max: formatCount(locale, grant.maxDownloads),
    })}</dd>`,
  ];
  if (volumes.length > 1) {
    return page(locale, m.landingTitle, volumesBody(locale, volumes, action, size, expiry, contents));
  }
  const body = [
    `<h1>${text(m.landingTitle)}</h1>`,
    `<p>${text(m.landingIntro)}</p>`,
    `<h2>${text(m.archive)}</h2>`,
    '<dl>',
    `<dt>${text(m.fileName)}</dt><dd class="file">${escapeHtml(grant.fileName)}</dd>`,
    `<dt>${text(m.size)}</dt><dd>${escapeHtml(size)}</dd>`,
    ...expiry,
    '</dl>',
    `<h2>${text(m.contents)}</h2>`,
    contents,
    // A form, not a link: only a deliberate press (POST) counts a download; prefetchers only GET.
    `<form method="post" action="${escapeHtml(action)}"><button type="submit">${text(m.downloadButton, { size })}</button></form>`,
    `<p class="note">${text(m.downloadNote)}</p>`,
  ].join('\n');
  return page(locale, m.landingTitle, body);
}

/**
 * The landing page's body for an archive in several zips: the archive's facts, then every volume
 * in order with its file name, size and SHA-256 (the one list of the volumes: volume 1 cannot
 * hold its own checksum) and a form of its own that posts `volume=<n>`.
 */
function volumesBody(
  locale: GatewayLocale,
  volumes: readonly GrantVolume[],
  action: string,
  size: string,
  expiry: readonly string[],
  contents: string,
): string {
  const m = gatewayMessages[locale];
  const count = volumes.length;
  const parts = volumes.flatMap((v) => {
    const partSize = formatBytes(locale, v.bytes);
    const label = { volume: formatCount(locale, v.volume), count: formatCount(locale, count) };
    return [
      `<h3>${text(m.volumeHeading, label)}</h3>`,
      '<dl>',
      `<dt>${text(m.fileName)}</dt><dd class="file">${escapeHtml(v.fileName)}</dd>`,
      `<dt>${text(m.size)}</dt><dd>${escapeHtml(partSize)}</dd>`,
      ...(v.sha256 === undefined
        ? []
        : [`<dt>${text(m.checksum)}</dt><dd class="sha256">${escapeHtml(v.sha256)}</dd>`]),
      '</dl>',
      // The form's own field says which volume; the action is the same for every volume.
      `<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="volume" value="${escapeHtml(v.volume)}"><button type="submit">${text(m.volumeButton, { ...label, size: partSize })}</button></form>`,
    ];
  });
  return [
    `<h1>${text(m.landingTitle)}</h1>`,
    `<p>${text(m.landingIntro)}</p>`,
    `<h2>${text(m.archive)}</h2>`,
    `<p>${text(m.volumesIntro, { count: formatCount(locale, count) })}</p>`,
    '<dl>',
    `<dt>${text(m.parts)}</dt><dd>${escapeHtml(formatCount(locale, count))}</dd>`,
    `<dt>${text(m.size)}</dt><dd>${escapeHtml(size)}</dd>`,
    ...expiry,
    '</dl>',
    `<h2>${text(m.contents)}</h2>`,
    contents,
    `<h2>${text(m.volumesHeading)}</h2>`,
    ...parts,
    `<p class="note">${text(m.volumesNote)}</p>`,
  ].join('\n');
}

/** A page that only says what happened: its title as the heading, and one paragraph. */
function notePage(locale: GatewayLocale, title: string, body: string): string {
  return page(locale, title, `<h1>${text(title)}</h1>\n<p>${text(body)}</p>`);
}

/** 400: a download request the gateway cannot read (a volume that is not one of the grant's). */
export function badRequestPage(locale: GatewayLocale = 'en'): string {
  const m = gatewayMessages[locale];
  return notePage(locale, m.badRequestTitle, m.badRequestText);
}

function askAgain(locale: GatewayLocale, options: PageOptions): string {
  const m = gatewayMessages[locale];
  const link = options.portalUrl
    ? `<p><a href="${escapeHtml(options.portalUrl)}">${text(m.askAgainLink)}</a></p>`
    : '';
  return `<p>${text(m.askAgain)}</p>${link}`;
}

/** 410: says which of expired / used up / withdrawn happened, in the grant's language. */
export function gonePage(reason: GoneReason, grant: DownloadGrant, options: PageOptions = {}): string {
  const locale = grantLocale(grant);
  const m = gatewayMessages[locale];
  const [title, detail] =
    reason === 'expired'
      ? [
          m.expiredTitle,
          text(m.expiredText, { date: formatDateTime(locale, grant.expiresAt, options.timeZone) }),
        ]
      : reason === 'used-up'
        ? [m.usedUpTitle, text(m.usedUpText, { max: formatCount(locale, grant.maxDownloads) })]
        : [m.revokedTitle, text(m.revokedText)];
  return page(
    locale,
    title,
    `<h1>${text(title)}</h1>\n<p data-reason="${escapeHtml(reason)}">${detail}</p>\n${askAgain(locale, options)}`,
  );
}

/** 404: the grant is unknown, so its language is too: the caller's (Accept-Language), else English. */
export function notFoundPage(options: PageOptions = {}, locale: GatewayLocale = 'en'): string {
  const m = gatewayMessages[locale];
  return page(
    locale,
    m.notFoundTitle,
    `<h1>${text(m.notFoundTitle)}</h1>\n<p>${text(m.notFoundText)}</p>\n${askAgain(locale, options)}`,
  );
}

/** 429, in the caller's language: how long to wait, in whole minutes with their plural. */
export function tooManyPage(retryAfterSeconds: number, locale: GatewayLocale = 'en'): string {
  const m = gatewayMessages[locale];
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  return page(
    locale,
    m.tooManyTitle,
    `<h1>${text(m.tooManyTitle)}</h1>\n<p>${text(m.tooManyText, { duration: formatMinutes(locale, minutes) })}</p>`,
  );
}

export function errorPage(locale: GatewayLocale = 'en'): string {
  const m = gatewayMessages[locale];
  return notePage(locale, m.errorTitle, m.errorText);
}

export function methodNotAllowedPage(locale: GatewayLocale = 'en'): string {
  const m = gatewayMessages[locale];
  return notePage(locale, m.methodNotAllowedTitle, m.methodNotAllowedText);
}

/** The body of the 303 to the archive, for a client that does not follow redirects. */
export function redirectPage(url: string, locale: GatewayLocale = 'en'): string {
  const m = gatewayMessages[locale];
  return page(
    locale,
    m.redirectTitle,
    `<h1>${text(m.redirectTitle)}</h1>\n<p><a href="${escapeHtml(url)}">${text(m.redirectLink)}</a></p>`,
  );
}
