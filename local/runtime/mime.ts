/**
 * Just enough RFC 5322 / MIME to write the e-mails of the local outbox: a multipart/alternative
 * message with UTF-8 text and HTML parts in base64 (any character, lines ≤ 76), and RFC 2047
 * encoded words for non-ASCII header values. On AWS, SES builds the MIME from a SendEmail call's
 * Simple content; the local SES (./email.ts) builds it with this.
 */
import { randomBytes } from 'node:crypto';
import type { MailMessage } from '../../functions/core/ports';

const CRLF = '\r\n';

export interface MimeOptions {
  from: string;
  date: Date;
  /** Right-hand side of the Message-ID; the sender's domain by default. */
  messageIdDomain?: string;
}

export function buildMime(message: MailMessage, options: MimeOptions): string {
  const boundary = `=_pde_${randomBytes(12).toString('hex')}`;
  const domain = options.messageIdDomain ?? /@([^>\s]+)>?\s*$/.exec(options.from)?.[1] ?? 'localhost';
  const headers: [string, string][] = [
    ['From', encodeAddress(options.from)],
    ['To', encodeAddress(message.to)],
    ['Subject', encodeHeaderValue(message.subject)],
    ['Date', rfc5322Date(options.date)],
    ['Message-ID', `<${randomBytes(16).toString('hex')}@${domain}>`],
    ['MIME-Version', '1.0'],
  ];
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    // A header name is printable ASCII without a colon; a value never carries a line break (no injection).
    if (!/^[!-9;-~]+$/.test(name)) throw new TypeError(`Invalid mail header name ${JSON.stringify(name)}`);
    headers.push([name, encodeHeaderValue(value.replace(/[\r\n]+/g, ' '))]);
  }
  headers.push(['Content-Type', `multipart/alternative; boundary="${boundary}"`]);

  const part = (type: string, body: string) =>
    [
      `--${boundary}`,
      `Content-Type: ${type}; charset=utf-8`,
      'Content-Transfer-Encoding: base64',
      '',
      base64Lines(body),
    ].join(CRLF);

  return [
    ...headers.map(([name, value]) => `${name}: ${value}`),
    '',
    'This is a multipart message in MIME format.',
    part('text/plain', message.text),
    part('text/html', message.html),
    `--${boundary}--`,
    '',
  ].join(CRLF);
}

function base64Lines(text: string): string {
  const encoded = Buffer.from(text, 'utf8').toString('base64');
  return encoded.match(/.{1,76}/g)?.join(CRLF) ?? '';
}

/**
 * RFC 2047 "B" encoded words of at most 75 characters, split between code points (never inside a
 * UTF-8 sequence), folded onto continuation lines. Plain printable ASCII stays as it is.
 */
export function encodeHeaderValue(value: string): string {
  if (/^[\x20-\x7e]*$/.test(value) && !value.includes('=?')) return value;
  const words: string[] = [];
  let chunk = '';
  for (const char of value) {
    // 45 bytes encode to 60 base64 characters: 60 + "=?UTF-8?B?" + "?=" = 72 ≤ 75.
    if (Buffer.byteLength(chunk + char, 'utf8') > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += char;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join(`${CRLF} `);
}

/** "Name <addr>" with a non-ASCII name gets an encoded display name; the address stays as it is. */
function encodeAddress(address: string): string {
  const match = /^\s*(.*?)\s*<([^>]+)>\s*$/.exec(address);
  if (!match?.[1]) return address.replace(/[\r\n]+/g, '');
  const name = match[1].replace(/^"|"$/g, '');
  const encodedName = /^[\x20-\x7e]*$/.test(name)
    ? `"${name.replace(/["\\]/g, '\\$&')}"`
    : encodeHeaderValue(name);
  return `${encodedName} <${match[2]}>`.replace(/[\r\n]+(?! )/g, '');
}

const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 date-time in UTC: "Mon, 23 Nov 2026 11:19:00 +0000". */
export function rfc5322Date(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${days[at.getUTCDay()]}, ${pad(at.getUTCDate())} ${months[at.getUTCMonth()]} ${at.getUTCFullYear()} ${pad(
    at.getUTCHours(),
  )}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())} +0000`;
}
