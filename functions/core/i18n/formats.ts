/**
 * Locale-aware numbers, sizes and dates for pages and e-mails. We do not know the player's time
 * zone, so dates are shown in UTC unless a zone is given, and always name their zone: an
 * unlabelled "04:33" would be wrong for most readers.
 */

const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;

export function formatCount(locale: string, value: number): string {
  return new Intl.NumberFormat(locale).format(value);
}

/** Decimal units (1 MB = 1,000,000 bytes), as file managers on most systems show them. */
export function formatBytes(locale: string, bytes: number): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return new Intl.NumberFormat(locale, {
    style: 'unit',
    unit: units[unit],
    unitDisplay: unit === 0 ? 'long' : 'short',
    maximumFractionDigits: unit === 0 || value >= 100 ? 0 : 1,
  }).format(value);
}

/**
 * "November 27, 2026 at 4:33 AM UTC", "27. November 2026 um 04:33 UTC": the long date, the time and
 * the zone's name in the locale's own order. `timeZone` is an IANA zone ("Europe/Oslo" gives
 * "05:33 CET"); UTC when none is given. Components rather than dateStyle/timeStyle, because
 * Intl refuses timeZoneName alongside those.
 */
export function formatDateTime(locale: string, at: Date | string, timeZone = 'UTC'): string {
  return new Intl.DateTimeFormat(locale, {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZone,
    timeZoneName: 'short',
  }).format(typeof at === 'string' ? new Date(at) : at);
}

/** "5 minutes", "1 Minute", "5 นาที": a whole number of minutes with its unit, plural-aware. */
export function formatMinutes(locale: string, minutes: number): string {
  return new Intl.NumberFormat(locale, { style: 'unit', unit: 'minute', unitDisplay: 'long' }).format(
    minutes,
  );
}

/** "in 6 days" / "om 6 dage": the largest whole unit, so the page never claims more time than is left. */
export function formatTimeLeft(locale: string, from: Date, until: Date | string): string {
  const ms = Math.max(0, (typeof until === 'string' ? Date.parse(until) : until.getTime()) - from.getTime());
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'always' });
  const minute = 60_000;
  const hour = 60 * minute;
  const day = 24 * hour;
  if (ms >= 2 * day) return format.format(Math.floor(ms / day), 'day');
  if (ms >= 2 * hour) return format.format(Math.floor(ms / hour), 'hour');
  return format.format(Math.max(1, Math.floor(ms / minute)), 'minute');
}
