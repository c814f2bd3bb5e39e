// npm run bench:zip64
// Proof, not a unit test (it takes minutes and ~4.5 GB of disk): an archive written by zipStream with
// ONE entry over 4 GiB, followed by a small entry whose local header sits past the 4 GiB offset, opens
// in independent readers (Info-ZIP unzip, yauzl, Python's zipfile). Exit code 0 only if every check
// passed; the temp zip is removed on every path out.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import yauzl from 'yauzl';
import { zipStream } from '../functions/core/archive/zip-writer';

const run = promisify(execFile);
const log = (line: string) => process.stdout.write(`${line}\n`);

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** The largest value a classic (non-ZIP64) size or offset field can hold. */
const UINT32_MAX = 0xffff_ffff;
/** 64 MiB past 4 GiB: far enough over the 32-bit limit that no off-by-a-little bug hides. */
const LARGE_SIZE = 4 * GiB + 64 * MiB;
/** The archive is ~4.07 GiB at level 0; demand headroom so a full disk never masquerades as a zip bug. */
const MIN_FREE_BYTES = 10 * GiB;
const LARGE_NAME = 'large-entry.txt';
const SMALL_NAME = 'after-large.txt';
const SMALL_CONTENT = 'written after a 4 GiB+ entry, so its local header offset needs ZIP64\n';
const RESULTS_PATH = 'bench/results/zip64-large.json';

interface Check {
  name: string;
  passed: boolean;
  detail: string;
}

/**
 * 1 MiB of pseudo-random hex text from a fixed-seed xorshift32: deterministic across runs, not all
 * zeros (so any level > 0 would do real deflate work), and generated once, then repeated.
 */
function patternBlock(): Buffer {
  const raw = Buffer.alloc(MiB / 2);
  let x = 0x9e37_79b9;
  for (let i = 0; i < raw.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    raw[i] = x & 0xff;
  }
  return Buffer.from(raw.toString('hex'), 'latin1');
}

/**
 * A Readable of `total` bytes that repeats `block`, hashing each chunk as it is handed out, so the
 * SHA-256 of the entry is known without ever holding more than one block in memory. Pushing the
 * same Buffer repeatedly is safe because nothing mutates it.
 */
