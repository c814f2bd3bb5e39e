import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import type { DataMap } from '../data-map/data-map';
import { defaultPrivacyNotice } from '../data-map/default-privacy-notice';
import type { PrivacyNotice } from '../data-map/privacy-notice';
import { describe, StagedFileCorruptError } from '../errors';
import type { ObjectStore } from '../ports';
import type { ArchiveResult, BuildArchiveInput, StagedFile } from '../workflow-types';
import { generatedFiles } from './generated-files';
import { buildManifest, type GeneratedFile, mediaTypeOf } from './manifest';
import { type ZipEntry, zipStream } from './zip-writer';

export interface BuildArchiveDeps {
  store: ObjectStore;
  dataMap: DataMap;
  /** The Art. 15 facts per category; the shipped notice unless a deployment brings its own. */
  privacyNotice?: PrivacyNotice;
  /** Deflate level; 6 unless a benchmark says otherwise. */
  compressionLevel?: number;
}

/**
 * Packages the staged files into one zip and streams it into the store. The manifest goes first
 * (every checksum is known from collection) and each staged file is re-hashed as it is packed, so
 * a file that changed or was corrupted in staging fails the build instead of shipping an archive
 * that contradicts its manifest. The archive object only appears once the upload completes.
 */
export async function buildArchive(deps: BuildArchiveDeps, input: BuildArchiveInput): Promise<ArchiveResult> {
  const { plan, results } = input;
  const root = plan.rootFolder;
  const extra = await generatedFiles({
    dataMap: deps.dataMap,
    plan,
    results,
    // Previews are small (capped at collection), so reading each into memory is fine.
    readPreview: async (key) => buffer(await deps.store.get(key)),
    privacyNotice: deps.privacyNotice ?? defaultPrivacyNotice,
  });
  const generated = extra.map((file) => describeGenerated(file.path, file.content));
  const manifest = buildManifest(
    deps.dataMap,
    deps.privacyNotice ?? defaultPrivacyNotice,
    plan,
    results,
    generated,
  );
  const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
  const staged = results.flatMap((r) => r.files);

  async function* entries(): AsyncGenerator<ZipEntry> {
    yield { name: `${root}/manifest.json`, data: manifestBytes };
    for (const file of extra) yield { name: `${root}/${file.path}`, data: file.content };
    for (const file of staged) {
      const body = await deps.store.get(file.stagingKey);
      const verified = verifyAgainst(file);
      body.once('error', (error) => verified.destroy(error));
      yield { name: `${root}/${file.path}`, data: body.pipe(verified) };
    }
  }

  const zip = zipStream(entries(), { level: deps.compressionLevel ?? 6, date: new Date(plan.generatedAt) });
  const hash = createHash('sha256');
  let bytes = 0;
  const counted = zip.stream.pipe(
    new Transform({
      transform(chunk: Buffer, _enc, callback) {
        hash.update(chunk);
        bytes += chunk.length;
        callback(null, chunk);
      },
    }),
  );
  zip.stream.once('error', (error) => counted.destroy(error));
  // No Content-Disposition on the object: its name comes from the download grant, encoded for the
  // header by the presigned URL (a raw non-ASCII name here made Node refuse the whole upload).
  const upload = deps.store.put(plan.archiveKey, counted, { contentType: 'application/zip' });
  // If the upload fails first, stop the zip too, so no staged object is left half read.
  upload.catch((error: unknown) =>
    zip.stream.destroy(error instanceof Error ? error : new Error(String(error))),
  );
  await Promise.all([upload, zip.done]);
  // The staged copies have served; the archive is now the only copy. A failed delete must not
  // fail a finished archive: it is reported, and the schedule's clean-up deletes them later.
  const previews = results.flatMap((r) => (r.previewKey ? [r.previewKey] : []));
  const stagingDeleteFailed = await deps.store.delete([...staged.map((f) => f.stagingKey), ...previews]).then(
    () => undefined,
    (error: unknown) => describe(error),
  );
  const recordsByCategory: Record<string, number> = {};
  for (const category of manifest.categories) recordsByCategory[category.id] = category.records;
  return {
    requestId: plan.requestId,
    archiveKey: plan.archiveKey,
    bytes,
    sha256: hash.digest('hex'),
    files: 1 + extra.length + staged.length,
    recordsByCategory,
    retentionFindings: manifest.notesForOperators.retentionFindings.map(
      ({ source, table, records, oldest }) => ({
        source,
        table,
        records,
        oldest,
      }),
    ),
    ...(stagingDeleteFailed ? { stagingDeleteFailed } : {}),
  };
}

function describeGenerated(path: string, content: Buffer): GeneratedFile {
  return {
    path,
    bytes: content.length,
    sha256: createHash('sha256').update(content).digest('hex'),
    mediaType: mediaTypeOf(path),
  };
}

function verifyAgainst(file: StagedFile): Transform {
  const hash = createHash('sha256');
  return new Transform({
    transform(chunk: Buffer, _enc, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      const actual = hash.digest('hex');
      callback(actual === file.sha256 ? null : new StagedFileCorruptError(file.path, file.sha256, actual));
    },
  });
}
