import type { Schema, SqliteDatabase } from '@pos/kit';
import type { InventorySeed } from './seed-types.js';

// The inventory module's SQL. Rules live in `inventory-service.ts`; this file only reads and
// writes rows. `stock_transactions` is the audit trail: every change of `on_hand` or `reserved`
// is one row with its signed deltas, so summing the ledger gives back the levels.

export const inventorySchema: Schema = {
  component: 'inventory',
  migrations: [
    {
      version: 1,
      name: 'ingredients, recipes, ledger, reservations, availability',
      up: `
        CREATE TABLE suppliers (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          phone TEXT,
          email TEXT,
          lead_time_days INTEGER NOT NULL
        );
        CREATE TABLE ingredients (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          unit TEXT NOT NULL CHECK (unit IN ('g', 'ml', 'each')),
          on_hand INTEGER NOT NULL,
          reserved INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0),
          reorder_point INTEGER NOT NULL CHECK (reorder_point >= 0),
          par_level INTEGER NOT NULL CHECK (par_level >= 0),
          supplier_id TEXT REFERENCES suppliers (id),
          low_alert_open INTEGER NOT NULL DEFAULT 0
        );
        -- '' stands for "not this kind's key" so the primary key works for all three kinds.
        CREATE TABLE recipes (
          kind TEXT NOT NULL CHECK (kind IN ('item', 'variant', 'modifier')),
          menu_item_id TEXT NOT NULL DEFAULT '',
          variant_id TEXT NOT NULL DEFAULT '',
          modifier_id TEXT NOT NULL DEFAULT '',
          ingredient_id TEXT NOT NULL REFERENCES ingredients (id),
          quantity INTEGER NOT NULL CHECK (quantity > 0),
          PRIMARY KEY (kind, menu_item_id, variant_id, modifier_id, ingredient_id)
        ) WITHOUT ROWID;
        CREATE TABLE stock_transactions (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          ingredient_id TEXT NOT NULL REFERENCES ingredients (id),
          kind TEXT NOT NULL
            CHECK (kind IN ('reserve', 'release', 'consume', 'stock-in', 'stock-out', 'adjust')),
          quantity INTEGER NOT NULL,
          on_hand_delta INTEGER NOT NULL,
          reserved_delta INTEGER NOT NULL,
          on_hand_after INTEGER NOT NULL,
          reserved_after INTEGER NOT NULL,
          reservation_id TEXT,
          order_id TEXT,
          supplier_id TEXT,
          cost_cents INTEGER,
          currency TEXT,
          who TEXT NOT NULL,
          reason TEXT,
          at INTEGER NOT NULL
        );
        CREATE INDEX stock_transactions_ingredient ON stock_transactions (ingredient_id, id);
        CREATE TABLE reservations (
          id TEXT PRIMARY KEY,
          order_id TEXT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('held', 'committed', 'consumed', 'released')),
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          -- Who released or consumed the hold, and why (a release moves no stock on hand, so
          -- it leaves no ledger row: this is its trail).
          settled_by TEXT,
          settle_reason TEXT
        );
        CREATE INDEX reservations_order ON reservations (order_id);
        CREATE INDEX reservations_status ON reservations (status, created_at);
        -- One row per (menu line, ingredient); quantity is what the line still holds.
        CREATE TABLE reservation_lines (
          reservation_id TEXT NOT NULL REFERENCES reservations (id),
          line_no INTEGER NOT NULL,
          menu_item_id TEXT NOT NULL,
          variant_id TEXT,
          modifier_ids TEXT NOT NULL,
          signature TEXT NOT NULL,
          portions INTEGER NOT NULL,
          ingredient_id TEXT NOT NULL REFERENCES ingredients (id),
          quantity INTEGER NOT NULL CHECK (quantity >= 0),
          PRIMARY KEY (reservation_id, line_no, ingredient_id)
        );
        -- The order's lines as the order events told them: what a later void refers to.
        CREATE TABLE order_lines (
          order_item_id TEXT PRIMARY KEY,
          order_id TEXT NOT NULL,
          menu_item_id TEXT NOT NULL,
          variant_id TEXT,
          modifier_ids TEXT NOT NULL,
          quantity INTEGER NOT NULL
        );
        CREATE TABLE item_availability (
          menu_item_id TEXT PRIMARY KEY,
          stock_available INTEGER NOT NULL DEFAULT 1,
          manual_available INTEGER NOT NULL DEFAULT 1,
          reason TEXT,
          updated_at INTEGER NOT NULL
        );
      `,
    },
  ],
};

