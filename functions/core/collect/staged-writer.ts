import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { ObjectStore } from '../ports';

const CHUNK_BYTES = 64 * 1024;

/**
 * Streams text into an object of the store while counting its bytes and hashing it, so the
 * manifest can give every file's size and sha256 without reading it twice. Small writes are
 * gathered into 64 KiB chunks; a full pipe makes `write` wait (backpressure), so memory stays
 * flat whatever the size of the file.
 */
export class StagedWriter {
  private readonly stream = new PassThrough();
  private readonly hash = createHash('sha256');
  private readonly upload: Promise<void>;
  private pending: string[] = [];
  private pendingLength = 0;
  bytes = 0;

  constructor(store: ObjectStore, key: string, contentType: string) {
    this.upload = store.put(key, this.stream, { contentType });
    // A failed upload must not leave the producer waiting for 'drain' forever.
    this.upload.catch((error: unknown) =>
      this.stream.destroy(error instanceof Error ? error : new Error(String(error))),
    );
  }

  async write(text: string): Promise<void> {
    this.pending.push(text);
    this.pendingLength += text.length;
    if (this.pendingLength >= CHUNK_BYTES) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const chunk = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    this.pendingLength = 0;
    this.hash.update(chunk);
    this.bytes += chunk.length;
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  /** Ends the file and waits until the store holds all of it; returns its sha256 (hex). */
  async close(): Promise<string> {
    await this.flush();
    this.stream.end();
    await this.upload;
    return this.hash.digest('hex');
  }

  abort(error: Error): void {
    this.stream.destroy(error);
  }

  /** Settles once the upload has ended either way; never rejects. */
  async settled(): Promise<void> {
    await this.upload.catch(() => undefined);
  }
}
