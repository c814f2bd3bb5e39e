import { csvLine, neutraliseFormula } from '../../collect/csv';
import type { Clock, RequestRepository } from '../../ports';
import type { ExportRequestRecord, RequestState } from '../request-record';
import { allRequests } from './request-views';

/**
 * The register of requests for auditors (accountability, Art. 5(2); the month of Art. 12(3)): one
 * row per request received in a period, with when it was due, when it was answered, whether that
 * was on time and by how much it was late, how it ended, and how often the archive was downloaded.
 */
export interface RegisterRow {
  requestId: string;
  playerId: string;
  receivedAt: string;
  dueAt: string;
  /** When the player's archive was ready (READY), or the re-sent link left, for a repeat request. */
  completedAt: string | null;
  /**
   * Answered by the due date. null while the request is open and its due date has not passed:
   * neither on time nor late yet.
   */
  onTime: boolean | null;
  /** ISO 8601 duration past the due date ("P2DT3H"), of the answer or, while open, until now; else null. */
  lateBy: string | null;
  /** The state, "FAILED: <reason>", or "answered by <request> (<state>)". */
  outcome: string;
  downloads: number;
  lastDownloadAt: string | null;
}

export const registerColumns: (keyof RegisterRow)[] = [
  'requestId',
  'playerId',
  'receivedAt',
  'dueAt',
  'completedAt',
  'onTime',
  'lateBy',
  'outcome',
  'downloads',
  'lastDownloadAt',
];

/** Requests received in [from, to), oldest first. */
export async function requestRegister(
  deps: { requests: RequestRepository; clock: Clock },
  period: { from: Date; to: Date },
): Promise<RegisterRow[]> {
  const all = await allRequests(deps);
  const byId = new Map(all.map((r) => [r.requestId, r]));
  const now = deps.clock.now();
  return all
    .filter((r) => within(r.receivedAt, period))
    .sort((a, b) => a.receivedAt.localeCompare(b.receivedAt) || a.requestId.localeCompare(b.requestId))
    .map((record) => registerRow(record, record.attachedTo ? byId.get(record.attachedTo) : undefined, now));
}

export function registerRow(
  record: ExportRequestRecord,
  answeredBy: ExportRequestRecord | undefined,
  now: Date,
): RegisterRow {
  const completedAt = completionOf(record, answeredBy);
  const due = Date.parse(record.dueAt);
  const end = completedAt ? Date.parse(completedAt) : now.getTime();
  const late = end > due;
  return {
    requestId: record.requestId,
    playerId: record.playerId,
    receivedAt: record.receivedAt,
    dueAt: record.dueAt,
    completedAt: completedAt ?? null,
    onTime: completedAt ? !late : late ? false : null,
    lateBy: late ? isoDuration(end - due) : null,
    outcome: outcomeOf(record, answeredBy),
    downloads: record.downloads ?? 0,
    lastDownloadAt: record.lastDownloadAt ?? null,
  };
}

function completionOf(record: ExportRequestRecord, answeredBy?: ExportRequestRecord): string | undefined {
  if (!record.attachedTo) return record.stateTimes.READY;
  // A repeat request: answered when its own link (to the other's archive) left, or when the
  // request it joined became READY, whichever it got.
  if (record.deliveredAt) return record.deliveredAt;
  const ready = answeredBy?.stateTimes.READY;
  return ready && ready >= record.receivedAt ? ready : undefined;
}

function outcomeOf(record: ExportRequestRecord, answeredBy?: ExportRequestRecord): string {
  if (record.attachedTo) {
    return `answered by ${record.attachedTo} (${answeredBy?.state ?? 'unknown'})`;
  }
  if (record.state === 'FAILED') return `FAILED: ${record.failureReason ?? 'no reason recorded'}`;
  return record.state;
}

function within(at: string, period: { from: Date; to: Date }): boolean {
  const time = Date.parse(at);
  return time >= period.from.getTime() && time < period.to.getTime();
}

/** "P2DT3H", "PT45M", "PT0M" for less than a minute: days, hours and minutes. */
export function isoDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  const time = `${hours ? `${hours}H` : ''}${rest || (!days && !hours) ? `${rest}M` : ''}`;
  return `P${days ? `${days}D` : ''}${time ? `T${time}` : ''}`;
}

/**
 * RFC 4180: a header, CRLF line ends, quoted where a cell holds a comma, quote or line break; text
 * that a spreadsheet would run as a formula is neutralised as in the archive's CSV files.
 */
export function toCsv<T extends object>(rows: T[], columns: (keyof T)[]): string {
  const cell = (value: unknown) =>
    value === null || value === undefined
      ? ''
      : typeof value === 'string'
        ? neutraliseFormula(value)
        : String(value);
  return (
    csvLine(columns.map(String)) +
    rows.map((row) => csvLine(columns.map((column) => cell(row[column])))).join('')
  );
}

export interface RetentionRow {
  requestId: string;
  playerId: string;
  /** When the export found it (the request's READY time). */
  foundAt: string;
  state: RequestState;
  source: string;
  table: string;
  /** Exported records older than the retention the data map states for the source. */
  records: number;
  oldest: string;
}

export const retentionColumns: (keyof RetentionRow)[] = [
  'requestId',
  'playerId',
  'foundAt',
  'state',
  'source',
  'table',
  'records',
  'oldest',
];

/**
 * `retention findings`: per request and source, the records an export found past the retention
 * the data map states (set on READY; the stores' deletion jobs are late). By when they were found.
 */
export async function retentionFindings(
  deps: { requests: RequestRepository },
  period: { from?: Date; to?: Date } = {},
): Promise<RetentionRow[]> {
  const rows: RetentionRow[] = [];
  for (const record of await allRequests(deps)) {
    const foundAt = record.stateTimes.READY;
    if (!foundAt || !record.retentionFindings?.length) continue;
    const time = Date.parse(foundAt);
    if (period.from && time < period.from.getTime()) continue;
    if (period.to && time >= period.to.getTime()) continue;
    for (const finding of record.retentionFindings) {
      rows.push({
        requestId: record.requestId,
        playerId: record.playerId,
        foundAt,
        state: record.state,
        source: finding.source,
        table: finding.table,
        records: finding.records,
        oldest: finding.oldest,
      });
    }
  }
  return rows.sort(
    (a, b) =>
      a.foundAt.localeCompare(b.foundAt) ||
      a.requestId.localeCompare(b.requestId) ||
      a.source.localeCompare(b.source),
  );
}
