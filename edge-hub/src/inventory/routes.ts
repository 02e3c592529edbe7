import {
  Currency,
  IngredientId,
  MenuItemId,
  NonNegativeCents,
  Reason,
  SupplierId,
} from '@pos/contracts';
import { AppError, handle, notFound } from '@pos/kit';
import { z } from 'zod';
import type { SecureRouter } from '../staff/access.js';
import { staffOf } from '../staff/access.js';
import type { InventoryService } from './inventory-service.js';
import { MAX_QUANTITY } from './seed-schema.js';
import {
  adjust,
  ledgerPage,
  listIngredients,
  type StockResult,
  stockIn,
  stockOut,
} from './stock-operations.js';

// Inventory endpoints (seed §1.4) plus the manual 86. Reading levels is for the floor (cashiers
// and cooks, and so managers); moving stock is a manager's job; taking an item off sale is
// whoever hears "we're out" first at rush hour.

const BASE = '/api/v1/inventory';
const FLOOR = ['cashier', 'cook'] as const;
const MANAGER = ['manager'] as const;

const Quantity = z
  .number({ message: 'quantity must be a number' })
  .int({ message: 'quantity must be a whole number of base units' })
  .min(1, { message: 'quantity must be greater than zero' })
  .max(MAX_QUANTITY, { message: `quantity must be at most ${MAX_QUANTITY}` });

const StockInBody = z
  .strictObject({
    ingredientId: IngredientId,
    quantity: Quantity,
    supplierId: SupplierId.optional(),
    costCents: NonNegativeCents.optional(),
    currency: Currency.optional(),
    note: z.string().trim().max(500).optional(),
  })
  .refine((b) => (b.costCents === undefined) === (b.currency === undefined), {
    message: 'costCents and currency go together',
    path: ['currency'],
  });

const StockOutBody = z.strictObject({
  ingredientId: IngredientId,
  quantity: Quantity,
  reason: Reason,
});

const AdjustBody = z
  .strictObject({
    ingredientId: IngredientId,
    countedQuantity: z
      .number()
      .int({ message: 'countedQuantity must be a whole number of base units' })
      .min(0, { message: 'countedQuantity must not be negative' })
      .max(MAX_QUANTITY)
      .optional(),
    delta: z
      .number()
      .int({ message: 'delta must be a whole number of base units' })
      .min(-MAX_QUANTITY)
      .max(MAX_QUANTITY)
      .refine((n) => n !== 0, { message: 'delta must not be zero' })
      .optional(),
    reason: Reason,
  })
  .refine((b) => (b.countedQuantity === undefined) !== (b.delta === undefined), {
    message: 'give exactly one of countedQuantity and delta',
    path: ['countedQuantity'],
  });

const AvailabilityBody = z.strictObject({ available: z.boolean(), reason: Reason.optional() });

const ItemsQuery = z.object({
  lowOnly: z.enum(['true', 'false']).optional(),
  q: z.string().trim().max(100).optional(),
});

const LedgerQuery = z.object({
  ingredientId: IngredientId.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, { message: 'cursor must be a value returned as nextCursor' })
    .transform(Number)
    .optional(),
});

/** Turn a refused stock operation into the problem the caller must hear about. */
function answer(result: StockResult, ingredientId: string) {
  if (result.ok) return { ingredient: result.ingredient, transactionId: result.transactionId };
  switch (result.reason) {
    case 'unknown-ingredient':
      throw notFound(`Ingredient ${ingredientId}`);
    case 'unknown-supplier':
      throw notFound('The supplier');
    case 'below-reserved': {
      const { ok: _ok, reason: _r, ...numbers } = result;
      throw new AppError(
        'conflict',
        `Only ${numbers.maxRemovable} can be removed: ${numbers.reserved} of the ` +
          `${numbers.onHand} on hand are held for open orders`,
        { extra: numbers },
      );
    }
    case 'below-zero': {
      const { ok: _ok, reason: _r, ...numbers } = result;
      throw new AppError('conflict', 'The adjustment would take stock below zero', {
        extra: numbers,
      });
    }
  }
}

export function inventoryRoutes(router: SecureRouter, svc: InventoryService): SecureRouter {
  router.get(
    `${BASE}/items`,
    FLOOR,
    handle({ query: ItemsQuery }, ({ query }) => ({
      items: listIngredients(svc, { lowOnly: query.lowOnly === 'true', q: query.q }),
    })),
  );
  router.get(
    `${BASE}/levels`,
    FLOOR,
    handle({}, () => ({
      levels: listIngredients(svc, {}).map((i) => ({
        ingredientId: i.ingredientId,
        unit: i.unit,
        onHand: i.onHand,
        reserved: i.reserved,
        available: i.available,
        low: i.low,
      })),
      items: svc.items(),
    })),
  );
  router.post(
    `${BASE}/stock-in`,
    MANAGER,
    handle({ body: StockInBody }, ({ body }, req) =>
      answer(stockIn(svc, body, staffOf(req).userId), body.ingredientId),
    ),
  );
  router.post(
    `${BASE}/stock-out`,
    MANAGER,
    handle({ body: StockOutBody }, ({ body }, req) =>
      answer(stockOut(svc, body, staffOf(req).userId), body.ingredientId),
    ),
  );
  router.post(
    `${BASE}/adjust`,
    MANAGER,
    handle({ body: AdjustBody }, ({ body }, req) =>
      answer(adjust(svc, body, staffOf(req).userId), body.ingredientId),
    ),
  );
  router.get(
    `${BASE}/suppliers`,
    MANAGER,
    handle({}, () => ({ suppliers: svc.rows.suppliers() })),
  );
  router.get(
    `${BASE}/transactions`,
    MANAGER,
    handle({ query: LedgerQuery }, ({ query }) => {
      if (query.ingredientId !== undefined && !svc.rows.ingredient(query.ingredientId)) {
        throw notFound(`Ingredient ${query.ingredientId}`);
      }
      return ledgerPage(svc, query);
    }),
  );
  router.post(
    `${BASE}/availability/:menuItemId`,
    FLOOR,
    handle(
      { params: z.object({ menuItemId: MenuItemId }), body: AvailabilityBody },
      ({ params, body }) => {
        const result = svc.setManual(params.menuItemId, body.available, body.reason);
        if (!result.ok) throw notFound(`Menu item ${params.menuItemId}`);
        return { item: result.item, changed: result.changed };
      },
    ),
  );
  return router;
}
