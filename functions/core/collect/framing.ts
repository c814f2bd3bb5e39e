import { archiveFilePath } from '../archive/layout';
import type { SourceSpec } from '../data-map/data-map';
import { csvColumns, csvHeader } from './csv';

/**
 * What a data file holds besides its records. Collectors stage only records (a piece of a file
 * cannot know whether another shard's records come before it), and the build writes the framing
 * around the joined pieces: head, the first record's lead, a separator between pieces, the tail.
 */
export interface FileFraming {
  path: string;
  head: string;
  /** Before the first record of the file. */
  first: string;
  /** Between two non-empty pieces; inside a piece, collectors put the same text between records. */
  between: string;
  tail: string;
  /** The tail of a file without records. */
  emptyTail: string;
}

/** The JSON file of a source: `{"category":…,"source":…,"generatedAt":…,"records":[ … ]}`. */
export function jsonFraming(source: SourceSpec, generatedAt: string): FileFraming {
  return {
    path: archiveFilePath(source.category, source.id, 'json'),
    head:
      `{"category":${JSON.stringify(source.category)},"source":${JSON.stringify(source.id)},` +
      `"generatedAt":${JSON.stringify(generatedAt)},"records":[`,
    first: '\n',
    between: ',\n',
    tail: '\n]}\n',
    emptyTail: ']}\n',
  };
}

/** The CSV file of a source: the header line, then one line per record (each ends its own line). */
export function csvFraming(source: SourceSpec): FileFraming {
  return {
    path: archiveFilePath(source.category, source.id, 'csv'),
    head: csvHeader(csvColumns(source.fields)),
    first: '',
    between: '',
    tail: '',
    emptyTail: '',
  };
}

/** Both data files of a source, by path. */
export function framingsOf(source: SourceSpec, generatedAt: string): FileFraming[] {
  return [jsonFraming(source, generatedAt), csvFraming(source)];
}

/** The size of a file joined from pieces of these sizes (empty pieces take no separator). */
export function joinedBytes(framing: FileFraming, pieceBytes: readonly number[]): number {
  const filled = pieceBytes.filter((b) => b > 0);
  const size = (text: string) => Buffer.byteLength(text, 'utf8');
  if (filled.length === 0) return size(framing.head) + size(framing.emptyTail);
  return (
    size(framing.head) +
    size(framing.first) +
    filled.reduce((sum, b) => sum + b, 0) +
    (filled.length - 1) * size(framing.between) +
    size(framing.tail)
  );
}
