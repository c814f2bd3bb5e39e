import { Readable } from 'node:stream';
import { parse } from 'lossless-json';
import type { SourceSpec } from '../data-map/data-map';
import type { ObjectStore } from '../ports';
import { ExactNumber, isPlainObject, type StoreRecord, type Value } from '../values';
import { toJsonText } from './json-text';
import { mergeSummaries, type Summariser, type Summary, summariserFor } from './summaries';

/** Rows the offline viewer embeds per source; the full data stays in the .json and .csv files. */
export const PREVIEW_ROWS = 500;
/** And at most this much JSON text, so a few huge posts cannot make index.html huge. */
export const PREVIEW_BYTES = 512 * 1024;

/** Whether one more row of `size` bytes fits a preview holding `rows` rows of `bytes` bytes. */
function fitsPreview(rows: number, bytes: number, size: number): boolean {
  return rows < PREVIEW_ROWS && bytes + size <= PREVIEW_BYTES;
}

/**
 * Staged beside the data files, one per piece of a source (shard, then piece), read by the build
 * for index.html, never packed as such.
 */
export function previewStagingKey(stagingPrefix: string, sourceId: string, shard = 0, piece = 0): string {
  return `${stagingPrefix}preview/${sourceId}.${shard}-${piece}.json`;
}

/** What a preview file holds. `rows` are records as exported (exact numbers). */
export interface SourcePreview {
  sourceId: string;
  category: string;
  /** Every record of the source, not just the rows here. */
  records: number;
  rows: StoreRecord[];
  summary?: Summary;
}

/**
 * Gathers the first rows and the summary while collection streams the source, reusing the JSON
 * text already made for the data file, so the build never re-reads a large staged file.
 */
export class PreviewCollector {
  private readonly rows: string[] = [];
  private bytes = 0;
  private full = false;
  private readonly summariser: Summariser | undefined;

  constructor(private readonly source: SourceSpec) {
    this.summariser = summariserFor(source);
  }

  /** `json` is the record's JSON text as written to the data file. */
  add(record: StoreRecord, json: string): void {
    this.summariser?.add(record);
    if (this.full) return;
    const size = Buffer.byteLength(json, 'utf8');
    // The preview is the first rows without gaps: once a cap is reached, later small rows stay out too.
    if (!fitsPreview(this.rows.length, this.bytes, size)) {
      this.full = true;
      return;
    }
    this.rows.push(json);
    this.bytes += size;
  }

  /** Writes the preview file to `key` and returns the key. */
  async save(store: ObjectStore, key: string, records: number): Promise<string> {
    const summary = this.summariser?.result();
    const text =
      `{"sourceId":${JSON.stringify(this.source.id)},"category":${JSON.stringify(this.source.category)},` +
      `"records":${records},"rows":[${this.rows.join(',')}]` +
      `${summary ? `,"summary":${JSON.stringify(summary)}` : ''}}`;
    await store.put(key, Readable.from([Buffer.from(text, 'utf8')]), { contentType: 'application/json' });
    return key;
  }
}

/** Reads a preview file back; numbers become ExactNumber so row values keep every digit. */
export function parsePreview(bytes: Buffer): SourcePreview {
  const value = parse(bytes.toString('utf8'), undefined, (text) => new ExactNumber(text)) as Value;
  if (!isPlainObject(value) || typeof value.sourceId !== 'string' || typeof value.category !== 'string') {
    throw new Error('Malformed preview file');
  }
  const rows = Array.isArray(value.rows) ? value.rows.filter(isPlainObject) : [];
  const records = value.records instanceof ExactNumber ? Number(value.records.text) : rows.length;
  const summary = isPlainObject(value.summary) ? summaryOf(value.summary) : undefined;
  return {
    sourceId: value.sourceId,
    category: value.category,
    records,
    rows,
    ...(summary ? { summary } : {}),
  };
}

/**
 * The summary was written with JSON.stringify from a Summary: its counts are small integers, so a
 * plain JSON round trip of that part is exact.
 */
function summaryOf(value: { [field: string]: Value }): Summary | undefined {
  const plain: unknown = JSON.parse(
    JSON.stringify(value, (_key, v: unknown) => (v instanceof ExactNumber ? Number(v.text) : v)),
  );
  const kind = (plain as { kind?: unknown }).kind;
  return kind === 'money' || kind === 'timeline' ? (plain as Summary) : undefined;
}

/**
 * The preview of a source collected in pieces, as one pass would have made it: the first rows
 * without gaps (a piece whose preview was cut ends the rows) within the same caps, every record
 * counted, the summaries added up.
 */
export function mergePreviews(pieces: readonly SourcePreview[]): SourcePreview | undefined {
  const [first] = pieces;
  if (!first) return undefined;
  const rows: StoreRecord[] = [];
  let bytes = 0;
  let open = true;
  let records = 0;
  let summary: Summary | undefined;
  for (const piece of pieces) {
    records += piece.records;
    summary = mergeSummaries(summary, piece.summary);
    for (const row of open ? piece.rows : []) {
      const size = Buffer.byteLength(toJsonText(row), 'utf8');
      if (!fitsPreview(rows.length, bytes, size)) {
        open = false;
        break;
      }
      rows.push(row);
      bytes += size;
    }
    if (piece.rows.length < piece.records) open = false;
  }
  return {
    sourceId: first.sourceId,
    category: first.category,
    records,
    rows,
    ...(summary ? { summary } : {}),
  };
}
