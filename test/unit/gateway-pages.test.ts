import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { attachmentDisposition } from '../../functions/core/gateway/content-disposition';
import { FailedLookupLimiter } from '../../functions/core/gateway/failed-lookup-limiter';
import {
  type GatewayLocale,
  gatewayMessages,
  negotiateGatewayLocale,
  parseAcceptLanguage,
} from '../../functions/core/gateway/gateway-messages';
import {
  badRequestPage,
  errorPage,
  gonePage,
  landingPage,
  methodNotAllowedPage,
  notFoundPage,
  redirectPage,
  tooManyPage,
} from '../../functions/core/gateway/gateway-pages';
import {
  type GatewayDeps,
  type GatewayRequest,
  handleGatewayRequest,
} from '../../functions/core/gateway/handle-gateway-request';
import { CONTENT_SECURITY_POLICY, escapeHtml, securityHeaders } from '../../functions/core/gateway/html';
import { ARCHIVE_LOCALES } from '../../functions/core/i18n/archive-messages';
import { formatDateTime } from '../../functions/core/i18n/formats';
import { exportReadyMessages } from '../../functions/core/mail/export-ready-messages';
import { type DownloadGrant, hashToken } from '../../functions/core/requests/grant';
import type { ArchiveVolume } from '../../functions/core/workflow-types';

const token = 'A'.repeat(43);
const now = new Date('2026-11-20T10:00:00Z');
const hostile = '<script>alert(1)</script>"\'&<img src=x onerror=alert(2)>';

function grant(patch: Partial<DownloadGrant> = {}): DownloadGrant {
  return {
    tokenHash: 'f'.repeat(64),
    requestId: 'req-1',
    playerId: 'p-1',
    archiveKey: 'exports/req-1/archive.zip',
    fileName: 'nova-data-export-2026-11-20.zip',
    locale: 'en',
    createdAt: '2026-11-20T09:00:00Z',
    expiresAt: '2026-11-27T09:00:00Z',
    maxDownloads: 5,
    downloads: 1,
    archiveBytes: 12_345_678,
    recordsByCategory: { profile: 1, purchases: 1234 },
    ...patch,
  };
}

describe('gateway pages', () => {
  it('escapes hostile category names and file names', () => {
    const html = landingPage(grant({ recordsByCategory: { [hostile]: 3 }, fileName: hostile }), token, now);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain(escapeHtml(hostile));
    expect(html).toContain('&#60;script&#62;');
  });

  it('escapes a hostile category title from the privacy notice too', () => {
    const html = landingPage(grant(), token, now, { categoryTitle: () => hostile });
    expect(html).not.toContain('<script>');
    expect(html).toContain(escapeHtml(hostile));
  });

  it('shows size, counts, expiry, time left and downloads left in the grant language', () => {
    const en = landingPage(grant(), token, now);
    expect(en).toContain('<html lang="en">');
    expect(en).toContain('12.3 MB');
    expect(en).toContain('1,234');
    expect(en).toContain('4 of 5');
    expect(en).toContain('in 6 days');
    expect(en).toContain('November 27, 2026 at 9:00 AM UTC');
    expect(en).toContain(`<form method="post" action="/d/${token}/download">`);

    const de = landingPage(grant({ locale: 'de-AT' }), token, now);
    expect(de).toContain('<html lang="de">');
    expect(de).toContain('12,3 MB');
    expect(de).toContain('1.234');
    expect(de).toContain('Herunterladen');
    expect(de).toContain('27. November 2026 um 09:00 UTC');

    const th = landingPage(grant({ locale: 'th' }), token, now);
    expect(th).toContain('<html lang="th">');
    expect(th).toContain('ดาวน์โหลด');
  });

  it('falls back to English for a language without a catalogue', () => {
    for (const locale of ['pt-BR', '', 'xx', '<b>']) {
      const html = landingPage(grant({ locale }), token, now);
      expect(html).toContain('<html lang="en">');
      expect(html).toContain('Your data is ready');
    }
    expect(landingPage(grant({ locale: 'no' }), token, now)).toContain('<html lang="nb">');
  });

  it('says which of expired, used up or withdrawn happened, in the grant language', () => {
    expect(gonePage('expired', grant(), {})).toContain('This link has expired');
    expect(gonePage('used-up', grant(), {})).toContain('used up');
    expect(gonePage('revoked', grant(), {})).toContain('withdrawn');
    expect(gonePage('expired', grant({ locale: 'fr' }))).toContain('Ce lien a expiré');
    expect(gonePage('used-up', grant({ locale: 'da' }))).toContain('brugt op');
    const withPortal = gonePage('revoked', grant(), { portalUrl: 'https://account.example.com/"x' });
    expect(withPortal).toContain('href="https://account.example.com/&#34;x"');
  });

  it('has no script and only the hashed inline style on every page', () => {
    for (const html of [
      landingPage(grant(), token, now),
      landingPage(multiVolumeGrant(), token, now),
      gonePage('expired', grant()),
      notFoundPage(),
      badRequestPage('nb'),
      errorPage(),
      tooManyPage(60, 'th'),
      methodNotAllowedPage('fr'),
      redirectPage('https://bucket.example.com/x?a=1&b=2', 'da'),
    ]) {
      expect(html).not.toMatch(/<script|javascript:|\son\w+=/i);
      const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
      const hash = createHash('sha256').update(style, 'utf8').digest('base64');
      expect(CONTENT_SECURITY_POLICY).toContain(`'sha256-${hash}'`);
    }
  });

  it('sends the security headers', () => {
    expect(securityHeaders()).toEqual({
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': expect.stringMatching(
        /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'$/,
      ),
      'Referrer-Policy': 'no-referrer',
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Cache-Control': 'no-store',
    });
  });
});

