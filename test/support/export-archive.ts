import { readFile } from 'node:fs/promises';
import type { Manifest } from '../../functions/core/archive/manifest';
import { readZip } from './read-zip';
import { exportAndDownload, type TestRuntime } from './runtime';

/**
 * Exports a player through the whole deployed path (event → workflow → e-mailed link → download
 * through the gateway as the player) and opens the archive with yauzl. `files` are keyed by their
 * path under the archive's root folder: the archive's file name (as the request record keeps it for
 * the download) without ".zip". An archive in several volumes is every volume downloaded and
 * opened: `files` and `entries` are all of them (as unpacked into one folder), `zip` volume 1,
 * `volumeEntries` each volume's own.
 */
export async function exportAndOpen(runtime: TestRuntime, playerId: string, locale = 'en') {
  const exported = await exportAndDownload(runtime, playerId, locale);
  const fileName = exported.answering.archiveFileName;
  if (!fileName?.endsWith('.zip')) {
    throw new Error(`Request ${exported.answering.requestId} has no archive file name (${fileName})`);
  }
  const root = `${fileName.slice(0, -'.zip'.length)}/`;
  const volumes = await Promise.all(exported.volumes.map(async (volume) => readFile(volume.path)));
  const zip = volumes[0] as Buffer;
  const volumeEntries = await Promise.all(volumes.map((volume) => readZip(volume)));
  const entries = new Map(volumeEntries.flatMap((volume) => [...volume]));
  const files = new Map([...entries].map(([name, bytes]) => [name.slice(root.length), bytes]));
  const manifest = JSON.parse(files.get('manifest.json')?.toString('utf8') ?? 'null') as Manifest;
  return { ...exported, zip, volumes, volumeEntries, entries, files, manifest, root };
}

export type OpenedArchive = Awaited<ReturnType<typeof exportAndOpen>>;
