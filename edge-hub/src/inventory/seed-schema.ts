import {
  DisplayName,
  IngredientId,
  MenuItemId,
  ModifierId,
  StockUnit,
  SupplierId,
  VariantId,
} from '@pos/contracts';
import { z } from 'zod';
import type { InventorySeed } from './seed-types.js';

// The seed comes from a file or a demo script: it is checked like anything else from outside
// (ARCHITECTURE "validate at every boundary"), so a typo in a recipe fails at start-up with its
// path instead of turning into a foreign-key error or a silently untracked item.

/** Largest quantity accepted anywhere in inventory: keeps every sum an exact integer. */
export const MAX_QUANTITY = 10_000_000;

const Quantity = z.number().int().min(0).max(MAX_QUANTITY);
const RecipeLine = z.object({
  ingredientId: IngredientId,
  quantity: z.number().int().min(1).max(MAX_QUANTITY),
});

const Seed = z
  .object({
    suppliers: z.array(
      z.object({
        id: SupplierId,
        name: DisplayName,
        phone: z.string().max(40).optional(),
        email: z.string().max(254).optional(),
        leadTimeDays: z.number().int().min(0).max(365),
      }),
    ),
    ingredients: z.array(
      z.object({
        id: IngredientId,
        name: DisplayName,
        unit: StockUnit,
        onHand: Quantity,
        reorderPoint: Quantity,
        parLevel: Quantity,
        supplierId: SupplierId.optional(),
      }),
    ),
    recipes: z.array(
      z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('item'), menuItemId: MenuItemId, lines: z.array(RecipeLine) }),
        z.object({
          kind: z.literal('variant'),
          menuItemId: MenuItemId,
          variantId: VariantId,
          lines: z.array(RecipeLine),
        }),
        z.object({
          kind: z.literal('modifier'),
          modifierId: ModifierId,
          lines: z.array(RecipeLine),
        }),
      ]),
    ),
  })
  .superRefine((seed, ctx) => {
    const suppliers = new Set(seed.suppliers.map((s) => s.id as string));
    const ingredients = new Set<string>();
    seed.ingredients.forEach((ing, i) => {
      if (ingredients.has(ing.id)) {
        ctx.addIssue({ code: 'custom', path: ['ingredients', i, 'id'], message: 'duplicate id' });
      }
      ingredients.add(ing.id);
      if (ing.supplierId !== undefined && !suppliers.has(ing.supplierId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['ingredients', i, 'supplierId'],
          message: `unknown supplier ${ing.supplierId}`,
        });
      }
    });
    const recipeKeys = new Set<string>();
    seed.recipes.forEach((r, i) => {
      // One recipe per item, variant or modifier: two would leave it unclear which one counts.
      const key =
        r.kind === 'item'
          ? `item:${r.menuItemId}`
          : r.kind === 'variant'
            ? `variant:${r.menuItemId}:${r.variantId}`
            : `modifier:${r.modifierId}`;
      if (recipeKeys.has(key)) {
        ctx.addIssue({ code: 'custom', path: ['recipes', i], message: `second recipe for ${key}` });
      }
      recipeKeys.add(key);
      r.lines.forEach((l, j) => {
        if (!ingredients.has(l.ingredientId)) {
          ctx.addIssue({
            code: 'custom',
            path: ['recipes', i, 'lines', j, 'ingredientId'],
            message: `unknown ingredient ${l.ingredientId}`,
          });
        }
      });
    });
  });

export class InvalidSeedError extends Error {
  override name = 'InvalidSeedError';
}

/** The seed, checked; throws `InvalidSeedError` naming every bad path. */
export function parseSeed(input: unknown): InventorySeed {
  const result = Seed.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  throw new InvalidSeedError(`invalid inventory seed: ${problems.join('; ')}`);
}
