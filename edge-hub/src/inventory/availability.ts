import type { ReservationLine, Shortage } from '../ports.js';
import type { InventorySeed, RecipeLine } from './seed-types.js';

// The stock arithmetic of the inventory module as plain functions: what a portion needs, how
// many portions the shelf allows, which items an ingredient feeds. No I/O, so every rule here is
// tested without a database or a hub.

/** Base units of each ingredient, keyed by ingredient ID. */
export type Needs = ReadonlyMap<string, number>;

/** Recipes indexed for lookup, plus the reverse index used to re-check items after a change. */
export interface RecipeBook {
  readonly item: ReadonlyMap<string, Needs>;
  /** menuItemId → variantId → needs. */
  readonly variant: ReadonlyMap<string, ReadonlyMap<string, Needs>>;
  readonly modifier: ReadonlyMap<string, Needs>;
  /** ingredientId → menu items whose item or variant recipe uses it (modifiers excluded). */
  readonly usedBy: ReadonlyMap<string, ReadonlySet<string>>;
  /**
   * ingredientId → the most of it any one portion (item or variant recipe) needs. While an
   * ingredient's available stays at or above this, it cannot be what makes an item unavailable.
   */
  readonly largestPortion: ReadonlyMap<string, number>;
}

/** What is on the shelf for an ingredient and can still be promised. */
export interface Shelf {
  name: string;
  unit: string;
  available: number;
}

function toNeeds(lines: readonly RecipeLine[]): Map<string, number> {
  const needs = new Map<string, number>();
  // A recipe that lists an ingredient twice means the sum, not the last line.
  for (const l of lines) needs.set(l.ingredientId, (needs.get(l.ingredientId) ?? 0) + l.quantity);
  return needs;
}

export function recipeBook(recipes: InventorySeed['recipes']): RecipeBook {
  const item = new Map<string, Needs>();
  const variant = new Map<string, Map<string, Needs>>();
  const modifier = new Map<string, Needs>();
  const usedBy = new Map<string, Set<string>>();
  const largestPortion = new Map<string, number>();
  const use = (menuItemId: string, needs: Needs) => {
    for (const [ingredientId, quantity] of needs) {
      const items = usedBy.get(ingredientId) ?? new Set<string>();
      items.add(menuItemId);
      usedBy.set(ingredientId, items);
      largestPortion.set(ingredientId, Math.max(largestPortion.get(ingredientId) ?? 0, quantity));
    }
  };
  for (const r of recipes) {
    const needs = toNeeds(r.lines);
    if (r.kind === 'item') {
      item.set(r.menuItemId, needs);
      use(r.menuItemId, needs);
    } else if (r.kind === 'variant') {
      const byVariant = variant.get(r.menuItemId) ?? new Map<string, Needs>();
      byVariant.set(r.variantId, needs);
      variant.set(r.menuItemId, byVariant);
      use(r.menuItemId, needs);
    } else {
      modifier.set(r.modifierId, needs);
    }
  }
  return { item, variant, modifier, usedBy, largestPortion };
}

/** Items whose stock is tracked: they have an item recipe or at least one variant recipe. */
export function trackedItems(book: RecipeBook): string[] {
  return [...new Set([...book.item.keys(), ...book.variant.keys()])].sort();
}

export function addNeeds(into: Map<string, number>, needs: Needs, times = 1): Map<string, number> {
  for (const [id, q] of needs) into.set(id, (into.get(id) ?? 0) + q * times);
  return into;
}

/**
 * What one portion uses: the variant's recipe when that variant has one, else the item's, plus
 * the recipe of each chosen modifier. Empty for an item that is not stock-tracked.
 */
export function portionNeeds(
  book: RecipeBook,
  line: Pick<ReservationLine, 'menuItemId' | 'variantId' | 'modifierIds'>,
): Map<string, number> {
  const needs = new Map<string, number>();
  const base =
    (line.variantId !== undefined
      ? book.variant.get(line.menuItemId)?.get(line.variantId)
      : undefined) ?? book.item.get(line.menuItemId);
  if (base) addNeeds(needs, base);
  for (const m of line.modifierIds) {
    const mod = book.modifier.get(m);
    if (mod) addNeeds(needs, mod);
  }
  return needs;
}

