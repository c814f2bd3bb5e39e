import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { finished } from 'node:stream/promises';
import type { StoreRecord } from '../../core/values';
import { DEMO_TABLES, type DemoDataOptions, demoTableItems } from './generate';
import { demoJsonLine } from './stored-items';

// One write() per line costs more than turning the item into JSON; batching lines keeps a
// million-item table I/O-bound without holding more than one chunk in memory.
const CHUNK_CHARS = 64 * 1024;

/**
 * Writes `<dir>/<table>.jsonl` for every demo table and returns the item count per table. Items
 * holding a set or binary are DynamoDB JSON lines (plain JSON has no such types); `--data` reads both.
 */
export async function writeDemoJsonl(
  dir: string,
  options: DemoDataOptions = {},
): Promise<Record<string, number>> {
  await makeDirectory(dir);
  const counts: Record<string, number> = {};
  for (const table of DEMO_TABLES) {
    counts[table] = await writeJsonLines(
      join(dir, `${table}.jsonl`),
      demoTableItems(table, options),
      demoJsonLine(table),
    );
  }
  return counts;
}

/**
 * mkdir -p without `{ recursive: true }`: on Node 20 that spins at 100% CPU forever when a parent
 * exists but cannot hold children (a dangling symlink, a path under /proc), because it reads every
 * ENOENT as "parent missing". Here a second ENOENT after the parent exists is final.
 */
async function makeDirectory(dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'EEXIST') return;
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw error;
    await makeDirectory(parent);
    await mkdir(dir).catch((again: unknown) => {
      if (errorCode(again) !== 'EEXIST') throw again;
    });
  }
}

function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

async function writeJsonLines(
  path: string,
  items: Iterable<StoreRecord>,
  lineOf: (item: StoreRecord) => string,
): Promise<number> {
  const out = createWriteStream(path, { encoding: 'utf8' });
  // Without a listener an 'error' (disk full, no permission) would crash the process instead of
  // rejecting; the error itself is read back from out.errored below.
  out.on('error', () => {});
  let count = 0;
  let chunk = '';
  try {
    for (const item of items) {
      chunk += `${lineOf(item)}\n`;
      count++;
      if (chunk.length >= CHUNK_CHARS) {
        const more = out.write(chunk);
        chunk = '';
        if (!more) await drained(out);
      }
    }
    if (chunk !== '') out.write(chunk);
    out.end();
    await finished(out);
  } catch (error) {
    out.destroy();
    throw error;
  }
  return count;
}

/** Resolves on 'drain'; rejects if the stream fails or closes first (it would never drain then). */
function drained(out: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = () => {
      cleanup();
      reject(out.errored ?? new Error(`${String(out.path)} closed before all demo data was written`));
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      out.off('drain', onDrain);
      out.off('close', fail);
    };
    if (out.destroyed) {
      fail();
      return;
    }
    out.on('drain', onDrain);
    out.on('close', fail);
  });
}
