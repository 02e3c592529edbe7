// The kitchen display's rules as pure functions: which station an item goes to, which course
// is on the screens, how old a ticket looks, and how many of each item a station still has to
// make ("all day"). The service and the screens share them, so both agree.

export interface StationThresholds {
  /** Age at which a ticket turns yellow. Default 5 min. */
  warnAfterMs: number;
  /** Age at which it turns red and the preparation alarm is raised. Default 8 min. */
  lateAfterMs: number;
}

export const DEFAULT_THRESHOLDS: StationThresholds = {
  warnAfterMs: 5 * 60_000,
  lateAfterMs: 8 * 60_000,
};

export type Ageing = 'fresh' | 'warning' | 'late';

/** A ticket's colour from its age on the hub's clock. */
export function ageing(ageMs: number, t: StationThresholds): Ageing {
  if (ageMs >= t.lateAfterMs) return 'late';
  if (ageMs >= t.warnAfterMs) return 'warning';
  return 'fresh';
}

/** The thresholds of a station: its own where set, else the defaults. */
export function thresholdsFor(
  stationId: string,
  perStation: Readonly<Record<string, Partial<StationThresholds>>>,
): StationThresholds {
  return { ...DEFAULT_THRESHOLDS, ...perStation[stationId] };
}

export interface LineForRouting {
  stationId: string;
  course: number;
}

/** Group lines by station: each station's ticket holds only its own items. */
export function routeToStations<L extends LineForRouting>(lines: readonly L[]): Map<string, L[]> {
  const byStation = new Map<string, L[]>();
  for (const line of lines) {
    const list = byStation.get(line.stationId) ?? [];
    list.push(line);
    byStation.set(line.stationId, list);
  }
  return byStation;
}

/**
 * Whether a course goes to the screens as soon as it arrives. The first course of an order is
 * fired at once; later courses wait until fired from the terminal or the expo, unless already
 * fired (an item added to a course the kitchen is cooking goes straight on).
 */
export function firesOnArrival(
  course: number,
  firstCourse: number,
  fired: ReadonlySet<number>,
): boolean {
  return course <= firstCourse || fired.has(course);
}

export interface CountableItem {
  name: string;
  variant?: string | null | undefined;
  quantity: number;
  voidedQuantity: number;
  done: boolean;
  fired: boolean;
}

export interface AllDayCount {
  name: string;
  quantity: number;
}

/**
 * "All day": how many of each item the station still has to make across its open tickets,
 * counting fired, not-yet-done, not-voided portions; largest first, then by name.
 */
export function allDayCounts(items: Iterable<CountableItem>): AllDayCount[] {
  const counts = new Map<string, number>();
  for (const item of items) {
    const live = item.quantity - item.voidedQuantity;
    if (!item.fired || item.done || live <= 0) continue;
    const name = item.variant ? `${item.name} (${item.variant})` : item.name;
    counts.set(name, (counts.get(name) ?? 0) + live);
  }
  return [...counts]
    .map(([name, quantity]) => ({ name, quantity }))
    .sort((a, b) => b.quantity - a.quantity || a.name.localeCompare(b.name));
}

/** The p-th percentile (0–100) by nearest rank; undefined for no values. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

/** The kitchen's status of a whole order, in the order it moves through. */
export type KitchenStatus = 'NEW' | 'PREPARING' | 'READY';

const STEPS: readonly KitchenStatus[] = ['NEW', 'PREPARING', 'READY'];

/** A move the kitchen may make: one step forward only. */
export function kitchenStep(
  from: KitchenStatus,
  to: KitchenStatus,
): { ok: true } | { ok: false; reason: string } {
  const a = STEPS.indexOf(from);
  const b = STEPS.indexOf(to);
  if (a === b) return { ok: false, reason: `The order is already ${to.toLowerCase()}` };
  if (b < a)
    return {
      ok: false,
      reason: `A ${from.toLowerCase()} order cannot go back to ${to.toLowerCase()}`,
    };
  if (b > a + 1) {
    return {
      ok: false,
      reason: `A ${from.toLowerCase()} order must be preparing before it is ${to.toLowerCase()}`,
    };
  }
  return { ok: true };
}