const locales = ARCHIVE_LOCALES as readonly GatewayLocale[];

/** lang, <title> and <h1> of a page, as the browser and a screen reader get them. */
function pageFacts(html: string): { lang: string; title: string; h1: string } {
  const decode = (text: string) =>
    text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
  return {
    lang: /<html lang="([^"]*)">/.exec(html)?.[1] ?? '',
    title: decode(/<title>([^<]*)<\/title>/.exec(html)?.[1] ?? ''),
    h1: decode(/<h1>([^<]*)<\/h1>/.exec(html)?.[1] ?? ''),
  };
}

describe('every page in every language', () => {
  it.each(locales)('%s: landing, 410 (three reasons), 404, 429, 405, 500 and the 303 body', (locale) => {
    const m = gatewayMessages[locale];
    const g = grant({ locale });
    const pages: [string, string][] = [
      [landingPage(g, token, now), m.landingTitle],
      [gonePage('expired', g), m.expiredTitle],
      [gonePage('used-up', g), m.usedUpTitle],
      [gonePage('revoked', g), m.revokedTitle],
      [notFoundPage({}, locale), m.notFoundTitle],
      [tooManyPage(300, locale), m.tooManyTitle],
      [methodNotAllowedPage(locale), m.methodNotAllowedTitle],
      [errorPage(locale), m.errorTitle],
      [redirectPage('https://bucket.example.com/x', locale), m.redirectTitle],
    ];
    for (const [html, title] of pages) {
      expect(pageFacts(html)).toEqual({ lang: locale, title, h1: title });
      // No text of another catalogue: every visible sentence is this language's.
      if (locale !== 'en') {
        for (const english of [gatewayMessages.en.askAgain, gatewayMessages.en.notFoundText]) {
          expect(html).not.toContain(escapeHtml(english));
        }
      }
    }
  });

  it('gives no catalogue an empty or English-copied sentence (where English and the language differ)', () => {
    for (const locale of locales) {
      for (const [key, value] of Object.entries(gatewayMessages[locale])) {
        expect(value.trim(), `${locale}.${key}`).not.toBe('');
        const english = gatewayMessages.en[key as keyof typeof gatewayMessages.en];
        if (locale !== 'en' && value.length > 20) expect(value, `${locale}.${key}`).not.toBe(english);
      }
    }
  });

  it('says how long to wait on the 429 page with the plural of each language', () => {
    expect(tooManyPage(60, 'en')).toContain('try again in 1 minute.');
    expect(tooManyPage(290, 'en')).toContain('try again in 5 minutes.');
    expect(tooManyPage(60, 'de')).toContain('in 1 Minute erneut');
    expect(tooManyPage(300, 'de')).toContain('in 5 Minuten erneut');
    expect(tooManyPage(300, 'fr')).toContain('dans 5 minutes');
    expect(tooManyPage(300, 'nb')).toContain('om 5 minutter');
    expect(tooManyPage(300, 'da')).toContain('om 5 minutter');
    expect(tooManyPage(300, 'th')).toContain('ใน 5 นาที');
  });
});