/** What a whole order line uses: one portion's needs × quantity. */
export function lineNeeds(book: RecipeBook, line: ReservationLine): Map<string, number> {
  return addNeeds(new Map(), portionNeeds(book, line), line.quantity);
}

/**
 * The ingredients a request cannot get, or an empty list. Needs are summed over all lines first
 * (two burgers on two lines share one shelf of patties). Each entry names a menu item that uses
 * the short ingredient; `needed` is the whole request's need of it, so `needed > available`
 * holds for every entry and the cashier sees which lines to change.
 */
export function findShortages(
  book: RecipeBook,
  lines: readonly ReservationLine[],
  shelf: (ingredientId: string) => Shelf | undefined,
): Shortage[] {
  const perLine = lines.map((l) => lineNeeds(book, l));
  const total = new Map<string, number>();
  for (const n of perLine) addNeeds(total, n);
  const shortages: Shortage[] = [];
  const seen = new Set<string>();
  perLine.forEach((needs, i) => {
    const menuItemId = (lines[i] as ReservationLine).menuItemId;
    for (const [ingredientId, q] of needs) {
      const s = shelf(ingredientId);
      const needed = total.get(ingredientId) ?? 0;
      const available = s?.available ?? 0;
      const key = `${menuItemId}\u0000${ingredientId}`;
      if (q <= 0 || needed <= available || seen.has(key)) continue;
      seen.add(key);
      shortages.push({
        menuItemId,
        ingredientId,
        ingredientName: s?.name ?? ingredientId,
        unit: s?.unit ?? '',
        needed,
        available,
      });
    }
  });
  return shortages;
}

/** How many portions the shelf allows; Infinity for a recipe with no needs. */
export function portionsPossible(
  needs: Needs,
  available: (ingredientId: string) => number,
): number {
  let portions = Number.POSITIVE_INFINITY;
  for (const [id, q] of needs) {
    if (q <= 0) continue;
    portions = Math.min(portions, Math.floor(Math.max(0, available(id)) / q));
  }
  return portions;
}

/**
 * The recipes a portion of the item can be made from: each variant recipe, and the item recipe
 * (which also stands for variants without a recipe of their own). Inventory does not see the
 * menu's variant list, so these are the only candidates it can judge.
 */
function candidates(book: RecipeBook, menuItemId: string): Needs[] {
  const list = [...(book.variant.get(menuItemId)?.values() ?? [])];
  const item = book.item.get(menuItemId);
  if (item) list.push(item);
  return list;
}

/**
 * An item is on sale by stock when at least one portion of it can be made — of any variant.
 * Modifiers do not count: a burger without extra cheese is still a burger. Untracked items
 * are always available by stock.
 */
export function stockAvailable(
  book: RecipeBook,
  menuItemId: string,
  available: (ingredientId: string) => number,
): boolean {
  const list = candidates(book, menuItemId);
  return list.length === 0 || list.some((needs) => portionsPossible(needs, available) >= 1);
}

/** The ingredients that stop every candidate recipe of an item: said in the 86 reason. */
export function limitingIngredients(
  book: RecipeBook,
  menuItemId: string,
  available: (ingredientId: string) => number,
): string[] {
  const short = new Set<string>();
  for (const needs of candidates(book, menuItemId)) {
    for (const [id, q] of needs) if (q > 0 && available(id) < q) short.add(id);
  }
  return [...short].sort();
}

/** The menu items to re-check after these ingredients changed. */
/**
 * Whether a change of an ingredient's available stock from `before` to `after` can change any
 * item's availability: only if one of them is below the largest portion that uses it.
 */
export function mayChangeAvailability(
  book: RecipeBook,
  ingredientId: string,
  before: number,
  after: number,
): boolean {
  const largest = book.largestPortion.get(ingredientId);
  return largest !== undefined && (before < largest || after < largest);
}

export function itemsUsing(book: RecipeBook, ingredientIds: Iterable<string>): Set<string> {
  const items = new Set<string>();
  for (const id of ingredientIds) for (const item of book.usedBy.get(id) ?? []) items.add(item);
  return items;
}

/** A stable key for "the same menu line" (item, variant, set of modifiers). */
export function lineSignature(
  line: Pick<ReservationLine, 'menuItemId' | 'variantId' | 'modifierIds'>,
): string {
  return JSON.stringify([line.menuItemId, line.variantId ?? null, [...line.modifierIds].sort()]);
}
