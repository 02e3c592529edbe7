import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  findShortages,
  itemsUsing,
  limitingIngredients,
  lineNeeds,
  lineSignature,
  portionNeeds,
  portionsPossible,
  recipeBook,
  stockAvailable,
  trackedItems,
} from './availability.js';
import { smallSeed } from './inventory.fixture.js';

const book = recipeBook(smallSeed().recipes);
const shelf = (levels: Record<string, number>) => (id: string) => levels[id] ?? 0;

describe('portion needs', () => {
  it('uses the item recipe, or the variant recipe when the variant has one', () => {
    expect(portionNeeds(book, { menuItemId: 'burger', modifierIds: [] })).toEqual(
      new Map([
        ['bun', 1],
        ['patty', 1],
      ]),
    );
    expect(
      portionNeeds(book, { menuItemId: 'burger', variantId: 'double', modifierIds: [] }),
    ).toEqual(
      new Map([
        ['bun', 1],
        ['patty', 2],
      ]),
    );
    // A variant without its own recipe is made from the item's.
    expect(
      portionNeeds(book, { menuItemId: 'burger', variantId: 'kids', modifierIds: [] }),
    ).toEqual(
      new Map([
        ['bun', 1],
        ['patty', 1],
      ]),
    );
  });

  it('adds each modifier recipe and multiplies by the quantity', () => {
    const needs = lineNeeds(book, {
      menuItemId: 'burger',
      variantId: 'double',
      modifierIds: ['extra-cheese', 'no-onion'],
      quantity: 3,
    });
    expect(needs).toEqual(
      new Map([
        ['bun', 3],
        ['patty', 6],
        ['cheese', 3],
      ]),
    );
  });

  it('needs nothing for an item without a recipe', () => {
    expect(lineNeeds(book, { menuItemId: 'water', modifierIds: [], quantity: 5 }).size).toBe(0);
    expect(trackedItems(book)).toEqual(['burger', 'fries']);
  });

  it('sums an ingredient listed twice in one recipe', () => {
    const twice = recipeBook([
      {
        kind: 'item',
        menuItemId: 'x',
        lines: [
          { ingredientId: 'a', quantity: 2 },
          { ingredientId: 'a', quantity: 3 },
        ],
      },
    ]);
    expect(portionNeeds(twice, { menuItemId: 'x', modifierIds: [] }).get('a')).toBe(5);
  });
});

describe('shortages', () => {
  const ingredients = (levels: Record<string, number>) => (id: string) => ({
    name: id,
    unit: 'each',
    available: levels[id] ?? 0,
  });

  it('sums needs across lines before comparing with the shelf', () => {
    const lines = [
      { menuItemId: 'burger', modifierIds: [], quantity: 2 },
      { menuItemId: 'burger', variantId: 'double', modifierIds: [], quantity: 1 },
    ];
    // 4 patties needed; 3 on the shelf: each line alone would fit.
    const shortages = findShortages(book, lines, ingredients({ bun: 10, patty: 3 }));
    expect(shortages).toEqual([
      {
        menuItemId: 'burger',
        ingredientId: 'patty',
        ingredientName: 'patty',
        unit: 'each',
        needed: 4,
        available: 3,
      },
    ]);
    expect(findShortages(book, lines, ingredients({ bun: 3, patty: 4 }))).toEqual([]);
  });

  it('names every item that uses a short ingredient', () => {
    const lines = [
      { menuItemId: 'burger', modifierIds: ['extra-cheese'], quantity: 1 },
      { menuItemId: 'fries', modifierIds: ['extra-cheese'], quantity: 1 },
    ];
    const shortages = findShortages(book, lines, ingredients({ bun: 5, patty: 5, potato: 500 }));
    expect(shortages.map((s) => [s.menuItemId, s.ingredientId, s.needed])).toEqual([
      ['burger', 'cheese', 2],
      ['fries', 'cheese', 2],
    ]);
  });
});

describe('availability', () => {
  it('counts the portions the scarcest ingredient allows', () => {
    const needs = new Map([
      ['bun', 1],
      ['patty', 2],
    ]);
    expect(portionsPossible(needs, shelf({ bun: 10, patty: 5 }))).toBe(2);
    expect(portionsPossible(needs, shelf({ bun: 10, patty: -4 }))).toBe(0);
    expect(portionsPossible(new Map(), shelf({}))).toBe(Number.POSITIVE_INFINITY);
  });

  it('keeps an item on sale while any variant can be made', () => {
    // One patty: a single burger yes, a double no — the item stays on.
    expect(stockAvailable(book, 'burger', shelf({ bun: 1, patty: 1 }))).toBe(true);
    expect(stockAvailable(book, 'burger', shelf({ bun: 1, patty: 0 }))).toBe(false);
    expect(limitingIngredients(book, 'burger', shelf({ bun: 1, patty: 0 }))).toEqual(['patty']);
    expect(stockAvailable(book, 'water', shelf({}))).toBe(true);
  });

  it('indexes which items an ingredient feeds (modifiers excluded)', () => {
    expect(itemsUsing(book, ['patty'])).toEqual(new Set(['burger']));
    expect(itemsUsing(book, ['potato', 'bun'])).toEqual(new Set(['fries', 'burger']));
    expect(itemsUsing(book, ['cheese']).size).toBe(0);
  });

  it('gives the same signature whatever the modifier order', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 5 })), (mods) => {
        const a = lineSignature({ menuItemId: 'm', modifierIds: mods });
        const b = lineSignature({ menuItemId: 'm', modifierIds: [...mods].reverse() });
        expect(a).toBe(b);
      }),
    );
  });

  it('never has a shortage when every ingredient covers the summed needs', () => {
    const line = fc.record({
      menuItemId: fc.constantFrom('burger', 'fries', 'water'),
      variantId: fc.constantFrom(undefined, 'double'),
      modifierIds: fc.subarray(['extra-cheese']),
      quantity: fc.integer({ min: 1, max: 20 }),
    });
    fc.assert(
      fc.property(fc.array(line, { maxLength: 6 }), fc.nat(50), (lines, spare) => {
        const total = new Map<string, number>();
        for (const l of lines) {
          for (const [id, q] of lineNeeds(book, l)) total.set(id, (total.get(id) ?? 0) + q);
        }
        const exact = (id: string) => ({
          name: id,
          unit: 'g',
          available: (total.get(id) ?? 0) + spare,
        });
        expect(findShortages(book, lines, exact)).toEqual([]);
        const short = [...total].find(([, q]) => q > 0);
        if (short) {
          const less = (id: string) => ({
            name: id,
            unit: 'g',
            available: (total.get(id) ?? 0) - (id === short[0] ? 1 : 0),
          });
          expect(findShortages(book, lines, less).map((s) => s.ingredientId)).toContain(short[0]);
        }
      }),
    );
  });
});