describe('times name their zone', () => {
  it.each([
    ['en', 'November 27, 2026 at 9:00 AM UTC'],
    ['de', '27. November 2026 um 09:00 UTC'],
    ['fr', '27 novembre 2026 à 09:00 UTC'],
    ['nb', '27. november 2026 kl. 09:00 UTC'],
    ['da', '27. november 2026 kl. 09.00 UTC'],
    ['th', 'UTC'],
  ] as const)('%s: %s on the landing and the expired page', (locale, expected) => {
    expect(formatDateTime(locale, '2026-11-27T09:00:00Z')).toContain(expected);
    for (const html of [landingPage(grant({ locale }), token, now), gonePage('expired', grant({ locale }))]) {
      expect(html).toContain(escapeHtml(formatDateTime(locale, '2026-11-27T09:00:00Z')));
      // Never a bare clock time: every h:mm in the page's text is followed by its zone.
      const body = html.slice(html.indexOf('<body>'));
      const times = [...body.matchAll(/(?<![\d.,])\d{1,2}[:.]\d{2}(?![\d.,])(?:\s?[AP]M)?/g)];
      expect(times.length).toBeGreaterThan(0);
      for (const match of times) {
        const end = (match.index ?? 0) + match[0].length;
        expect(body.slice(end, end + 4), match[0]).toBe(' UTC');
      }
    }
  });

  it('shows another zone, named, when one is given', () => {
    expect(formatDateTime('en', '2026-11-27T09:00:00Z', 'Europe/Oslo')).toBe(
      'November 27, 2026 at 10:00 AM GMT+1',
    );
    expect(formatDateTime('de', '2026-11-27T09:00:00Z', 'Europe/Berlin')).toBe(
      '27. November 2026 um 10:00 MEZ',
    );
    expect(landingPage(grant({ locale: 'nb' }), token, now, { timeZone: 'Europe/Oslo' })).toContain(
      '27. november 2026 kl. 10:00 CET',
    );
  });
});

/** Words of the formal German address ("Sie", "Ihr…", "Ihnen"), capitalised as only the polite form is mid-sentence. */
const FORMAL_GERMAN = /(?<!\p{L})(?:Sie|Ihr|Ihre|Ihren|Ihrem|Ihrer|Ihres|Ihnen)(?!\p{L})/u;

describe('one form of address per language', () => {
  it('German says "du" in the pages and the e-mail: no formal word anywhere in the de catalogues', () => {
    const catalogues = { gateway: gatewayMessages.de, mail: exportReadyMessages.de };
    for (const [name, catalogue] of Object.entries(catalogues)) {
      for (const [key, value] of Object.entries(catalogue)) {
        expect(FORMAL_GERMAN.exec(value)?.[0], `${name}.de.${key}: ${value}`).toBeUndefined();
      }
    }
    const all = Object.values(catalogues)
      .flatMap((c) => Object.values(c))
      .join(' ');
    expect(all).toMatch(/\b(?:du|dein|deine|deinem|deinen|deiner|dich|dir)\b/i);
  });

  it('French says "vous", never "tu"', () => {
    const all = [...Object.values(gatewayMessages.fr), ...Object.values(exportReadyMessages.fr)].join(' ');
    expect(all).toMatch(/\bvous\b/);
    // Letter boundaries, not \b: JavaScript's \b takes "ê" for a boundary and finds "tes" in "prêtes".
    expect(all).not.toMatch(/(?<!\p{L})(?:tu|toi|ton|ta|tes)(?!\p{L})/iu);
  });

  it('Norwegian and Danish say "du", never the formal "De"/"Dem"', () => {
    for (const locale of ['nb', 'da'] as const) {
      const all = [
        ...Object.values(gatewayMessages[locale]),
        ...Object.values(exportReadyMessages[locale]),
      ].join(' ');
      expect(all).toMatch(/\bdu\b/);
      expect(all).not.toMatch(/\b(?:Dem|Deres)\b/);
    }
  });

  it('Thai uses the neutral polite คุณ, never the intimate เธอ or gendered particles', () => {
    const all = [...Object.values(gatewayMessages.th), ...Object.values(exportReadyMessages.th)].join(' ');
    expect(all).toContain('คุณ');
    for (const word of ['เธอ', 'ครับ', 'ค่ะ', 'ท่าน']) expect(all).not.toContain(word);
  });
});

