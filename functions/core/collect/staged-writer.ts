import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { ObjectStore } from '../ports';

/** Text is encoded straight into blocks of this size, the unit the upload takes. */
const BLOCK_BYTES = 1024 * 1024;
/** UTF-8 takes at most 3 bytes per UTF-16 code unit. */
const MAX_BYTES_PER_UNIT = 3;
/**
 * Text is gathered into pieces of about this many UTF-16 units before it is encoded: one
 * `Buffer.write` per record (two per record, JSON and CSV) cost more than encoding the bytes.
 */
const TEXT_BATCH_UNITS = 16 * 1024;

/**
 * Streams text into an object of the store while counting its bytes and hashing it, so the
 * manifest can give every file's size and sha256 without reading it twice. A full pipe makes
 * `flush` wait (backpressure), so memory stays flat whatever the size of the file.
 *
 * `append` is synchronous and `flush` is awaited once per page of records: an awaited write per
 * record cost more than the record itself. Text is encoded into the current block a batch of
 * records at a time (TEXT_BATCH_UNITS), so the pieces die young instead of piling up, which had
 * the collector spending its time in garbage collection, and no re-chunking happens further on.
 */
export class StagedWriter {
  private readonly stream = new PassThrough();
  private readonly hash = createHash('sha256');
  private readonly upload: Promise<void>;
  private block = Buffer.allocUnsafe(BLOCK_BYTES);
  private used = 0;
  private text = '';
  private encoded: Buffer[] = [];
  bytes = 0;

  constructor(store: ObjectStore, key: string, contentType: string) {
    this.upload = store.put(key, this.stream, { contentType });
    // A failed upload must not leave the producer waiting for 'drain' forever.
    this.upload.catch((error: unknown) =>
      this.stream.destroy(error instanceof Error ? error : new Error(String(error))),
    );
  }

  /** Adds text to the file; it reaches the store at the next `flush` (or `write`). */
  append(text: string): void {
    this.text += text;
    if (this.text.length >= TEXT_BATCH_UNITS) this.encodeText();
  }

  async write(text: string): Promise<void> {
    this.append(text);
    await this.flush();
  }

  /** Hands the full blocks to the upload, waiting while its pipe is full. */
  async flush(): Promise<void> {
    this.encodeText();
    const blocks = this.encoded;
    this.encoded = [];
    for (const block of blocks) {
      if (!this.stream.write(block)) await once(this.stream, 'drain');
    }
  }

  private encodeText(): void {
    const text = this.text;
    if (text.length === 0) return;
    this.text = '';
    if (text.length * MAX_BYTES_PER_UNIT > this.block.length - this.used) {
      this.endBlock();
      if (text.length * MAX_BYTES_PER_UNIT > this.block.length) {
        // Text larger than a block (one huge record) is a block of its own.
        this.push(Buffer.from(text, 'utf8'));
        return;
      }
    }
    this.used += this.block.write(text, this.used, 'utf8');
  }

  private endBlock(): void {
    if (this.used === 0) return;
    this.push(this.block.subarray(0, this.used));
    this.block = Buffer.allocUnsafe(BLOCK_BYTES);
    this.used = 0;
  }

  private push(chunk: Buffer): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.encoded.push(chunk);
  }

  /** Ends the file and waits until the store holds all of it; returns its sha256 (hex). */
  async close(): Promise<string> {
    this.encodeText();
    this.endBlock();
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
