import { readFile } from 'node:fs/promises';
import type { Manifest } from '../../functions/core/archive/manifest';
import { readZip } from './read-zip';
import { exportAndDownload, type TestRuntime } from './runtime';

/**
 * Exports a player through the whole deployed path (event → workflow → e-mailed link → download
 * through the gateway as the player) and opens the archive with yauzl. `files` are keyed by their
 * path under the archive's root folder: the archive's file name (as the request record keeps it for
 * the download) without ".zip".
 */
export async function exportAndOpen(runtime: TestRuntime, playerId: string, locale = 'en') {
  const exported = await exportAndDownload(runtime, playerId, locale);
  const fileName = exported.answering.archiveFileName;
  if (!fileName?.endsWith('.zip')) {
    throw new Error(`Request ${exported.answering.requestId} has no archive file name (${fileName})`);
  }
  const root = `${fileName.slice(0, -'.zip'.length)}/`;
  const zip = await readFile(exported.out);
  const entries = await readZip(zip);
  const files = new Map([...entries].map(([name, bytes]) => [name.slice(root.length), bytes]));
  const manifest = JSON.parse(files.get('manifest.json')?.toString('utf8') ?? 'null') as Manifest;
  return { ...exported, zip, entries, files, manifest, root };
}

export type OpenedArchive = Awaited<ReturnType<typeof exportAndOpen>>;