describe('parseAcceptLanguage', () => {
  it('orders ranges by weight, keeping the sender’s order for equal weights', () => {
    expect(parseAcceptLanguage('da, en-GB;q=0.8, en;q=0.7')).toEqual([
      { range: 'da', q: 1 },
      { range: 'en-gb', q: 0.8 },
      { range: 'en', q: 0.7 },
    ]);
    expect(parseAcceptLanguage('fr;q=0.5, de;q=0.9,th ; q=0.9')).toEqual([
      { range: 'de', q: 0.9 },
      { range: 'th', q: 0.9 },
      { range: 'fr', q: 0.5 },
    ]);
    expect(parseAcceptLanguage('*;q=0.1, nb-NO')).toEqual([
      { range: 'nb-no', q: 1 },
      { range: '*', q: 0.1 },
    ]);
  });

  it('skips malformed entries and keeps the rest', () => {
    expect(
      parseAcceptLanguage('de;q=2, fr;q=abc, ;q=1, 12, de-toolongsubtag, th;q=0.300, en;q=1.000'),
    ).toEqual([
      { range: 'en', q: 1 },
      { range: 'th', q: 0.3 },
    ]);
    expect(parseAcceptLanguage('')).toEqual([]);
    expect(parseAcceptLanguage(undefined)).toEqual([]);
    expect(parseAcceptLanguage('<script>')).toEqual([]);
  });

  it('reads only the start of an absurdly long header', () => {
    const long = `${'xx, '.repeat(5000)}de`;
    expect(parseAcceptLanguage(long).length).toBeLessThanOrEqual(32);
    expect(negotiateGatewayLocale(long)).toBe('en');
  });
});

describe('negotiateGatewayLocale', () => {
  it.each([
    ['de-CH, de;q=0.9, en;q=0.8', 'de'],
    ['pt-BR, pt;q=0.9, fr;q=0.8, en;q=0.7', 'fr'],
    ['en;q=0.5, th;q=0.9', 'th'],
    ['no', 'nb'],
    ['nn-NO, en;q=0.5', 'nb'],
    ['nb-NO', 'nb'],
    ['da-DK;q=0, fr;q=0.1', 'fr'],
    ['da;q=0', 'en'],
    ['ja, zh-CN;q=0.9', 'en'],
    ['*', 'en'],
    ['', 'en'],
    [undefined, 'en'],
    ['EN-us', 'en'],
    ['TH', 'th'],
  ] as const)('%j → %s', (header, expected) => {
    expect(negotiateGatewayLocale(header)).toBe(expected);
  });
});

describe('handleGatewayRequest: the language of each answer', () => {
  const known = grant({ locale: 'th', tokenHash: hashToken(token) });
  const otherToken = 'B'.repeat(43);

  function deps(patch: Partial<GatewayDeps> = {}, stored: DownloadGrant[] = [known]): GatewayDeps {
    const byHash = new Map(stored.map((g) => [g.tokenHash, g]));
    return {
      grants: {
        get: async (hash: string) => byHash.get(hash),
        consume: async (hash: string) => {
          const g = byHash.get(hash);
          return g
            ? { ok: true, grant: { ...g, downloads: g.downloads + 1 } }
            : { ok: false, reason: 'unknown' };
        },
      } as unknown as GatewayDeps['grants'],
      requests: { get: async () => ({ state: 'READY' }) } as unknown as GatewayDeps['requests'],
      archives: { exists: async () => true },
      presigner: { presignDownload: async () => 'https://bucket.example.com/archive.zip?sig=1' },
      clock: { now: () => now },
      recordDownload: async () => undefined,
      log: () => undefined,
      presignSeconds: 60,
      ...patch,
    };
  }

  function request(path: string, acceptLanguage?: string, method = 'GET'): GatewayRequest {
    return {
      method,
      path,
      headers: acceptLanguage === undefined ? {} : { 'accept-language': acceptLanguage },
      clientId: '192.0.2.1',
    };
  }

  it('404 for an unknown token speaks the Accept-Language and says it varies with it', async () => {
    const response = await handleGatewayRequest(
      deps(),
      request(`/d/${otherToken}`, 'fr-CH, fr;q=0.9, en;q=0.8'),
    );
    expect(response.status).toBe(404);
    expect(response.headers['Content-Language']).toBe('fr');
    expect(response.headers.Vary).toBe('Accept-Language');
    expect(pageFacts(response.body)).toEqual({
      lang: 'fr',
      title: 'Lien introuvable',
      h1: 'Lien introuvable',
    });
    const english = await handleGatewayRequest(deps(), request('/favicon.ico'));
    expect(english.headers['Content-Language']).toBe('en');
    expect(pageFacts(english.body).lang).toBe('en');
  });

  it('reads the header whatever the case of its name', async () => {
    const response = await handleGatewayRequest(deps(), {
      ...request(`/d/${otherToken}`),
      headers: { 'Accept-Language': 'da' },
    });
    expect(response.headers['Content-Language']).toBe('da');
  });

  it('a known grant speaks its own language, whatever the browser asks for', async () => {
    const landing = await handleGatewayRequest(deps(), request(`/d/${token}`, 'de'));
    expect(landing.status).toBe(200);
    expect(landing.headers['Content-Language']).toBe('th');
    expect(landing.headers.Vary).toBeUndefined();
    expect(pageFacts(landing.body).lang).toBe('th');

    const revoked = grant({ locale: 'da', tokenHash: hashToken(token), revokedAt: '2026-11-20T09:30:00Z' });
    const gone = await handleGatewayRequest(deps({}, [revoked]), request(`/d/${token}`, 'de'));
    expect(gone.status).toBe(410);
    expect(gone.headers['Content-Language']).toBe('da');
    expect(pageFacts(gone.body).title).toBe(gatewayMessages.da.revokedTitle);

    const redirect = await handleGatewayRequest(deps(), request(`/d/${token}/download`, 'de', 'POST'));
    expect(redirect.status).toBe(303);
    expect(redirect.headers.Location).toBe('https://bucket.example.com/archive.zip?sig=1');
    expect(redirect.headers['Content-Language']).toBe('th');
    expect(redirect.body).toContain('href="https://bucket.example.com/archive.zip?sig=1"');
  });

  it('429 speaks the Accept-Language (nn → nb) and keeps Retry-After', async () => {
    const limiter = new FailedLookupLimiter({
      threshold: 0,
      baseDelayMs: 1,
      maxDelayMs: 0,
      windowMs: 120_000,
    });
    limiter.recordFailure('192.0.2.1', now.getTime());
    const response = await handleGatewayRequest(
      deps({ limiter }),
      request(`/d/${otherToken}`, 'nn-NO, en;q=0.5'),
    );
    expect(response.status).toBe(429);
    expect(response.headers['Retry-After']).toBe('120');
    expect(response.headers['Content-Language']).toBe('nb');
    expect(response.body).toContain('om 2 minutter');
    expect(pageFacts(response.body).title).toBe(gatewayMessages.nb.tooManyTitle);
  });

  it('405 and 500 speak the Accept-Language too', async () => {
    const refused = await handleGatewayRequest(deps(), request(`/d/${token}/download`, 'de-AT', 'GET'));
    expect(refused.status).toBe(405);
    expect(refused.headers.Allow).toBe('POST');
    expect(refused.headers['Content-Language']).toBe('de');
    expect(pageFacts(refused.body).title).toBe(gatewayMessages.de.methodNotAllowedTitle);

    const failing = deps({
      grants: {
        get: async () => {
          throw new Error('store down');
        },
      } as unknown as GatewayDeps['grants'],
    });
    const failed = await handleGatewayRequest(failing, request(`/d/${token}`, 'th-TH'));
    expect(failed.status).toBe(500);
    expect(failed.headers['Content-Language']).toBe('th');
    expect(pageFacts(failed.body).title).toBe(gatewayMessages.th.errorTitle);
  });
});