export type LedgerKind = 'reserve' | 'release' | 'consume' | 'stock-in' | 'stock-out' | 'adjust';
export type ReservationStatus = 'held' | 'committed' | 'consumed' | 'released';

export interface IngredientRow {
  id: string;
  name: string;
  unit: 'g' | 'ml' | 'each';
  onHand: number;
  reserved: number;
  reorderPoint: number;
  parLevel: number;
  supplierId: string | null;
  supplierName: string | null;
  lowAlertOpen: number;
}

export interface SupplierRow {
  id: string;
  name: string;
  phone: string | null;
  email: string | null;
  leadTimeDays: number;
}

export interface LedgerEntry {
  ingredientId: string;
  kind: LedgerKind;
  quantity: number;
  onHandDelta: number;
  reservedDelta: number;
  onHandAfter: number;
  reservedAfter: number;
  reservationId?: string | undefined;
  orderId?: string | undefined;
  supplierId?: string | undefined;
  costCents?: number | undefined;
  currency?: string | undefined;
  who: string;
  reason?: string | undefined;
  at: number;
}

export interface LedgerRow extends Required<Omit<LedgerEntry, 'reason'>> {
  id: number;
  reason: string | null;
}

export interface ReservationRow {
  id: string;
  orderId: string;
  status: ReservationStatus;
  createdAt: number;
  /** Why it was released or consumed (only read where listed with it). */
  settleReason?: string | null;
}

export interface ReservationLineRow {
  reservationId: string;
  lineNo: number;
  menuItemId: string;
  variantId: string | null;
  modifierIds: string;
  signature: string;
  portions: number;
  ingredientId: string;
  quantity: number;
}

export interface OrderLineRow {
  orderItemId: string;
  orderId: string;
  menuItemId: string;
  variantId: string | null;
  modifierIds: string;
  quantity: number;
}

export interface AvailabilityRow {
  menuItemId: string;
  stockAvailable: number;
  manualAvailable: number;
  reason: string | null;
}

const INGREDIENT = `SELECT i.id, i.name, i.unit, i.on_hand AS onHand, i.reserved,
  i.reorder_point AS reorderPoint, i.par_level AS parLevel, i.supplier_id AS supplierId,
  s.name AS supplierName, i.low_alert_open AS lowAlertOpen
  FROM ingredients i LEFT JOIN suppliers s ON s.id = i.supplier_id`;
const LINE = `SELECT l.reservation_id AS reservationId, l.line_no AS lineNo,
  l.menu_item_id AS menuItemId, l.variant_id AS variantId, l.modifier_ids AS modifierIds,
  l.signature, l.portions, l.ingredient_id AS ingredientId, l.quantity
  FROM reservation_lines l`;
const LEDGER = `SELECT id, ingredient_id AS ingredientId, kind, quantity,
  on_hand_delta AS onHandDelta, reserved_delta AS reservedDelta, on_hand_after AS onHandAfter,
  reserved_after AS reservedAfter, reservation_id AS reservationId, order_id AS orderId,
  supplier_id AS supplierId, cost_cents AS costCents, currency, who, reason, at
  FROM stock_transactions`;

/** Typed statements over the inventory tables. Callers own the transactions. */
export class InventoryStore {
  readonly #s;

