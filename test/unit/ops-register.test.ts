import { parse as parseCsv } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { isoDuration, registerRow, toCsv } from '../../functions/core/requests/ops/register';
import type { ExportRequestRecord } from '../../functions/core/requests/request-record';

const HOUR = 3_600_000;
const received = '2026-01-10T09:00:00.000Z';
const due = '2026-02-10T09:00:00.000Z';

function request(patch: Partial<ExportRequestRecord> = {}): ExportRequestRecord {
  return {
    requestId: 'r-1',
    playerId: 'p-1',
    locale: 'en',
    requestedAt: received,
    receivedAt: received,
    attempt: 1,
    dueAt: due,
    state: 'RECEIVED',
    stateTimes: { RECEIVED: received },
    updatedAt: received,
    ...patch,
  };
}

const at = (ms: number) => new Date(Date.parse(due) + ms).toISOString();

describe('the request register', () => {
  it('an answer by the due date is on time', () => {
    const row = registerRow(
      request({ state: 'READY', stateTimes: { READY: at(-HOUR) }, downloads: 2, lastDownloadAt: at(0) }),
      undefined,
      new Date(at(40 * 24 * HOUR)),
    );
    expect(row).toMatchObject({
      completedAt: at(-HOUR),
      onTime: true,
      lateBy: null,
      outcome: 'READY',
      downloads: 2,
    });
  });

  it('a late answer says by how much', () => {
    const late = 2 * 24 * HOUR + 3 * HOUR + 20 * 60_000;
    const row = registerRow(
      request({ state: 'EXPIRED', stateTimes: { READY: at(late) } }),
      undefined,
      new Date(),
    );
    expect(row).toMatchObject({ onTime: false, lateBy: 'P2DT3H20M', outcome: 'EXPIRED' });
  });

  it('an open request is neither on time nor late until its due date has passed', () => {
    expect(registerRow(request(), undefined, new Date(at(-HOUR)))).toMatchObject({
      completedAt: null,
      onTime: null,
      lateBy: null,
      outcome: 'RECEIVED',
    });
    const failed = request({ state: 'FAILED', failureReason: 'SourceReadError: sanctions' });
    expect(registerRow(failed, undefined, new Date(at(5 * HOUR)))).toMatchObject({
      onTime: false,
      lateBy: 'PT5H',
      outcome: 'FAILED: SourceReadError: sanctions',
    });
  });

  it('a repeat request is answered by the request it joined, or by its own re-sent link', () => {
    const answering = request({ requestId: 'r-0', state: 'READY', stateTimes: { READY: at(-48 * HOUR) } });
    const joined = request({ requestId: 'r-2', attachedTo: 'r-0', receivedAt: at(-50 * HOUR) });
    expect(registerRow(joined, answering, new Date())).toMatchObject({
      completedAt: at(-48 * HOUR),
      onTime: true,
      outcome: 'answered by r-0 (READY)',
    });
    const resent = request({ requestId: 'r-3', attachedTo: 'r-0', deliveredAt: at(-HOUR) });
    expect(registerRow(resent, answering, new Date()).completedAt).toBe(at(-HOUR));
  });

  it.each([
    [0, 'PT0M'],
    [59_000, 'PT0M'],
    [45 * 60_000, 'PT45M'],
    [5 * HOUR, 'PT5H'],
    [2 * 24 * HOUR, 'P2D'],
    [24 * HOUR + 30 * 60_000, 'P1DT30M'],
  ])('%i ms late is %s', (ms, text) => {
    expect(isoDuration(ms)).toBe(text);
  });

  it('writes RFC 4180 CSV that a strict reader reads back, formulas neutralised', () => {
    const rows = [
      { id: 'r-1', outcome: 'FAILED: cancelled by local:ana: "twice", by\nmistake', n: 3, none: null },
    ];
    const csv = toCsv(rows, ['id', 'outcome', 'n', 'none']);
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(parseCsv(csv, { columns: true })).toEqual([
      { id: 'r-1', outcome: 'FAILED: cancelled by local:ana: "twice", by\nmistake', n: '3', none: '' },
    ]);
    expect(toCsv([{ a: '=HYPERLINK("x")' }], ['a'])).toBe('a\r\n"\'=HYPERLINK(""x"")"\r\n');
  });
});
