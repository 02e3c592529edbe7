import { describe, expect, it } from 'vitest';
import { MenuDocument } from '../menu.js';
import { type RequestedLine, resolveLines } from './order-lines.js';

const menu = MenuDocument.parse({
  version: 1,
  publishedAt: '2026-01-01T00:00:00.000Z',
  currency: 'USD',
  taxCategories: [
    { id: 'food', name: 'Food', rateBasisPoints: 875, inclusive: false },
    { id: 'alcohol', name: 'Alcohol', rateBasisPoints: 1025, inclusive: false },
  ],
  stations: [
    { id: 'grill', name: 'Grill' },
    { id: 'bar', name: 'Bar' },
  ],
  categories: [
    { id: 'burgers', name: 'Burgers', sortOrder: 1 },
    { id: 'wine', name: 'Wine', sortOrder: 2 },
  ],
  modifierGroups: [
    {
      id: 'doneness',
      name: 'Doneness',
      minChoices: 1,
      maxChoices: 1,
      modifiers: [
        { id: 'rare', name: 'Rare', priceDeltaCents: 0 },
        { id: 'medium', name: 'Medium', priceDeltaCents: 0 },
      ],
    },
    {
      id: 'extras',
      name: 'Extras',
      minChoices: 0,
      maxChoices: 2,
      modifiers: [
        { id: 'bacon', name: 'Bacon', priceDeltaCents: 200, allergens: [] },
        { id: 'cheese', name: 'Cheese', priceDeltaCents: 150, allergens: ['dairy'] },
        { id: 'egg', name: 'Fried egg', priceDeltaCents: 175, allergens: ['egg'] },
      ],
    },
  ],
  items: [
    {
      id: 'burger',
      name: 'House Burger',
      categoryId: 'burgers',
      priceCents: 1450,
      modifierGroupIds: ['doneness', 'extras'],
      taxCategoryId: 'food',
      stationId: 'grill',
      allergens: ['gluten'],
    },
    {
      id: 'merlot',
      name: 'Merlot',
      categoryId: 'wine',
      priceCents: 1100,
      variants: [
        { id: 'glass', name: 'Glass', priceCents: 1100 },
        { id: 'bottle', name: 'Bottle', priceCents: 4200 },
      ],
      taxCategoryId: 'alcohol',
      stationId: 'bar',
    },
  ],
});

const line = (over: Partial<RequestedLine>): RequestedLine => ({
  id: 'a1b2c3d4-0000-4000-8000-000000000001',
  menuItemId: 'burger',
  modifierIds: ['medium'],
  quantity: 1,
  course: 1,
  ...over,
});

const always = () => true;

describe('resolveLines', () => {
  it('prices a line from its variant and modifiers and routes it to its station', () => {
    const result = resolveLines(menu, always, [
      line({ modifierIds: ['rare', 'bacon', 'cheese'], quantity: 2, seat: 1 }),
      line({ menuItemId: 'merlot', variantId: 'bottle', modifierIds: [] }),
    ]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const [burger, wine] = result.lines;
    expect(burger).toMatchObject({
      unitPriceCents: 1450 + 200 + 150,
      quantity: 2,
      stationId: 'grill',
      taxRateBasisPoints: 875,
      allergens: ['dairy', 'gluten'],
      seat: 1,
    });
    expect(burger?.modifiers.map((m) => m.groupId)).toEqual(['doneness', 'extras', 'extras']);
    expect(wine).toMatchObject({
      unitPriceCents: 4200,
      variant: { variantId: 'bottle', name: 'Bottle' },
      stationId: 'bar',
      taxRateBasisPoints: 1025,
    });
  });

  it('reports every invalid field at once as a 400', () => {
    const result = resolveLines(menu, always, [
      line({ menuItemId: 'nope' }),
      line({ modifierIds: [] }),
      line({ modifierIds: ['medium', 'bacon', 'cheese', 'egg'] }),
      line({ menuItemId: 'merlot', modifierIds: [] }),
      line({ modifierIds: ['medium', 'glass'] }),
      line({ modifierIds: ['medium', 'bacon', 'bacon'] }),
      line({ variantId: 'large' }),
    ]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.status).toBe(400);
    const messages = result.errors.map((e) => `${e.field}: ${e.message}`);
    expect(messages).toEqual([
      'items.0.menuItemId: unknown menu item nope',
      'items.1.modifierIds: Doneness needs a choice for House Burger',
      'items.2.modifierIds: Extras allows at most 2 for House Burger',
      'items.3.variantId: choose a size for Merlot: Glass, Bottle',
      'items.4.modifierIds: glass is not a choice for House Burger',
      'items.5.modifierIds: Bacon is chosen twice',
      'items.6.variantId: House Burger has no sizes',
    ]);
  });

  it('answers a sold-out item with a 409 naming it', () => {
    const result = resolveLines(menu, (id) => id !== 'merlot', [
      line({}),
      line({ menuItemId: 'merlot', variantId: 'glass', modifierIds: [] }),
    ]);
    expect(result).toEqual({
      ok: false,
      status: 409,
      errors: [{ field: 'items.1.menuItemId', message: 'Merlot is sold out' }],
    });
  });

  it('reports invalid fields before sold-out items', () => {
    const result = resolveLines(menu, () => false, [line({ modifierIds: [] })]);
    expect(result.ok ? 0 : result.status).toBe(400);
  });
});