/** Three volumes of 1.9, 1.8 and 0.3 GB, each with a checksum of its own. */
const threeVolumes: ArchiveVolume[] = [
  { archiveKey: 'archives/req-1/1.zip', bytes: 1_900_000_000, sha256: 'a1'.repeat(32) },
  { archiveKey: 'archives/req-1/1.part2.zip', bytes: 1_850_000_000, sha256: 'b2'.repeat(32) },
  { archiveKey: 'archives/req-1/1.part3.zip', bytes: 300_000_000, sha256: 'c3'.repeat(32) },
];

function multiVolumeGrant(patch: Partial<DownloadGrant> = {}): DownloadGrant {
  return grant({
    archiveKey: 'archives/req-1/1.zip',
    archiveBytes: 4_050_000_000,
    maxDownloads: 15,
    downloads: 0,
    volumes: threeVolumes,
    ...patch,
  });
}

/** Each form of a page: its action, its hidden fields and its button's text (decoded). */
function formsOf(html: string): { action: string; fields: Record<string, string>; button: string }[] {
  const decode = (text: string) =>
    text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
  return [...html.matchAll(/<form method="post" action="([^"]*)">([\s\S]*?)<\/form>/g)].map((form) => ({
    action: decode(form[1] ?? ''),
    fields: Object.fromEntries(
      [...(form[2] ?? '').matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)].map((input) => [
        decode(input[1] ?? ''),
        decode(input[2] ?? ''),
      ]),
    ),
    button: decode(/<button type="submit">([^<]*)<\/button>/.exec(form[2] ?? '')?.[1] ?? ''),
  }));
}

