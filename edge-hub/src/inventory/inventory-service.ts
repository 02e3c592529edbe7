import {
  type IngredientId,
  type LevelChangeReason,
  LineQuantity,
  type MenuItemId,
  type OrderId,
} from '@pos/contracts';
import type { Logger } from '@pos/kit';
import type { InventoryPort, ReservationLine, ReserveResult } from '../ports.js';
import type { ServiceStore } from '../service-store.js';
import {
  findShortages,
  itemsUsing,
  limitingIngredients,
  lineNeeds,
  lineSignature,
  mayChangeAvailability,
  type RecipeBook,
  recipeBook,
  stockAvailable,
  trackedItems,
} from './availability.js';
import type {
  IngredientRow,
  InventoryStore,
  LedgerKind,
  ReservationRow,
} from './inventory-store.js';
import type { InventorySeed } from './seed-types.js';

// The inventory rules around the store: reservations (the order saga's InventoryPort), the
// ledger, low-stock alerts and 86ing. Every change goes through `applyChanges`, which writes
// levels and ledger rows and then, in the same transaction, emits what the change implies, so
// no path can move stock without its audit row, its alert or its availability event.

/** One movement of stock: a ledger row. Deltas are signed; `quantity` is the size moved. */
export interface Change {
  ingredientId: string;
  kind: LedgerKind;
  quantity: number;
  onHandDelta: number;
  reservedDelta: number;
  reservationId?: string | undefined;
  orderId?: string | undefined;
  supplierId?: string | undefined;
  costCents?: number | undefined;
  currency?: string | undefined;
  reason?: string | undefined;
}

export interface IngredientView {
  ingredientId: string;
  name: string;
  unit: string;
  onHand: number;
  reserved: number;
  available: number;
  reorderPoint: number;
  parLevel: number;
  supplier: { supplierId: string; name: string } | null;
  low: boolean;
}

export interface ItemAvailabilityView {
  menuItemId: string;
  available: boolean;
  stockAvailable: boolean;
  manualAvailable: boolean;
  /** False for items without a recipe: only a person can take them off sale. */
  tracked: boolean;
  reason: string | null;
}

export function ingredientView(row: IngredientRow): IngredientView {
  const available = row.onHand - row.reserved;
  return {
    ingredientId: row.id,
    name: row.name,
    unit: row.unit,
    onHand: row.onHand,
    reserved: row.reserved,
    available,
    reorderPoint: row.reorderPoint,
    parLevel: row.parLevel,
    supplier: row.supplierId ? { supplierId: row.supplierId, name: row.supplierName ?? '' } : null,
    low: available <= row.reorderPoint,
  };
}

export interface InventoryServiceOptions {
  menu?: (() => { itemIds(): string[] }) | undefined;
  logger: Logger;
}

export class InventoryService implements InventoryPort {
  #book: RecipeBook;

  constructor(
    readonly events: ServiceStore,
    readonly rows: InventoryStore,
    readonly options: InventoryServiceOptions,
  ) {
    this.#book = recipeBook(rows.recipes());
  }

  get book(): RecipeBook {
    return this.#book;
  }

  now(): number {
    return this.events.ctx.clock();
  }

  /**
   * Run `fn` in a transaction that emits its events on commit. Inside a consumed event the
   * inbox transaction is already open and commits the effect with the event ID, so no second
   * (nested) transaction is started there.
   */
  write<T>(fn: () => T): T {
    return this.rows.db.inTransaction ? fn() : this.events.transaction(fn);
  }

  /** Like `write`, in the next group commit: holds placed together share one commit. */
  writeSoon<T>(fn: () => T): Promise<T> {
    return this.events.commitSoon(fn);
  }

