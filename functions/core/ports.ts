import type { Readable } from 'node:stream';
import type { StoreRecord } from './values';

/** Where one source keeps a player's items: a table (or one of its indexes) and the key that finds them. */
export interface SourceQuery {
  table: string;
  index?: string;
  partitionAttribute: string;
  partitionValue: string;
}

/** Pages of records from a store, every page until the last: never just the first 1 MB. */
export interface SourceReader {
  pages(query: SourceQuery): AsyncIterable<StoreRecord[]>;
}

export interface PutOptions {
  contentType?: string;
  contentDisposition?: string;
}

/**
 * An object store. `put` must make the object visible only once the whole body was written
 * (multipart upload completed): a failed write leaves nothing for anyone to download.
 */
export interface ObjectStore {
  put(key: string, body: Readable, options?: PutOptions): Promise<void>;
  get(key: string): Promise<Readable>;
  exists(key: string): Promise<boolean>;
  delete(keys: string[]): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export interface Ids {
  /** A random, URL-safe id. */
  random(bytes?: number): string;
}