describe('landing page of an archive in several volumes', () => {
  it('offers one form per volume, each posting its volume number, with the part named in its button', () => {
    const html = landingPage(multiVolumeGrant(), token, now);
    expect(formsOf(html)).toEqual([
      { action: `/d/${token}/download`, fields: { volume: '1' }, button: 'Download part 1 of 3 (1.9 GB)' },
      { action: `/d/${token}/download`, fields: { volume: '2' }, button: 'Download part 2 of 3 (1.9 GB)' },
      { action: `/d/${token}/download`, fields: { volume: '3' }, button: 'Download part 3 of 3 (300 MB)' },
    ]);
    // Not the single-zip button or note.
    expect(html).not.toContain('Download (');
    expect(html).not.toContain(escapeHtml(gatewayMessages.en.downloadNote));
  });

  it('says how many parts there are, lists each with file name, size and SHA-256, and says to unpack them together', () => {
    const html = landingPage(multiVolumeGrant(), token, now);
    expect(html).toContain('The archive comes in 3 parts');
    expect(html).toContain(escapeHtml('unpack them all into one folder'));
    expect(html).toContain(escapeHtml(gatewayMessages.en.volumesNote));
    expect(html).toContain('<dt>Parts</dt><dd>3</dd>');
    expect(html).toContain('<dt>Size</dt><dd>4.1 GB</dd>'); // all volumes together
    expect(html).toContain('15 of 15'); // maxDownloads is per volume × 3
    const names = [...html.matchAll(/<dd class="file">([^<]*)<\/dd>/g)].map((m) => m[1]);
    expect(names).toEqual([
      'nova-data-export-2026-11-20-part1-of-3.zip',
      'nova-data-export-2026-11-20-part2-of-3.zip',
      'nova-data-export-2026-11-20-part3-of-3.zip',
    ]);
    const sums = [...html.matchAll(/<dt>SHA-256 checksum<\/dt><dd class="sha256">([^<]*)<\/dd>/g)].map(
      (m) => m[1],
    );
    expect(sums).toEqual(threeVolumes.map((v) => v.sha256));
    for (const [i, heading] of ['Part 1 of 3', 'Part 2 of 3', 'Part 3 of 3'].entries()) {
      const at = html.indexOf(`<h3>${heading}</h3>`);
      expect(at, heading).toBeGreaterThan(0);
      // Each part's facts come under its heading and before its button.
      expect(html.indexOf(names[i] ?? '', at)).toBeGreaterThan(at);
      expect(html.indexOf(threeVolumes[i]?.sha256 ?? '', at)).toBeLessThan(
        html.indexOf(`value="${i + 1}"`, at),
      );
    }
    expect(html).toContain(
      '<dl>\n<dt>File</dt><dd class="file">nova-data-export-2026-11-20-part2-of-3.zip</dd>\n<dt>Size</dt><dd>1.9 GB</dd>',
    );
  });

  it('escapes hostile file names and checksums, and has no script', () => {
    const html = landingPage(
      multiVolumeGrant({
        fileName: hostile,
        volumes: threeVolumes.map((v) => ({ ...v, sha256: hostile })),
        recordsByCategory: { [hostile]: 1 },
      }),
      token,
      now,
    );
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html.split(escapeHtml(hostile)).length - 1).toBe(3 + 3 + 1); // names, checksums, category
    expect(formsOf(html).map((f) => f.fields.volume)).toEqual(['1', '2', '3']);
  });

  it('shows a grant whose volumes list holds one volume exactly as a single zip', () => {
    const single = grant();
    const one = grant({
      volumes: [{ archiveKey: single.archiveKey, bytes: single.archiveBytes, sha256: 'd'.repeat(64) }],
    });
    expect(landingPage(one, token, now)).toBe(landingPage(single, token, now));
    expect(formsOf(landingPage(single, token, now))).toEqual([
      { action: `/d/${token}/download`, fields: {}, button: 'Download (12.3 MB)' },
    ]);
  });

  it.each(locales)('%s: parts, buttons and notes in the grant language', (locale) => {
    const m = gatewayMessages[locale];
    const html = landingPage(multiVolumeGrant({ locale }), token, now);
    expect(pageFacts(html)).toEqual({ lang: locale, title: m.landingTitle, h1: m.landingTitle });
    const forms = formsOf(html);
    expect(forms.map((f) => f.fields.volume)).toEqual(['1', '2', '3']);
    for (const [i, form] of forms.entries()) {
      expect(form.button).toContain(String(i + 1));
      expect(form.button).not.toMatch(/\{\w+\}/); // every placeholder filled
    }
    expect(forms[1]?.button).toBe(
      m.volumeButton
        .replace('{volume}', '2')
        .replace('{count}', '3')
        .replace('{size}', forms[1]?.button.match(/\(([^)]*)\)$/)?.[1] ?? ''),
    );
    for (const sentence of [m.volumesNote, m.volumesIntro.replace('{count}', '3'), m.volumesHeading]) {
      expect(html).toContain(escapeHtml(sentence));
    }
    if (locale !== 'en') {
      for (const english of [gatewayMessages.en.volumesNote, gatewayMessages.en.volumesHeading]) {
        expect(html).not.toContain(escapeHtml(english));
      }
    }
    expect(html).not.toMatch(/\{(?:volume|count|size)\}/);
  });

  it('has a 400 page in every language', () => {
    for (const locale of locales) {
      const m = gatewayMessages[locale];
      expect(pageFacts(badRequestPage(locale))).toEqual({
        lang: locale,
        title: m.badRequestTitle,
        h1: m.badRequestTitle,
      });
    }
  });
});

