import {
  type EventPayloads,
  MenuCategory,
  MenuDocument,
  MenuItem,
  MenuItemId,
  ModifierGroup,
  NonNegativeCents,
  Station,
  StoreId,
  TaxCategory,
  VariantId,
} from '@pos/contracts';
import { AppError, type FieldError } from '@pos/kit';
import type { SqlDatabase, SqlExecutor } from '@pos/kit/sql';
import { z } from 'zod';
import { emitTo } from '../events.js';

/** One store's own price for an item (or one of its variants): a city-centre store charges more. */
export const PriceOverride = z
  .object({
    storeId: StoreId,
    itemId: MenuItemId,
    variantId: VariantId.optional(),
    priceCents: NonNegativeCents,
  })
  .strict();
export type PriceOverride = z.infer<typeof PriceOverride>;

/** The draft a manager edits: a menu document without its version, checked fully on publish. */
export const MenuDraft = z
  .object({
    currency: z.string().regex(/^[A-Z]{3}$/),
    taxCategories: z.array(TaxCategory),
    stations: z.array(Station),
    categories: z.array(MenuCategory),
    modifierGroups: z.array(ModifierGroup),
    items: z.array(MenuItem),
    priceOverrides: z.array(PriceOverride).max(50_000).default([]),
  })
  .strict();
export type MenuDraft = z.infer<typeof MenuDraft>;

/** The parts of the draft edited one entry at a time, and how an item refers to each. */
export const DRAFT_COLLECTIONS = {
  categories: { what: 'category', usedBy: (i: MenuItem, id: string) => i.categoryId === id },
  stations: { what: 'station', usedBy: (i: MenuItem, id: string) => i.stationId === id },
  taxCategories: {
    what: 'tax category',
    usedBy: (i: MenuItem, id: string) => i.taxCategoryId === id,
  },
  modifierGroups: {
    what: 'modifier group',
    usedBy: (i: MenuItem, id: string) => i.modifierGroupIds.includes(id as never),
  },
  items: { what: 'item', usedBy: () => false },
} as const;
export type DraftCollection = keyof typeof DRAFT_COLLECTIONS;
type Entry<C extends DraftCollection> = MenuDraft[C][number];

/** A published menu as one store receives it: its own prices in place of the base ones. */
export function menuForStore(
  document: MenuDocument,
  overrides: readonly PriceOverride[],
  storeId: string,
): MenuDocument {
  const mine = overrides.filter((o) => o.storeId === storeId);
  if (mine.length === 0) return document;
  const price = (itemId: string, variantId?: string) =>
    mine.find((o) => o.itemId === itemId && o.variantId === variantId)?.priceCents;
  return {
    ...document,
    items: document.items.map((item) => ({
      ...item,
      priceCents: price(item.id) ?? item.priceCents,
      variants: item.variants.map((v) => ({
        ...v,
        priceCents: price(item.id, v.id) ?? v.priceCents,
      })),
    })),
  };
}

/** Overrides that name an item or variant the menu does not have, or repeat one. */
function overrideProblems(menu: MenuDocument, overrides: readonly PriceOverride[]): FieldError[] {
  const items = new Map(menu.items.map((i) => [i.id as string, i]));
  const seen = new Set<string>();
  const problems: FieldError[] = [];
  overrides.forEach((o, i) => {
    const item = items.get(o.itemId);
    const key = `${o.storeId}/${o.itemId}/${o.variantId ?? ''}`;
    if (!item)
      problems.push({ field: `priceOverrides.${i}.itemId`, message: `unknown item ${o.itemId}` });
    else if (o.variantId && !item.variants.some((v) => v.id === o.variantId))
      problems.push({
        field: `priceOverrides.${i}.variantId`,
        message: `${o.itemId} has no variant ${o.variantId}`,
      });
    if (seen.has(key))
      problems.push({
        field: `priceOverrides.${i}`,
        message: 'a second price for the same store and item',
      });
    seen.add(key);
  });
  return problems;
}

export interface VersionSummary {
  version: number;
  publishedAt: string;
  publishedBy: string;
  storeIds: string[];
  itemCount: number;
  priceOverrideCount: number;
  rolledBackFrom: number | null;
}

