import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { attachmentDisposition } from '../../functions/core/gateway/content-disposition';
import { FailedLookupLimiter } from '../../functions/core/gateway/failed-lookup-limiter';
import { errorPage, gonePage, landingPage, notFoundPage } from '../../functions/core/gateway/gateway-pages';
import { CONTENT_SECURITY_POLICY, escapeHtml, securityHeaders } from '../../functions/core/gateway/html';
import type { DownloadGrant } from '../../functions/core/requests/grant';

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
    expect(en).toContain('November 27, 2026');
    expect(en).toContain(`<form method="post" action="/d/${token}/download">`);

    const de = landingPage(grant({ locale: 'de-AT' }), token, now);
    expect(de).toContain('<html lang="de">');
    expect(de).toContain('12,3 MB');
    expect(de).toContain('1.234');
    expect(de).toContain('Herunterladen');
    expect(de).toContain('27. November 2026');

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
      gonePage('expired', grant()),
      notFoundPage(),
      errorPage(),
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
