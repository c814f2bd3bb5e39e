/**
 * Reads back what the OutboxMailer wrote: the link a player would click, for tests and the local
 * CLI. A small MIME reader (headers, multipart, base64 and quoted-printable parts, RFC 2047
 * subjects), enough for the messages this project writes and for common mail clients' saves.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface ParsedPart {
  headers: Map<string, string>;
  body: string;
}

export interface ParsedEml {
  headers: Map<string, string>;
  subject: string;
  parts: ParsedPart[];
}

export function parseEml(text: string): ParsedEml {
  const { headers, body } = splitHeaders(text);
  const contentType = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  const parts = boundary
    ? body
        .split(`--${boundary}`)
        .slice(1)
        .filter((chunk) => !chunk.startsWith('--'))
        .map((chunk) => {
          const part = splitHeaders(chunk.replace(/^\r?\n/, ''));
          return { headers: part.headers, body: decodeBody(part.body, part.headers) };
        })
    : [{ headers, body: decodeBody(body, headers) }];
  return { headers, subject: decodeHeaderValue(headers.get('subject') ?? ''), parts };
}

/** The gateway link (…/d/<token>) in the text part (the HTML part if there is no text part). */
export function linkFromEml(text: string): string {
  const parsed = parseEml(text);
  const part =
    parsed.parts.find((p) => (p.headers.get('content-type') ?? 'text/plain').startsWith('text/plain')) ??
    parsed.parts[0];
  const link = /https?:\/\/[^\s"'<>]+\/d\/[A-Za-z0-9_-]+/.exec(part?.body ?? '')?.[0];
  if (!link) throw new Error('No download link (…/d/<token>) found in the e-mail');
  return link;
}

/** The link of the newest .eml in an outbox folder (file names sort by sending time). */
export async function latestLinkInOutbox(folder: string): Promise<string> {
  const names = (await readdir(folder)).filter((n) => n.endsWith('.eml')).sort();
  const newest = names.at(-1);
  if (!newest) throw new Error(`No .eml file in ${folder}: was the export e-mail sent?`);
  return linkFromEml(await readFile(join(folder, newest), 'utf8'));
}

function splitHeaders(text: string): { headers: Map<string, string>; body: string } {
  const end = /\r?\n\r?\n/.exec(text);
  const head = end ? text.slice(0, end.index) : text;
  const body = end ? text.slice(end.index + end[0].length) : '';
  const headers = new Map<string, string>();
  // Unfold continuation lines (starting with space or tab) first.
  for (const line of head.replace(/\r?\n[ \t]/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function decodeBody(body: string, headers: Map<string, string>): string {
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  return body;
}

function decodeQuotedPrintable(body: string): string {
  const bytes: number[] = [];
  const text = body.replace(/=\r?\n/g, '');
  for (let i = 0; i < text.length; i++) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      for (const byte of Buffer.from(text[i] ?? '', 'utf8')) bytes.push(byte);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Decodes RFC 2047 encoded words (B and Q); whitespace between adjacent encoded words is dropped. */
export function decodeHeaderValue(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_whole, _charset: string, kind: string, data: string) =>
      kind.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : decodeQuotedPrintable(data.replace(/_/g, ' ')),
    );
}
