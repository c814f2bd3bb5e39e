import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { volumeFileName } from '../functions/core/archive/volumes';

export class DownloadFailedError extends Error {
  override name = 'DownloadFailedError';
}

/**
 * Fetches an archive exactly as a player's browser does: GET the landing page, POST each of its
 * forms (one per volume of an archive in several zips, with the form's own fields), follow each
 * 303 to the short-lived S3 URL, and save the body. A single zip is saved as `out`; volume n of
 * several as `out` with "-part<n>-of-<count>" before ".zip".
 */
export async function downloadAsPlayer(
  link: string,
  out: string,
): Promise<{ fileName: string | undefined; files: { path: string; fileName: string | undefined }[] }> {
  const landing = await fetch(link);
  if (landing.status !== 200) throw new DownloadFailedError(`The landing page answered ${landing.status}`);
  const forms = formsOf(await landing.text());
  if (forms.length === 0) throw new DownloadFailedError('The landing page has no download form');
  const files: { path: string; fileName: string | undefined }[] = [];
  // Each volume needs a name of its own, which volumeFileName makes from a ".zip" name.
  const base = forms.length > 1 && !out.endsWith('.zip') ? `${out}.zip` : out;
  for (const [i, form] of forms.entries()) {
    const path = volumeFileName(base, i + 1, forms.length);
    const fileName = await submitAndSave(new URL(form.action, link), form.fields, path);
    files.push({ path, fileName });
  }
  return { fileName: files[0]?.fileName, files };
}

async function submitAndSave(action: URL, fields: URLSearchParams, out: string): Promise<string | undefined> {
  const posted = await fetch(action, {
    method: 'POST',
    redirect: 'manual',
    ...(fields.size > 0
      ? { body: fields.toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }
      : {}),
  });
  const location = posted.headers.get('location');
  if (posted.status !== 303 || !location)
    throw new DownloadFailedError(`The download answered ${posted.status}`);
  const file = await fetch(location);
  if (file.status !== 200 || !file.body) throw new DownloadFailedError(`The archive answered ${file.status}`);
  const disposition = file.headers.get('content-disposition') ?? '';
  await pipeline(
    Readable.fromWeb(file.body as import('node:stream/web').ReadableStream),
    createWriteStream(out),
  );
  return fileNameOf(disposition);
}

/** The page's forms: where each posts, and the values of its named inputs (as a browser sends them). */
function formsOf(html: string): { action: string; fields: URLSearchParams }[] {
  return [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)].flatMap((match) => {
    const action = attribute(match[1] ?? '', 'action');
    if (action === undefined) return [];
    const fields = new URLSearchParams();
    for (const input of (match[2] ?? '').matchAll(/<input\b([^>]*)>/g)) {
      const name = attribute(input[1] ?? '', 'name');
      if (name !== undefined) fields.append(name, attribute(input[1] ?? '', 'value') ?? '');
    }
    return [{ action, fields }];
  });
}

function attribute(attributes: string, name: string): string | undefined {
  const value = new RegExp(`\\b${name}="([^"]*)"`).exec(attributes)?.[1];
  // The pages escape with numeric references (&#38;); named ones are read too.
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return value?.replace(
    /&(?:#(\d+)|([a-z]+));/g,
    (whole, code: string | undefined, entity: string | undefined) =>
      code ? String.fromCodePoint(Number(code)) : (named[entity ?? ''] ?? whole),
  );
}

/** RFC 6266: `filename*` (RFC 5987, the exact UTF-8 name) wins over the ASCII `filename`. */
export function fileNameOf(disposition: string): string | undefined {
  const extended = /filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1];
  if (extended) return decodeURIComponent(extended);
  return /filename="([^"]+)"/.exec(disposition)?.[1];
}
