import type { MenuItem } from '@pos/contracts';
import type { z } from 'zod';

// Building blocks for the demo menu's items. Prices are US cents; an item with variants carries
// its smallest variant's price as `priceCents`. SKUs are EAN-13 codes with the in-store prefix
// 200 (GS1 "restricted circulation"), so they never collide with a real product's barcode.

export type ItemInput = z.input<typeof MenuItem>;
type Extra = Partial<Omit<ItemInput, 'id' | 'name' | 'categoryId' | 'stationId' | 'priceCents'>>;

export const GLUTEN = 'gluten';
export const DAIRY = 'dairy';
export const EGG = 'egg';
export const NUTS = 'nuts';
export const PEANUTS = 'peanuts';
export const SHELLFISH = 'shellfish';
export const FISH = 'fish';
export const SOY = 'soy';
export const SESAME = 'sesame';

/** An item maker for one category: the arguments every item has, then anything else. */
export function inCategory(categoryId: string, defaults: Extra = {}) {
  return (
    id: string,
    stationId: string,
    name: string,
    priceCents: number,
    description: string,
    extra: Extra = {},
  ): ItemInput => ({
    id,
    name,
    description,
    categoryId,
    priceCents,
    taxCategoryId: 'food',
    stationId,
    ...defaults,
    ...extra,
  });
}

export const sizes = (small: number, large: number) => [
  { id: 'small', name: 'Small (16 oz)', priceCents: small },
  { id: 'large', name: 'Large (24 oz)', priceCents: large },
];
export const pies = (ten: number, fourteen: number) => [
  { id: '10in', name: '10"', priceCents: ten },
  { id: '14in', name: '14"', priceCents: fourteen },
];
export const pours = (half: number, pint: number) => [
  { id: 'half', name: 'Half pint', priceCents: half },
  { id: 'pint', name: 'Pint', priceCents: pint },
];
export const wine = (glass: number, bottle: number) => [
  { id: 'glass', name: 'Glass (6 oz)', priceCents: glass },
  { id: 'bottle', name: 'Bottle', priceCents: bottle },
];