describe('handleGatewayRequest: which volume a download POST fetches', () => {
  const known = multiVolumeGrant({ tokenHash: hashToken(token) });

  function setup(stored: DownloadGrant = known, missing: string[] = []) {
    const presigned: { key: string; fileName: string }[] = [];
    const consumed: string[] = [];
    const checked: string[] = [];
    const deps: GatewayDeps = {
      grants: {
        get: async (hash: string) => (hash === stored.tokenHash ? stored : undefined),
        consume: async (hash: string) => {
          consumed.push(hash);
          return { ok: true, grant: { ...stored, downloads: stored.downloads + 1 } };
        },
      } as unknown as GatewayDeps['grants'],
      requests: { get: async () => ({ state: 'READY' }) } as unknown as GatewayDeps['requests'],
      archives: {
        exists: async (key: string) => {
          checked.push(key);
          return !missing.includes(key);
        },
      },
      presigner: {
        presignDownload: async (key: string, fileName: string) => {
          presigned.push({ key, fileName });
          return `https://bucket.example.com/${key}?sig=1`;
        },
      },
      clock: { now: () => now },
      recordDownload: async () => undefined,
      log: () => undefined,
      presignSeconds: 60,
    };
    return { deps, presigned, consumed, checked };
  }

  const form = 'application/x-www-form-urlencoded';
  function postForm(body: string | undefined, contentType: string | null = form): GatewayRequest {
    return {
      method: 'POST',
      path: `/d/${token}/download`,
      headers: contentType === null ? {} : { 'content-type': contentType },
      clientId: '192.0.2.1',
      ...(body === undefined ? {} : { body }),
    };
  }

  it('presigns the chosen volume under its own file name and counts one download', async () => {
    for (const [volume, key] of threeVolumes.map((v, i) => [i + 1, v.archiveKey] as const)) {
      const { deps, presigned, consumed, checked } = setup();
      const response = await handleGatewayRequest(deps, postForm(`volume=${volume}`));
      expect(response.status).toBe(303);
      expect(response.headers.Location).toBe(`https://bucket.example.com/${key}?sig=1`);
      expect(checked).toEqual([key]);
      expect(presigned).toEqual([{ key, fileName: `nova-data-export-2026-11-20-part${volume}-of-3.zip` }]);
      expect(consumed).toEqual([known.tokenHash]);
    }
  });

  it('takes volume 1 when the form has no volume field, and reads the content type with parameters', async () => {
    for (const request of [
      postForm(undefined, null),
      postForm(''),
      postForm('other=x'),
      postForm('volume=2', 'Application/X-WWW-Form-Urlencoded; charset=UTF-8'),
    ]) {
      const { deps, presigned, consumed } = setup();
      const response = await handleGatewayRequest(deps, request);
      expect(response.status).toBe(303);
      expect(presigned[0]?.key).toBe(
        request.body === 'volume=2' ? threeVolumes[1]?.archiveKey : threeVolumes[0]?.archiveKey,
      );
      expect(consumed).toHaveLength(1);
    }
  });

  it.each([
    'volume=0',
    'volume=4',
    'volume=-1',
    'volume=%2B2',
    'volume=1.0',
    'volume=02',
    'volume=2%20',
    'volume=1e0',
    'volume=0x2',
    'volume=abc',
    'volume=',
    'volume',
    'volume=99999999999999999999999',
    'volume=1&volume=2',
    `volume=2&pad=${'x'.repeat(2000)}`,
  ])('refuses %s with a 400 in the grant language, counting nothing', async (body) => {
    const { deps, presigned, consumed, checked } = setup(
      multiVolumeGrant({ tokenHash: hashToken(token), locale: 'fr' }),
    );
    const response = await handleGatewayRequest(deps, postForm(body));
    expect(response.status).toBe(400);
    expect(response.headers.Location).toBeUndefined();
    expect(response.headers['Content-Language']).toBe('fr');
    expect(response.headers['Cache-Control']).toBe('no-store');
    expect(pageFacts(response.body).title).toBe(gatewayMessages.fr.badRequestTitle);
    expect({ presigned, consumed, checked }).toEqual({ presigned: [], consumed: [], checked: [] });
  });

  it('refuses a body that is not a form (JSON, text, multipart) with a 400', async () => {
    for (const [body, type] of [
      ['{"volume":2}', 'application/json'],
      ['volume=2', 'text/plain;charset=UTF-8'],
      ['volume=2', null],
    ] as const) {
      const { deps, consumed } = setup();
      const response = await handleGatewayRequest(deps, postForm(body, type));
      expect(response.status, `${type}`).toBe(400);
      expect(consumed).toEqual([]);
    }
  });

  it('a single-zip grant gives volume 1 only', async () => {
    const single = grant({ tokenHash: hashToken(token) });
    const ok = setup(single);
    expect((await handleGatewayRequest(ok.deps, postForm('volume=1'))).status).toBe(303);
    expect(ok.presigned).toEqual([{ key: single.archiveKey, fileName: single.fileName }]);
    const refused = setup(single);
    expect((await handleGatewayRequest(refused.deps, postForm('volume=2'))).status).toBe(400);
    expect(refused.consumed).toEqual([]);
  });

  it('answers 410 without counting when the chosen volume’s object is gone (other volumes still served)', async () => {
    const gone = setup(known, [threeVolumes[2]?.archiveKey ?? '']);
    const response = await handleGatewayRequest(gone.deps, postForm('volume=3'));
    expect(response.status).toBe(410);
    expect(response.body).toContain('data-reason="expired"');
    expect(gone.consumed).toEqual([]);
    expect(gone.presigned).toEqual([]);
    const other = setup(known, [threeVolumes[2]?.archiveKey ?? '']);
    expect((await handleGatewayRequest(other.deps, postForm('volume=2'))).status).toBe(303);
  });

  it('still answers a used-up or expired grant 410 whatever volume is asked for', async () => {
    const usedUp = setup(multiVolumeGrant({ tokenHash: hashToken(token), downloads: 15 }));
    const response = await handleGatewayRequest(usedUp.deps, postForm('volume=9'));
    expect(response.status).toBe(410);
    expect(response.body).toContain('data-reason="used-up"');
    expect(usedUp.consumed).toEqual([]);
  });
});

