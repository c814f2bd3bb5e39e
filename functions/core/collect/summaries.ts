import type { SourceSpec } from '../data-map/data-map';
import { ExactNumber, type StoreRecord, type Value } from '../values';

/**
 * Small aggregates computed while a source streams past, so the offline viewer can show totals
 * over every record although it only embeds the first few hundred. They ride in the preview file
 * (never in Step Functions state) and stay small: one entry per currency or per month.
 */
export type Summary = MoneySummary | TimelineSummary;

export interface MoneySummary {
  kind: 'money';
  /** Records that had an amount and a currency. */
  count: number;
  /**
   * The field whose values split the totals ("status": completed apart from refunded), when the
   * source has one: a refunded purchase is no money spent, and one sum of both would say it was.
   */
  statusField?: string;
  /**
   * Per status and currency; `status` is null for records without one. Exact decimal text, e.g.
   * "1234.5"; summed as scaled BigInts, never as floats.
   */
  totals: { currency: string; status: string | null; count: number; total: string }[];
}

export interface TimelineSummary {
  kind: 'timeline';
  /** Oldest month first; "YYYY-MM" in UTC, as recorded. */
  months: {
    month: string;
    matches: number;
    wins: number;
    losses: number;
    draws: number;
    /** Seconds of sessions and matches, exact integer text. */
    playSeconds: string;
  }[];
}

export interface Summariser {
  add(record: StoreRecord): void;
  result(): Summary;
}

/**
 * Picks a summariser by what the source's records hold rather than by its name, so a new store
 * with the same shape (a shop, a second game) gets the same totals without code changes.
 */
export function summariserFor(source: SourceSpec): Summariser | undefined {
  const fields = new Set(source.fields.filter((f) => f.rule !== 'omit').map((f) => f.name));
  if (fields.has('amount') && fields.has('currency'))
    return new MoneySummariser(fields.has('status') ? 'status' : undefined);
  if (fields.has('kind') && fields.has('recordedAt')) return new TimelineSummariser();
  return undefined;
}

/** A decimal as digits × 10^-scale: "12.50" is 1250n with scale 2. */
interface Scaled {
  digits: bigint;
  scale: number;
}

// Exponents beyond this are not amounts or durations; skipping them keeps a hostile "1e999999999"
// from allocating a gigantic BigInt.
const MAX_EXPONENT = 400;

export function parseDecimal(value: Value | undefined): Scaled | undefined {
  const text = value instanceof ExactNumber ? value.text : typeof value === 'string' ? value.trim() : '';
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) return undefined;
  const [, sign = '', whole = '', fraction = '', exponentText = '0'] = match;
  const exponent = Number(exponentText);
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > MAX_EXPONENT) return undefined;
  let digits = BigInt(`${sign}${whole}${fraction}`);
  let scale = fraction.length - exponent;
  if (scale < 0) {
    digits *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { digits, scale };
}

export function addDecimal(a: Scaled, b: Scaled): Scaled {
  const scale = Math.max(a.scale, b.scale);
  return {
    digits: a.digits * 10n ** BigInt(scale - a.scale) + b.digits * 10n ** BigInt(scale - b.scale),
    scale,
  };
}

/** Canonical decimal text: no exponent, no trailing fraction zeros ("12.5", "-0.05", "3"). */
export function decimalText({ digits, scale }: Scaled): string {
  const negative = digits < 0n;
  const abs = (negative ? -digits : digits).toString().padStart(scale + 1, '0');
  const whole = abs.slice(0, abs.length - scale);
  const fraction = abs.slice(abs.length - scale).replace(/0+$/, '');
  const text = fraction ? `${whole}.${fraction}` : whole;
  return negative && text !== '0' ? `-${text}` : text;
}

const ZERO: Scaled = { digits: 0n, scale: 0 };

/** Totals by status (records without one last), then currency. */
function byStatusThenCurrency(
  a: { status: string | null; currency: string },
  b: { status: string | null; currency: string },
): number {
  const order = (x: { status: string | null; currency: string }) =>
    `${x.status ?? '\uffff'}\u0000${x.currency}`;
  return order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0;
}

class MoneySummariser implements Summariser {
  private count = 0;
  private readonly groups = new Map<
    string,
    { currency: string; status: string | null; count: number; total: Scaled }
  >();

