/**
 * @module How numbers, times and states read on screen: one formatter per kind of value, and
 * the color each state gets in a badge, so every page says the same thing the same way.
 */

const dateTime = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'medium',
  timeStyle: 'medium',
});
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });
const integer = new Intl.NumberFormat();
const usd = new Intl.NumberFormat(undefined, {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 2,
  maximumFractionDigits: 4,
});

function toDate(value: string | number | null | undefined): Date | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** A date and time, or "—". */
export function formatDateTime(value: string | number | null | undefined): string {
  const date = toDate(value);
  return date === undefined ? '—' : dateTime.format(date);
}

/** A time of day, or "—". */
export function formatTime(value: string | number | null | undefined): string {
  const date = toDate(value);
  return date === undefined ? '—' : timeOnly.format(date);
}

/** "3 min ago", "in 2 h", or "—". */
export function formatRelative(
  value: string | number | null | undefined,
  now: number = Date.now(),
): string {
  const date = toDate(value);
  if (date === undefined) return '—';
  const seconds = Math.round((date.getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  const [amount, unit] =
    abs < 60
      ? [abs, 's']
      : abs < 3600
        ? [Math.round(abs / 60), 'min']
        : abs < 86_400
          ? [Math.round(abs / 3600), 'h']
          : [Math.round(abs / 86_400), 'd'];
  if (abs < 5) return 'just now';
  return seconds < 0 ? `${amount} ${unit} ago` : `in ${amount} ${unit}`;
}

/** 12,345 */
export function formatInteger(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? '—'
    : integer.format(value);
}

/** $0.0123; amounts under a cent keep two significant digits ($0.00042). */
export function formatUsd(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value !== 0 && Math.abs(value) < 0.01) return `$${value.toPrecision(2)}`;
  return usd.format(value);
}

/** 1.5 KiB, 12 MiB. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** "ioReadBytesTotal" → "io read bytes total". */
export function wordsOf(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replaceAll('_', ' ')
    .toLowerCase();
}

/** A measurement named `key` as text: bytes, percentages, rates and counts each their way. */
export function formatMeasure(key: string, value: unknown): string {
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value !== 'number') return value === null || value === undefined ? '—' : String(value);
  if (/bytes/i.test(key))
    return /PerSecond$/.test(key) ? `${formatBytes(value)}/s` : formatBytes(value);
  if (/percent/i.test(key)) return `${value.toFixed(1)}%`;
  if (/Ms(Total)?$/.test(key)) return `${formatInteger(Math.round(value))} ms`;
  return Number.isInteger(value) ? formatInteger(value) : value.toFixed(2);
}

/** A duration given in microseconds: "850 µs", "12.3 ms", "1.20 s". */
export function formatMicros(us: number | null | undefined): string {
  if (us === null || us === undefined || !Number.isFinite(us)) return '—';
  if (us < 1000) return `${Math.round(us)} µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`;
  return `${(us / 1_000_000).toFixed(2)} s`;
}

/** A share 0..1 as "97.5%". */
export function formatPercent(share: number | null | undefined): string {
  return share === null || share === undefined || !Number.isFinite(share)
    ? '—'
    : `${(share * 100).toFixed(share === 1 || share === 0 ? 0 : 1)}%`;
}

/** A short form of a long id: its first 8 characters. */
export function shortId(id: string | null | undefined): string {
  if (id === null || id === undefined) return '—';
  return id.length <= 12 ? id : `${id.slice(0, 8)}…`;
}

const STATE_COLORS: Readonly<Record<string, string>> = {
  active: 'green',
  ok: 'green',
  passed: 'green',
  completed: 'green',
  complete: 'green',
  approved: 'green',
  closed: 'green',
  COMPLIANT: 'green',
  spawned: 'blue',
  restarted: 'blue',
  assigned: 'blue',
  in_progress: 'blue',
  running: 'blue',
  streaming: 'blue',
  pending: 'gray',
  exited: 'gray',
  cancelled: 'gray',
  expired: 'gray',
  recovery: 'yellow',
  waiting_approval: 'yellow',
  'half-open': 'yellow',
  REVIEW_NEEDED: 'yellow',
  fault: 'red',
  failed: 'red',
  denied: 'red',
  revoked: 'red',
  error: 'red',
  open: 'red',
  unavailable: 'red',
  NON_COMPLIANT: 'red',
};

/** The badge color of a state word. */
export function stateColor(state: string | null | undefined): string {
  return (state !== null && state !== undefined && STATE_COLORS[state]) || 'gray';
}

/** "in_progress" → "in progress". */
export function humanize(word: string | null | undefined): string {
  return (word ?? '').replaceAll('_', ' ');
}