export interface MenuDiff {
  from: number;
  to: number;
  added: string[];
  removed: string[];
  changed: { id: string; fields: string[] }[];
}

type MenuEvent =
  | 'menu.itemcreated.v1'
  | 'menu.itemupdated.v1'
  | 'menu.pricechanged.v1'
  | 'menu.itemavailabilitychanged.v1'
  | 'menu.published.v1';

const emit = <T extends MenuEvent>(tx: SqlExecutor, type: T, payload: EventPayloads[T]) =>
  emitTo(tx, 'menu_outbox', 'menu-service', type, payload);

const asJson = <T>(value: unknown): T =>
  typeof value === 'string' ? (JSON.parse(value) as T) : (value as T);

/** What changed between two menus, item by item. */
export function diffMenus(
  from: { items: MenuItem[] },
  to: { items: MenuItem[] },
): Omit<MenuDiff, 'from' | 'to'> {
  const before = new Map(from.items.map((i) => [i.id, i]));
  const after = new Map(to.items.map((i) => [i.id, i]));
  const changed: { id: string; fields: string[] }[] = [];
  for (const [id, item] of after) {
    const old = before.get(id);
    if (!old) continue;
    const fields = (Object.keys({ ...old, ...item }) as (keyof MenuItem)[]).filter(
      (k) => JSON.stringify(old[k]) !== JSON.stringify(item[k]),
    );
    if (fields.length > 0) changed.push({ id, fields: fields.map(String).sort() });
  }
  return {
    added: [...after.keys()].filter((id) => !before.has(id)).sort(),
    removed: [...before.keys()].filter((id) => !after.has(id)).sort(),
    changed: changed.sort((a, b) => a.id.localeCompare(b.id)),
  };
}

/**
 * The menu service's catalogue (seed §1.3): one draft that managers edit, and publishing that
 * freezes it into an immutable, numbered version for a set of stores (checked as a whole menu:
 * prices, references, modifier limits), with events for what changed and rollback to any
 * earlier version (published again as a new number, so versions only ever go up).
 */
export class Menus {
  constructor(private readonly db: SqlDatabase) {}

  async draft(tx: SqlExecutor = this.db): Promise<MenuDraft> {
    const row = await tx.one<{ document: unknown }>('SELECT document FROM menu_draft WHERE id = 1');
    const draft = asJson<MenuDraft>(row.document);
    return { ...draft, priceOverrides: draft.priceOverrides ?? [] };
  }

  async saveDraft(draft: MenuDraft, tx: SqlExecutor = this.db): Promise<MenuDraft> {
    await tx.query('UPDATE menu_draft SET document = $1, updated_at = now() WHERE id = 1', [
      JSON.stringify(draft),
    ]);
    return draft;
  }

  /** Add a category, station, tax category, modifier group or item; an ID in use is a 409. */
  async add<C extends DraftCollection>(collection: C, entry: Entry<C>): Promise<Entry<C>> {
    return this.db.transaction(async (tx) => {
      const draft = await this.draft(tx);
      const list = draft[collection] as Entry<C>[];
      if (list.some((e) => e.id === entry.id))
        throw new AppError(
          'conflict',
          `The ${DRAFT_COLLECTIONS[collection].what} ${entry.id} already exists`,
        );
      await this.saveDraft({ ...draft, [collection]: [...list, entry] }, tx);
      return entry;
    });
  }

  async replace<C extends DraftCollection>(
    collection: C,
    id: string,
    entry: Entry<C>,
  ): Promise<Entry<C>> {
    return this.db.transaction(async (tx) => {
      const draft = await this.draft(tx);
      const list = draft[collection] as Entry<C>[];
      if (!list.some((e) => e.id === id))
        throw new AppError('not-found', `No ${DRAFT_COLLECTIONS[collection].what} ${id}`);
      if (entry.id !== id) {
        throw new AppError('validation', 'The id cannot change', {
          errors: [{ field: 'id', message: `must be ${id}` }],
        });
      }
      await this.saveDraft(
        { ...draft, [collection]: list.map((e) => (e.id === id ? entry : e)) },
        tx,
      );
      return entry;
    });
  }

