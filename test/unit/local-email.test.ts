import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportReadyMail } from '../../functions/core/mail/export-ready-mail';
import type { MailMessage } from '../../functions/core/ports';
import { LocalEmail } from '../../local/runtime/email';
import { linkFromEml } from '../../local/runtime/read-outbox';

let folder: string;
beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'pde-outbox-'));
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

const link = 'http://127.0.0.1:4321/d/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-ABCDE';

// A decoder written independently of the project's read-outbox, so the test checks the format
// and not one implementation against itself.
function decode(eml: string) {
  const [head = '', ...rest] = eml.split('\r\n\r\n');
  const unfolded = head.replace(/\r\n[ \t]/g, ' ');
  const headers = new Map(
    unfolded.split('\r\n').map((line) => {
      const i = line.indexOf(':');
      return [line.slice(0, i).toLowerCase(), line.slice(i + 1).trim()] as const;
    }),
  );
  const body = rest.join('\r\n\r\n');
  const boundary = /boundary="([^"]+)"/.exec(headers.get('content-type') ?? '')?.[1] ?? '';
  const parts = body
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((chunk) => {
      const [partHead = '', partBody = ''] = chunk.replace(/^\r\n/, '').split('\r\n\r\n');
      return {
        head: partHead,
        text: Buffer.from(partBody.replace(/\s/g, ''), 'base64').toString('utf8'),
        lines: partBody.split('\r\n'),
      };
    });
  const subject = (headers.get('subject') ?? '')
    .split(' ')
    .map((word) => {
      const m = /^=\?UTF-8\?B\?([^?]*)\?=$/i.exec(word);
      return m ? Buffer.from(m[1] ?? '', 'base64').toString('utf8') : word;
    })
    .join('');
  return { headers, parts, subject, body };
}

/** The SES v2 SendEmail call the pipeline's SesMailer makes for a message (Simple content). */
function sendEmail(message: MailMessage, from = 'Game Privacy <privacy@game.example>') {
  return {
    FromEmailAddress: from,
    Destination: { ToAddresses: [message.to] },
    Content: {
      Simple: {
        Subject: { Data: message.subject, Charset: 'UTF-8' },
        Body: {
          Text: { Data: message.text, Charset: 'UTF-8' },
          Html: { Data: message.html, Charset: 'UTF-8' },
        },
        Headers: Object.entries(message.headers ?? {}).map(([Name, Value]) => ({ Name, Value })),
      },
    },
  };
}

function localSes(now = new Date('2026-11-20T10:11:12Z')) {
  return new LocalEmail(folder, ['game.example'], 'us-east-1', () => now);
}

describe('the local SES (SendEmail into the outbox)', () => {
  it('writes one RFC 5322 multipart/alternative .eml per message that decodes back', async () => {
    const mailer = { send: (message: MailMessage) => localSes().send(sendEmail(message)) };
    const mail = exportReadyMail({
      locale: 'th',
      username: 'ผู้เล่น🎮',
      link,
      requestedAt: '2026-11-18T08:30:00Z',
      expiresAt: '2026-11-25T08:30:00Z',
      maxDownloads: 5,
      to: 'player@example.org',
    });
    const subject = `${mail.subject} 🎮🎉 — ยินดีด้วย ${'ก'.repeat(40)}`;
    await mailer.send({ ...mail, subject });
    await mailer.send(mail);

    const files = (await readdir(folder)).sort();
    expect(files).toHaveLength(2);
    expect(files.every((f) => f.endsWith('.eml'))).toBe(true);
    const eml = await readFile(join(folder, files[0] ?? ''), 'utf8');

    // Every line of a message is ASCII and at most 998 characters, ending in CRLF.
    expect([...eml].every((c) => c.charCodeAt(0) < 0x80)).toBe(true);
    expect(eml.split('\r\n').every((line) => line.length <= 998 && !line.includes('\n'))).toBe(true);

    const decoded = decode(eml);
    expect(decoded.subject).toBe(subject);
    for (const word of decoded.headers.get('subject')?.split(' ') ?? [])
      expect(word.length).toBeLessThanOrEqual(75);
    expect(decoded.headers.get('from')).toBe('"Game Privacy" <privacy@game.example>');
    expect(decoded.headers.get('to')).toBe('player@example.org');
    expect(decoded.headers.get('date')).toBe('Fri, 20 Nov 2026 10:11:12 +0000');
    expect(decoded.headers.get('message-id')).toMatch(/^<[0-9a-f]{32}@game\.example>$/);
    expect(decoded.headers.get('mime-version')).toBe('1.0');
    expect(decoded.headers.get('content-language')).toBe('th');
    expect(decoded.headers.get('content-type')).toMatch(/^multipart\/alternative; boundary="/);

    expect(decoded.parts).toHaveLength(2);
    const [text, html] = decoded.parts;
    expect(text?.head).toContain('Content-Type: text/plain; charset=utf-8');
    expect(text?.head).toContain('Content-Transfer-Encoding: base64');
    expect(html?.head).toContain('Content-Type: text/html; charset=utf-8');
    expect(text?.lines.every((l) => l.length <= 76)).toBe(true);
    expect(text?.text).toBe(mail.text);
    expect(html?.text).toBe(mail.html);
    expect(text?.text).toContain('ผู้เล่น🎮');
  });

  it('refuses a sender no identity verifies, as SES does in the sandbox', async () => {
    const message = { to: 'a@b.example', subject: 's', text: 't', html: '<p>h</p>' };
    await expect(localSes().send(sendEmail(message, 'privacy@other.example'))).rejects.toThrow(
      /Email address is not verified.*privacy@other\.example/,
    );
    expect(await readdir(folder)).toEqual([]);
  });

  it('refuses header injection through extra headers', async () => {
    const mailer = { send: (message: MailMessage) => localSes().send(sendEmail(message)) };
    const message = { to: 'a@b.example', subject: 's', text: 't', html: '<p>h</p>' };
    await expect(mailer.send({ ...message, headers: { 'Bcc: x@evil.example\r\nX': 'v' } })).rejects.toThrow(
      /Invalid mail header name/,
    );
    await mailer.send({ ...message, headers: { 'X-Note': 'a\r\nBcc: x@evil.example' } });
    const [file = ''] = await readdir(folder);
    const eml = await readFile(join(folder, file), 'utf8');
    expect(eml).not.toMatch(/^Bcc:/m);
  });
});

describe('linkFromEml', () => {
  it('reads the gateway link back from a written .eml', async () => {
    const mail = exportReadyMail({
      locale: 'de',
      username: 'Nova',
      link,
      requestedAt: '2026-11-18T08:30:00Z',
      expiresAt: '2026-11-25T08:30:00Z',
      maxDownloads: 5,
      to: 'player@example.org',
    });
    await localSes().send(sendEmail(mail));
    const [file = ''] = await readdir(folder);
    expect(linkFromEml(await readFile(join(folder, file), 'utf8'))).toBe(link);
  });

  it('reads a quoted-printable message as other mail clients save it', () => {
    const eml = [
      'Subject: =?UTF-8?Q?Ihr_Datenexport?=',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      `Gr=C3=BC=C3=9Fe, hier ist der Link: ${link.slice(0, 40)}=`,
      `${link.slice(40)}`,
      '',
    ].join('\r\n');
    expect(linkFromEml(eml)).toBe(link);
  });

  it('says so when there is no link', () => {
    expect(() => linkFromEml('Subject: x\r\n\r\nno link here')).toThrow(/No download link/);
  });
});
