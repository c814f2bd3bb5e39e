import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readZip } from '../support/read-zip';

let dir: string;

/** Runs `npm run export -- …` as a newcomer would, minus npm's own banner. */
function runExport(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'local/cli/export.ts', ...args],
      { env: { ...process.env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pde-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function dataDir(name: string, files: Record<string, string>): Promise<string> {
  const path = await mkdtemp(join(dir, `${name}-`));
  for (const [file, text] of Object.entries(files)) await writeFile(join(path, file), text);
  return path;
}

// Each run synthesizes (from the cache) and starts a local runtime of its own, then stops it: seconds,
// not milliseconds, and more when other test files run beside it.
describe('npm run export', { timeout: 300_000 }, () => {
  it('exports a player from a data folder, numbers exact, and ends with one JSON summary line', async () => {
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

  it('an unknown player ends with exit code 1 and one clear line', async () => {
    const data = await dataDir('unknown', { 'players.jsonl': '{"playerId":"p-1","username":"one"}\n' });
    const run = await runExport(['--player', 'p-404', '--data', data]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/unknown player.*p-404/);
  });

  it('a malformed line names the file and the line number', async () => {
    const data = await dataDir('malformed', {
      'players.jsonl': '{"playerId":"p-1","username":"one"}\n{"playerId": "p-2", "username": \n',
    });
    const run = await runExport(['--player', 'p-1', '--data', data]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/players\.jsonl line 2: malformed item/);
  });

  it('an unknown table file is an error, not silently skipped', async () => {
    const data = await dataDir('unknown-table', {
      'players.jsonl': '{"playerId":"p-1","username":"one"}\n',
      'weapons.jsonl': '{"id":"w-1"}\n',
    });
    const run = await runExport(['--player', 'p-1', '--data', data]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/weapons\.jsonl: no such table/);
  });

  it('a missing --player is a usage error', async () => {
    const run = await runExport([]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--player is required/);
  });
});
