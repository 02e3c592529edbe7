import { z } from 'zod';
import { Slug } from './events/fields.js';
import {
  CategoryId,
  MenuItemId,
  MenuVersion,
  ModifierGroupId,
  ModifierId,
  StationId,
  VariantId,
} from './ids.js';
import { Cents, Currency, NonNegativeCents } from './money.js';
import { Timestamp } from './time.js';

// A published menu as one immutable document: the cloud's menu service publishes it as a
// numbered version, sync carries it down, and the hub applies it all-or-nothing (a terminal
// never sees half a menu). Availability (86) changes locally on the hub between versions and is
// kept beside the document, not in it.

const Name = z.string().trim().min(1, { message: 'must not be empty' }).max(120);

const ClockTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be a 24-hour time, HH:MM' });

/**
 * When a category or item is served, in the store's local time (breakfast 06:00–11:00 on
 * weekdays). A window whose `to` is not after `from` runs past midnight and belongs to the day
 * it starts on (Friday 22:00–02:00 is open early on Saturday too).
 */
export const AvailabilityWindow = z
  .object({
    /** ISO weekdays: 1 = Monday … 7 = Sunday. */
    days: z.array(z.number().int().min(1).max(7)).min(1).max(7).default([1, 2, 3, 4, 5, 6, 7]),
    from: ClockTime,
    to: ClockTime,
  })
  .refine((w) => w.from !== w.to, { path: ['to'], message: 'must differ from `from`' });
export type AvailabilityWindow = z.infer<typeof AvailabilityWindow>;

/** Absent or empty: served whenever the store is open. */
const Schedule = z.array(AvailabilityWindow).max(20).optional();

/** The weekday (ISO, 1 = Monday) and minute of the day at `epochMs` in `timeZone`. */
export function localClock(
  epochMs: number,
  timeZone: string,
): { weekday: number; minutes: number } {
  let formatter = clockFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    clockFormatters.set(timeZone, formatter);
  }
  const parts = Object.fromEntries(formatter.formatToParts(epochMs).map((p) => [p.type, p.value]));
  return {
    weekday: WEEKDAYS.indexOf(parts.weekday ?? '') + 1,
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
  };
}
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const clockFormatters = new Map<string, Intl.DateTimeFormat>();

const minutesOf = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

/** Whether a schedule is open at a local weekday and minute (no schedule: always). */
export function scheduleOpen(
  windows: readonly AvailabilityWindow[] | undefined,
  at: { weekday: number; minutes: number },
): boolean {
  if (!windows || windows.length === 0) return true;
  const yesterday = at.weekday === 1 ? 7 : at.weekday - 1;
  return windows.some((w) => {
    const from = minutesOf(w.from);
    const to = minutesOf(w.to);
    if (to > from) return w.days.includes(at.weekday) && at.minutes >= from && at.minutes < to;
    // Past midnight: the evening of a listed day, or the small hours after one.
    return (
      (w.days.includes(at.weekday) && at.minutes >= from) ||
      (w.days.includes(yesterday) && at.minutes < to)
    );
  });
}

/** Whether `timeZone` is an IANA time zone this runtime knows (`America/Chicago`). */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * When a schedule next opens after `epochMs` (within a week), or undefined when it never does.
 * Minute precision; a clock change between now and then can move it by that hour.
 */
export function nextOpening(
  windows: readonly AvailabilityWindow[],
  epochMs: number,
  timeZone: string,
): number | undefined {
  const now = localClock(epochMs, timeZone);
  let best: number | undefined;
  for (let day = 0; day <= 7; day++) {
    const weekday = ((now.weekday - 1 + day) % 7) + 1;
    for (const w of windows) {
      if (!w.days.includes(weekday)) continue;
      const inMinutes = day * 1_440 + minutesOf(w.from) - now.minutes;
      if (inMinutes > 0 && (best === undefined || inMinutes < best)) best = inMinutes;
    }
  }
  if (best === undefined) return undefined;
  return Math.floor(epochMs / 60_000) * 60_000 + best * 60_000;
}

/** "06:00–11:00" or "Mon–Fri 06:00–11:00", for a cashier told why an item is off. */
export function describeSchedule(windows: readonly AvailabilityWindow[]): string {
  return windows
    .map((w) => {
      const days =
        w.days.length === 7
          ? ''
          : `${[...w.days]
              .sort()
              .map((d) => WEEKDAYS[d - 1])
              .join(',')} `;
      return `${days}${w.from}–${w.to}`;
    })
    .join('; ');
}

export const TaxCategory = z.object({
  id: Slug,
  name: Name,
  /** Rate in basis points: 825 = 8.25 %. */
  rateBasisPoints: z.number().int().min(0).max(10_000),
  /** Prices in this category already include the tax (common in Europe), or tax is added. */
  inclusive: z.boolean(),
});
export type TaxCategory = z.infer<typeof TaxCategory>;

export const Station = z.object({
  id: StationId,
  name: Name,
});
export type Station = z.infer<typeof Station>;

