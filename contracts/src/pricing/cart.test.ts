import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MenuDocument } from '../menu.js';
import { type CartInput, type CartLineInput, priceCart } from './cart.js';
import { resolveLines } from './order-lines.js';
import { priceOrder } from './pricing.js';

// A store with both tax styles: a US-style food tax added on top, and a VAT-style drinks tax
// already inside the price; sizes, modifiers with positive and negative deltas, a breakfast
// category served only in the morning, and an item taken off in this version.
const menu = MenuDocument.parse({
  version: 7,
  publishedAt: '2026-01-01T00:00:00.000Z',
  currency: 'USD',
  taxCategories: [
    { id: 'food', name: 'Food', rateBasisPoints: 875, inclusive: false },
    { id: 'vat', name: 'Drinks VAT', rateBasisPoints: 2000, inclusive: true },
  ],
  stations: [
    { id: 'grill', name: 'Grill' },
    { id: 'bar', name: 'Bar' },
  ],
  categories: [
    { id: 'burgers', name: 'Burgers', sortOrder: 1 },
    { id: 'drinks', name: 'Drinks', sortOrder: 2 },
    {
      id: 'breakfast',
      name: 'Breakfast',
      sortOrder: 3,
      availableAt: [{ from: '06:00', to: '11:00' }],
    },
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
        { id: 'bacon', name: 'Bacon', priceDeltaCents: 200 },
        { id: 'cheese', name: 'Cheese', priceDeltaCents: 155, allergens: ['dairy'] },
        { id: 'no-bun', name: 'No bun', priceDeltaCents: -75 },
      ],
    },
    {
      id: 'syrups',
      name: 'Syrups',
      minChoices: 0,
      maxChoices: 3,
      modifiers: [
        { id: 'vanilla', name: 'Vanilla', priceDeltaCents: 45 },
        { id: 'caramel', name: 'Caramel', priceDeltaCents: 45 },
        { id: 'hazelnut', name: 'Hazelnut', priceDeltaCents: 55 },
      ],
    },
  ],
  items: [
    {
      id: 'burger',
      name: 'House Burger',
      categoryId: 'burgers',
      priceCents: 1499,
      modifierGroupIds: ['doneness', 'extras'],
      taxCategoryId: 'food',
      stationId: 'grill',
      allergens: ['gluten'],
    },
    {
      id: 'latte',
      name: 'Latte',
      categoryId: 'drinks',
      priceCents: 395,
      variants: [
        { id: 'small', name: 'Small', priceCents: 395 },
        { id: 'large', name: 'Large', priceCents: 487 },
      ],
      modifierGroupIds: ['syrups'],
      taxCategoryId: 'vat',
      stationId: 'bar',
    },
    {
      id: 'lemonade',
      name: 'Lemonade',
      categoryId: 'drinks',
      priceCents: 333,
      taxCategoryId: 'vat',
      stationId: 'bar',
    },
    {
      id: 'pancakes',
      name: 'Pancakes',
      categoryId: 'breakfast',
      priceCents: 899,
      taxCategoryId: 'food',
      stationId: 'grill',
    },
    {
      id: 'special',
      name: 'Chef special',
      categoryId: 'burgers',
      priceCents: 2450,
      taxCategoryId: 'food',
      stationId: 'grill',
      available: false,
    },
  ],
});

// A Wednesday: 08:30 and 19:30 in New York.
const MORNING = Date.parse('2026-01-07T13:30:00Z');
const EVENING = Date.parse('2026-01-08T00:30:00Z');
const options = { at: EVENING, timeZone: 'America/New_York' };

const burger = (over: Partial<CartLineInput> = {}): CartLineInput => ({
  menuItemId: 'burger',
  modifierIds: ['medium'],
  quantity: 1,
  ...over,
});
const cart = (...items: CartLineInput[]): CartInput => ({ orderType: 'pickup', items });

