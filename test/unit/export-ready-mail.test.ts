import { describe, expect, it } from 'vitest';
import { escapeHtml } from '../../functions/core/gateway/html';
import { ARCHIVE_LOCALES } from '../../functions/core/i18n/archive-messages';
import { formatDateTime } from '../../functions/core/i18n/formats';
import { exportReadyMail } from '../../functions/core/mail/export-ready-mail';

const link = 'https://download.example.com/d/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-ABCDE';
const base = {
  username: 'NovaStar',
  link,
  requestedAt: '2026-11-18T08:30:00Z',
  expiresAt: '2026-11-25T08:30:00Z',
  maxDownloads: 5,
  to: 'nova.player@example.org',
};

const subjects: Record<string, string> = {
  en: 'Your data export is ready',
  de: 'Dein Datenexport ist bereit',
  fr: 'Votre export de données est prêt',
  nb: 'Dataeksporten din er klar',
  da: 'Din dataeksport er klar',
  th: 'ข้อมูลที่คุณขอส่งออกพร้อมแล้ว',
};

describe('exportReadyMail', () => {
  it.each(ARCHIVE_LOCALES)(
    'is written in %s with link, dates, limit and what to do if not requested',
    (locale) => {
      const mail = exportReadyMail({ ...base, locale });
      expect(mail.subject).toBe(subjects[locale]);
      expect(mail.headers?.['Content-Language']).toBe(locale);
      expect(mail.to).toBe(base.to);
      for (const body of [mail.text, mail.html]) {
        expect(body).toContain(link);
        expect(body).toContain('NovaStar');
        expect(body).toMatch(/5/);
      }
      const date = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(
        new Date(base.expiresAt),
      );
      expect(mail.text).toContain(date);
      expect(mail.html).toContain(`<html lang="${locale}">`);
    },
  );

  it.each(ARCHIVE_LOCALES)('%s: an archive in several volumes is named as parts in both bodies', (locale) => {
    const single = exportReadyMail({ ...base, locale });
    const parts = exportReadyMail({ ...base, locale, volumes: 3 });
    const sentence = parts.text.split('\n').find((line) => !single.text.split('\n').includes(line));
    expect(sentence).toBeDefined();
    expect(sentence).toMatch(/\b3\b/);
    expect(parts.html).toContain(escapeHtml(sentence ?? ''));
    expect(parts.text.length).toBeGreaterThan(single.text.length);
  });

  it.each(ARCHIVE_LOCALES)('%s: both times name their zone, in the text and the HTML part', (locale) => {
    const mail = exportReadyMail({ ...base, locale });
    for (const at of [base.requestedAt, base.expiresAt]) {
      const shown = formatDateTime(locale, at);
      expect(shown).toMatch(/\bUTC$/);
      expect(mail.text).toContain(shown);
      expect(mail.html).toContain(escapeHtml(shown));
    }
    // No clock time without its zone in either part.
    for (const body of [mail.text, mail.html]) {
      for (const match of body.matchAll(/(?<![\d.,:])\d{1,2}[:.]\d{2}(?![\d.,:])(?:\s?[AP]M)?/g)) {
        const end = (match.index ?? 0) + match[0].length;
        expect(body.slice(end, end + 4), match[0]).toBe(' UTC');
      }
    }
  });

  it('gives the times in another zone, named, when one is given', () => {
    const mail = exportReadyMail({ ...base, locale: 'en', timeZone: 'Asia/Bangkok' });
    expect(mail.text).toContain('On November 18, 2026 at 3:30 PM GMT+7 you asked');
    expect(mail.text).toContain('until November 25, 2026 at 3:30 PM GMT+7 for up to 5 downloads');
    expect(exportReadyMail({ ...base, locale: 'de', timeZone: 'Europe/Berlin' }).html).toContain(
      '25. November 2026 um 09:30 MEZ',
    );
  });

  it('speaks German with "du"', () => {
    const mail = exportReadyMail({ ...base, locale: 'de' });
    expect(mail.text).toContain('hast du eine Kopie');
    expect(mail.text).toContain('ändere sofort dein Passwort');
    expect(`${mail.subject} ${mail.text}`).not.toMatch(/(?<!\p{L})(?:Sie|Ihr\p{L}*|Ihnen)(?!\p{L})/u);
  });

  it('tells a player who did not ask to change the password and contact support', () => {
    const mail = exportReadyMail({ ...base, locale: 'en', supportUrl: 'https://support.example.com' });
    expect(mail.text).toMatch(/did not ask/);
    expect(mail.text).toMatch(/change your password/);
    expect(mail.text).toMatch(/contact our support/);
    expect(mail.text).toContain('https://support.example.com');
    expect(exportReadyMail({ ...base, locale: 'de' }).text).toMatch(/Passwort/);
  });

  it('carries no personal data beyond the username: no e-mail address, no full name', () => {
    const mail = exportReadyMail({ ...base, locale: 'fr' });
    for (const body of [mail.text, mail.html, mail.subject, JSON.stringify(mail.headers)]) {
      expect(body).not.toContain(base.to);
      expect(body).not.toContain('nova.player');
      expect(body).not.toMatch(/[\w.+-]+@[\w-]+\.[\w.]+/);
    }
  });

  it('falls back to English and folds region tags', () => {
    expect(exportReadyMail({ ...base, locale: 'pt-BR' }).subject).toBe(subjects.en);
    expect(exportReadyMail({ ...base, locale: 'de-AT' }).subject).toBe(subjects.de);
    expect(exportReadyMail({ ...base, locale: 'nb_NO' }).subject).toBe(subjects.nb);
  });

  it('uses the singular for one download', () => {
    expect(exportReadyMail({ ...base, maxDownloads: 1, locale: 'en' }).text).toContain('for 1 download.');
    expect(exportReadyMail({ ...base, locale: 'en' }).text).toContain('for up to 5 downloads.');
  });

  it('escapes a hostile username and link in the HTML', () => {
    const hostile = '<script>alert(1)</script>"&';
    const mail = exportReadyMail({ ...base, locale: 'en', username: hostile, link: `${link}"><img src=x>` });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('<img');
    expect(mail.html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;&#34;&#38;');
    expect(mail.text).toContain(hostile);
  });
});