export const MenuCategory = z.object({
  id: CategoryId,
  name: Name,
  sortOrder: z.number().int(),
  /** Tile colour on the terminal, `#rrggbb`. */
  color: z
    .string()
    .regex(/^#[0-9a-f]{6}$/i)
    .optional(),
  /** Served only in these windows (a breakfast menu); every item in it follows. */
  availableAt: Schedule,
});
export type MenuCategory = z.infer<typeof MenuCategory>;

export const Modifier = z.object({
  id: ModifierId,
  name: Name,
  /** Added to the item's price; negative for a removal that costs less. */
  priceDeltaCents: Cents,
  allergens: z.array(Slug).default([]),
});
export type Modifier = z.infer<typeof Modifier>;

export const ModifierGroup = z
  .object({
    id: ModifierGroupId,
    name: Name,
    /** 0 = optional; 1 or more = the cashier must choose at least that many. */
    minChoices: z.number().int().min(0).max(50),
    maxChoices: z.number().int().min(1).max(50),
    modifiers: z.array(Modifier).min(1, { message: 'a modifier group needs modifiers' }),
  })
  .superRefine((g, ctx) => {
    if (g.minChoices > g.maxChoices) {
      ctx.addIssue({
        code: 'custom',
        path: ['minChoices'],
        message: 'minChoices must not exceed maxChoices',
      });
    }
    if (g.minChoices > g.modifiers.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['minChoices'],
        message: 'minChoices exceeds the number of modifiers',
      });
    }
  });
export type ModifierGroup = z.infer<typeof ModifierGroup>;

export const Variant = z.object({
  id: VariantId,
  name: Name,
  /** Replaces the item's price when this variant (size) is chosen. */
  priceCents: NonNegativeCents,
});
export type Variant = z.infer<typeof Variant>;

export const MenuItem = z.object({
  id: MenuItemId,
  name: Name,
  description: z.string().trim().max(500).optional(),
  categoryId: CategoryId,
  priceCents: NonNegativeCents,
  /** When present, the cashier must pick one; its price replaces `priceCents`. */
  variants: z.array(Variant).default([]),
  modifierGroupIds: z.array(ModifierGroupId).default([]),
  taxCategoryId: Slug,
  stationId: StationId,
  imageUrl: z
    .url({ protocol: /^https?$/ })
    .max(2_000)
    .optional(),
  allergens: z.array(Slug).default([]),
  /** Offered at all in this version; the hub's 86 list can still take it off. */
  available: z.boolean().default(true),
  /** Barcode or PLU for keyboard/scanner entry at the terminal. */
  sku: z.string().trim().min(1).max(64).optional(),
  /** Served only in these windows, within its category's. */
  availableAt: Schedule,
});
export type MenuItem = z.infer<typeof MenuItem>;

export const MenuDocument = z
  .object({
    version: MenuVersion,
    publishedAt: Timestamp,
    currency: Currency,
    taxCategories: z.array(TaxCategory).min(1),
    stations: z.array(Station).min(1),
    categories: z.array(MenuCategory).min(1),
    modifierGroups: z.array(ModifierGroup).default([]),
    items: z.array(MenuItem).min(1, { message: 'a menu needs at least one item' }),
  })
  .superRefine((menu, ctx) => {
    const unique = (ids: string[], path: string) => {
      const seen = new Set<string>();
      ids.forEach((id, i) => {
        if (seen.has(id))
          ctx.addIssue({ code: 'custom', path: [path, i, 'id'], message: `duplicate id ${id}` });
        seen.add(id);
      });
      return seen;
    };
    const taxes = unique(
      menu.taxCategories.map((t) => t.id),
      'taxCategories',
    );
    const stations = unique(
      menu.stations.map((s) => s.id),
      'stations',
    );
    const categories = unique(
      menu.categories.map((c) => c.id),
      'categories',
    );
    const groups = unique(
      menu.modifierGroups.map((g) => g.id),
      'modifierGroups',
    );
    unique(
      menu.items.map((i) => i.id),
      'items',
    );
    const modifierIds = menu.modifierGroups.flatMap((g) => g.modifiers.map((m) => m.id));
    if (new Set(modifierIds).size !== modifierIds.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['modifierGroups'],
        message: 'modifier ids must be unique across groups',
      });
    }
    menu.items.forEach((item, i) => {
      const ref = (ok: boolean, field: string, what: string, id: string) => {
        if (!ok)
          ctx.addIssue({
            code: 'custom',
            path: ['items', i, field],
            message: `unknown ${what} ${id}`,
          });
      };
      ref(categories.has(item.categoryId), 'categoryId', 'category', item.categoryId);
      ref(taxes.has(item.taxCategoryId), 'taxCategoryId', 'tax category', item.taxCategoryId);
      ref(stations.has(item.stationId), 'stationId', 'station', item.stationId);
      for (const g of item.modifierGroupIds)
        ref(groups.has(g), 'modifierGroupIds', 'modifier group', g);
      unique(
        item.variants.map((v) => v.id),
        `items.${i}.variants`,
      );
    });
  });
export type MenuDocument = z.infer<typeof MenuDocument>;