/** The failure's errors as `field: message`, or the whole result when it did not fail. */
function failure(result: ReturnType<typeof priceCart>) {
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result)}`);
  return result;
}
const fields = (result: ReturnType<typeof priceCart>) => failure(result).errors.map((e) => e.field);

describe('priceCart, worked by hand', () => {
  it('prices an exclusive-tax line with modifiers: tax added on top', () => {
    // (1499 + 200 − 75) × 3 = 4872; 8.75 % = 426.3 → 426; total 5298.
    const result = priceCart(
      menu,
      cart(burger({ modifierIds: ['rare', 'bacon', 'no-bun'], quantity: 3, notes: ' no salt ' })),
      options,
    );
    expect(result).toEqual({
      ok: true,
      orderType: 'pickup',
      menuVersion: 7,
      currency: 'USD',
      lines: [
        {
          menuItemId: 'burger',
          name: 'House Burger',
          variant: undefined,
          modifiers: [
            { modifierId: 'rare', groupId: 'doneness', name: 'Rare', priceDeltaCents: 0 },
            { modifierId: 'bacon', groupId: 'extras', name: 'Bacon', priceDeltaCents: 200 },
            { modifierId: 'no-bun', groupId: 'extras', name: 'No bun', priceDeltaCents: -75 },
          ],
          quantity: 3,
          notes: 'no salt',
          unitPriceCents: 1624,
          allergens: ['gluten'],
          taxCents: 426,
          totalCents: 5298,
        },
      ],
      subtotalCents: 4872,
      discountCents: 0,
      taxCents: 426,
      totalCents: 5298,
    });
  });

  it('takes an amount off the whole order (a reward) before the tax added on top', () => {
    // 4872 − 500 = 4372 taxed at 8.75 %: 382.55, rounded as priceOrder rounds.
    const discounted = priceCart(
      menu,
      cart(burger({ modifierIds: ['rare', 'bacon', 'no-bun'], quantity: 3 })),
      { ...options, orderDiscount: { kind: 'amount', amountCents: 500, reason: 'Reward: $5 off' } },
    );
    expect(discounted).toMatchObject({ ok: true, subtotalCents: 4872, discountCents: 500 });
    if (!discounted.ok) return;
    expect(discounted.totalCents).toBe(4872 - 500 + discounted.taxCents);
    expect(discounted.taxCents).toBeLessThan(426);
  });

  it('prices an inclusive-tax variant with syrups: the tax is inside the price', () => {
    // Large 487 + vanilla 45 + hazelnut 55 = 587 × 2 = 1174; pre-tax round(1174 / 1.2) = 978,
    // so the VAT inside is 196 and the total stays 1174.
    const result = priceCart(
      menu,
      cart({
        menuItemId: 'latte',
        variantId: 'large',
        modifierIds: ['vanilla', 'hazelnut'],
        quantity: 2,
      }),
      options,
    );
    expect(result).toMatchObject({
      ok: true,
      lines: [
        { name: 'Latte', variant: { variantId: 'large', name: 'Large' }, unitPriceCents: 587 },
      ],
      subtotalCents: 1174,
      taxCents: 196,
      totalCents: 1174,
    });
  });

  it('adds up a mixed cart the way priceOrder does for the same lines', () => {
    const mixed = cart(
      burger({ modifierIds: ['medium', 'cheese'], quantity: 2 }),
      { menuItemId: 'latte', variantId: 'small', quantity: 1 },
      { menuItemId: 'lemonade', quantity: 5 },
    );
    const result = priceCart(menu, mixed, options);
    const expected = priceOrder({
      lines: [
        {
          key: 'b',
          unitPriceCents: 1654,
          quantity: 2,
          taxRateBasisPoints: 875,
          taxInclusive: false,
        },
        {
          key: 'l',
          unitPriceCents: 395,
          quantity: 1,
          taxRateBasisPoints: 2000,
          taxInclusive: true,
        },
        {
          key: 'm',
          unitPriceCents: 333,
          quantity: 5,
          taxRateBasisPoints: 2000,
          taxInclusive: true,
        },
      ],
    });
    expect(result).toMatchObject({
      ok: true,
      subtotalCents: expected.subtotalCents,
      taxCents: expected.taxCents,
      totalCents: expected.totalCents,
    });
    // Exclusive 3308 × 8.75 % = 289.45 → 289; inside 395: 395 − round(329.17) = 66; inside
    // 1665: 1665 − round(1387.5) = 277. Tax 632; the total adds only the exclusive 289.
    expect(expected).toMatchObject({ subtotalCents: 5368, taxCents: 632, totalCents: 5657 });
    if (result.ok) expect(result.lines.map((l) => l.totalCents)).toEqual([3597, 395, 1665]);
  });

  it('serves a breakfast item in its window and refuses it outside, saying when', () => {
    const pancakes = cart({ menuItemId: 'pancakes', quantity: 1 });
    expect(priceCart(menu, pancakes, { ...options, at: MORNING }).ok).toBe(true);
    expect(failure(priceCart(menu, pancakes, options))).toEqual({
      ok: false,
      reason: 'unavailable',
      errors: [{ field: 'items.0.menuItemId', message: 'Pancakes is served 06:00–11:00' }],
    });
  });
});

describe('priceCart names each wrong field', () => {
  it('refuses an item from another menu', () => {
    const result = priceCart(
      menu,
      cart(burger(), { menuItemId: 'other-store-pizza', quantity: 1 }),
      options,
    );
    expect(failure(result)).toEqual({
      ok: false,
      reason: 'invalid',
      errors: [{ field: 'items.1.menuItemId', message: 'unknown menu item other-store-pizza' }],
    });
  });

  it("refuses an 86'd item and one taken off in this version as unavailable", () => {
    const result = priceCart(
      menu,
      cart(
        burger(),
        { menuItemId: 'lemonade', quantity: 1 },
        { menuItemId: 'special', quantity: 1 },
      ),
      { ...options, unavailableItemIds: new Set(['lemonade']) },
    );
    expect(failure(result)).toEqual({
      ok: false,
      reason: 'unavailable',
      errors: [
        { field: 'items.1.menuItemId', message: 'Lemonade is sold out' },
        { field: 'items.2.menuItemId', message: 'Chef special is sold out' },
      ],
    });
  });

  it('reports an unavailable item alongside invalid fields as invalid', () => {
    const result = priceCart(
      menu,
      cart(burger({ modifierIds: [] }), { menuItemId: 'special', quantity: 1 }),
      options,
    );
    expect(failure(result).reason).toBe('invalid');
    expect(fields(result)).toEqual(['items.0.modifierIds', 'items.1.menuItemId']);
  });

  it('refuses a variant of another item, a missing size and a size on an item without sizes', () => {
    const result = priceCart(
      menu,
      cart(
        { menuItemId: 'latte', variantId: 'bottle', quantity: 1 },
        { menuItemId: 'latte', quantity: 1 },
        burger({ variantId: 'large' }),
      ),
      options,
    );
    expect(failure(result).errors).toEqual([
      { field: 'items.0.variantId', message: 'Latte has no size bottle' },
      { field: 'items.1.variantId', message: 'choose a size for Latte: Small, Large' },
      { field: 'items.2.variantId', message: 'House Burger has no sizes' },
    ]);
  });

  it('refuses modifiers of another item and broken group rules', () => {
    const result = priceCart(
      menu,
      cart(
        burger({ modifierIds: ['medium', 'vanilla'] }),
        burger({ modifierIds: ['bacon'] }),
        burger({ modifierIds: ['medium', 'bacon', 'cheese', 'no-bun'] }),
        burger({ modifierIds: ['rare', 'medium'] }),
        burger({ modifierIds: ['medium', 'bacon', 'bacon'] }),
      ),
      options,
    );
    expect(failure(result).errors).toEqual([
      { field: 'items.0.modifierIds', message: 'vanilla is not a choice for House Burger' },
      { field: 'items.1.modifierIds', message: 'Doneness needs a choice for House Burger' },
      { field: 'items.2.modifierIds', message: 'Extras allows at most 2 for House Burger' },
      { field: 'items.3.modifierIds', message: 'Doneness allows at most 1 for House Burger' },
      { field: 'items.4.modifierIds', message: 'Bacon is chosen twice' },
    ]);
  });

  it('refuses quantities outside 1–99, long notes, and empty or oversized carts', () => {
    const result = priceCart(
      menu,
      cart(
        burger({ quantity: 0 }),
        burger({ quantity: 100 }),
        burger({ quantity: 1.5 }),
        burger({ notes: 'x'.repeat(201) }),
      ),
      options,
    );
    expect(failure(result).reason).toBe('invalid');
    expect(fields(result)).toEqual([
      'items.0.quantity',
      'items.1.quantity',
      'items.2.quantity',
      'items.3.notes',
    ]);
    expect(
      priceCart(menu, cart(burger({ notes: 'x'.repeat(200), quantity: 99 })), options).ok,
    ).toBe(true);
    expect(fields(priceCart(menu, cart(), options))).toEqual(['items']);
    const full = Array.from({ length: 100 }, () => burger());
    expect(priceCart(menu, cart(...full), options).ok).toBe(true);
    expect(fields(priceCart(menu, cart(...full, burger()), options))).toEqual(['items']);
  });

  it('refuses a price, a total or any other field the cart does not have', () => {
    const tampered = {
      orderType: 'pickup',
      totalCents: 1,
      items: [{ ...burger(), unitPriceCents: 1, priceCents: 1 }],
    } as unknown as CartInput;
    expect(failure(priceCart(menu, tampered, options))).toEqual({
      ok: false,
      reason: 'invalid',
      errors: [
        { field: 'items.0.unitPriceCents', message: expect.stringContaining('not a field') },
        { field: 'items.0.priceCents', message: expect.stringContaining('not a field') },
        { field: 'totalCents', message: expect.stringContaining('not a field') },
      ],
    });
    const delivery = { orderType: 'delivery', items: [burger()] } as unknown as CartInput;
    expect(fields(priceCart(menu, delivery, options))).toEqual(['orderType']);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties over random valid carts.

const groups = new Map(menu.modifierGroups.map((g) => [g.id as string, g]));
const servable = menu.items.filter((i) => i.available && i.categoryId !== 'breakfast');

/** A line the menu accepts: a size when the item has sizes, each group's min..max choices. */
const validLine: fc.Arbitrary<CartLineInput> = fc.constantFrom(...servable).chain((item) =>
  fc.record({
    menuItemId: fc.constant(item.id as string),
    variantId:
      item.variants.length > 0
        ? fc.constantFrom(...item.variants.map((v) => v.id as string))
        : fc.constant(undefined),
    modifierIds: fc
      .tuple(
        ...item.modifierGroupIds.map((id) => {
          const group = groups.get(id);
          if (!group) throw new Error(`sample menu lacks group ${id}`);
          return fc.subarray(
            group.modifiers.map((m) => m.id as string),
            { minLength: group.minChoices, maxLength: group.maxChoices },
          );
        }),
      )
      .map((chosen) => chosen.flat()),
    quantity: fc.integer({ min: 1, max: 99 }),
  }),
);
const validCart = fc.record({
  orderType: fc.constantFrom('pickup' as const, 'dine-in' as const),
  items: fc.array(validLine, { minLength: 1, maxLength: 20 }),
});

/** The hub's order path for the same lines: resolve them, then price them as `repriceOrder` does. */
function hubTotals(c: CartInput) {
  const resolved = resolveLines(
    menu,
    () => true,
    c.items.map((l, i) => ({ ...l, modifierIds: l.modifierIds ?? [], id: `line-${i}`, course: 1 })),
  );
  if (!resolved.ok) throw new Error(JSON.stringify(resolved.errors));
  return priceOrder({
    lines: resolved.lines.map((l) => ({
      key: l.id,
      unitPriceCents: l.unitPriceCents,
      quantity: l.quantity,
      taxRateBasisPoints: l.taxRateBasisPoints,
      taxInclusive: l.taxInclusive,
      discount: l.discount,
    })),
    serviceChargeBasisPoints: 0,
  });
}

/** An independent reckoning straight from the menu document, in BigInt. */
function byHand(c: CartInput) {
  let subtotal = 0n;
  let tax = 0n;
  let total = 0n;
  for (const line of c.items) {
    const item = menu.items.find((i) => i.id === line.menuItemId);
    if (!item) throw new Error('unknown item');
    const base = item.variants.find((v) => v.id === line.variantId)?.priceCents ?? item.priceCents;
    const modifiers = menu.modifierGroups.flatMap((g) => g.modifiers);
    const deltas = (line.modifierIds ?? []).map(
      (id): number => modifiers.find((m) => m.id === id)?.priceDeltaCents ?? 0,
    );
    const gross = BigInt(base + deltas.reduce((a, b) => a + b, 0)) * BigInt(line.quantity);
    const category = menu.taxCategories.find((t) => t.id === item.taxCategoryId);
    const rate = BigInt(category?.rateBasisPoints ?? 0);
    // Half up: both amounts are non-negative.
    const lineTax = category?.inclusive
      ? gross - (2n * gross * 10_000n + (10_000n + rate)) / (2n * (10_000n + rate))
      : (2n * gross * rate + 10_000n) / 20_000n;
    subtotal += gross;
    tax += lineTax;
    total += category?.inclusive ? gross : gross + lineTax;
  }
  return { subtotalCents: Number(subtotal), taxCents: Number(tax), totalCents: Number(total) };
}

describe('priceCart over random valid carts', () => {
  it('arrives at the totals of the hub order path and of a hand reckoning', () => {
    fc.assert(
      fc.property(validCart, (c) => {
        const result = priceCart(menu, c, options);
        if (!result.ok) throw new Error(JSON.stringify(result.errors));
        const hub = hubTotals(c);
        const totals = {
          subtotalCents: result.subtotalCents,
          taxCents: result.taxCents,
          totalCents: result.totalCents,
        };
        expect(totals).toEqual({
          subtotalCents: hub.subtotalCents,
          taxCents: hub.taxCents,
          totalCents: hub.totalCents,
        });
        expect(totals).toEqual(byHand(c));
        expect(result.lines.map((l) => l.totalCents)).toEqual(hub.lines.map((l) => l.totalCents));
      }),
      { numRuns: 300 },
    );
  });

  it('answers whole, non-negative cents that add up', () => {
    fc.assert(
      fc.property(validCart, (c) => {
        const result = priceCart(menu, c, options);
        if (!result.ok) throw new Error(JSON.stringify(result.errors));
        for (const amount of [result.subtotalCents, result.taxCents, result.totalCents]) {
          expect(Number.isSafeInteger(amount) && amount >= 0).toBe(true);
        }
        for (const l of result.lines) {
          expect(Number.isSafeInteger(l.unitPriceCents) && l.unitPriceCents >= 0).toBe(true);
          expect(Number.isSafeInteger(l.totalCents) && l.totalCents >= 0).toBe(true);
        }
        expect(result.lines.reduce<number>((s, l) => s + l.totalCents, 0)).toBe(result.totalCents);
        expect(result.totalCents).toBeGreaterThanOrEqual(result.subtotalCents);
      }),
      { numRuns: 300 },
    );
  });

  it('names the quantity of any line taken out of 1–99', () => {
    fc.assert(
      fc.property(
        validCart,
        fc.nat(),
        fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 100 })),
        (c, pick, quantity) => {
          const index = pick % c.items.length;
          const items = c.items.map((l, i) => (i === index ? { ...l, quantity } : l));
          const result = priceCart(menu, { ...c, items }, options);
          expect(result.ok ? [] : result.errors.map((e) => e.field)).toEqual([
            `items.${index}.quantity`,
          ]);
        },
      ),
    );
  });
});