describe('attachmentDisposition', () => {
  it('keeps an ASCII name and adds filename* for any other', () => {
    expect(attachmentDisposition('nova-data-export.zip')).toBe('attachment; filename="nova-data-export.zip"');
    expect(attachmentDisposition('ผู้เล่น-🎮.zip')).toBe(
      `attachment; filename="_-_.zip"; filename*=UTF-8''${encodeURIComponent('ผู้เล่น-🎮.zip')}`,
    );
    expect(attachmentDisposition('a"b\\c\r\n.zip')).toMatch(
      /^attachment; filename="a_b_c_\.zip"; filename\*=/,
    );
  });
});

describe('FailedLookupLimiter', () => {
  it('allows the threshold, then delays with growing waits, then refuses with Retry-After', () => {
    const limiter = new FailedLookupLimiter({
      threshold: 3,
      windowMs: 60_000,
      baseDelayMs: 100,
      maxDelayMs: 400,
    });
    const t = 1_000_000;
    const decisions = [];
    for (let i = 0; i < 7; i++) {
      decisions.push(limiter.check('1.2.3.4', t + i));
      limiter.recordFailure('1.2.3.4', t + i);
    }
    expect(decisions.map((d) => d.kind)).toEqual([
      'allow',
      'allow',
      'allow',
      'delay',
      'delay',
      'delay',
      'reject',
    ]);
    expect(decisions.slice(3, 6).map((d) => (d.kind === 'delay' ? d.ms : 0))).toEqual([100, 200, 400]);
    const rejected = decisions[6];
    expect(rejected?.kind === 'reject' && rejected.retryAfterSeconds).toBe(60);
    // Another client is not affected; the first is let through once its failures leave the window.
    expect(limiter.check('5.6.7.8', t + 10).kind).toBe('allow');
    expect(limiter.check('1.2.3.4', t + 60_010).kind).toBe('allow');
  });

  it('forgets the least recently failing clients beyond its size', () => {
    const limiter = new FailedLookupLimiter({ threshold: 1, maxClients: 2 });
    limiter.recordFailure('a', 1);
    limiter.recordFailure('b', 2);
    limiter.recordFailure('c', 3);
    expect(limiter.check('a', 4).kind).toBe('allow');
    expect(limiter.check('c', 4).kind).toBe('delay');
  });
});
