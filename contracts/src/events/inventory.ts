import { z } from 'zod';
import { IngredientId, OrderId, SupplierId, UserId } from '../ids.js';
import { Currency, NonNegativeCents } from '../money.js';
import { DisplayName, NonNegativeInt, Reason } from './fields.js';

// Events of the inventory service (seed §1.4). Quantities are whole numbers in the
// ingredient's base unit (grams, millilitres or pieces), so stock arithmetic is exact like
// money. A level may go below zero: a sale is never refused because a count was wrong, and the
// negative level is what tells a manager to recount.

export const StockUnit = z.enum(['g', 'ml', 'each']);
export type StockUnit = z.infer<typeof StockUnit>;

/** A stock level in base units; may be negative (see above). */
export const StockLevel = z.number().int({ message: 'stock must be a whole number of units' });

export const LevelChangeReason = z.enum([
  'reserve',
  'release',
  'consume',
  'stock-in',
  'stock-out',
  'adjust',
]);
export type LevelChangeReason = z.infer<typeof LevelChangeReason>;

export const InventoryLevelChangedV1 = z.object({
  ingredientId: IngredientId,
  unit: StockUnit,
  previous: StockLevel,
  current: StockLevel,
  reason: LevelChangeReason,
  /** The order behind a reserve, release or consume. */
  orderId: OrderId.optional(),
});
export type InventoryLevelChangedV1 = z.infer<typeof InventoryLevelChangedV1>;

export const InventoryLowStockAlertV1 = z.object({
  ingredientId: IngredientId,
  name: DisplayName,
  unit: StockUnit,
  level: StockLevel,
  reorderPoint: NonNegativeInt,
});
export type InventoryLowStockAlertV1 = z.infer<typeof InventoryLowStockAlertV1>;

export const InventoryReceivedV1 = z
  .object({
    ingredientId: IngredientId,
    unit: StockUnit,
    quantity: z
      .number()
      .int({ message: 'quantity must be a whole number of units' })
      .min(1, { message: 'quantity must be greater than zero' }),
    supplierId: SupplierId.optional(),
    /** Cost of the whole delivery line. */
    costCents: NonNegativeCents.optional(),
    currency: Currency.optional(),
  })
  .refine((p) => (p.costCents === undefined) === (p.currency === undefined), {
    message: 'costCents and currency go together',
    path: ['currency'],
  });
export type InventoryReceivedV1 = z.infer<typeof InventoryReceivedV1>;

export const InventoryAdjustedV1 = z.object({
  ingredientId: IngredientId,
  unit: StockUnit,
  delta: StockLevel.refine((n) => n !== 0, { message: 'delta must not be zero' }),
  reason: Reason,
  adjustedBy: UserId,
});
export type InventoryAdjustedV1 = z.infer<typeof InventoryAdjustedV1>;

export const inventoryEvents = {
  'inventory.levelchanged.v1': InventoryLevelChangedV1,
  'inventory.lowstockalert.v1': InventoryLowStockAlertV1,
  'inventory.received.v1': InventoryReceivedV1,
  'inventory.adjusted.v1': InventoryAdjustedV1,
} as const;
