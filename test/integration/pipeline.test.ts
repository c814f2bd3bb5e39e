import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PLAYER_ID } from '../../functions/seed-demo/demo-data/generate';
import { downloadAsPlayer } from '../../local/player-download';
import { requestExport } from '../../local/portal';
import { readZip } from '../support/read-zip';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

let runtime: TestRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(async () => {
  await runtime?.stop();
});

describe('a request from event to download, on the synthesized templates', () => {
  it('moves QUEUED → RECEIVED → COLLECTING → PACKAGING → READY, publishing each change, and mails a working link', async () => {
    const { requestId, record, link, mailed } = await requestExport(runtime, {
      playerId: DEMO_PLAYER_ID,
      locale: 'nb',
    });
    expect(record.state).toBe('READY');
    expect(Object.keys(record.stateTimes)).toEqual([
      'QUEUED',
      'RECEIVED',
      'COLLECTING',
      'PACKAGING',
      'READY',
    ]);
    expect(mailed).toBe(true);
    const events = (await runtime.events()).filter((e) => e.detail.requestId === requestId);
    expect(
      events.filter((e) => e['detail-type'] === 'ExportStatusChanged').map((e) => e.detail.state),
    ).toEqual(['QUEUED', 'RECEIVED', 'COLLECTING', 'PACKAGING', 'READY']);
    const out = join(runtime.workDir, 'download.zip');
    const { fileName } = await downloadAsPlayer(link, out);
    expect(fileName).toMatch(/^ingrid_nordlys-data-export-\d{4}-\d{2}-\d{2}\.zip$/);
    const entries = await readZip(await readFile(out));
    expect([...entries.keys()].some((name) => name.endsWith('/manifest.json'))).toBe(true);
  });
});