  constructor(readonly db: SqliteDatabase) {
    const p = (sql: string) => db.prepare(sql);
    this.#s = {
      ingredient: p(`${INGREDIENT} WHERE i.id = ?`),
      ingredients: p(`${INGREDIENT} ORDER BY i.name, i.id`),
      setLevels: p('UPDATE ingredients SET on_hand = ?, reserved = ? WHERE id = ?'),
      setLowAlert: p('UPDATE ingredients SET low_alert_open = ? WHERE id = ?'),
      supplier: p('SELECT id FROM suppliers WHERE id = ?'),
      suppliers: p(
        'SELECT id, name, phone, email, lead_time_days AS leadTimeDays FROM suppliers ORDER BY name',
      ),
      recipes: p(
        `SELECT kind, menu_item_id AS menuItemId, variant_id AS variantId,
         modifier_id AS modifierId, ingredient_id AS ingredientId, quantity
         FROM recipes ORDER BY kind, menu_item_id, variant_id, modifier_id, ingredient_id`,
      ),
      ledger: p(
        `INSERT INTO stock_transactions (ingredient_id, kind, quantity, on_hand_delta,
         reserved_delta, on_hand_after, reserved_after, reservation_id, order_id, supplier_id,
         cost_cents, currency, who, reason, at) VALUES
         (@ingredientId, @kind, @quantity, @onHandDelta, @reservedDelta, @onHandAfter,
          @reservedAfter, @reservationId, @orderId, @supplierId, @costCents, @currency, @who,
          @reason, @at)`,
      ),
      ledgerPage: p(
        `${LEDGER} WHERE (@ingredientId IS NULL OR ingredient_id = @ingredientId)
         AND (@before IS NULL OR id < @before) ORDER BY id DESC LIMIT @limit`,
      ),
      reservation: p(
        `SELECT id, order_id AS orderId, status, created_at AS createdAt
         FROM reservations WHERE id = ?`,
      ),
      reservationsOfOrder: p(
        `SELECT id, order_id AS orderId, status, created_at AS createdAt,
                settle_reason AS settleReason
         FROM reservations WHERE order_id = ? ORDER BY created_at, id`,
      ),
      staleHeld: p(
        `SELECT id, order_id AS orderId, status, created_at AS createdAt FROM reservations
         WHERE status = 'held' AND created_at < ? ORDER BY created_at, id`,
      ),
      insertReservation: p(
        `INSERT INTO reservations (id, order_id, status, created_at, updated_at)
         VALUES (?, ?, 'held', ?, ?)`,
      ),
      setStatus: p('UPDATE reservations SET status = ?, updated_at = ? WHERE id = ?'),
      settle: p(
        'UPDATE reservations SET status = ?, updated_at = ?, settled_by = ?, settle_reason = ? WHERE id = ?',
      ),
      insertLine: p(
        `INSERT INTO reservation_lines (reservation_id, line_no, menu_item_id, variant_id,
         modifier_ids, signature, portions, ingredient_id, quantity) VALUES
         (@reservationId, @lineNo, @menuItemId, @variantId, @modifierIds, @signature, @portions,
          @ingredientId, @quantity)`,
      ),
      linesOf: p(`${LINE} WHERE l.reservation_id = ? ORDER BY l.line_no, l.ingredient_id`),
      setLineQuantity: p(
        `UPDATE reservation_lines SET quantity = ?
         WHERE reservation_id = ? AND line_no = ? AND ingredient_id = ?`,
      ),
      orderLine: p(
        `SELECT order_item_id AS orderItemId, order_id AS orderId, menu_item_id AS menuItemId,
         variant_id AS variantId, modifier_ids AS modifierIds, quantity
         FROM order_lines WHERE order_item_id = ?`,
      ),
      putOrderLine: p(
        `INSERT INTO order_lines (order_item_id, order_id, menu_item_id, variant_id,
         modifier_ids, quantity) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (order_item_id) DO UPDATE SET quantity = excluded.quantity`,
      ),
      availability: p(
        `SELECT menu_item_id AS menuItemId, stock_available AS stockAvailable,
         manual_available AS manualAvailable, reason FROM item_availability
         WHERE menu_item_id = ?`,
      ),
      allAvailability: p(
        `SELECT menu_item_id AS menuItemId, stock_available AS stockAvailable,
         manual_available AS manualAvailable, reason FROM item_availability
         ORDER BY menu_item_id`,
      ),
      putAvailability: p(
        `INSERT INTO item_availability
         (menu_item_id, stock_available, manual_available, reason, updated_at)
         VALUES (@menuItemId, @stockAvailable, @manualAvailable, @reason, @at)
         ON CONFLICT (menu_item_id) DO UPDATE SET stock_available = excluded.stock_available,
         manual_available = excluded.manual_available, reason = excluded.reason,
         updated_at = excluded.updated_at`,
      ),
      isEmpty: p('SELECT NOT EXISTS (SELECT 1 FROM ingredients) AS empty'),
    };
  }

  isEmpty(): boolean {
    return (this.#s.isEmpty.get() as { empty: number }).empty === 1;
  }

  /** Write the seed's catalogue (levels go through the ledger, see the service). */
  insertCatalogue(seed: InventorySeed): void {
    const supplier = this.db.prepare(
      'INSERT INTO suppliers (id, name, phone, email, lead_time_days) VALUES (?, ?, ?, ?, ?)',
    );
    for (const s of seed.suppliers) {
      supplier.run(s.id, s.name, s.phone ?? null, s.email ?? null, s.leadTimeDays);
    }
    const ingredient = this.db.prepare(
      `INSERT INTO ingredients (id, name, unit, on_hand, reserved, reorder_point, par_level,
       supplier_id) VALUES (?, ?, ?, 0, 0, ?, ?, ?)`,
    );
    for (const i of seed.ingredients) {
      ingredient.run(i.id, i.name, i.unit, i.reorderPoint, i.parLevel, i.supplierId ?? null);
    }
    const recipe = this.db.prepare(
      `INSERT INTO recipes (kind, menu_item_id, variant_id, modifier_id, ingredient_id, quantity)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT DO UPDATE SET quantity = quantity + excluded.quantity`,
    );
    for (const r of seed.recipes) {
      const item = r.kind === 'modifier' ? '' : r.menuItemId;
      const variant = r.kind === 'variant' ? r.variantId : '';
      const modifier = r.kind === 'modifier' ? r.modifierId : '';
      for (const l of r.lines)
        recipe.run(r.kind, item, variant, modifier, l.ingredientId, l.quantity);
    }
  }

  /** The recipes in the seed's shape, for building the recipe book at start. */
  recipes(): InventorySeed['recipes'] {
    const rows = this.#s.recipes.all() as {
      kind: 'item' | 'variant' | 'modifier';
      menuItemId: string;
      variantId: string;
      modifierId: string;
      ingredientId: string;
      quantity: number;
    }[];
    const byKey = new Map<string, InventorySeed['recipes'][number]>();
    for (const r of rows) {
      const key = `${r.kind}\u0000${r.menuItemId}\u0000${r.variantId}\u0000${r.modifierId}`;
      let recipe = byKey.get(key);
      if (!recipe) {
        recipe =
          r.kind === 'item'
            ? { kind: 'item', menuItemId: r.menuItemId, lines: [] }
            : r.kind === 'variant'
              ? { kind: 'variant', menuItemId: r.menuItemId, variantId: r.variantId, lines: [] }
              : { kind: 'modifier', modifierId: r.modifierId, lines: [] };
        byKey.set(key, recipe);
      }
      recipe.lines.push({ ingredientId: r.ingredientId, quantity: r.quantity });
    }
    return [...byKey.values()];
  }

  ingredient(id: string): IngredientRow | undefined {
    return this.#s.ingredient.get(id) as IngredientRow | undefined;
  }

  ingredients(): IngredientRow[] {
    return this.#s.ingredients.all() as IngredientRow[];
  }

  setLevels(id: string, onHand: number, reserved: number): void {
    this.#s.setLevels.run(onHand, reserved, id);
  }

  setLowAlert(id: string, open: boolean): void {
    this.#s.setLowAlert.run(open ? 1 : 0, id);
  }

  hasSupplier(id: string): boolean {
    return this.#s.supplier.get(id) !== undefined;
  }

  suppliers(): SupplierRow[] {
    return this.#s.suppliers.all() as SupplierRow[];
  }

  appendLedger(e: LedgerEntry): number {
    return Number(
      this.#s.ledger.run({
        ...e,
        reservationId: e.reservationId ?? null,
        orderId: e.orderId ?? null,
        supplierId: e.supplierId ?? null,
        costCents: e.costCents ?? null,
        currency: e.currency ?? null,
        reason: e.reason ?? null,
      }).lastInsertRowid,
    );
  }

  /** Newest first; `before` is the ID of the last row of the previous page. */
  ledgerPage(q: { ingredientId?: string | undefined; before?: number | undefined; limit: number }) {
    return this.#s.ledgerPage.all({
      ingredientId: q.ingredientId ?? null,
      before: q.before ?? null,
      limit: q.limit,
    }) as LedgerRow[];
  }

  reservation(id: string): ReservationRow | undefined {
    return this.#s.reservation.get(id) as ReservationRow | undefined;
  }

  reservationsOfOrder(orderId: string): ReservationRow[] {
    return this.#s.reservationsOfOrder.all(orderId) as ReservationRow[];
  }

  staleHeld(createdBefore: number): ReservationRow[] {
    return this.#s.staleHeld.all(createdBefore) as ReservationRow[];
  }

  /** Drop a released reservation so its ID can hold stock again (the ledger keeps its past). */
  forgetReservation(id: string): void {
    this.db.prepare('DELETE FROM reservation_lines WHERE reservation_id = ?').run(id);
    this.db.prepare("DELETE FROM reservations WHERE id = ? AND status = 'released'").run(id);
  }

  insertReservation(id: string, orderId: string, at: number): void {
    this.#s.insertReservation.run(id, orderId, at, at);
  }

  settle(id: string, status: 'released' | 'consumed', at: number, who: string, reason: string) {
    this.#s.settle.run(status, at, who, reason, id);
  }

  setStatus(id: string, status: ReservationStatus, at: number): void {
    this.#s.setStatus.run(status, at, id);
  }

  insertLine(line: ReservationLineRow): void {
    this.#s.insertLine.run(line);
  }

  linesOf(reservationId: string): ReservationLineRow[] {
    return this.#s.linesOf.all(reservationId) as ReservationLineRow[];
  }

  setLineQuantity(line: ReservationLineRow, quantity: number): void {
    this.#s.setLineQuantity.run(quantity, line.reservationId, line.lineNo, line.ingredientId);
  }

  orderLine(orderItemId: string): OrderLineRow | undefined {
    return this.#s.orderLine.get(orderItemId) as OrderLineRow | undefined;
  }

  putOrderLine(l: OrderLineRow): void {
    this.#s.putOrderLine.run(
      l.orderItemId,
      l.orderId,
      l.menuItemId,
      l.variantId,
      l.modifierIds,
      l.quantity,
    );
  }

  availability(menuItemId: string): AvailabilityRow | undefined {
    return this.#s.availability.get(menuItemId) as AvailabilityRow | undefined;
  }

  allAvailability(): AvailabilityRow[] {
    return this.#s.allAvailability.all() as AvailabilityRow[];
  }

  putAvailability(row: AvailabilityRow, at: number): void {
    this.#s.putAvailability.run({ ...row, at });
  }
}
