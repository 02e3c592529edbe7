import { MenuDocument } from '@pos/contracts';
import { describe, expect, it } from 'vitest';
import { demoInventory } from './inventory.js';
import { demoMenu } from './menu.js';

const ALLERGENS = new Set([
  'gluten',
  'dairy',
  'egg',
  'nuts',
  'peanuts',
  'shellfish',
  'fish',
  'soy',
  'sesame',
]);

function isEan13(code: string): boolean {
  if (!/^\d{13}$/.test(code)) return false;
  const digits = [...code].map(Number);
  const sum = digits.slice(0, 12).reduce((s, d, i) => s + d * (i % 2 === 0 ? 1 : 3), 0);
  return (10 - (sum % 10)) % 10 === digits[12];
}

describe('demo menu', () => {
  const menu = demoMenu();

  it('is a valid version 1 menu document in USD', () => {
    const parsed = MenuDocument.safeParse(demoMenu());
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    expect(menu.version).toBe(1);
    expect(menu.currency).toBe('USD');
  });

  it('has a full menu: at least 48 items in at least 7 coloured categories', () => {
    expect(menu.items.length).toBeGreaterThanOrEqual(48);
    expect(menu.categories.length).toBeGreaterThanOrEqual(7);
    for (const category of menu.categories) {
      expect(category.color).toMatch(/^#[0-9a-f]{6}$/i);
      expect(menu.items.some((i) => i.categoryId === category.id)).toBe(true);
    }
    expect(menu.stations.map((s) => s.id).sort()).toEqual(
      ['bar', 'cold', 'fryer', 'grill', 'pastry', 'pizza'].sort(),
    );
  });

  it('taxes beer and wine as alcohol and everything else as food, both exclusive', () => {
    expect(menu.taxCategories.map((t) => [t.id, t.inclusive])).toEqual([
      ['food', false],
      ['alcohol', false],
    ]);
    expect(menu.taxCategories.find((t) => t.id === 'alcohol')?.rateBasisPoints).toBe(1025);
    for (const item of menu.items) {
      expect(item.taxCategoryId, item.id).toBe(
        item.categoryId === 'beer-wine' ? 'alcohol' : 'food',
      );
    }
  });

  it('uses only the known allergens, whole positive prices and real EAN-13 barcodes', () => {
    const modifiers = menu.modifierGroups.flatMap((g) => g.modifiers);
    for (const a of [...menu.items, ...modifiers].flatMap((x) => x.allergens)) {
      expect(ALLERGENS.has(a), a).toBe(true);
    }
    const skus = menu.items.flatMap((i) => (i.sku ? [i.sku] : []));
    expect(skus.length).toBeGreaterThanOrEqual(5);
    expect(new Set(skus).size).toBe(skus.length);
    for (const sku of skus) expect(isEan13(sku), sku).toBe(true);
    for (const item of menu.items) {
      expect(item.priceCents).toBeGreaterThan(0);
      // The base price of a sized item is its smallest size, so a list shows "from $x".
      if (item.variants.length > 0) {
        expect(item.priceCents).toBe(Math.min(...item.variants.map((v) => v.priceCents)));
      }
    }
  });

  it('has the modifier groups the terminal relies on, with their limits', () => {
    const group = (id: string) => menu.modifierGroups.find((g) => g.id === id);
    expect(group('grp-burger-doneness')).toMatchObject({ minChoices: 1, maxChoices: 1 });
    expect(group('grp-burger-addons')).toMatchObject({ minChoices: 0, maxChoices: 5 });
    expect(group('grp-dressing')).toMatchObject({ minChoices: 1, maxChoices: 1 });
    expect(group('grp-protein')).toMatchObject({ minChoices: 0, maxChoices: 1 });
    expect(group('grp-pizza-toppings')).toMatchObject({ minChoices: 0, maxChoices: 6 });
    expect(group('grp-side-choice')).toMatchObject({ minChoices: 1, maxChoices: 1 });
    expect(group('grp-remove')?.modifiers.every((m) => m.priceDeltaCents === 0)).toBe(true);
    const addOn = (id: string) =>
      group('grp-burger-addons')?.modifiers.find((m) => m.id === id)?.priceDeltaCents;
    expect([addOn('mod-bacon'), addOn('mod-cheese'), addOn('mod-avocado')]).toEqual([
      200, 150, 250,
    ]);
    const used = new Set(menu.items.flatMap((i) => i.modifierGroupIds));
    for (const g of menu.modifierGroups) expect(used.has(g.id), g.id).toBe(true);
  });

  it('gives each call its own copy', () => {
    const a = demoMenu();
    (a.items[0] as { name: string }).name = 'Changed';
    expect(demoMenu().items[0]?.name).not.toBe('Changed');
  });
});

describe('demo inventory', () => {
  const menu = demoMenu();
  const seed = demoInventory();
  const items = new Map(menu.items.map((i) => [i.id as string, i]));
  const modifiers = new Set(menu.modifierGroups.flatMap((g) => g.modifiers.map((m) => m.id)));
  const ingredients = new Map(seed.ingredients.map((i) => [i.id, i]));

  it('has 3–4 suppliers and about 40 ingredients, each supplied by a known supplier', () => {
    expect(seed.suppliers.length).toBeGreaterThanOrEqual(3);
    expect(seed.suppliers.length).toBeLessThanOrEqual(4);
    expect(seed.ingredients.length).toBeGreaterThanOrEqual(35);
    expect(ingredients.size).toBe(seed.ingredients.length);
    const suppliers = new Set(seed.suppliers.map((s) => s.id));
    expect(suppliers.size).toBe(seed.suppliers.length);
    for (const i of seed.ingredients) expect(suppliers.has(i.supplierId ?? ''), i.id).toBe(true);
  });

  it('has sane whole-number levels, with a couple of ingredients close to running out', () => {
    for (const i of seed.ingredients) {
      for (const n of [i.onHand, i.reorderPoint, i.parLevel]) {
        expect(Number.isInteger(n) && n >= 0, i.id).toBe(true);
      }
      expect(i.reorderPoint, i.id).toBeLessThan(i.parLevel);
    }
    const low = seed.ingredients.filter((i) => i.onHand <= i.reorderPoint * 1.3);
    expect(low.map((i) => i.id)).toEqual(expect.arrayContaining(['ribeye', 'lobster-meat']));
    expect(low.length).toBeLessThanOrEqual(4);
  });

  it('has recipes that name only existing items, variants, modifiers and ingredients', () => {
    const keys = new Set<string>();
    for (const recipe of seed.recipes) {
      let key: string;
      if (recipe.kind === 'modifier') {
        expect(modifiers.has(recipe.modifierId as never), recipe.modifierId).toBe(true);
        key = `modifier:${recipe.modifierId}`;
      } else {
        const menuItem = items.get(recipe.menuItemId);
        expect(menuItem, recipe.menuItemId).toBeDefined();
        if (recipe.kind === 'variant') {
          const variants = menuItem?.variants.map((v) => v.id as string) ?? [];
          expect(variants, `${recipe.menuItemId}/${recipe.variantId}`).toContain(recipe.variantId);
          key = `variant:${recipe.menuItemId}:${recipe.variantId}`;
        } else {
          key = `item:${recipe.menuItemId}`;
        }
      }
      expect(keys.has(key), `duplicate recipe ${key}`).toBe(false);
      keys.add(key);
      expect(recipe.lines.length).toBeGreaterThan(0);
      for (const line of recipe.lines) {
        expect(ingredients.has(line.ingredientId), line.ingredientId).toBe(true);
        expect(Number.isInteger(line.quantity) && line.quantity > 0).toBe(true);
      }
    }
  });

  it('tracks most items, and a sized item for every size', () => {
    const tracked = menu.items.filter((item) =>
      seed.recipes.some((r) => r.kind !== 'modifier' && r.menuItemId === item.id),
    );
    expect(tracked.length / menu.items.length).toBeGreaterThanOrEqual(0.75);
    for (const item of tracked) {
      const hasItemRecipe = seed.recipes.some((r) => r.kind === 'item' && r.menuItemId === item.id);
      if (hasItemRecipe) continue;
      // Without an item recipe, a size with no recipe of its own would sell untracked.
      for (const v of item.variants) {
        const has = seed.recipes.some(
          (r) => r.kind === 'variant' && r.menuItemId === item.id && r.variantId === v.id,
        );
        expect(has, `${item.id}/${v.id}`).toBe(true);
      }
    }
  });

  it('uses every ingredient in some recipe', () => {
    const used = new Set(seed.recipes.flatMap((r) => r.lines.map((l) => l.ingredientId)));
    for (const i of seed.ingredients) expect(used.has(i.id), i.id).toBe(true);
  });
});
