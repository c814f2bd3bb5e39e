// npm run bench:volumes -- [--gb 5.5] [--volume-mb 2048] [--budget-seconds 900] [--piece-mb 256] [--json]
// A multi-volume archive built exactly as the workflow builds it: synthetic staged pieces (written
// with the collectors' own writer, serialisers and preview collector) for one request, then the
// build invoked once per volume (last volume first, volume 1 last), each invocation in a fresh
// process like a Lambda invocation, its input validated as the handler validates it and its
// output handed to the next through JSON, as Step Functions state. Each invocation must finish
// within --budget-seconds (Lambda's 15 minutes). Every volume is then downloaded to a file and
// read by independent readers (Info-ZIP `unzip -t`, yauzl) and checked against the build's result
// and volume 1's manifest. Exit code 0 only if every check passed; temp dirs go on every path out.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import yauzl from 'yauzl';
import { S3ObjectStore } from '../functions/adapters/s3/s3-object-store';
import { buildArchive } from '../functions/core/archive/build-archive';
import { archiveKey, rootFolderName, stagedPieceKey, stagingPrefix } from '../functions/core/archive/layout';
import type { Manifest } from '../functions/core/archive/manifest';
import { volumeFileName } from '../functions/core/archive/volumes';
import { csvColumns, csvRow } from '../functions/core/collect/csv';
import { csvFraming, jsonFraming } from '../functions/core/collect/framing';
import { toJsonText } from '../functions/core/collect/json-text';
import { PreviewCollector, previewStagingKey } from '../functions/core/collect/preview';
import { StagedWriter } from '../functions/core/collect/staged-writer';
import type { FieldSpec, SourceSpec } from '../functions/core/data-map/data-map';
import { defaultDataMap } from '../functions/core/data-map/default-data-map';
import { ExactNumber, type StoreRecord, type Value } from '../functions/core/values';
import { buildArchiveInputSchema } from '../functions/core/workflow-schemas';
import type {
  ArchiveProgress,
  ArchiveResult,
  BuildArchiveInput,
  CollectResult,
  ExportPlan,
  StagedFile,
} from '../functions/core/workflow-types';
import { startStores } from '../local/runtime/stores';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const GB = 1e9;
const BUCKET = 'volume-bench';
const REQUEST_ID = 'bench-volumes';
const PLAYER_ID = 'p-bench-volumes';
const USERNAME = 'bench_volumes';
const GENERATED_AT = '2026-12-01T10:00:00.000Z';
/** Sources whose files carry the bulk, in this order (the rest get one small piece each). */
const BIG_SOURCES = [
  'game-stats',
  'sessions',
  'chat-logs',
  'attribution',
  'newsletter-events',
  'push-notifications',
  'purchases',
  'forum-posts',
  'private-messages-sent',
  'private-messages-received',
  'consents',
  'support-tickets',
];
/** Records generated between two awaited flushes (a collector flushes once per store page). */
const PAGE_RECORDS = 1000;

const log = (line: string) => process.stdout.write(`${line}\n`);
const seconds = (ms: number) => Number((ms / 1000).toFixed(2));
const mb = (bytes: number) => Number((bytes / 1e6).toFixed(1));

/** User + system CPU seconds (every thread of the process). */
function cpuSecondsOf(usage: NodeJS.CpuUsage): number {
  return Number(((usage.user + usage.system) / 1e6).toFixed(2));
}

