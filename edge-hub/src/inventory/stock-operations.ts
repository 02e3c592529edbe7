import type { Cents, IngredientId, SupplierId, UserId } from '@pos/contracts';
import { type IngredientView, type InventoryService, ingredientView } from './inventory-service.js';
import type { LedgerRow } from './inventory-store.js';

// What a manager does at the back door and the stock room (seed §1.4): receive a delivery,
// write off waste, correct a count. Each is one transaction through `applyChanges`; expected
// refusals come back as values and the routes turn them into problem+json.

export type StockRefusal =
  | { ok: false; reason: 'unknown-ingredient' }
  | { ok: false; reason: 'unknown-supplier' }
  | {
      ok: false;
      reason: 'below-reserved';
      onHand: number;
      reserved: number;
      requested: number;
      /** The most that can go without touching stock promised to open orders. */
      maxRemovable: number;
    }
  | { ok: false; reason: 'below-zero'; onHand: number; delta: number };

export type StockResult =
  | { ok: true; ingredient: IngredientView; transactionId: number | null }
  | StockRefusal;

export interface StockInInput {
  ingredientId: string;
  quantity: number;
  supplierId?: string | undefined;
  costCents?: number | undefined;
  currency?: string | undefined;
  note?: string | undefined;
}

export function stockIn(svc: InventoryService, input: StockInInput, who: string): StockResult {
  return svc.write((): StockResult => {
    const row = svc.rows.ingredient(input.ingredientId);
    if (!row) return { ok: false, reason: 'unknown-ingredient' };
    if (input.supplierId !== undefined && !svc.rows.hasSupplier(input.supplierId)) {
      return { ok: false, reason: 'unknown-supplier' };
    }
    const transactionId = svc.applyChanges(
      [
        {
          ingredientId: row.id,
          kind: 'stock-in',
          quantity: input.quantity,
          onHandDelta: input.quantity,
          reservedDelta: 0,
          supplierId: input.supplierId,
          costCents: input.costCents,
          currency: input.currency,
          reason: input.note,
        },
      ],
      who,
    );
    svc.events.emit('inventory.received.v1', {
      ingredientId: row.id as IngredientId,
      unit: row.unit,
      quantity: input.quantity,
      ...(input.supplierId !== undefined ? { supplierId: input.supplierId as SupplierId } : {}),
      ...(input.costCents !== undefined && input.currency !== undefined
        ? { costCents: input.costCents as Cents, currency: input.currency }
        : {}),
    });
    return { ok: true, ingredient: view(svc, row.id), transactionId };
  });
}

/** Waste or other removal. Stock promised to open orders stays: the kitchen will need it. */
export function stockOut(
  svc: InventoryService,
  input: { ingredientId: string; quantity: number; reason: string },
  who: string,
): StockResult {
  return svc.write((): StockResult => {
    const row = svc.rows.ingredient(input.ingredientId);
    if (!row) return { ok: false, reason: 'unknown-ingredient' };
    if (row.onHand - input.quantity < row.reserved) {
      return {
        ok: false,
        reason: 'below-reserved',
        onHand: row.onHand,
        reserved: row.reserved,
        requested: input.quantity,
        maxRemovable: Math.max(0, row.onHand - row.reserved),
      };
    }
    const transactionId = svc.applyChanges(
      [
        {
          ingredientId: row.id,
          kind: 'stock-out',
          quantity: input.quantity,
          onHandDelta: -input.quantity,
          reservedDelta: 0,
          reason: input.reason,
        },
      ],
      who,
    );
    return { ok: true, ingredient: view(svc, row.id), transactionId };
  });
}

/**
 * A count (`countedQuantity`) or a correction (`delta`). A count is the truth even below what
 * is reserved; only a level below zero is refused, since nobody can count fewer than nothing.
 */
export function adjust(
  svc: InventoryService,
  input: {
    ingredientId: string;
    countedQuantity?: number | undefined;
    delta?: number | undefined;
    reason: string;
  },
  who: string,
): StockResult {
  return svc.write((): StockResult => {
    const row = svc.rows.ingredient(input.ingredientId);
    if (!row) return { ok: false, reason: 'unknown-ingredient' };
    const delta =
      input.countedQuantity !== undefined ? input.countedQuantity - row.onHand : (input.delta ?? 0);
    if (row.onHand + delta < 0)
      return { ok: false, reason: 'below-zero', onHand: row.onHand, delta };
    // A count that matches the shelf changes nothing and records nothing.
    if (delta === 0) return { ok: true, ingredient: view(svc, row.id), transactionId: null };
    const transactionId = svc.applyChanges(
      [
        {
          ingredientId: row.id,
          kind: 'adjust',
          quantity: Math.abs(delta),
          onHandDelta: delta,
          reservedDelta: 0,
          reason: input.reason,
        },
      ],
      who,
    );
    svc.events.emit('inventory.adjusted.v1', {
      ingredientId: row.id as IngredientId,
      unit: row.unit,
      delta,
      reason: input.reason,
      adjustedBy: who as UserId,
    });
    return { ok: true, ingredient: view(svc, row.id), transactionId };
  });
}

function view(svc: InventoryService, id: string): IngredientView {
  const row = svc.rows.ingredient(id);
  if (!row) throw new Error(`ingredient ${id} vanished inside its own transaction`);
  return ingredientView(row);
}

export function listIngredients(
  svc: InventoryService,
  filter: { lowOnly?: boolean | undefined; q?: string | undefined },
): IngredientView[] {
  const q = filter.q?.toLowerCase();
  return svc.rows
    .ingredients()
    .map(ingredientView)
    .filter((i) => !filter.lowOnly || i.low)
    .filter(
      (i) => !q || i.name.toLowerCase().includes(q) || i.ingredientId.toLowerCase().includes(q),
    );
}

export interface LedgerPage {
  transactions: ReturnType<typeof ledgerView>[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export function ledgerPage(
  svc: InventoryService,
  q: { ingredientId?: string | undefined; limit: number; cursor?: number | undefined },
): LedgerPage {
  // One row more than asked tells whether another page exists without a count query.
  const rows = svc.rows.ledgerPage({
    ingredientId: q.ingredientId,
    before: q.cursor,
    limit: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    transactions: page.map(ledgerView),
    nextCursor: rows.length > q.limit && last ? String(last.id) : null,
  };
}

function ledgerView(r: LedgerRow) {
  return {
    transactionId: r.id,
    ingredientId: r.ingredientId,
    kind: r.kind,
    quantity: r.quantity,
    onHandDelta: r.onHandDelta,
    reservedDelta: r.reservedDelta,
    onHandAfter: r.onHandAfter,
    reservedAfter: r.reservedAfter,
    reservationId: r.reservationId,
    orderId: r.orderId,
    supplierId: r.supplierId,
    costCents: r.costCents,
    currency: r.currency,
    who: r.who,
    reason: r.reason,
    at: new Date(r.at).toISOString(),
  };
}
