/**
 * Starting data for the inventory module: suppliers, ingredients with their levels, and
 * recipes linking menu items to ingredients. Quantities are whole numbers in the ingredient's
 * base unit (grams, millilitres or pieces).
 */
export interface InventorySeed {
  suppliers: {
    id: string;
    name: string;
    phone?: string;
    email?: string;
    leadTimeDays: number;
  }[];
  ingredients: {
    id: string;
    name: string;
    unit: 'g' | 'ml' | 'each';
    onHand: number;
    /** At or below this level a low-stock alert goes to the manager. */
    reorderPoint: number;
    /** The level a reorder brings stock back up to. */
    parLevel: number;
    supplierId?: string;
  }[];
  /**
   * `item`: what one portion of the item uses. `variant`: used instead of the item's recipe when
   * that variant (size) is ordered. `modifier`: added for each portion with that modifier
   * (e.g. "extra cheese"), on any item. Items without a recipe are not stock-tracked.
   */
  recipes: (
    | { kind: 'item'; menuItemId: string; lines: RecipeLine[] }
    | { kind: 'variant'; menuItemId: string; variantId: string; lines: RecipeLine[] }
    | { kind: 'modifier'; modifierId: string; lines: RecipeLine[] }
  )[];
}

export interface RecipeLine {
  ingredientId: string;
  quantity: number;
}