  /** First start only: the catalogue, the opening stock as ledger rows, availability rows. */
  seed(seed: InventorySeed): void {
    this.write(() => {
      this.rows.insertCatalogue(seed);
      this.#book = recipeBook(this.rows.recipes());
      const at = this.now();
      for (const item of trackedItems(this.#book)) {
        this.rows.putAvailability(
          { menuItemId: item, stockAvailable: 1, manualAvailable: 1, reason: null },
          at,
        );
      }
      const opening = seed.ingredients.map((i) => ({
        ingredientId: i.id,
        kind: 'adjust' as const,
        quantity: i.onHand,
        onHandDelta: i.onHand,
        reservedDelta: 0,
        reason: 'opening stock from the seed',
      }));
      // Opening stock is not a change anyone made, so it publishes no level or adjust event;
      // alerts and 86s for an item that starts out short still go out.
      // Every recipe ingredient is in the seed, so this also settles every tracked item.
      this.applyChanges(opening, 'seed', { quiet: true });
    });
  }

  // ---- InventoryPort -------------------------------------------------------------------

  async reserve(input: {
    reservationId: string;
    orderId: string;
    lines: readonly ReservationLine[];
  }): Promise<ReserveResult> {
    // In-process caller, but still a boundary: a fractional or huge quantity is a fault there.
    for (const line of input.lines) {
      if (!LineQuantity.safeParse(line.quantity).success) {
        throw new RangeError(`not an order line quantity: ${line.quantity}`);
      }
    }
    return this.writeSoon((): ReserveResult => {
      // A repeat (a retried saga step) gets the first answer and holds nothing more. A refusal
      // is not stored: the cashier changes the order and asks again with the same ID. A hold
      // that was released (the order's own write failed and was compensated) is taken again
      // when the same order is retried.
      const existing = this.rows.reservation(input.reservationId);
      if (existing && existing.status !== 'released') return { ok: true };
      const shortages = findShortages(this.#book, input.lines, (id) => {
        const row = this.rows.ingredient(id);
        return row && { name: row.name, unit: row.unit, available: row.onHand - row.reserved };
      });
      if (shortages.length > 0) return { ok: false, shortages };

      const at = this.now();
      if (existing) this.rows.forgetReservation(input.reservationId);
      this.rows.insertReservation(input.reservationId, input.orderId, at);
      const totals = new Map<string, number>();
      input.lines.forEach((line, lineNo) => {
        for (const [ingredientId, quantity] of lineNeeds(this.#book, line)) {
          this.rows.insertLine({
            reservationId: input.reservationId,
            lineNo,
            menuItemId: line.menuItemId,
            variantId: line.variantId ?? null,
            modifierIds: JSON.stringify([...line.modifierIds].sort()),
            signature: lineSignature(line),
            portions: line.quantity,
            ingredientId,
            quantity,
          });
          totals.set(ingredientId, (totals.get(ingredientId) ?? 0) + quantity);
        }
      });
      const changes = [...totals].map(([ingredientId, quantity]) => ({
        ingredientId,
        kind: 'reserve' as const,
        quantity,
        onHandDelta: 0,
        reservedDelta: quantity,
        reservationId: input.reservationId,
        orderId: input.orderId,
      }));
      this.applyChanges(changes, 'order-service');
      return { ok: true };
    });
  }

  release(reservationId: string): void {
    this.write(() => {
      const r = this.rows.reservation(reservationId);
      if (r) this.releaseReservation(r, 'order-service', 'released by the order service');
    });
  }

  // ---- reservation life cycle (used by order events and crash recovery) ------------------

  /** held/committed → released, giving back what its lines still hold. No-op otherwise. */
  releaseReservation(r: ReservationRow, who: string, reason: string): void {
    if (r.status !== 'held' && r.status !== 'committed') return;
    this.#settle(r, 'release', who, reason);
  }

  /** held/committed → consumed: what its lines hold leaves the shelf. No-op otherwise. */
  consumeReservation(r: ReservationRow, who: string, reason: string): void {
    if (r.status !== 'held' && r.status !== 'committed') return;
    this.#settle(r, 'consume', who, reason);
  }

  /**
   * released → committed again: a paid-first order whose payment failed was paid after all, so
   * the stock its failure gave back is taken again (it may dip below zero: the food is sold).
   */
  retakeReservation(r: ReservationRow, who: string): void {
    if (r.status !== 'released') return;
    const totals = new Map<string, number>();
    for (const l of this.rows.linesOf(r.id)) {
      if (l.quantity > 0)
        totals.set(l.ingredientId, (totals.get(l.ingredientId) ?? 0) + l.quantity);
    }
    this.rows.setStatus(r.id, 'committed', this.now());
    const changes = [...totals].map(([ingredientId, quantity]) => ({
      ingredientId,
      kind: 'reserve' as const,
      quantity,
      onHandDelta: 0,
      reservedDelta: quantity,
      reservationId: r.id,
      orderId: r.orderId,
      reason: 'paid after a failed payment',
    }));
    this.applyChanges(changes, who);
  }

  commitReservation(r: ReservationRow): void {
    if (r.status === 'held') this.rows.setStatus(r.id, 'committed', this.now());
  }

  #settle(r: ReservationRow, kind: 'release' | 'consume', who: string, reason: string): void {
    const totals = new Map<string, number>();
    for (const l of this.rows.linesOf(r.id)) {
      if (l.quantity > 0)
        totals.set(l.ingredientId, (totals.get(l.ingredientId) ?? 0) + l.quantity);
    }
    this.rows.settle(r.id, kind === 'release' ? 'released' : 'consumed', this.now(), who, reason);
    const changes = [...totals].map(([ingredientId, quantity]) => ({
      ingredientId,
      kind,
      quantity,
      onHandDelta: kind === 'consume' ? -quantity : 0,
      reservedDelta: -quantity,
      reservationId: r.id,
      orderId: r.orderId,
      reason,
    }));
    this.applyChanges(changes, who);
  }