function largeSource(total: number, block: Buffer): { source: Readable; digest: () => string } {
  const hash = createHash('sha256');
  let produced = 0;
  const source = new Readable({
    highWaterMark: block.length,
    read() {
      if (produced >= total) {
        this.push(null);
        return;
      }
      const chunk = total - produced >= block.length ? block : block.subarray(0, total - produced);
      produced += chunk.length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return {
    source,
    digest: () => {
      if (produced !== total) throw new Error(`source produced ${produced} of ${total} bytes`);
      return hash.digest('hex');
    },
  };
}

const mbPerS = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);
const gib = (bytes: number) => `${(bytes / GiB).toFixed(3)} GiB`;

async function commandExists(command: string): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v ${command}`]);
    return true;
  } catch {
    return false;
  }
}

/** (1) Info-ZIP's listing must show the full 64-bit size, not a value truncated to 32 bits. */
async function checkUnzipList(zipPath: string): Promise<Check> {
  const name = 'unzip -l lists the large entry with its full size';
  try {
    const { stdout } = await run('unzip', ['-l', zipPath], { maxBuffer: MiB });
    const line = stdout.split('\n').find((l) => l.trim().endsWith(LARGE_NAME));
    const listed = line === undefined ? Number.NaN : Number(line.trim().split(/\s+/)[0]);
    const passed = listed === LARGE_SIZE && listed > UINT32_MAX && stdout.includes(SMALL_NAME);
    return { name, passed, detail: `listed ${listed} bytes (expected ${LARGE_SIZE})` };
  } catch (error) {
    return { name, passed: false, detail: String(error) };
  }
}

/** (2) Stream the entry out of Info-ZIP (which also checks the CRC) and hash it here. */
async function checkUnzipExtract(zipPath: string, expectedSha: string): Promise<Check> {
  const name = 'unzip -p streams the large entry out with the written SHA-256';
  const started = performance.now();
  const child = spawn('unzip', ['-p', zipPath, LARGE_NAME], { stdio: ['ignore', 'pipe', 'pipe'] });
  const closed = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
  });
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  const [code] = await closed;
  const ms = performance.now() - started;
  const sha = hash.digest('hex');
  const passed = code === 0 && bytes === LARGE_SIZE && sha === expectedSha;
  return {
    name,
    passed,
    detail:
      `exit ${code}, ${bytes} bytes, sha256 ${sha.slice(0, 16)}… ${sha === expectedSha ? 'matches' : 'DIFFERS'}, ` +
      `${(ms / 1000).toFixed(1)} s (${mbPerS(bytes, ms).toFixed(0)} MB/s)${stderr.trim() ? `, stderr: ${stderr.trim()}` : ''}`,
  };
}

function yauzlOpen(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: false }, (err, zip) =>
      err ? reject(err) : resolve(zip),
    ),
  );
}

function yauzlEntries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    zip.on('entry', (entry: yauzl.Entry) => {
      entries.push(entry);
      zip.readEntry();
    });
    zip.once('end', () => resolve(entries));
    zip.once('error', reject);
    zip.readEntry();
  });
}

async function yauzlText(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<string> {
  const stream = await new Promise<Readable>((resolve, reject) =>
    zip.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s))),
  );
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * (3) yauzl parses the ZIP64 end records and extra fields itself (no zlib/Info-ZIP code shared), so
 * its sizes and the small entry's content, read via a >4 GiB local header offset, are independent.
 */
async function checkYauzl(zipPath: string): Promise<Check> {
  const name = 'yauzl lists both entries with their sizes and reads the entry past 4 GiB';
  let zip: yauzl.ZipFile | undefined;
  try {
    zip = await yauzlOpen(zipPath);
    const entries = await yauzlEntries(zip);
    const large = entries.find((e) => e.fileName === LARGE_NAME);
    const small = entries.find((e) => e.fileName === SMALL_NAME);
    if (!large || !small) {
      return { name, passed: false, detail: `entries: ${entries.map((e) => e.fileName).join(', ')}` };
    }
    const text = await yauzlText(zip, small);
    const passed =
      entries.length === 2 &&
      large.uncompressedSize === LARGE_SIZE &&
      small.uncompressedSize === Buffer.byteLength(SMALL_CONTENT) &&
      small.relativeOffsetOfLocalHeader > UINT32_MAX &&
      text === SMALL_CONTENT;
    return {
      name,
      passed,
      detail:
        `${LARGE_NAME}: ${large.uncompressedSize} bytes (compressed ${large.compressedSize}); ` +
        `${SMALL_NAME}: ${small.uncompressedSize} bytes at offset ${small.relativeOffsetOfLocalHeader}, ` +
        `content ${text === SMALL_CONTENT ? 'matches' : 'DIFFERS'}`,
    };
  } catch (error) {
    return { name, passed: false, detail: String(error) };
  } finally {
    zip?.close();
  }
}

const PYTHON_INFO = `
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    infos = [{"name": i.filename, "size": i.file_size, "compressed": i.compress_size,
              "offset": i.header_offset} for i in z.infolist()]
    print(json.dumps({"infos": infos, "small": z.read(sys.argv[2]).decode("utf-8")}))
`;

interface PythonInfo {
  infos: { name: string; size: number; compressed: number; offset: number }[];
  small: string;
}

/** (4) CPython's zipfile: sizes and offsets from infolist, plus the small entry (testzip would take too long). */
async function checkPython(zipPath: string): Promise<Check> {
  const name = 'python3 zipfile infolist sizes and the entry past 4 GiB';
  try {
    const { stdout } = await run('python3', ['-c', PYTHON_INFO, zipPath, SMALL_NAME], { maxBuffer: MiB });
    const info = JSON.parse(stdout) as PythonInfo;
    const large = info.infos.find((i) => i.name === LARGE_NAME);
    const small = info.infos.find((i) => i.name === SMALL_NAME);
    const passed =
      info.infos.length === 2 &&
      large?.size === LARGE_SIZE &&
      small?.size === Buffer.byteLength(SMALL_CONTENT) &&
      (small?.offset ?? 0) > UINT32_MAX &&
      info.small === SMALL_CONTENT;
    return {
      name,
      passed,
      detail:
        `${LARGE_NAME}: ${large?.size} bytes (compressed ${large?.compressed}); ` +
        `${SMALL_NAME}: ${small?.size} bytes at offset ${small?.offset}, ` +
        `content ${info.small === SMALL_CONTENT ? 'matches' : 'DIFFERS'}`,
    };
  } catch (error) {
    return { name, passed: false, detail: String(error) };
  }
}

async function main(): Promise<number> {
  log(`bench: one ZIP64 entry of ${LARGE_SIZE} bytes (${gib(LARGE_SIZE)}) written by zipStream at level 0`);
  log(`machine: ${cpus().length} cores, ${cpus()[0]?.model ?? '?'}, node ${process.version}`);

  const fs = await statfs(tmpdir());
  const free = fs.bavail * fs.bsize;
  if (free < MIN_FREE_BYTES) {
    // Not a pass: nothing was proven, so the exit code says so, and the last real result stays on disk.
    log(`SKIPPED: ${gib(free)} free in ${tmpdir()}, this bench needs at least ${gib(MIN_FREE_BYTES)}`);
    return 2;
  }
  log(`disk: ${gib(free)} free in ${tmpdir()}`);

  const dir = await mkdtemp(join(tmpdir(), 'zip64-large-'));
  // A Ctrl-C mid-write must not leave 4 GB behind in /tmp; the finally below covers every other exit.
  const onSignal = (signal: NodeJS.Signals) => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const zipPath = join(dir, 'large.zip');
    const { source, digest } = largeSource(LARGE_SIZE, patternBlock());
    const entries = [
      { name: LARGE_NAME, data: source },
      { name: SMALL_NAME, data: SMALL_CONTENT },
    ];

    // Level 0 (stored deflate blocks) keeps the compressed entry itself over 4 GiB, so the archive
    // exercises ZIP64 compressed size and the next entry's ZIP64 local header offset, not just the
    // uncompressed size.
    const started = performance.now();
    const zip = zipStream(entries, { level: 0, date: new Date('2026-01-01T00:00:00Z') });
    await Promise.all([pipeline(zip.stream, createWriteStream(zipPath)), zip.done]);
    const writeMs = performance.now() - started;
    const sha256 = digest();
    const zipBytes = (await stat(zipPath)).size;
    const maxRssMb = process.resourceUsage().maxRSS / 1024;
    log(
      `write: ${zipBytes} bytes (${gib(zipBytes)}) in ${(writeMs / 1000).toFixed(1)} s, ` +
        `${mbPerS(LARGE_SIZE, writeMs).toFixed(0)} MB/s of entry data, max RSS ${maxRssMb.toFixed(0)} MB`,
    );
    log(`entry sha256: ${sha256}`);

    const checks: Check[] = [];
    if (await commandExists('unzip')) {
      checks.push(await checkUnzipList(zipPath));
      checks.push(await checkUnzipExtract(zipPath, sha256));
    } else {
      // Info-ZIP is a required reader: without it the proof is incomplete, so this counts as a failure.
      checks.push({ name: 'unzip (Info-ZIP) available', passed: false, detail: 'unzip not found on PATH' });
    }
    checks.push(await checkYauzl(zipPath));
    // Python is optional: when absent it is reported, not counted as a failure.
    const python = (await commandExists('python3')) ? await checkPython(zipPath) : undefined;
    if (python) checks.push(python);
    else log('python3: not available, zipfile check skipped');

    for (const check of checks) log(`${check.passed ? 'PASS' : 'FAIL'} ${check.name}: ${check.detail}`);
    const passed = checks.every((c) => c.passed);
    log(passed ? 'all checks passed' : 'SOME CHECKS FAILED');

    await mkdir('bench/results', { recursive: true });
    await writeFile(
      RESULTS_PATH,
      `${JSON.stringify(
        {
          measuredAt: new Date().toISOString(),
          machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? null, node: process.version },
          level: 0,
          entryBytes: LARGE_SIZE,
          zipBytes,
          entrySha256: sha256,
          writeMs: Math.round(writeMs),
          writeMBps: Number(mbPerS(LARGE_SIZE, writeMs).toFixed(1)),
          maxRssMb: Math.round(maxRssMb),
          checks,
          pythonChecked: python !== undefined,
          passed,
        },
        null,
        2,
      )}\n`,
    );
    log(`results: ${RESULTS_PATH}`);
    return passed ? 0 : 1;
  } finally {
    await rm(dir, { recursive: true, force: true });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