  constructor(private readonly statusField: string | undefined) {}

  add(record: StoreRecord): void {
    const amount = parseDecimal(record.amount);
    const currency = record.currency;
    if (!amount || typeof currency !== 'string' || currency === '') return;
    const raw = this.statusField ? record[this.statusField] : undefined;
    const status = typeof raw === 'string' && raw !== '' ? raw : null;
    const key = JSON.stringify([status, currency]);
    const entry = this.groups.get(key) ?? { currency, status, count: 0, total: ZERO };
    this.groups.set(key, { ...entry, count: entry.count + 1, total: addDecimal(entry.total, amount) });
    this.count++;
  }

  result(): MoneySummary {
    const totals = [...this.groups.values()]
      .sort(byStatusThenCurrency)
      .map(({ currency, status, count, total }) => ({ currency, status, count, total: decimalText(total) }));
    return {
      kind: 'money',
      count: this.count,
      ...(this.statusField ? { statusField: this.statusField } : {}),
      totals,
    };
  }
}

interface Month {
  matches: number;
  wins: number;
  losses: number;
  draws: number;
  play: Scaled;
}

class TimelineSummariser implements Summariser {
  private readonly months = new Map<string, Month>();

  add(record: StoreRecord): void {
    const at = record.recordedAt;
    const month = typeof at === 'string' && /^\d{4}-\d{2}/.test(at) ? at.slice(0, 7) : undefined;
    if (!month) return;
    const entry = this.months.get(month) ?? { matches: 0, wins: 0, losses: 0, draws: 0, play: ZERO };
    if (record.kind === 'match') {
      entry.matches++;
      if (record.result === 'win') entry.wins++;
      else if (record.result === 'loss') entry.losses++;
      else if (record.result === 'draw') entry.draws++;
    }
    if (record.kind === 'match' || record.kind === 'session') {
      const duration = parseDecimal(record.durationSec);
      if (duration) entry.play = addDecimal(entry.play, duration);
    }
    this.months.set(month, entry);
  }

  result(): TimelineSummary {
    const months = [...this.months]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([month, { play, ...counts }]) => ({ month, ...counts, playSeconds: decimalText(play) }));
    return { kind: 'timeline', months };
  }
}

/**
 * The summary of records collected in parts (pieces, shards): the same totals one pass over all
 * of them gives, added as exact decimals.
 */
export function mergeSummaries(a: Summary | undefined, b: Summary | undefined): Summary | undefined {
  if (!a || !b) return a ?? b;
  if (a.kind === 'money' && b.kind === 'money') {
    const groups = new Map<string, MoneySummary['totals'][number]>();
    for (const entry of [...a.totals, ...b.totals]) {
      const key = JSON.stringify([entry.status, entry.currency]);
      const found = groups.get(key);
      const total = found
        ? decimalText(addDecimal(parseDecimal(found.total) ?? ZERO, parseDecimal(entry.total) ?? ZERO))
        : entry.total;
      groups.set(key, { ...entry, count: (found?.count ?? 0) + entry.count, total });
    }
    return { ...a, count: a.count + b.count, totals: [...groups.values()].sort(byStatusThenCurrency) };
  }
  if (a.kind === 'timeline' && b.kind === 'timeline') {
    const months = new Map<string, TimelineSummary['months'][number]>();
    for (const entry of [...a.months, ...b.months]) {
      const found = months.get(entry.month);
      months.set(
        entry.month,
        found
          ? {
              month: entry.month,
              matches: found.matches + entry.matches,
              wins: found.wins + entry.wins,
              losses: found.losses + entry.losses,
              draws: found.draws + entry.draws,
              playSeconds: decimalText(
                addDecimal(parseDecimal(found.playSeconds) ?? ZERO, parseDecimal(entry.playSeconds) ?? ZERO),
              ),
            }
          : entry,
      );
    }
    return { kind: 'timeline', months: [...months.values()].sort((x, y) => (x.month < y.month ? -1 : 1)) };
  }
  // One source has one summariser: two kinds cannot meet.
  throw new Error(`Cannot merge a ${a.kind} summary with a ${b.kind} summary`);
}
