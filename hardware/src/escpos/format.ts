import { type Cents, formatMoney } from '@pos/contracts';

/** "$12.34"; an unknown currency code falls back to "12.34 XYZ" rather than throwing. */
export function money(amount: Cents, currency: string, locale = 'en-US'): string {
  try {
    return formatMoney(amount, currency, locale);
  } catch {
    return `${(amount / 100).toFixed(2)} ${currency}`;
  }
}

/** "+$1.50" / "-$0.50", for modifier deltas and discounts. */
export function signedMoney(amount: Cents, currency: string, locale = 'en-US'): string {
  const text = money(Math.abs(amount) as Cents, currency, locale);
  return amount < 0 ? `-${text}` : `+${text}`;
}

/** "8.25%" from basis points. */
export function percent(basisPoints: number): string {
  return `${(basisPoints / 100).toFixed(2).replace(/\.?0+$/, '')}%`;
}

/** One formatter per time zone: making one costs more than printing a whole ticket. */
const formats = new Map<string, Intl.DateTimeFormat | null>();

function formatFor(timeZone: string | undefined): Intl.DateTimeFormat | null {
  const key = timeZone ?? '';
  let format = formats.get(key);
  if (format === undefined) {
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      });
    } catch {
      format = null; // not a time zone this runtime knows
    }
    formats.set(key, format);
  }
  return format;
}

function parts(iso: string, timeZone: string | undefined): Record<string, string> | undefined {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return undefined;
  const format = formatFor(timeZone);
  if (!format) return undefined;
  return Object.fromEntries(format.formatToParts(date).map((p) => [p.type, p.value]));
}

/** "2026-01-14 10:30" in the given zone; the input itself when it is not a date. */
export function dateTime(iso: string, timeZone?: string): string {
  const p = parts(iso, timeZone);
  return p ? `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}` : iso;
}

/** "10:30" in the given zone. */
export function time(iso: string, timeZone?: string): string {
  const p = parts(iso, timeZone);
  return p ? `${p.hour}:${p.minute}` : iso;
}