function s3Client(endpoint: string): S3Client {
  return new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    // s3rver stores aws-chunked framing inside streamed objects otherwise (local-aws-notes.md).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

// ── Invocation mode: one build invocation in a process of its own, like a Lambda ─────────────

interface InvocationReport {
  buildMs: number;
  /** CPU seconds of the invocation's process (user + system), start-up included. */
  cpuSeconds: number;
  maxRssMb: number;
  output: ArchiveProgress | ArchiveResult;
}

async function invoke(inputFile: string, endpoint: string, volumeBytes: number): Promise<void> {
  // What the handler does: validate the state it is given, then build one volume.
  const input = buildArchiveInputSchema.parse(JSON.parse(await readFile(inputFile, 'utf8')));
  const store = new S3ObjectStore(s3Client(endpoint), BUCKET);
  const started = performance.now();
  const output = await buildArchive(
    { store, dataMap: defaultDataMap, volumeBytes },
    {
      plan: input.plan,
      results: input.results as CollectResult[],
      ...(input.built ? { built: input.built } : {}),
    },
  );
  const report: InvocationReport = {
    buildMs: performance.now() - started,
    cpuSeconds: cpuSecondsOf(process.cpuUsage()),
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    output,
  };
  // The SDK's keep-alive sockets would hold the process open: end it once the report is out.
  process.stdout.write(`${JSON.stringify(report)}\n`, () => process.exit(0));
}

// ── Synthetic records, as a collector stages them (after the field rules) ────────────────────

/** xorshift32: deterministic, fast, good enough to keep deflate honest. */
class Rng {
  constructor(private x: number) {
    if (this.x === 0) this.x = 0x9e37_79b9;
  }
  next(): number {
    let x = this.x;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.x = x >>> 0;
    return this.x;
  }
  int(n: number): number {
    return this.next() % n;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  hex(chars: number): string {
    let out = '';
    while (out.length < chars) out += this.next().toString(16).padStart(8, '0');
    return out.slice(0, chars);
  }
}

const WORDS = (
  'match ranked arena sniper rush defend capture flag zone storm tower bridge harbor canyon ' +
  'desert jungle frost ember shadow raid quest loot legendary epic rare common shield armor ' +
  'potion mana stamina combo streak headshot assist revive respawn lobby squad clan guild ' +
  'season ladder bronze silver gold platinum diamond master champion victory defeat draw ' +
  'thanks gg wp nice again later tomorrow weekend patch nerf buff lag server ping queue ' +
  'café naïve über straße Zürich señor façade smörgåsbord 東京 ありがとう ไทย 🙂 🎮'
).split(' ');
const DEVICES = [
  'iPhone15,2',
  'Pixel 8',
  'SM-S918B',
  'iPad13,4',
  'PC Windows 11',
  'PS5',
  'Switch',
  'Xbox Series X',
];
const BASE_MS = Date.parse(GENERATED_AT);
const TWO_YEARS_S = 730 * 86_400;

function words(r: Rng, min: number, max: number): string {
  const n = min + r.int(max - min + 1);
  let out = r.pick(WORDS);
  for (let i = 1; i < n; i++) out += ` ${r.pick(WORDS)}`;
  return out;
}

function textFor(name: string, r: Rng): string {
  const lower = name.toLowerCase();
  if (lower.endsWith('id') || lower.endsWith('ids')) return `${name.replace(/Ids?$/, '')}-${r.hex(16)}`;
  if (lower.includes('email')) return `${r.pick(WORDS)}.${r.hex(6)}@example.com`;
  if (/body|text|description|wording|subject|title|answers?$/.test(lower)) return words(r, 4, 30);
  if (lower.startsWith('ip')) return `${r.int(223) + 1}.${r.int(256)}.${r.int(256)}.${r.int(256)}`;
  if (lower.includes('device') || lower === 'os' || lower.includes('useragent')) return r.pick(DEVICES);
  if (lower.includes('version')) return `${r.int(9) + 1}.${r.int(40)}.${r.int(400)}`;
  return `${r.pick(WORDS)}-${r.int(1000)}`;
}

function isoAt(r: Rng): string {
  return new Date(BASE_MS - r.int(TWO_YEARS_S) * 1000 - r.int(1000)).toISOString();
}

function scalar(type: string, name: string, r: Rng, values?: Record<string, string>): Value {
  switch (type) {
    case 'string':
      return values ? r.pick(Object.keys(values)) : textFor(name, r);
    case 'integer':
      return new ExactNumber(String(r.int(r.int(2) === 0 ? 1000 : 1_000_000)));
    case 'number':
      return new ExactNumber(`0.${String(r.int(10_000)).padStart(4, '0')}`);
    case 'boolean':
      return r.int(2) === 0;
    case 'datetime':
      return isoAt(r);
    case 'date':
      return isoAt(r).slice(0, 10);
    default:
      return null;
  }
}

function valueFor(field: FieldSpec, r: Rng): Value | undefined {
  if (field.rule === 'omit') return undefined;
  if (field.rule === 'pseudonymise') {
    const pseudonym = () => `${field.pseudonym ?? 'player'}-${r.hex(16)}`;
    return field.type === 'array' ? Array.from({ length: r.int(4) }, pseudonym) : pseudonym();
  }
  if (field.type === 'object') return recordOf(field.fields ?? [], r);
  if (field.type === 'array') {
    const items = field.items;
    return Array.from({ length: r.int(4) }, () =>
      items?.type === 'object'
        ? recordOf(items.fields ?? [], r)
        : scalar(items?.type ?? 'string', field.name, r),
    );
  }
  // An optional field is sometimes absent, as in a real store.
  if (r.int(16) === 0) return undefined;
  return scalar(field.type, field.name, r, field.values);
}

function recordOf(fields: FieldSpec[], r: Rng): StoreRecord {
  const record: StoreRecord = {};
  for (const field of fields) {
    const value = valueFor(field, r);
    if (value !== undefined) record[field.name] = value;
  }
  return record;
}

/** One record of a source: its keys as the store gives them, the other fields generated. */
function sourceRecord(source: SourceSpec, r: Rng, index: number): StoreRecord {
  const record = recordOf(source.fields, r);
  const { partition, sort } = source.key;
  if (source.fields.some((f) => f.name === partition)) record[partition] = PLAYER_ID;
  if (sort && source.fields.some((f) => f.name === sort && f.type === 'string')) {
    record[sort] = `${sort.replace(/Id$/, '')}#${String(index).padStart(10, '0')}`;
  }
  return record;
}

function seedOf(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32LE(0) || 1;
}

/**
 * Stages a source's pieces as collect-source does (StagedWriter, toJsonText, csvRow,
 * PreviewCollector): pieces of about `pieceBytes` of JSON each, until the source's JSON and CSV
 * bytes reach `targetBytes`, or `maxRecords` records for a small source.
 */
async function stageSource(
  store: S3ObjectStore,
  plan: ExportPlan,
  source: SourceSpec,
  limits: { targetBytes: number; pieceBytes: number; maxRecords: number },
): Promise<CollectResult> {
  const r = new Rng(seedOf(source.id));
  const columns = csvColumns(source.fields);
  const jsonFile = jsonFraming(source, plan.generatedAt);
  const csvPath = csvFraming(source).path;
  const files: StagedFile[] = [];
  const previewKeys: string[] = [];
  let records = 0;
  let staged = 0;
  for (let piece = 0; staged < limits.targetBytes && records < limits.maxRecords; piece++) {
    const jsonKey = stagedPieceKey(plan.stagingPrefix, jsonFile.path, 0, piece);
    const csvKey = stagedPieceKey(plan.stagingPrefix, csvPath, 0, piece);
    const json = new StagedWriter(store, jsonKey, 'application/json');
    const csv = new StagedWriter(store, csvKey, 'text/csv; charset=utf-8');
    const preview = new PreviewCollector(source);
    let inPiece = 0;
    while (
      json.bytes < limits.pieceBytes &&
      staged + json.bytes + csv.bytes < limits.targetBytes &&
      records < limits.maxRecords
    ) {
      const page = Math.min(PAGE_RECORDS, limits.maxRecords - records);
      for (let i = 0; i < page; i++) {
        const record = sourceRecord(source, r, records);
        const text = toJsonText(record);
        if (inPiece > 0) json.append(jsonFile.between);
        json.append(text);
        preview.add(record, text);
        csv.append(csvRow(record, columns, source.fields));
        inPiece++;
        records++;
      }
      await Promise.all([json.flush(), csv.flush()]);
    }
    const [jsonSha, csvSha] = await Promise.all([json.close(), csv.close()]);
    files.push(
      { path: jsonFile.path, stagingKey: jsonKey, bytes: json.bytes, sha256: jsonSha, records: inPiece },
      { path: csvPath, stagingKey: csvKey, bytes: csv.bytes, sha256: csvSha, records: inPiece },
    );
    staged += json.bytes + csv.bytes;
    previewKeys.push(
      await preview.save(store, previewStagingKey(plan.stagingPrefix, source.id, 0, piece), inPiece),
    );
  }
  return { sourceId: source.id, category: source.category, records, files, previewKeys };
}

// ── Verification ────────────────────────────────────────────────────────────────────────────

interface Check {
  name: string;
  passed: boolean;
  detail: string;
}

interface EntryFacts {
  bytes: number;
  sha256: string;
}

async function download(client: S3Client, key: string, path: string): Promise<EntryFacts> {
  const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  const hash = createHash('sha256');
  let bytes = 0;
  const out = createWriteStream(path);
  for await (const chunk of object.Body as Readable) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { bytes, sha256: hash.digest('hex') };
}

async function unzipTest(path: string): Promise<Check> {
  const name = 'unzip -t: no errors';
  try {
    const { stdout } = await run('unzip', ['-tq', path], { maxBuffer: 16 * MiB });
    const passed = /No errors detected/.test(stdout);
    return { name, passed, detail: stdout.trim().split('\n').at(-1) ?? '' };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return {
      name,
      passed: false,
      detail: `exit ${e.code}: ${(e.stdout ?? '').slice(-500)} ${e.stderr ?? ''}`,
    };
  }
}

/** Every entry read to the end by yauzl (sizes validated), hashed; manifest.json's text kept. */
async function yauzlRead(
  path: string,
  root: string,
): Promise<{ entries: Map<string, EntryFacts>; manifestText?: string }> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: false, validateEntrySizes: true }, (err, z) =>
      err ? reject(err) : resolve(z),
    ),
  );
  const entries = new Map<string, EntryFacts>();
  let manifestText: string | undefined;
  try {
    const list = await new Promise<yauzl.Entry[]>((resolve, reject) => {
      const found: yauzl.Entry[] = [];
      zip.on('entry', (entry: yauzl.Entry) => {
        found.push(entry);
        zip.readEntry();
      });
      zip.once('end', () => resolve(found));
      zip.once('error', reject);
      zip.readEntry();
    });
    for (const entry of list) {
      if (!entry.fileName.startsWith(`${root}/`))
        throw new Error(`entry outside the root: ${entry.fileName}`);
      const inner = entry.fileName.slice(root.length + 1);
      if (entries.has(inner)) throw new Error(`duplicate entry: ${inner}`);
      const stream = await new Promise<Readable>((resolve, reject) =>
        zip.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s))),
      );
      const hash = createHash('sha256');
      let bytes = 0;
      const keep = inner === 'manifest.json' ? ([] as Buffer[]) : undefined;
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        hash.update(chunk);
        bytes += chunk.length;
        keep?.push(chunk);
      }
      entries.set(inner, { bytes, sha256: hash.digest('hex') });
      if (keep) manifestText = Buffer.concat(keep).toString('utf8');
    }
  } finally {
    zip.close();
  }
  return { entries, ...(manifestText !== undefined ? { manifestText } : {}) };
}

