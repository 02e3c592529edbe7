import {
  type EventPayloads,
  MenuCategory,
  MenuDocument,
  MenuItem,
  ModifierGroup,
  Station,
  TaxCategory,
} from '@pos/contracts';
import { AppError, type FieldError } from '@pos/kit';
import type { SqlDatabase, SqlExecutor } from '@pos/kit/sql';
import { z } from 'zod';
import { emitTo } from '../events.js';

/** The draft a manager edits: a menu document without its version, checked fully on publish. */
export const MenuDraft = z
  .object({
    currency: z.string().regex(/^[A-Z]{3}$/),
    taxCategories: z.array(TaxCategory),
    stations: z.array(Station),
    categories: z.array(MenuCategory),
    modifierGroups: z.array(ModifierGroup),
    items: z.array(MenuItem),
  })
  .strict();
export type MenuDraft = z.infer<typeof MenuDraft>;

export interface VersionSummary {
  version: number;
  publishedAt: string;
  publishedBy: string;
  storeIds: string[];
  itemCount: number;
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
    return asJson<MenuDraft>(row.document);
  }

  async saveDraft(draft: MenuDraft, tx: SqlExecutor = this.db): Promise<MenuDraft> {
    await tx.query('UPDATE menu_draft SET document = $1, updated_at = now() WHERE id = 1', [
      JSON.stringify(draft),
    ]);
    return draft;
  }

  async addItem(item: MenuItem): Promise<MenuItem> {
    return this.db.transaction(async (tx) => {
      const draft = await this.draft(tx);
      if (draft.items.some((i) => i.id === item.id))
        throw new AppError('conflict', `Item ${item.id} already exists`);
      await this.saveDraft({ ...draft, items: [...draft.items, item] }, tx);
      return item;
    });
  }

  async replaceItem(id: string, item: MenuItem): Promise<MenuItem> {
    if (item.id !== id) {
      throw new AppError('validation', 'The item id cannot change', {
        errors: [{ field: 'id', message: `must be ${id}` }],
      });
    }
    return this.db.transaction(async (tx) => {
      const draft = await this.draft(tx);
      if (!draft.items.some((i) => i.id === id)) throw new AppError('not-found', `No item ${id}`);
      await this.saveDraft(
        { ...draft, items: draft.items.map((i) => (i.id === id ? item : i)) },
        tx,
      );
      return item;
    });
  }

  async removeItem(id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const draft = await this.draft(tx);
      if (!draft.items.some((i) => i.id === id)) throw new AppError('not-found', `No item ${id}`);
      await this.saveDraft({ ...draft, items: draft.items.filter((i) => i.id !== id) }, tx);
    });
  }

  /** Freeze the draft into the next version for these stores; a menu that is not whole is a 400. */
  async publish(
    storeIds: string[],
    publishedBy: string,
    rolledBackFrom: number | null = null,
  ): Promise<VersionSummary> {
    return this.db.transaction(async (tx) => {
      const draft = await this.draft(tx);
      const next = await tx.one<{ n: number }>(
        'SELECT COALESCE(max(menu_version), 0) + 1 AS n FROM menu_versions',
      );
      const version = Number(next.n);
      const publishedAt = new Date().toISOString();
      const checked = MenuDocument.safeParse({ ...draft, version, publishedAt });
      if (!checked.success) {
        const errors: FieldError[] = checked.error.issues.map((i) => ({
          field: i.path.join('.') || 'menu',
          message: i.message,
        }));
        throw new AppError('validation', 'The menu cannot be published as it is', { errors });
      }
      const previous = await tx.maybeOne<{ snapshot: unknown }>(
        'SELECT snapshot FROM menu_versions ORDER BY menu_version DESC LIMIT 1',
      );
      await tx.query(
        `INSERT INTO menu_versions (menu_version, published_at, published_by, store_ids, snapshot, rolled_back_from)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [version, publishedAt, publishedBy, storeIds, JSON.stringify(checked.data), rolledBackFrom],
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
    }>(
      'SELECT menu_version, published_at::text, published_by::text, store_ids, snapshot, rolled_back_from FROM menu_versions ORDER BY menu_version DESC',
    );
    return rows.map((r) => ({
      version: Number(r.menu_version),
      publishedAt: r.published_at,
      publishedBy: r.published_by,
      storeIds: r.store_ids,
      itemCount: asJson<MenuDocument>(r.snapshot).items.length,
      rolledBackFrom: r.rolled_back_from,
    }));
  }

  async version(n: number): Promise<MenuDocument> {
    const row = await this.db.maybeOne<{ snapshot: unknown }>(
      'SELECT snapshot FROM menu_versions WHERE menu_version = $1',
      [n],
    );
    if (!row) throw new AppError('not-found', `No menu version ${n}`);
    return asJson<MenuDocument>(row.snapshot);
  }

  async diff(from: number, to: number): Promise<MenuDiff> {
    return { from, to, ...diffMenus(await this.version(from), await this.version(to)) };
  }

  /** Publish version `n` again, as a new version, and make it the draft. */
  async rollback(n: number, storeIds: string[], by: string): Promise<VersionSummary> {
    const old = await this.version(n);
    const { version: _v, publishedAt: _p, ...draft } = old;
    await this.saveDraft(draft as MenuDraft);
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
