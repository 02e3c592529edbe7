/**
 * The business day an instant belongs to: a day that starts at `startHour` local time in the
 * store's time zone, so the 1 a.m. orders of a late service still count for the evening
 * before, and order numbers restart once a day at a quiet hour.
 */
export function businessDate(epochMs: number, timeZone: string, startHour: number): string {
  const shifted = new Date(epochMs - startHour * 3_600_000);
  const parts = formatterFor(timeZone).formatToParts(shifted);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** Building a formatter is far dearer than using one, and a store has one time zone. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}
