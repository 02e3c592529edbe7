import { randomUUID } from 'node:crypto';
import { type CartInput, type CartLineInput, MenuDocument, priceCart } from '@pos/contracts';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoInventory } from '../demo/inventory.js';
import { demoMenu } from '../demo/menu.js';
import type { MenuModule } from '../menu/module.js';
import { type ApiClient, PINS, startTestHub, type TestHub } from '../testing/hub-harness.js';

// The cloud prices an online cart with `priceCart`; the hub later creates the same order
// through its ordinary order API. Both must arrive at the same figures to the cent, so this
// places random valid carts over the demo menu on a real hub and compares.

let t: TestHub;
let cashier: ApiClient;

beforeAll(async () => {
  // No recipes, so no item is stock-tracked: random carts would otherwise use up the demo stock
  // and the hub would 86 items mid-run. Stock has no part in the price.
  t = await startTestHub({ inventory: { seed: () => ({ ...demoInventory(), recipes: [] }) } });
  cashier = await t.as(PINS.cashier);
});
afterAll(() => t.stop());

/** Lines the menu accepts: a size when the item has sizes, each group's min..max choices. */
function validLines(menu: MenuDocument): fc.Arbitrary<CartLineInput[]> {
  const groups = new Map(menu.modifierGroups.map((g) => [g.id as string, g]));
  const servable = menu.items.filter((i) => i.available && !i.availableAt?.length);
  const line = fc.constantFrom(...servable).chain((item) =>
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
            if (!group) throw new Error(`menu lacks group ${id}`);
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
  return fc.array(line, { minLength: 1, maxLength: 8 });
}

async function placeOnHub(cart: CartInput) {
  const res = await cashier.post('/api/v1/orders', {
    id: randomUUID(),
    type: 'pickup',
    items: cart.items.map(({ variantId, ...line }) =>
      variantId === undefined ? line : { ...line, variantId },
    ),
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as {
    subtotalCents: number;
    taxCents: number;
    totalCents: number;
    items: { totalCents: number; unitPriceCents?: number }[];
  };
}

async function samePricesOnHub(menu: MenuDocument) {
  await fc.assert(
    fc.asyncProperty(validLines(menu), async (items) => {
      const cart: CartInput = { orderType: 'pickup', items };
      const cloud = priceCart(menu, cart, { at: Date.now(), timeZone: 'America/Chicago' });
      if (!cloud.ok) throw new Error(JSON.stringify(cloud.errors));
      const hub = await placeOnHub(cart);
      expect({
        subtotalCents: cloud.subtotalCents,
        taxCents: cloud.taxCents,
        totalCents: cloud.totalCents,
      }).toEqual({
        subtotalCents: hub.subtotalCents,
        taxCents: hub.taxCents,
        totalCents: hub.totalCents,
      });
      expect(cloud.lines.map((l) => l.totalCents)).toEqual(hub.items.map((i) => i.totalCents));
    }),
    { numRuns: 20 },
  );
}

describe('an online cart priced in the cloud and placed on the hub', () => {
  it('comes to the same subtotal, tax, total and line totals (tax added on top)', async () => {
    await samePricesOnHub(demoMenu());
  });

  it('comes to the same figures when the store publishes VAT-inclusive prices', async () => {
    const demo = demoMenu();
    const vat = MenuDocument.parse({
      ...demo,
      version: 2,
      taxCategories: demo.taxCategories.map((c, i) => ({
        ...c,
        rateBasisPoints: i === 0 ? 2_000 : 1_300,
        inclusive: true,
      })),
    });
    const menuModule = t.modules.find((m) => m.name === 'menu') as MenuModule;
    expect(menuModule.service().applyVersion(vat)).toMatchObject({ ok: true, version: 2 });
    await samePricesOnHub(vat);
    // The hub did take the new version: the tax is inside the price, not added to it.
    const fries = await placeOnHub({
      orderType: 'pickup',
      items: [{ menuItemId: 'side-fries', quantity: 2 }],
    });
    expect(fries).toMatchObject({ subtotalCents: 1190, taxCents: 198, totalCents: 1190 });
  });
});
