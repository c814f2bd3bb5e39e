import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export class DownloadFailedError extends Error {
  override name = 'DownloadFailedError';
}

/**
 * Fetches an archive exactly as a player's browser does: GET the landing page, POST its form,
 * follow the 303 to the short-lived S3 URL, and save the body.
 */
export async function downloadAsPlayer(link: string, out: string): Promise<{ fileName: string | undefined }> {
  const landing = await fetch(link);
  if (landing.status !== 200) throw new DownloadFailedError(`The landing page answered ${landing.status}`);
  const action = /<form[^>]*action="([^"]+)"/.exec(await landing.text())?.[1];
  if (!action) throw new DownloadFailedError('The landing page has no download form');
  const posted = await fetch(new URL(action.replaceAll('&amp;', '&'), link), {
    method: 'POST',
    redirect: 'manual',
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
  return { fileName: fileNameOf(disposition) };
}

/** RFC 6266: `filename*` (RFC 5987, the exact UTF-8 name) wins over the ASCII `filename`. */
export function fileNameOf(disposition: string): string | undefined {
  const extended = /filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1];
  if (extended) return decodeURIComponent(extended);
  return /filename="([^"]+)"/.exec(disposition)?.[1];
}