// ── The bench ───────────────────────────────────────────────────────────────────────────────

interface InvocationFigures {
  invocation: number;
  volume: number;
  wallSeconds: number;
  buildSeconds: number;
  /** CPU seconds: the invocation's process, and the local S3 (in this process) meanwhile. */
  cpuSeconds: number;
  s3CpuSeconds: number;
  maxRssMb: number;
  /** The JSON handed to the next step (Step Functions allows 256 KB of state). */
  outputStateBytes: number;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      gb: { type: 'string', default: '5.5' },
      'volume-mb': { type: 'string', default: '2048' },
      'budget-seconds': { type: 'string', default: '900' },
      'piece-mb': { type: 'string', default: '256' },
      json: { type: 'boolean', default: false },
      invoke: { type: 'string' },
      endpoint: { type: 'string' },
      'volume-bytes': { type: 'string' },
    },
  });
  if (values.invoke) {
    await invoke(values.invoke, values.endpoint ?? '', Number(values['volume-bytes']));
    return 0;
  }
  const gb = Number(values.gb);
  const volumeMb = Number(values['volume-mb']);
  const budgetSeconds = Number(values['budget-seconds']);
  const pieceMb = Number(values['piece-mb']);
  if (![gb, volumeMb, budgetSeconds, pieceMb].every((n) => Number.isFinite(n) && n > 0)) {
    process.stderr.write('--gb, --volume-mb, --budget-seconds and --piece-mb must be positive numbers\n');
    return 2;
  }
  const targetBytes = Math.ceil(gb * GB);
  const volumeBytes = Math.floor(volumeMb * MiB);
  // A data file is never split across volumes. Sources of about a third of a volume (JSON and
  // CSV together) keep every file far under the volume size and let the volumes fill up close to
  // it, the slowest case for one invocation; the archive then needs several volumes.
  const bigCount = Math.min(BIG_SOURCES.length, Math.max(1, Math.ceil(targetBytes / (volumeBytes / 3))));
  const perSourceBytes = Math.ceil(targetBytes / bigCount);
  // Several pieces per file (a collector stages one per invocation), at most --piece-mb each.
  const pieceBytes = Math.min(pieceMb * MiB, Math.ceil(perSourceBytes / 3));
  const machine = { cores: cpus().length, cpu: cpus()[0]?.model ?? null, node: process.version };
  log(
    `bench: ${gb} GB of staged data in ${bigCount} large sources, volumes of ${volumeMb} MiB, ` +
      `budget ${budgetSeconds} s per build invocation`,
  );
  log(`machine: ${machine.cores} cores, ${machine.cpu ?? '?'}, node ${machine.node}`);

  // Staged data, the volumes (and, while s3rver completes a multipart upload, a second copy of
  // one object) and one downloaded volume at a time.
  const fs = await statfs(tmpdir());
  const free = fs.bavail * fs.bsize;
  const needed = 2.2 * targetBytes + 2 * volumeBytes;
  if (free < needed) {
    log(`SKIPPED: ${mb(free)} MB free in ${tmpdir()}, this run needs about ${mb(needed)} MB`);
    return 2;
  }

  const work = await mkdtemp(join(tmpdir(), 'pde-volume-bench-'));
  const onSignal = (signal: NodeJS.Signals) => {
    rmSync(work, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // The stores keep their data in the work dir, so a Ctrl-C leaves nothing behind either.
  const stores = await startStores({ dataDir: join(work, 'stores') });
  try {
    const endpoint = stores.endpoints.s3;
    const client = s3Client(endpoint);
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const store = new S3ObjectStore(client, BUCKET);
    const prefix = stagingPrefix(REQUEST_ID, 1);
    const plan: ExportPlan = {
      requestId: REQUEST_ID,
      playerId: PLAYER_ID,
      attempt: 1,
      username: USERNAME,
      locale: 'en',
      generatedAt: GENERATED_AT,
      stagingPrefix: prefix,
      archiveKey: archiveKey(REQUEST_ID, 1),
      rootFolder: rootFolderName(USERNAME, new Date(GENERATED_AT)),
      tasks: defaultDataMap.sources.map((source) => ({
        requestId: REQUEST_ID,
        playerId: PLAYER_ID,
        attempt: 1,
        sourceId: source.id,
        generatedAt: GENERATED_AT,
        stagingPrefix: prefix,
      })),
    };

    // 1. Stage: every source of the map, the large ones in many pieces.
    const big = new Set(BIG_SOURCES.slice(0, bigCount));
    const stageStarted = performance.now();
    const stageCpu = process.cpuUsage();
    const results: CollectResult[] = [];
    for (const source of defaultDataMap.sources) {
      const t = performance.now();
      const isBig = big.has(source.id);
      const result = await stageSource(store, plan, source, {
        targetBytes: isBig ? perSourceBytes : Number.POSITIVE_INFINITY,
        pieceBytes,
        maxRecords: isBig ? Number.POSITIVE_INFINITY : source.id === 'players' ? 1 : 50,
      });
      results.push(result);
      if (isBig) {
        const bytes = result.files.reduce((sum, f) => sum + f.bytes, 0);
        const ms = performance.now() - t;
        log(
          `staged ${source.id}: ${result.records.toLocaleString('en')} records, ${result.files.length / 2} pieces, ` +
            `${mb(bytes)} MB in ${seconds(ms)} s (${(bytes / 1e6 / (ms / 1000)).toFixed(0)} MB/s)`,
        );
      }
    }
    const stageMs = performance.now() - stageStarted;
    const stageCpuSeconds = cpuSecondsOf(process.cpuUsage(stageCpu));
    const inputBytes = results.reduce((sum, r) => sum + r.files.reduce((s, f) => s + f.bytes, 0), 0);
    const pieces = results.reduce((sum, r) => sum + r.files.length, 0);
    log(
      `staged ${mb(inputBytes)} MB in ${pieces} pieces in ${seconds(stageMs)} s (${stageCpuSeconds} CPU s, local S3 included)`,
    );

    // 2. Build: one invocation per volume, each a fresh process, until the final result.
    const invocations: InvocationFigures[] = [];
    let built: ArchiveProgress | undefined;
    let result: ArchiveResult | undefined;
    const scriptPath = fileURLToPath(import.meta.url);
    for (let n = 1; !result; n++) {
      const input: BuildArchiveInput = { plan, results, ...(built ? { built } : {}) };
      const inputFile = join(work, `invocation-${n}.json`);
      await writeFile(inputFile, JSON.stringify(input));
      const started = performance.now();
      const s3Cpu = process.cpuUsage();
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          scriptPath,
          '--invoke',
          inputFile,
          '--endpoint',
          endpoint,
          '--volume-bytes',
          String(volumeBytes),
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (s: string) => {
        stdout += s;
      });
      const [code] = (await once(child, 'close')) as [number | null];
      const wallMs = performance.now() - started;
      const s3CpuSeconds = cpuSecondsOf(process.cpuUsage(s3Cpu));
      if (code !== 0) throw new Error(`build invocation ${n} exited with ${code}`);
      const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as InvocationReport;
      const output = report.output;
      const volume = 'next' in output ? (output.packed.at(-1)?.volume ?? 0) : 1;
      invocations.push({
        invocation: n,
        volume,
        wallSeconds: seconds(wallMs),
        buildSeconds: seconds(report.buildMs),
        cpuSeconds: report.cpuSeconds,
        s3CpuSeconds,
        maxRssMb: Math.round(report.maxRssMb),
        outputStateBytes: Buffer.byteLength(JSON.stringify(output)),
      });
      log(
        `invocation ${n}: volume ${volume} in ${seconds(wallMs)} s (build ${seconds(report.buildMs)} s), ` +
          `${report.cpuSeconds} CPU s (+ ${s3CpuSeconds} local S3), peak RSS ${Math.round(report.maxRssMb)} MB`,
      );
      if ('next' in output) built = output;
      else result = output;
      await rm(inputFile, { force: true });
    }

    // 3. Verify every volume from a downloaded file.
    const verifyStarted = performance.now();
    const checks: Check[] = [];
    const check = (name: string, passed: boolean, detail: string) => {
      checks.push({ name, passed, detail });
    };
    const maxInvocationSeconds = Math.max(...invocations.map((i) => i.wallSeconds));
    check(
      'every invocation within the time budget',
      maxInvocationSeconds < budgetSeconds,
      `max ${maxInvocationSeconds} s of ${budgetSeconds} s`,
    );
    check(
      'invocations: one per volume, last volume first, volume 1 last',
      invocations.length === result.volumes.length &&
        invocations.every((inv, i) => inv.volume === result.volumes.length - i),
      `volumes packed in order ${invocations.map((i) => i.volume).join(', ')}`,
    );
    const leftovers = await store.keysUnder(plan.stagingPrefix);
    check(
      'staging prefix emptied by the last invocation',
      leftovers.length === 0 && !result.stagingDeleteFailed,
      `${leftovers.length} keys left${result.stagingDeleteFailed ? `, ${result.stagingDeleteFailed}` : ''}`,
    );

    const root = plan.rootFolder;
    const volumeFacts: {
      volume: number;
      key: string;
      bytes: number;
      entries: number;
      dataBytes: number;
      unzip: string;
    }[] = [];
    const entriesByVolume: Map<string, EntryFacts>[] = [];
    let manifest: Manifest | undefined;
    for (const [i, volume] of result.volumes.entries()) {
      const n = i + 1;
      const path = join(work, `volume-${n}.zip`);
      try {
        const downloaded = await download(client, volume.archiveKey, path);
        check(
          `volume ${n}: sha256 and bytes as the build reported`,
          downloaded.sha256 === volume.sha256 && downloaded.bytes === volume.bytes,
          `${downloaded.bytes} bytes, sha256 ${downloaded.sha256.slice(0, 16)}…`,
        );
        const unzip = await unzipTest(path);
        checks.push({ ...unzip, name: `volume ${n}: ${unzip.name}` });
        const read = await yauzlRead(path, root);
        entriesByVolume.push(read.entries);
        if (n === 1) {
          manifest = read.manifestText ? (JSON.parse(read.manifestText) as Manifest) : undefined;
        }
        check(`volume ${n}: yauzl reads every entry`, read.entries.size > 0, `${read.entries.size} entries`);
        volumeFacts.push({
          volume: n,
          key: volume.archiveKey,
          bytes: volume.bytes,
          entries: read.entries.size,
          dataBytes: [...read.entries.values()].reduce((sum, e) => sum + e.bytes, 0),
          unzip: unzip.detail,
        });
      } catch (error) {
        check(`volume ${n}: readable`, false, String(error));
      } finally {
        await rm(path, { force: true });
      }
    }

    if (!manifest) {
      check('volume 1 holds manifest.json', false, 'not found');
    } else {
      const listed = manifest.volumes ?? [];
      const count = result.volumes.length;
      check(
        "manifest.volumes lists every volume, the others' bytes and sha256 as built",
        (count === 1 ? manifest.volumes === undefined : listed.length === count) &&
          listed.every((v, i) => {
            const built = result.volumes[i];
            const fileName = volumeFileName(`${root}.zip`, i + 1, count);
            return (
              v.volume === i + 1 &&
              v.fileName === fileName &&
              (i === 0
                ? v.bytes === null && v.sha256 === null
                : v.bytes === built?.bytes && v.sha256 === built?.sha256)
            );
          }),
        listed.map((v) => `${v.fileName}: ${v.bytes ?? '—'} bytes`).join('; ') || 'one volume, none listed',
      );
      const byPath = new Map(manifest.files.map((f) => [f.path, f]));
      // The data files are the staged ones; the rest (viewer, README, schemas, …) describe them.
      const dataPaths = new Set(results.flatMap((r) => r.files.map((f) => f.path)));
      const all = new Map<string, { volume: number; facts: EntryFacts }>();
      const duplicates: string[] = [];
      entriesByVolume.forEach((entries, i) => {
        for (const [path, facts] of entries) {
          if (all.has(path)) duplicates.push(path);
          all.set(path, { volume: i + 1, facts });
        }
      });
      const expected = new Set([...byPath.keys(), 'manifest.json']);
      const missing = [...expected].filter((p) => !all.has(p));
      const extra = [...all.keys()].filter((p) => !expected.has(p));
      check(
        'union of entries across volumes = manifest.files + manifest.json, none twice',
        missing.length === 0 && extra.length === 0 && duplicates.length === 0 && all.size === result.files,
        `${all.size} entries (result.files ${result.files}); missing ${missing.join(', ') || 'none'}; ` +
          `extra ${extra.join(', ') || 'none'}; twice ${duplicates.join(', ') || 'none'}`,
      );
      const wrong = manifest.files.filter((f) => {
        const found = all.get(f.path);
        return (
          !found ||
          found.facts.bytes !== f.bytes ||
          found.facts.sha256 !== f.sha256 ||
          found.volume !== (count > 1 && f.volume !== undefined ? f.volume : 1)
        );
      });
      check(
        'every entry has the bytes, sha256 and volume manifest.json gives',
        wrong.length === 0,
        wrong.length === 0
          ? `${manifest.files.length} files`
          : `differ: ${wrong.map((f) => f.path).join(', ')}`,
      );
      const misplaced = listed.filter((v, i) => {
        const dataInVolume = [...(entriesByVolume[i]?.keys() ?? [])].filter((p) => dataPaths.has(p));
        return JSON.stringify([...dataInVolume].sort()) !== JSON.stringify([...v.files].sort());
      });
      check(
        'each volume holds exactly the data files manifest.volumes gives it',
        misplaced.length === 0,
        misplaced.length === 0 ? 'all match' : `volumes ${misplaced.map((v) => v.volume).join(', ')} differ`,
      );
      const dataPerVolume = entriesByVolume.map((entries) =>
        [...entries].reduce((sum, [p, facts]) => sum + (dataPaths.has(p) ? facts.bytes : 0), 0),
      );
      check(
        'no volume holds more data-file bytes than the volume size',
        dataPerVolume.every((b) => b <= volumeBytes),
        dataPerVolume.map((b) => `${mb(b)} MB`).join(', '),
      );
      volumeFacts.forEach((v, i) => {
        v.dataBytes = dataPerVolume[i] ?? v.dataBytes;
      });
    }
    // Whole files per volume: at least input/volume volumes, and several as soon as the input is bigger.
    const leastVolumes = Math.ceil(inputBytes / volumeBytes);
    check(
      `as many volumes as the input needs (at least ${leastVolumes})`,
      result.volumes.length >= leastVolumes,
      `${result.volumes.length} volumes`,
    );

    const verifySeconds = seconds(performance.now() - verifyStarted);

    // 4. Figures.
    const perVolume = result.volumes.map((v, i) => {
      const inv = invocations.find((x) => x.volume === i + 1);
      const facts = volumeFacts[i];
      const buildSeconds = inv?.buildSeconds ?? 0;
      return {
        volume: i + 1,
        key: v.archiveKey,
        bytes: v.bytes,
        dataFileBytes: facts?.dataBytes ?? null,
        entries: facts?.entries ?? null,
        invocationSeconds: inv?.wallSeconds ?? null,
        buildSeconds,
        inputMBps:
          facts && buildSeconds > 0 ? Number((facts.dataBytes / 1e6 / buildSeconds).toFixed(1)) : null,
        outputMBps: buildSeconds > 0 ? Number((v.bytes / 1e6 / buildSeconds).toFixed(1)) : null,
        peakRssMb: inv?.maxRssMb ?? null,
      };
    });
    const passed = checks.every((c) => c.passed);
    const peakRssMb = Math.max(...invocations.map((i) => i.maxRssMb));
    const summary = {
      measuredAt: new Date().toISOString(),
      machine,
      args: { gb, volumeMb, budgetSeconds, pieceMb },
      volumeBytes,
      pieceBytes,
      inputBytes,
      stagedPieces: pieces,
      largeSources: [...big],
      stageSeconds: seconds(stageMs),
      stageCpuSeconds,
      archiveBytes: result.bytes,
      volumeCount: result.volumes.length,
      files: result.files,
      volumes: perVolume,
      invocations,
      maxInvocationSeconds,
      budgetSeconds,
      allWithinBudget: maxInvocationSeconds < budgetSeconds,
      totalBuildSeconds: seconds(invocations.reduce((sum, i) => sum + i.wallSeconds * 1000, 0)),
      totalBuildCpuSeconds: Number(
        invocations.reduce((sum, i) => sum + i.cpuSeconds + i.s3CpuSeconds, 0).toFixed(2),
      ),
      loadAverage: loadavg(),
      peakRssMb,
      parentMaxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      verifySeconds,
      checks,
      passed,
    };

    log('');
    for (const v of perVolume) {
      log(
        `volume ${v.volume}: ${mb(v.bytes)} MB zip from ${mb(v.dataFileBytes ?? 0)} MB of data files, ` +
          `${v.entries} entries, ${v.invocationSeconds} s (${v.inputMBps} MB/s in, ${v.outputMBps} MB/s out), ` +
          `peak RSS ${v.peakRssMb} MB`,
      );
    }
    log(
      `input ${mb(inputBytes)} MB → ${result.volumes.length} volumes, ${mb(result.bytes)} MB; ` +
        `max invocation ${maxInvocationSeconds} s of ${budgetSeconds} s budget; build peak RSS ${peakRssMb} MB`,
    );
    log(`verified in ${verifySeconds} s`);
    for (const c of checks) log(`${c.passed ? 'PASS' : 'FAIL'} ${c.name}: ${c.detail}`);
    log(passed ? 'all checks passed' : 'SOME CHECKS FAILED');

    await mkdir('bench/results', { recursive: true });
    const resultsPath = `bench/results/volumes-${summary.measuredAt.slice(0, 10)}-${gb}gb.json`;
    await writeFile(resultsPath, `${JSON.stringify(summary, null, 2)}\n`);
    log(`results: ${resultsPath}`);
    if (values.json) log(JSON.stringify(summary));
    return passed ? 0 : 1;
  } finally {
    await stores.stop().catch(() => undefined);
    await rm(work, { recursive: true, force: true });
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