  /** Remove an entry no item uses (409 naming the items that do); an item takes its overrides. */
  async remove(collection: DraftCollection, id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const draft = await this.draft(tx);
      const { what, usedBy } = DRAFT_COLLECTIONS[collection];
      const list = draft[collection] as { id: string }[];
      if (!list.some((e) => e.id === id)) throw new AppError('not-found', `No ${what} ${id}`);
      const users = draft.items.filter((i) => usedBy(i, id)).map((i) => i.id);
      if (users.length > 0) {
        throw new AppError('conflict', `The ${what} ${id} is used by ${users.length} item(s)`, {
          extra: { items: users },
        });
      }
      await this.saveDraft(
        {
          ...draft,
          [collection]: list.filter((e) => e.id !== id),
          priceOverrides:
            collection === 'items'
              ? draft.priceOverrides.filter((o) => o.itemId !== id)
              : draft.priceOverrides,
        },
        tx,
      );
    });
  }

  /** Replace one store's prices; every item and variant named must be on the draft. */
  async setStorePrices(
    storeId: string,
    prices: Omit<PriceOverride, 'storeId'>[],
  ): Promise<PriceOverride[]> {
    return this.db.transaction(async (tx) => {
      const draft = await this.draft(tx);
      const mine = prices.map((p) => ({ storeId, ...p }) as PriceOverride);
      const problems = overrideProblems(draft as unknown as MenuDocument, mine).map((p) => ({
        ...p,
        field: p.field.replace(/^priceOverrides/, 'prices'),
      }));
      if (problems.length > 0)
        throw new AppError('validation', 'Some prices name what the menu does not have', {
          errors: problems,
        });
      await this.saveDraft(
        {
          ...draft,
          priceOverrides: [...draft.priceOverrides.filter((o) => o.storeId !== storeId), ...mine],
        },
        tx,
      );
      return mine;
    });
  }

  /** Freeze the draft into the next version for these stores; a menu that is not whole is a 400. */
  async publish(
    storeIds: string[],
    publishedBy: string,
    rolledBackFrom: number | null = null,
  ): Promise<VersionSummary> {
    return this.db.transaction(async (tx) => {
      const { priceOverrides, ...draft } = await this.draft(tx);
      const next = await tx.one<{ n: number }>(
        'SELECT COALESCE(max(menu_version), 0) + 1 AS n FROM menu_versions',
      );
      const version = Number(next.n);
      const publishedAt = new Date().toISOString();
      const checked = MenuDocument.safeParse({ ...draft, version, publishedAt });
      const errors: FieldError[] = checked.success
        ? overrideProblems(checked.data, priceOverrides)
        : checked.error.issues.map((i) => ({
            field: i.path.join('.') || 'menu',
            message: i.message,
          }));
      if (!checked.success || errors.length > 0) {
        throw new AppError('validation', 'The menu cannot be published as it is', { errors });
      }
      // The prices of the stores this version goes to; the rest stay on the draft.
      const overrides = priceOverrides.filter((o) => storeIds.includes(o.storeId));
      const previous = await tx.maybeOne<{ snapshot: unknown }>(
        'SELECT snapshot FROM menu_versions ORDER BY menu_version DESC LIMIT 1',
      );
      await tx.query(
        `INSERT INTO menu_versions (menu_version, published_at, published_by, store_ids, snapshot, rolled_back_from, price_overrides)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          version,
          publishedAt,
          publishedBy,
          storeIds,
          JSON.stringify(checked.data),
          rolledBackFrom,
          JSON.stringify(overrides),
        ],
      );
      await this.#events(
        tx,
        previous ? asJson<MenuDocument>(previous.snapshot) : undefined,
        checked.data,
      );
      await emit(tx, 'menu.published.v1', {
        menuVersion: version,
        storeIds,
        publishedBy,
        itemCount: checked.data.items.length,
      } as never);
      return {
        version,
        publishedAt,
        publishedBy,
        storeIds,
        itemCount: checked.data.items.length,
        priceOverrideCount: overrides.length,
        rolledBackFrom,
      };
    });
  }

  async versions(): Promise<VersionSummary[]> {
    const rows = await this.db.query<{
      menu_version: number;
      published_at: string;
      published_by: string;
      store_ids: string[];
      snapshot: unknown;
      rolled_back_from: number | null;
      override_count: number;
    }>(
      `SELECT menu_version, published_at::text, published_by::text, store_ids, snapshot, rolled_back_from,
              jsonb_array_length(price_overrides) AS override_count
       FROM menu_versions ORDER BY menu_version DESC`,
    );
    return rows.map((r) => ({
      version: Number(r.menu_version),
      publishedAt: r.published_at,
      publishedBy: r.published_by,
      storeIds: r.store_ids,
      itemCount: asJson<MenuDocument>(r.snapshot).items.length,
      priceOverrideCount: Number(r.override_count),
      rolledBackFrom: r.rolled_back_from,
    }));
  }

  async #stored(n: number): Promise<{
    document: MenuDocument;
    overrides: PriceOverride[];
    storeIds: string[];
  }> {
    const row = await this.db.maybeOne<{
      snapshot: unknown;
      price_overrides: unknown;
      store_ids: string[];
    }>('SELECT snapshot, price_overrides, store_ids FROM menu_versions WHERE menu_version = $1', [
      n,
    ]);
    if (!row) throw new AppError('not-found', `No menu version ${n}`);
    return {
      document: asJson<MenuDocument>(row.snapshot),
      overrides: asJson<PriceOverride[]>(row.price_overrides),
      storeIds: row.store_ids,
    };
  }

  /** A version as published, or as one of its stores receives it (404 if it was not sent there). */
  async version(n: number, storeId?: string): Promise<MenuDocument> {
    const { document, overrides, storeIds } = await this.#stored(n);
    if (!storeId) return document;
    if (!storeIds.includes(storeId))
      throw new AppError('not-found', `Menu version ${n} was not published to ${storeId}`);
    return menuForStore(document, overrides, storeId);
  }

  /** The store's prices in a version. */
  async priceOverrides(n: number): Promise<PriceOverride[]> {
    return (await this.#stored(n)).overrides;
  }

  /** The newest version published to a store, with its prices: what its hub should run. */
  async current(storeId: string): Promise<MenuDocument> {
    const row = await this.db.maybeOne<{ menu_version: number }>(
      'SELECT menu_version FROM menu_versions WHERE $1 = ANY(store_ids) ORDER BY menu_version DESC LIMIT 1',
      [storeId],
    );
    if (!row) throw new AppError('not-found', `No menu has been published to ${storeId}`);
    return this.version(Number(row.menu_version), storeId);
  }

  async diff(from: number, to: number, storeId?: string): Promise<MenuDiff> {
    return {
      from,
      to,
      ...diffMenus(await this.version(from, storeId), await this.version(to, storeId)),
    };
  }

  /** Publish version `n` again, as a new version, and make it (and its prices) the draft. */
  async rollback(n: number, storeIds: string[], by: string): Promise<VersionSummary> {
    const { document, overrides } = await this.#stored(n);
    const { version: _v, publishedAt: _p, ...draft } = document;
    await this.saveDraft({
      ...(draft as Omit<MenuDraft, 'priceOverrides'>),
      priceOverrides: overrides,
    });
    return this.publish(storeIds, by, n);
  }

  async #events(
    tx: SqlExecutor,
    before: MenuDocument | undefined,
    after: MenuDocument,
  ): Promise<void> {
    const old = new Map((before?.items ?? []).map((i) => [i.id, i]));
    for (const item of after.items) {
      const snapshot = {
        menuItemId: item.id,
        name: item.name,
        categoryId: item.categoryId,
        priceCents: item.priceCents,
        currency: after.currency,
        available: item.available,
      };
      const was = old.get(item.id);
      if (!was) {
        await emit(tx, 'menu.itemcreated.v1', snapshot as never);
        continue;
      }
      if (was.priceCents !== item.priceCents) {
        await emit(tx, 'menu.pricechanged.v1', {
          menuItemId: item.id,
          previousCents: was.priceCents,
          currentCents: item.priceCents,
          currency: after.currency,
        } as never);
      }
      if (was.available !== item.available) {
        await emit(tx, 'menu.itemavailabilitychanged.v1', {
          menuItemId: item.id,
          available: item.available,
        } as never);
      }
      if (JSON.stringify(was) !== JSON.stringify(item))
        await emit(tx, 'menu.itemupdated.v1', snapshot as never);
    }
  }
}
