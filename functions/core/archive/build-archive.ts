import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { type FileFraming, framingsOf, joinedBytes } from '../collect/framing';
import { resultsBySource } from '../collect/merge-collected';
import { type DataMap, sourceById } from '../data-map/data-map';
import { defaultPrivacyNotice } from '../data-map/default-privacy-notice';
import type { PrivacyNotice } from '../data-map/privacy-notice';
import { describe, StagedFileCorruptError } from '../errors';
import type { ObjectStore } from '../ports';
import type {
  ArchiveProgress,
  ArchiveResult,
  ArchiveVolume,
  BuildArchiveInput,
  CollectResult,
  DescribedSource,
  ExportPlan,
  PackedVolume,
  StagedFile,
} from '../workflow-types';
import { dataPackageFile } from './data-package';
import { generatedFiles } from './generated-files';
import {
  buildManifest,
  type GeneratedFile,
  type Manifest,
  type ManifestVolume,
  mediaTypeOf,
} from './manifest';
import { planVolumes, volumeFileName, volumeKey } from './volumes';
import { type ZipEntry, zipStream } from './zip-writer';

export interface BuildArchiveDeps {
  store: ObjectStore;
  dataMap: DataMap;
  /** The Art. 15 facts per category; the shipped notice unless a deployment brings its own. */
  privacyNotice?: PrivacyNotice;
  /** Deflate level; 6 unless a benchmark says otherwise. */
  compressionLevel?: number;
  /**
   * Bytes of data files one volume holds at most (the deployment's `archiveVolumeBytes`); absent,
   * the archive is one volume whatever its size.
   */
  volumeBytes?: number;
}

/** A data file of the archive: its framing and its staged pieces in order, hashed as it is packed. */
interface JoinedFile {
  framing: FileFraming;
  pieces: StagedFile[];
  bytes: number;
  records: number;
  /** Known once the file is packed. */
  sha256?: string;
}

/**
 * Packages the staged files into a zip and streams it into the store. A data file is its staged
 * pieces (shards, checkpointed invocations) joined in order inside the build's framing. Each piece
 * is re-hashed as it is packed, so a piece that changed or was corrupted in staging fails the
 * build instead of shipping an archive that contradicts its manifest; each file's own checksum is
 * taken in the same pass, so datapackage.json and manifest.json, which give the checksums, are the
 * archive's last entries. An archive object only appears once its upload completes.
 *
 * An export bigger than `volumeBytes` is several volumes (core/archive/volumes.ts), one per
 * invocation: the last volume first, each handing the next its files' checksums
 * (ArchiveProgress), and volume 1 at the end with the describing files of the whole archive.
 */
