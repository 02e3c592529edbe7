import type {
  MenuCategory,
  MenuDocument,
  MenuItem,
  ModifierGroup,
  Station,
  TaxCategory,
} from '@pos/contracts';

// A menu version indexed once when it is applied, and the views the routes answer with. Pure
// functions with no I/O: the order service asks for items on every order, so look-ups are map
// reads and nothing is rebuilt per request.

export interface MenuSnapshot {
  readonly document: MenuDocument;
  readonly items: ReadonlyMap<string, MenuItem>;
  readonly categories: ReadonlyMap<string, MenuCategory>;
  readonly taxes: ReadonlyMap<string, TaxCategory>;
  readonly stations: ReadonlyMap<string, Station>;
  readonly groups: ReadonlyMap<string, ModifierGroup>;
  /** Items in display order: by category `sortOrder`, then as listed in the document. */
  readonly ordered: readonly MenuItem[];
  /** Normalised name, description and SKU of each item, for text search. */
  readonly searchText: ReadonlyMap<string, string>;
}

/** Whether an item is on sale now and, when the hub took it off, why. */
export interface ResolvedAvailability {
  available: boolean;
  unavailableReason?: string;
}

export type AvailabilityOf = (item: MenuItem) => ResolvedAvailability;

/** Lower case without accents, so "rose" finds "Rosé" and "JALAPENO" finds "jalapeños". */
export function normalizeText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();
}

const byId = <T extends { id: string }>(list: readonly T[]) =>
  new Map<string, T>(list.map((x) => [x.id, x]));

export function indexMenu(document: MenuDocument): MenuSnapshot {
  const categories = byId(document.categories);
  const position = new Map(document.items.map((item, i) => [item.id as string, i]));
  const sortOf = (item: MenuItem) => categories.get(item.categoryId)?.sortOrder ?? 0;
  const ordered = [...document.items].sort(
    (a, b) => sortOf(a) - sortOf(b) || (position.get(a.id) ?? 0) - (position.get(b.id) ?? 0),
  );
  return {
    document,
    items: byId(document.items),
    categories,
    taxes: byId(document.taxCategories),
    stations: byId(document.stations),
    groups: byId(document.modifierGroups),
    ordered,
    searchText: new Map(
      document.items.map((item) => [
        item.id as string,
        normalizeText([item.name, item.description ?? '', item.sku ?? ''].join('\n')),
      ]),
    ),
  };
}

export type MenuItemView = Omit<MenuItem, 'available'> & ResolvedAvailability;

export type MenuItemSummary = MenuItemView & {
  category: { id: string; name: string; color?: string | undefined };
  taxCategory: TaxCategory;
  station: Station;
};

export type MenuItemDetail = MenuItemSummary & { modifierGroups: ModifierGroup[] };

export interface MenuView extends Omit<MenuDocument, 'items'> {
  /** Counts changes to the 86 list; with `version` it is what the ETag names. */
  overlayRevision: number;
  items: MenuItemView[];
}

function itemView(item: MenuItem, availabilityOf: AvailabilityOf): MenuItemView {
  return { ...item, ...availabilityOf(item) };
}

export function itemSummary(
  snapshot: MenuSnapshot,
  item: MenuItem,
  availabilityOf: AvailabilityOf,
): MenuItemSummary {
  // The document was validated, so every reference resolves; `as` records that, not a guess.
  const category = snapshot.categories.get(item.categoryId) as MenuCategory;
  return {
    ...itemView(item, availabilityOf),
    category: { id: category.id, name: category.name, color: category.color },
    taxCategory: snapshot.taxes.get(item.taxCategoryId) as TaxCategory,
    station: snapshot.stations.get(item.stationId) as Station,
  };
}

export function itemDetail(
  snapshot: MenuSnapshot,
  item: MenuItem,
  availabilityOf: AvailabilityOf,
): MenuItemDetail {
  return {
    ...itemSummary(snapshot, item, availabilityOf),
    modifierGroups: item.modifierGroupIds.map((id) => snapshot.groups.get(id) as ModifierGroup),
  };
}

export interface ItemFilter {
  categoryId?: string | undefined;
  /** Text to find in name, description or SKU. */
  q?: string | undefined;
  available?: boolean | undefined;
}

export function findItems(
  snapshot: MenuSnapshot,
  filter: ItemFilter,
  availabilityOf: AvailabilityOf,
): MenuItemSummary[] {
  const needle = filter.q ? normalizeText(filter.q.trim()) : '';
  const found: MenuItemSummary[] = [];
  for (const item of snapshot.ordered) {
    if (filter.categoryId !== undefined && item.categoryId !== filter.categoryId) continue;
    if (needle && !snapshot.searchText.get(item.id)?.includes(needle)) continue;
    if (filter.available !== undefined && availabilityOf(item).available !== filter.available) {
      continue;
    }
    found.push(itemSummary(snapshot, item, availabilityOf));
  }
  return found;
}

export interface CategorySummary extends MenuCategory {
  itemCount: number;
  availableCount: number;
}

export function categorySummaries(
  snapshot: MenuSnapshot,
  availabilityOf: AvailabilityOf,
): CategorySummary[] {
  const counts = new Map<string, { itemCount: number; availableCount: number }>();
  for (const item of snapshot.document.items) {
    const c = counts.get(item.categoryId) ?? { itemCount: 0, availableCount: 0 };
    c.itemCount += 1;
    if (availabilityOf(item).available) c.availableCount += 1;
    counts.set(item.categoryId, c);
  }
  return [...snapshot.document.categories]
    .sort((a, b) => a.sortOrder - b.sortOrder)
    .map((c) => ({ ...c, ...(counts.get(c.id) ?? { itemCount: 0, availableCount: 0 }) }));
}

export function menuView(
  snapshot: MenuSnapshot,
  overlayRevision: number,
  availabilityOf: AvailabilityOf,
): MenuView {
  return {
    ...snapshot.document,
    overlayRevision,
    items: snapshot.document.items.map((item) => itemView(item, availabilityOf)),
  };
}
