import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Plugin } from 'esbuild';
import { parse } from 'lossless-json';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ExactNumber, isPlainObject, type StoreRecord, type Value } from '../../functions/core/values';
import { DEMO_PLAYER_ID, demoTableItems } from '../../functions/seed-demo/demo-data/generate';
import { DEMO_STORED_TYPES } from '../../functions/seed-demo/demo-data/stored-items';
import { storableNumber } from '../../local/load-data';
import { BUNDLE_SOURCES } from '../../local/runtime/bundles';
import { Slots } from '../support/concurrency';
import { readZip } from '../support/read-zip';

let dir: string;

/** Runs `npm run export -- …` as a newcomer would, minus npm's own banner. */
function runExport(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli('local/cli/export.ts', args);
}

/**
 * CLI processes of this file running at once: most start a local runtime of their own (a worker per
 * function, over a gigabyte), and two cores gain nothing from more than a few starting together.
 */
const processes = new Slots(3);

function runCli(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return processes.run(
    () =>
      new Promise((resolve) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', script, ...args],
          { env: { ...process.env }, maxBuffer: 16 * 1024 * 1024 },
          (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        );
      }),
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pde-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function dataDir(name: string, files: Record<string, string | Buffer>): Promise<string> {
  const path = await mkdtemp(join(dir, `${name}-`));
  for (const [file, text] of Object.entries(files)) await writeFile(join(path, file), text);
  return path;
}

// Each run is a process of its own that synthesizes (from the cache) and starts a local runtime of its
// own, then stops it: seconds, not milliseconds, and more when other test files run beside it. The
// runs share nothing (each its own data folder, archive and runtime), so they go side by side, a few
// processes at a time; a test's clock runs while it waits for its turn.
describe.concurrent('npm run export', { timeout: 480_000 }, () => {
  it('exports a player from a data folder, numbers exact, and ends with one JSON summary line', async ({
    expect,
  }) => {
    const data = await dataDir('ok', {
      'players.jsonl': `${JSON.stringify({ playerId: 'p-7', username: 'seven', email: 's@example.org' })}\n`,
      'game-stats.jsonl':
        '{"playerId":"p-7","statId":"match#2024-01-01T00:00:00Z#1","kind":"match","score":123456789012345678901234567890.125}\n',
    });
    const out = join(dir, 'seven.zip');
    const run = await runExport(['--player', 'p-7', '--data', data, '--out', out, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const last = run.stdout.trim().split('\n').at(-1) ?? '';
    const summary = JSON.parse(last);
    expect(summary).toMatchObject({
      out,
      records: { account: 1, purchases: 0, forum: 0, 'game-statistics': 1 },
    });
    // One archive object per attempt, named without player text: the first attempt's.
    expect(summary.archiveKey).toBe(`archives/${summary.requestId}/1.zip`);
    expect(summary.timings.exportMs).toBeGreaterThan(0);
    const entries = await readZip(await readFile(out));
    // The player's name is in the archive itself: everything under "<username>-data-export-<date>/".
    expect(entries.size).toBeGreaterThan(0);
    for (const name of entries.keys()) expect(name).toMatch(/^seven-data-export-\d{4}-\d{2}-\d{2}\//);
    const stats = [...entries].find(([name]) => name.endsWith('game-statistics/game-stats.json'))?.[1];
    expect(stats?.toString('utf8')).toContain('"score":123456789012345678901234567890.125');
  });

  it('an unknown player ends with exit code 1 and one clear line', async ({ expect }) => {
    const data = await dataDir('unknown', { 'players.jsonl': '{"playerId":"p-1","username":"one"}\n' });
    const run = await runExport(['--player', 'p-404', '--data', data]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/unknown player.*p-404/);
  });

  it('a malformed line names the file and the line number', async ({ expect }) => {
    const data = await dataDir('malformed', {
      'players.jsonl': '{"playerId":"p-1","username":"one"}\n{"playerId": "p-2", "username": \n',
    });
    const run = await runExport(['--player', 'p-1', '--data', data]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/players\.jsonl line 2: malformed item/);
  });

  it('an unknown table file is an error, not silently skipped', async ({ expect }) => {
    const data = await dataDir('unknown-table', {
      'players.jsonl': '{"playerId":"p-1","username":"one"}\n',
      'weapons.jsonl': '{"id":"w-1"}\n',
    });
    const run = await runExport(['--player', 'p-1', '--data', data]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/weapons\.jsonl: no such table/);
  });

  it('a data folder without data files fails before the runtime starts', async ({ expect }) => {
    const data = await dataDir('no-files', { 'players.csv': 'playerId,username\np-1,one\n' });
    const run = await runExport(['--player', 'p-1', '--data', data]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`No <table>.jsonl or <table>.json.gz files in ${data}`);
    // The runtime announces itself on stdout when it starts; a folder without data never gets there.
    expect(run.stdout).not.toContain('Synthesizing');
    const missing = await runExport(['--player', 'p-1', '--data', join(data, 'no-such-folder')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`Cannot read the data folder ${join(data, 'no-such-folder')}`);
    expect(missing.stdout).not.toContain('Synthesizing');
  });

  it('a missing --player is a usage error', async ({ expect }) => {
    const run = await runExport([]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--player is required/);
  });

  it('loads DynamoDB JSON as the export to S3 writes it, gzipped or not, and exports every type exactly', async ({
    expect,
  }) => {
    const player = dynamoDbJson({
      playerId: { S: 'p-dj' },
      username: { S: 'dynamo' },
      big: { N: BIG },
      tiny: { N: '-1.5E-120' },
      avatar: { B: ONE_PIXEL_PNG },
      badges: { SS: ['founder', 'beta-tester', 'aurora-hunter'] },
      seasons: { NS: ['3', '1', '2.5'] },
      thumbs: { BS: ['AAEC', '/w==', '3q2+7w=='] },
      clan: { NULL: true },
      banned: { BOOL: false },
      history: { L: [{ S: 'a' }, { N: '1' }, { M: { at: { S: '2024-01-01T00:00:00.000Z' } } }] },
      deep: nestedMaps(32),
    });
    const stat = dynamoDbJson({
      playerId: { S: 'p-dj' },
      statId: { S: 'ranking#2024-01-01T00:00:00.000Z#1' },
      kind: { S: 'ranking' },
      points: { N: BIG },
    });
    const data = await dataDir('dynamodb-json', {
      // Plain and DynamoDB JSON lines may share a file: each line is read on its own.
      'players.json.gz': gzipSync(`${player}\n{"playerId":"p-plain","username":"plain"}\n`),
      'game-stats.jsonl': `{"playerId":"p-dj","statId":"match#2024-01-01T00:00:00.000Z#2","score":7}\r\n${stat}\r\n`,
    });
    const out = join(dir, 'dynamo.zip');
    const run = await runExport(['--player', 'p-dj', '--data', data, '--out', out, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '');
    expect(summary.records).toMatchObject({ account: 1, 'game-statistics': 2 });

    const files = await readZip(await readFile(out));
    const records = (suffix: string) => {
      const file = [...files].find(([name]) => name.endsWith(suffix))?.[1];
      return (exactJson(file?.toString('utf8') ?? '{}') as { records: StoreRecord[] }).records;
    };
    const [me] = records('account/players.json');
    if (me === undefined) throw new Error('no player record');
    expect(me.big).toEqual(new ExactNumber(BIG));
    expect(sameNumber(me.tiny, '-1.5E-120')).toBe(true);
    expect(me.avatar).toBe(ONE_PIXEL_PNG);
    expect(sorted(me.badges)).toEqual(['aurora-hunter', 'beta-tester', 'founder']);
    expect(numbersOf(me.seasons)).toEqual(['1', '2.5', '3'].map(numberIdentity));
    expect(sorted(me.thumbs)).toEqual(['/w==', '3q2+7w==', 'AAEC']);
    expect(me.clan).toBeNull();
    expect(me.banned).toBe(false);
    expect(me.history).toEqual(['a', new ExactNumber('1'), { at: '2024-01-01T00:00:00.000Z' }]);
    let deep: Value | undefined = me.deep;
    for (let level = 1; level < 32; level++) deep = isPlainObject(deep) ? deep.inner : undefined;
    expect(deep).toBe('deep');
    const stats = records('game-statistics/game-stats.json');
    expect(stats.map((s) => s.statId).sort()).toEqual([
      'match#2024-01-01T00:00:00.000Z#2',
      'ranking#2024-01-01T00:00:00.000Z#1',
    ]);
    expect(stats.find((s) => s.kind === 'ranking')?.points).toEqual(new ExactNumber(BIG));
  });

  it('a DynamoDB JSON line without the table key names the file, the line and the key', async ({
    expect,
  }) => {
    const data = await dataDir('no-key', {
      'players.jsonl': '{"playerId":"p-1","username":"one"}\n',
      'game-stats.json.gz': gzipSync(
        `${dynamoDbJson({ playerId: { S: 'p-1' }, statId: { S: 's-1' } })}\n${dynamoDbJson({ playerId: { S: 'p-1' }, score: { N: '1' } })}\n`,
      ),
    });
    const run = await runExport(['--player', 'p-1', '--data', data]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toBe(
      'error: game-stats.json.gz line 2: no "statId", the table\'s sort key: every item needs it\n',
    );
  });

  it('npm run demo-data writes files that export the demo player exactly as the built-in demo holds them', async ({
    expect,
  }) => {
    const data = join(dir, 'demo');
    const written = await runCli('local/cli/demo-data.ts', ['--out', data, '--stats', '5']);
    expect(written.stderr).toBe('');
    expect(written.code).toBe(0);
    const out = join(dir, 'demo.zip');
    const run = await runExport(['--player', DEMO_PLAYER_ID, '--data', data, '--out', out, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const files = await readZip(await readFile(out));
    const exported = (suffix: string) => {
      const file = [...files].find(([name]) => name.endsWith(suffix))?.[1];
      return (exactJson(file?.toString('utf8') ?? '{}') as { records: StoreRecord[] }).records;
    };
    const mine = (table: 'players' | 'contest-entries') =>
      [...demoTableItems(table, { statsForHeavyPlayer: 5 })].filter(
        (item) => item.playerId === DEMO_PLAYER_ID,
      );
    const withoutSecrets = ({ passwordHash, secretQuestion, secretAnswer, ...rest }: StoreRecord) => rest;
    // Sets as sets (DynamoDB keeps no order), binaries as the base64 text generated, numbers exact.
    expect(exported('account/players.json').map((r) => setsSorted(r, 'players'))).toEqual(
      mine('players').map((r) => setsSorted(withoutSecrets(r), 'players')),
    );
    const entries = exported('contests-and-surveys/contest-entries.json');
    expect(entries.some((e) => Array.isArray(e.screenshotThumbnails))).toBe(true);
    const byEntryId = (a: StoreRecord, b: StoreRecord) => String(a.entryId).localeCompare(String(b.entryId));
    expect(entries.map((r) => setsSorted(r, 'contest-entries')).sort(byEntryId)).toEqual(
      mine('contest-entries')
        .map((r) => setsSorted(r, 'contest-entries'))
        .sort(byEntryId),
    );
  });

  // The function bundles embed config/data-map.json and config/privacy-notice.json: an edit to the
  // data map alone must give new bundles (it once ran the cached ones, whose schemas and CSV columns
  // lacked the new fields).
  it('runs functions bundled from the current sources: the bundle cache key covers every bundled file', async ({
    expect,
  }) => {
    const folders = await readdir('functions', { withFileTypes: true });
    const handlers = folders
      .filter((f) => f.isDirectory() && existsSync(join('functions', f.name, 'handler.ts')))
      .map((f) => `./functions/${f.name}/handler.ts`);
    expect(handlers.length).toBeGreaterThan(5);
    const { metafile } = await build({
      entryPoints: handlers,
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      outdir: join(dir, 'unused'),
      absWorkingDir: process.cwd(),
      logLevel: 'silent',
      plugins: [installedPackagesUnread],
    });
    const bundled = Object.keys(metafile.inputs).filter((file) => !file.includes('node_modules/'));
    // The embedded configuration is among them (through the #data-map and #privacy-notice imports).
    expect(bundled).toEqual(expect.arrayContaining(['config/data-map.json', 'config/privacy-notice.json']));
    expect(bundled.filter((file) => !BUNDLE_SOURCES.some((source) => file.startsWith(source)))).toEqual([]);
  });
});

/**
 * Resolves each bare import as the bundle does, but leaves what resolves into node_modules unread: the
 * test only looks at the files outside node_modules, and parsing the SDK in every handler is most of
 * the build. Anything a bare import finds outside node_modules (a linked package) is still bundled.
 */
const installedPackagesUnread: Plugin = {
  name: 'installed-packages-unread',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === installedPackagesUnread) return undefined;
      const resolved = await esbuild.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: installedPackagesUnread,
      });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      if (resolved.external || resolved.path.includes('/node_modules/'))
        return { path: args.path, external: true };
      return { path: resolved.path, namespace: resolved.namespace };
    });
  },
};

const BIG = '12345678901234567890123456789012345678';
const ONE_PIXEL_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP438AAAAQBAYDFKhhdAAAAAElFTkSuQmCC';

function dynamoDbJson(item: Record<string, unknown>): string {
  return JSON.stringify({ Item: item });
}

/** `levels` maps inside one another around a string, the outermost being a top-level attribute. */
function nestedMaps(levels: number): unknown {
  let value: unknown = { S: 'deep' };
  for (let i = 1; i < levels; i++) value = { M: { inner: value } };
  return value;
}

/** JSON with numbers kept as their exact text, as the archive writes them. */
function exactJson(text: string): Value {
  return parse(text, undefined, (number) => new ExactNumber(number)) as Value;
}

function numberIdentity(text: string): string {
  const number = storableNumber(text);
  if (typeof number === 'string') throw new TypeError(`${text} ${number}`);
  return number.identity;
}

/** The same number however it is spelled: the store may write 1.5E-120 out in full. */
function sameNumber(value: Value | undefined, text: string): boolean {
  return value instanceof ExactNumber && numberIdentity(value.text) === numberIdentity(text);
}

function numbersOf(value: Value | undefined): string[] {
  if (!Array.isArray(value)) throw new TypeError('not a list');
  return value.map((n) => numberIdentity(n instanceof ExactNumber ? n.text : 'not a number')).sort();
}

function sorted(value: Value | undefined): Value[] {
  if (!Array.isArray(value)) throw new TypeError('not a list');
  return [...value].sort((a, b) => String(a).localeCompare(String(b)));
}

const SET_TYPES = new Set(['SS', 'NS', 'BS']);

/** The record with the demo's set attributes in a fixed order: DynamoDB returns sets in any. */
function setsSorted(record: StoreRecord, table: 'players' | 'contest-entries'): StoreRecord {
  const types = DEMO_STORED_TYPES[table] ?? {};
  return Object.fromEntries(
    Object.entries(record).map(([name, value]) => [
      name,
      SET_TYPES.has(types[name] ?? '') ? sorted(value) : value,
    ]),
  );
}