export async function buildArchive(
  deps: BuildArchiveDeps,
  input: BuildArchiveInput,
): Promise<ArchiveResult | ArchiveProgress> {
  const { plan } = input;
  const root = plan.rootFolder;
  const notice = deps.privacyNotice ?? defaultPrivacyNotice;
  const results = resultsBySource(input.results);
  const joined = new Map(results.map((result) => [result.sourceId, joinFiles(deps.dataMap, plan, result)]));
  const dataFiles = [...joined.values()].flat();
  const volumes = planVolumes(
    dataFiles.map((file) => ({ path: file.framing.path, bytes: file.bytes })),
    deps.volumeBytes ?? Number.POSITIVE_INFINITY,
  );
  const volumeOf = new Map(volumes.flatMap((paths, i) => paths.map((path) => [path, i + 1] as const)));
  const packedBefore = input.built?.packed ?? [];
  const earlier = new Map(packedBefore.flatMap((v) => v.files.map((f) => [f.path, f.sha256] as const)));
  for (const file of dataFiles) file.sha256 ??= earlier.get(file.framing.path);
  const volume = input.built?.next ?? volumes.length;
  const mine = dataFiles.filter((file) => volumeOf.get(file.framing.path) === volume);
  const dataEntries = (): ZipEntry[] =>
    mine.map((file) => ({
      name: `${root}/${file.framing.path}`,
      data: Readable.from(inBlocks(joinedBody(deps.store, file), DEFLATE_INPUT_BYTES)),
    }));

  if (volume > 1) {
    const key = volumeKey(plan.archiveKey, volume);
    const zip = await packZip(deps, key, dataEntries(), plan);
    const files = mine.map((file) => ({ path: file.framing.path, sha256: file.sha256 ?? '' }));
    return {
      requestId: plan.requestId,
      next: volume - 1,
      packed: [...packedBefore, { volume, archiveKey: key, ...zip, files }],
    };
  }

  const multiple = volumes.length > 1;
  const described = (): DescribedSource[] =>
    results.map((result) => ({
      ...result,
      files: (joined.get(result.sourceId) ?? []).map((file) => ({
        path: file.framing.path,
        bytes: file.bytes,
        records: file.records,
        // Only datapackage.json and manifest.json give checksums, and they are built after packing.
        sha256: file.sha256 ?? '',
        ...(multiple ? { volume: volumeOf.get(file.framing.path) ?? 1 } : {}),
      })),
    }));
  const leading = await generatedFiles({
    dataMap: deps.dataMap,
    plan,
    results: described(),
    // Previews are small (capped at collection), so reading each into memory is fine.
    readPreview: async (key) => buffer(await deps.store.get(key)),
    privacyNotice: notice,
  });
  let manifest: Manifest | undefined;

  async function* entries(): AsyncGenerator<ZipEntry> {
    for (const file of leading) yield { name: `${root}/${file.path}`, data: file.content };
    yield* dataEntries();
    // Every data file is packed (the zip asks for an entry once the one before is written).
    const packed = described();
    const dataPackage = dataPackageFile(deps.dataMap, plan, packed);
    yield { name: `${root}/${dataPackage.path}`, data: dataPackage.content };
    const generated = [...leading, dataPackage].map((file) => describeGenerated(file.path, file.content));
    manifest = buildManifest(deps.dataMap, notice, plan, packed, generated, {
      volumes: multiple ? manifestVolumes(plan, volumes, packedBefore) : undefined,
    });
    yield {
      name: `${root}/manifest.json`,
      data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8'),
    };
  }

  const first = await packZip(deps, plan.archiveKey, entries(), plan);
  if (!manifest) throw new Error('The zip ended before its manifest was written');
  // The staged copies have served; the archive is now the only copy. Everything under the
  // attempt's staging prefix goes (pieces, previews, checkpoints). A failed delete must not fail a
  // finished archive: it is reported, and the schedule's clean-up deletes them later.
  const stagingDeleteFailed = await deps.store
    .keysUnder(plan.stagingPrefix)
    .then((keys) => deps.store.delete(keys))
    .then(
      () => undefined,
      (error: unknown) => describe(error),
    );
  const recordsByCategory: Record<string, number> = {};
  for (const category of manifest.categories) recordsByCategory[category.id] = category.records;
  const allVolumes: ArchiveVolume[] = [
    { archiveKey: plan.archiveKey, ...first },
    ...[...packedBefore]
      .sort((a, b) => a.volume - b.volume)
      .map(({ archiveKey, bytes, sha256 }) => ({ archiveKey, bytes, sha256 })),
  ];
  return {
    requestId: plan.requestId,
    archiveKey: plan.archiveKey,
    bytes: allVolumes.reduce((sum, v) => sum + v.bytes, 0),
    sha256: first.sha256,
    volumes: allVolumes,
    files: leading.length + dataFiles.length + 2,
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

/** Volume 1's list of every volume: the others with their checksums (a zip cannot hold its own). */
function manifestVolumes(plan: ExportPlan, volumes: string[][], packed: PackedVolume[]): ManifestVolume[] {
  const fileName = `${plan.rootFolder}.zip`;
  return volumes.map((files, i) => {
    const volume = i + 1;
    const done = packed.find((v) => v.volume === volume);
    return {
      volume,
      fileName: volumeFileName(fileName, volume, volumes.length),
      bytes: done?.bytes ?? null,
      sha256: done?.sha256 ?? null,
      files,
    };
  });
}

/** Streams entries into one zip object, hashing and counting the bytes that are uploaded. */
async function packZip(
  deps: BuildArchiveDeps,
  key: string,
  entries: AsyncIterable<ZipEntry> | Iterable<ZipEntry>,
  plan: ExportPlan,
): Promise<{ bytes: number; sha256: string }> {
  const zip = zipStream(entries, { level: deps.compressionLevel ?? 6, date: new Date(plan.generatedAt) });
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
  const upload = deps.store.put(key, counted, { contentType: 'application/zip' });
  // If the upload fails first, stop the zip too, so no staged object is left half read.
  upload.catch((error: unknown) =>
    zip.stream.destroy(error instanceof Error ? error : new Error(String(error))),
  );
  await Promise.all([upload, zip.done]);
  return { bytes, sha256: hash.digest('hex') };
}

/** A source's data files: its pieces grouped by path, in the order the framings give the paths. */
function joinFiles(dataMap: DataMap, plan: ExportPlan, result: CollectResult): JoinedFile[] {
  const framings = framingsOf(sourceById(dataMap, result.sourceId), plan.generatedAt);
  const unknown = result.files.find((piece) => !framings.some((f) => f.path === piece.path));
  if (unknown) throw new Error(`Staged piece for an unknown file: ${unknown.path}`);
  return framings.map((framing) => {
    const pieces = result.files.filter((piece) => piece.path === framing.path);
    return {
      framing,
      pieces,
      bytes: joinedBytes(
        framing,
        pieces.map((p) => p.bytes),
      ),
      records: pieces.reduce((sum, p) => sum + p.records, 0),
    };
  });
}

/**
 * The bytes of one data file: head, the pieces (each checked against its staged checksum) with a
 * separator between non-empty ones, tail. Sets the file's own sha256 at the end.
 */
async function* joinedBody(store: ObjectStore, file: JoinedFile): AsyncGenerator<Buffer> {
  const whole = createHash('sha256');
  const emit = (chunk: Buffer) => {
    whole.update(chunk);
    return chunk;
  };
  const { framing } = file;
  yield emit(Buffer.from(framing.head, 'utf8'));
  let filled = 0;
  for (const piece of file.pieces) {
    if (piece.bytes === 0) {
      // Nothing to pack, but it must still be what collection staged.
      await verifiedPiece(store, piece).next();
      continue;
    }
    yield emit(Buffer.from(filled === 0 ? framing.first : framing.between, 'utf8'));
    filled++;
    for await (const chunk of verifiedPiece(store, piece)) yield emit(chunk);
  }
  yield emit(Buffer.from(filled === 0 ? framing.emptyTail : framing.tail, 'utf8'));
  file.sha256 = whole.digest('hex');
}

/**
 * Deflate's input size: the staged objects arrive in socket-sized chunks (16–64 KB), and zlib pays
 * a round trip to its thread pool per chunk it is given; fed 1 MiB at a time it packed the same
 * JSON 2.3× as fast (level 6, 46 MB of game statistics: 99 → 226 MB/s).
 */
export const DEFLATE_INPUT_BYTES = 1024 * 1024;

/** The same bytes in the same order, in chunks of at least `size` bytes (the last may be smaller). */
export async function* inBlocks(chunks: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let held: Buffer[] = [];
  let heldBytes = 0;
  for await (const chunk of chunks) {
    held.push(chunk);
    heldBytes += chunk.length;
    if (heldBytes >= size) {
      yield held.length === 1 ? (held[0] as Buffer) : Buffer.concat(held, heldBytes);
      held = [];
      heldBytes = 0;
    }
  }
  if (heldBytes > 0) yield Buffer.concat(held, heldBytes);
}

async function* verifiedPiece(store: ObjectStore, piece: StagedFile): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of await store.get(piece.stagingKey)) {
    const data = chunk as Buffer;
    hash.update(data);
    bytes += data.length;
    yield data;
  }
  const actual = hash.digest('hex');
  if (actual !== piece.sha256 || bytes !== piece.bytes) {
    throw new StagedFileCorruptError(piece.path, piece.sha256, actual);
  }
}

function describeGenerated(path: string, content: Buffer): GeneratedFile {
  return {
    path,
    bytes: content.length,
    sha256: createHash('sha256').update(content).digest('hex'),
    mediaType: mediaTypeOf(path),
  };
}