  // ---- the one path by which stock moves -------------------------------------------------

  /**
   * Write levels and ledger rows, then emit what follows: `inventory.levelchanged.v1` where the
   * shelf (on hand) moved, the low-stock alert once per dip, and availability of the affected
   * menu items. Must run inside a transaction (see `write`).
   *
   * The ledger records what happens to stock on hand (deliveries, waste, counts, what orders
   * used). Holds for open orders move only `reserved`; their trail is the reservation and its
   * lines, so they write no ledger row.
   */
  applyChanges(changes: readonly Change[], who: string, opts: { quiet?: boolean } = {}): number {
    const before = new Map<string, IngredientRow>();
    const after = new Map<string, IngredientRow>();
    let lastId = 0;
    for (const c of changes) {
      const row = after.get(c.ingredientId) ?? this.rows.ingredient(c.ingredientId);
      if (!row) throw new Error(`unknown ingredient ${c.ingredientId}`);
      if (!before.has(row.id)) before.set(row.id, row);
      const onHand = row.onHand + c.onHandDelta;
      const reserved = row.reserved + c.reservedDelta;
      // A fault, not an outcome: every caller only gives back what it holds.
      if (reserved < 0) throw new Error(`reserved of ${row.id} would go below zero`);
      this.rows.setLevels(row.id, onHand, reserved);
      after.set(row.id, { ...row, onHand, reserved });
      if (c.onHandDelta !== 0 || c.kind === 'adjust' || c.kind === 'stock-in') {
        lastId = this.rows.appendLedger({
          ...c,
          onHandAfter: onHand,
          reservedAfter: reserved,
          who,
          at: this.now(),
        });
      }
    }
    const lastKind = new Map(changes.map((c) => [c.ingredientId, c] as const));
    const mayFlip: string[] = [];
    for (const [id, prev] of before) {
      const row = after.get(id) as IngredientRow;
      const was = prev.onHand - prev.reserved;
      if (mayChangeAvailability(this.#book, id, was, row.onHand - row.reserved)) mayFlip.push(id);
      const change = lastKind.get(id) as Change;
      if (!opts.quiet && row.onHand !== prev.onHand) {
        this.events.emit('inventory.levelchanged.v1', {
          ingredientId: id as IngredientId,
          unit: row.unit,
          previous: prev.onHand,
          current: row.onHand,
          reason: change.kind as LevelChangeReason,
          ...(change.orderId && change.kind === 'consume'
            ? { orderId: change.orderId as OrderId }
            : {}),
        });
      }
      this.#checkLow(row);
    }
    this.refreshItems(itemsUsing(this.#book, mayFlip));
    return lastId;
  }

  /** Alert once when available reaches the reorder point; re-arm when it is above again. */
  #checkLow(row: IngredientRow): void {
    const available = row.onHand - row.reserved;
    if (available <= row.reorderPoint && row.lowAlertOpen === 0) {
      this.rows.setLowAlert(row.id, true);
      this.events.emit('inventory.lowstockalert.v1', {
        ingredientId: row.id as IngredientId,
        name: row.name,
        unit: row.unit,
        level: available,
        reorderPoint: row.reorderPoint,
      });
    } else if (available > row.reorderPoint && row.lowAlertOpen === 1) {
      this.rows.setLowAlert(row.id, false);
    }
  }

  /** Recompute stock availability of these items; emit where the combined state flips. */
  refreshItems(items: Iterable<string>): void {
    const cache = new Map<string, IngredientRow | undefined>();
    const ingredient = (id: string) => {
      if (!cache.has(id)) cache.set(id, this.rows.ingredient(id));
      return cache.get(id);
    };
    const available = (id: string) => {
      const row = ingredient(id);
      return row ? row.onHand - row.reserved : 0;
    };
    for (const menuItemId of items) {
      const row = this.rows.availability(menuItemId) ?? {
        menuItemId,
        stockAvailable: 1,
        manualAvailable: 1,
        reason: null,
      };
      const stock = stockAvailable(this.#book, menuItemId, available);
      if ((row.stockAvailable === 1) === stock) continue;
      const manual = row.manualAvailable === 1;
      const names = limitingIngredients(this.#book, menuItemId, available).map(
        (id) => ingredient(id)?.name ?? id,
      );
      const stockReason = stock ? 'back in stock' : `out of ${names.join(', ') || 'stock'}`;
      // A manual 86 keeps its own reason: it is what staff said and still holds.
      const reason = manual ? (stock ? null : stockReason) : row.reason;
      this.rows.putAvailability(
        { menuItemId, stockAvailable: stock ? 1 : 0, manualAvailable: row.manualAvailable, reason },
        this.now(),
      );
      if (manual) {
        this.events.emit('menu.itemavailabilitychanged.v1', {
          menuItemId: menuItemId as MenuItemId,
          available: stock,
          reason: stockReason.slice(0, 500),
        });
      }
    }
  }

  // ---- manual 86 ------------------------------------------------------------------------

  /** Items a person may take off sale: tracked ones, the menu's, and any already listed. */
  knowsItem(menuItemId: string): boolean {
    if (this.#book.item.has(menuItemId) || this.#book.variant.has(menuItemId)) return true;
    if (this.rows.availability(menuItemId)) return true;
    // Without a menu to check against, any well-formed ID is accepted (the replica decides).
    const menu = this.options.menu?.();
    return menu ? menu.itemIds().includes(menuItemId) : true;
  }

  setManual(
    menuItemId: string,
    available: boolean,
    reason: string | undefined,
  ):
    | { ok: true; item: ItemAvailabilityView; changed: boolean }
    | { ok: false; reason: 'unknown-item' } {
    if (!this.knowsItem(menuItemId)) return { ok: false, reason: 'unknown-item' };
    return this.write(() => {
      const row = this.rows.availability(menuItemId) ?? {
        menuItemId,
        stockAvailable: 1,
        manualAvailable: 1,
        reason: null,
      };
      const stock = row.stockAvailable === 1;
      const wasOn = stock && row.manualAvailable === 1;
      const said = reason ?? (available ? 'back on sale' : 'taken off sale by staff');
      let kept: string | null = available ? null : said;
      if (available && !stock) {
        const limits = limitingIngredients(this.#book, menuItemId, (id) => {
          const r = this.rows.ingredient(id);
          return r ? r.onHand - r.reserved : 0;
        });
        kept = `out of ${limits.map((id) => this.rows.ingredient(id)?.name ?? id).join(', ')}`;
      }
      this.rows.putAvailability(
        {
          menuItemId,
          stockAvailable: row.stockAvailable,
          manualAvailable: available ? 1 : 0,
          reason: kept,
        },
        this.now(),
      );
      const isOn = stock && available;
      if (wasOn !== isOn) {
        this.events.emit('menu.itemavailabilitychanged.v1', {
          menuItemId: menuItemId as MenuItemId,
          available: isOn,
          reason: said,
        });
      }
      return { ok: true as const, item: this.itemView(menuItemId), changed: wasOn !== isOn };
    });
  }

  itemView(menuItemId: string): ItemAvailabilityView {
    const row = this.rows.availability(menuItemId);
    const tracked = this.#book.item.has(menuItemId) || this.#book.variant.has(menuItemId);
    const stock = row ? row.stockAvailable === 1 : true;
    const manual = row ? row.manualAvailable === 1 : true;
    return {
      menuItemId,
      available: stock && manual,
      stockAvailable: stock,
      manualAvailable: manual,
      tracked,
      reason: row?.reason ?? null,
    };
  }

  /** Every item inventory has an opinion on, plus the menu's items when a menu is given. */
  items(): ItemAvailabilityView[] {
    const ids = new Set(this.rows.allAvailability().map((r) => r.menuItemId));
    for (const id of this.options.menu?.().itemIds() ?? []) ids.add(id);
    return [...ids].sort().map((id) => this.itemView(id));
  }
}
