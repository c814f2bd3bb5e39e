import { once } from 'node:events';
import { Readable } from 'node:stream';
import { ZipArchive } from 'archiver';

export interface ZipEntry {
  name: string;
  data: string | Buffer | Readable;
}

export interface ZipOptions {
  /** Deflate level 0–9; 6 is zip's default, the balance of size and speed. */
  level?: number;
  date?: Date;
}

export interface ZipStream {
  /** The zip bytes, to be consumed by exactly one reader (the upload). */
  stream: Readable;
  /** Settles when every entry is written; rejects with the first failure of any entry. */
  done: Promise<void>;
}

/**
 * Streams entries into a ZIP64 archive, one entry at a time: the next entry's source (an S3 GET)
 * is opened only when the previous one is written, so a thousand staged files never hold a
 * thousand sockets or buffers. archiver does not pass on errors of an appended stream (its
 * finalize() then never settles), so each source's errors are watched here and abort the zip:
 * the reader of `stream` then fails, and an upload reading it never completes.
 */
export function zipStream(
  entries: AsyncIterable<ZipEntry> | Iterable<ZipEntry>,
  options: ZipOptions = {},
): ZipStream {
  // forceZip64: sizes are unknown when a streamed entry starts, so every entry carries ZIP64
  // fields; archives over 4 GiB or 65,535 entries then open everywhere.
  const archive = new ZipArchive({ zlib: { level: options.level ?? 6 }, forceZip64: true });
  const date = options.date ?? new Date();
  const archiveFailed = new Promise<never>((_, reject) => archive.once('error', reject));
  archiveFailed.catch(() => undefined);

  let current: Readable | undefined;
  const done = (async () => {
    for await (const entry of entries) {
      const written = once(archive, 'entry');
      if (entry.data instanceof Readable) {
        const source = entry.data;
        current = source;
        const sourceFailed = new Promise<never>((_, reject) => source.once('error', reject));
        archive.append(source, { name: entry.name, date });
        await Promise.race([written, sourceFailed, archiveFailed]);
      } else {
        archive.append(entry.data, { name: entry.name, date });
        await Promise.race([written, archiveFailed]);
      }
    }
    await Promise.race([archive.finalize(), archiveFailed]);
  })();
  done.catch((error: unknown) => {
    current?.destroy();
    archive.abort();
    archive.destroy(error instanceof Error ? error : new Error(String(error)));
  });
  return { stream: archive, done };
}
