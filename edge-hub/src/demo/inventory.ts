import type { InventorySeed, RecipeLine } from '../inventory/seed-types.js';

// Stock for the demo restaurant (see `demoMenu`) at the start of a trading day. Levels carry a
// busy service (a couple of hundred covers) with two exceptions chosen so that 86ing can be
// shown within minutes: the ribeye (6 steaks, below its reorder point) and the lobster meat
// (1.5 kg, about ten lobster rolls). Burrata is low too. Items without a recipe (hummus, iced
// tea, bottled sodas…) are deliberately not stock-tracked, as in many real kitchens.

type Ingredient = InventorySeed['ingredients'][number];
type Recipe = InventorySeed['recipes'][number];

function ingredient(
  id: string,
  name: string,
  unit: Ingredient['unit'],
  levels: { onHand: number; reorderPoint: number; parLevel: number },
  supplierId: string,
): Ingredient {
  return { id, name, unit, ...levels, supplierId };
}

const lines = (quantities: Record<string, number>): RecipeLine[] =>
  Object.entries(quantities).map(([ingredientId, quantity]) => ({ ingredientId, quantity }));

const item = (menuItemId: string, q: Record<string, number>): Recipe => ({
  kind: 'item',
  menuItemId,
  lines: lines(q),
});

const variant = (menuItemId: string, variantId: string, q: Record<string, number>): Recipe => ({
  kind: 'variant',
  menuItemId,
  variantId,
  lines: lines(q),
});

const modifier = (modifierId: string, q: Record<string, number>): Recipe => ({
  kind: 'modifier',
  modifierId,
  lines: lines(q),
});

const MEAT = 'sup-bay-provisions';
const SEA = 'sup-atlantic-seafood';
const FARM = 'sup-harbour-produce';
const DRINKS = 'sup-metro-beverage';

/** A fresh copy of the demo restaurant's suppliers, stock levels and recipes. */
export function demoInventory(): InventorySeed {
  const lv = (onHand: number, reorderPoint: number, parLevel: number) => ({
    onHand,
    reorderPoint,
    parLevel,
  });
  return {
    suppliers: [
      {
        id: MEAT,
        name: 'Bay Meat & Provisions',
        phone: '+1 718 555 0142',
        email: 'orders@baymeat.example',
        leadTimeDays: 2,
      },
      {
        id: SEA,
        name: 'Atlantic Seafood Traders',
        phone: '+1 212 555 0187',
        email: 'dock@atlanticseafood.example',
        leadTimeDays: 1,
      },
      {
        id: FARM,
        name: 'Harbour Produce Co.',
        phone: '+1 718 555 0110',
        email: 'hello@harbourproduce.example',
        leadTimeDays: 1,
      },
      {
        id: DRINKS,
        name: 'Metro Beverage Distributors',
        phone: '+1 646 555 0163',
        email: 'accounts@metrobev.example',
        leadTimeDays: 3,
      },
    ],
    ingredients: [
      ingredient('beef-patty', 'Beef patty, 6 oz', 'each', lv(150, 60, 220), MEAT),
      ingredient('bacon', 'Applewood bacon', 'g', lv(6_000, 2_000, 8_000), MEAT),
      ingredient('chicken-breast', 'Chicken breast', 'g', lv(14_000, 4_000, 18_000), MEAT),
      ingredient('chicken-wings', 'Chicken wings', 'g', lv(15_000, 5_000, 20_000), MEAT),
      ingredient('half-chicken', 'Half chicken', 'each', lv(24, 8, 30), MEAT),
      ingredient('ribeye', 'Dry-aged ribeye, 12 oz', 'each', lv(6, 8, 24), MEAT),
      ingredient('short-rib', 'Braised short rib portion', 'each', lv(16, 6, 20), MEAT),
      ingredient('pepperoni', 'Pepperoni', 'g', lv(5_000, 1_500, 6_000), MEAT),
      ingredient('cheddar', 'Aged cheddar', 'g', lv(6_000, 2_000, 8_000), MEAT),
      ingredient('mozzarella', 'Mozzarella', 'g', lv(25_000, 8_000, 30_000), MEAT),
      ingredient('parmesan', 'Parmigiano-Reggiano', 'g', lv(3_000, 1_000, 4_000), MEAT),
      ingredient('burrata', 'Burrata, 4 oz', 'each', lv(8, 6, 16), MEAT),
      ingredient('eggs', 'Eggs, large', 'each', lv(240, 60, 360), MEAT),
      ingredient('cream', 'Heavy cream', 'ml', lv(8_000, 2_000, 10_000), MEAT),
      ingredient('whole-milk', 'Whole milk', 'ml', lv(20_000, 6_000, 24_000), MEAT),
      ingredient('oat-milk', 'Oat milk', 'ml', lv(6_000, 2_000, 8_000), MEAT),
      ingredient('brioche-bun', 'Brioche bun', 'each', lv(160, 60, 220), MEAT),
      ingredient('pizza-dough', 'Pizza dough', 'g', lv(45_000, 15_000, 50_000), MEAT),
      ingredient('tofu', 'Firm tofu', 'g', lv(4_000, 1_500, 5_000), MEAT),
      ingredient('cheesecake-slice', 'Cheesecake slice', 'each', lv(14, 6, 24), MEAT),
      ingredient('brownie', 'Fudge brownie', 'each', lv(20, 8, 30), MEAT),
      ingredient('gelato', 'Gelato', 'ml', lv(10_000, 3_000, 12_000), MEAT),
      ingredient('coffee-beans', 'Coffee beans', 'g', lv(6_000, 2_000, 8_000), MEAT),

      ingredient('lobster-meat', 'Maine lobster meat', 'g', lv(1_500, 1_200, 5_000), SEA),
      ingredient('shrimp', 'Shrimp, 16/20', 'g', lv(8_000, 2_500, 10_000), SEA),
      ingredient('salmon-fillet', 'Salmon fillet, 7 oz', 'each', lv(20, 8, 30), SEA),
      ingredient('cod-fillet', 'Atlantic cod', 'g', lv(10_000, 3_000, 12_000), SEA),
      ingredient('calamari', 'Calamari, cleaned', 'g', lv(5_000, 1_500, 6_000), SEA),
      ingredient('clams', 'Chopped clams', 'g', lv(4_000, 1_500, 6_000), SEA),

      ingredient('potatoes', 'Kennebec potatoes', 'g', lv(60_000, 20_000, 80_000), FARM),
      ingredient('sweet-potatoes', 'Sweet potatoes', 'g', lv(12_000, 4_000, 15_000), FARM),
      ingredient('onions', 'Onions', 'g', lv(12_000, 4_000, 15_000), FARM),
      ingredient('tomatoes', 'Tomatoes', 'g', lv(10_000, 3_000, 12_000), FARM),
      ingredient('lettuce', 'Romaine and leaf lettuce', 'g', lv(8_000, 2_500, 10_000), FARM),
      ingredient('kale', 'Tuscan kale', 'g', lv(3_000, 1_000, 4_000), FARM),
      ingredient('mushrooms', 'Cremini and wild mushrooms', 'g', lv(6_000, 2_000, 8_000), FARM),
      ingredient('avocado', 'Avocado', 'g', lv(4_000, 1_500, 5_000), FARM),
      ingredient('lemons', 'Lemons', 'each', lv(150, 50, 200), FARM),
      ingredient('mixed-vegetables', 'Seasonal vegetables', 'g', lv(10_000, 3_000, 12_000), FARM),

      ingredient('cola-syrup', 'Cola syrup (bag-in-box)', 'ml', lv(19_000, 5_000, 38_000), DRINKS),
      ingredient('ginger-beer', 'Ginger beer, 12 oz bottle', 'each', lv(48, 24, 72), DRINKS),
      ingredient('ipa-keg', 'Harbour Street IPA (keg)', 'ml', lv(58_600, 15_000, 117_000), DRINKS),
      ingredient('lager-keg', 'Dockside Lager (keg)', 'ml', lv(58_600, 15_000, 117_000), DRINKS),
      ingredient('cabernet', 'Cabernet Sauvignon', 'ml', lv(9_000, 3_000, 13_500), DRINKS),
      ingredient('pinot-grigio', 'Pinot Grigio', 'ml', lv(9_000, 3_000, 13_500), DRINKS),
      ingredient('prosecco', 'Prosecco', 'ml', lv(9_000, 3_000, 13_500), DRINKS),
    ],
    recipes: recipes(),
  };
}

/** What one portion uses. Sandwiches and burgers include their fries (250 g of potatoes). */
function recipes(): Recipe[] {
  const FRIES = 250;
  const burger = (extra: Record<string, number>) =>
    ({ 'brioche-bun': 1, potatoes: FRIES, ...extra }) as Record<string, number>;
  const pie = (id: string, ten: Record<string, number>, fourteen: Record<string, number>) => [
    variant(id, '10in', { 'pizza-dough': 250, ...ten }),
    variant(id, '14in', { 'pizza-dough': 420, ...fourteen }),
  ];
  const pour = (id: string, keg: string) => [
    variant(id, 'half', { [keg]: 237 }),
    variant(id, 'pint', { [keg]: 473 }),
  ];
  const wine = (id: string, ingredientId: string) => [
    variant(id, 'glass', { [ingredientId]: 180 }),
    variant(id, 'bottle', { [ingredientId]: 750 }),
  ];
  return [
    item('starter-calamari', { calamari: 170, lemons: 1 }),
    variant('starter-wings', '6pc', { 'chicken-wings': 300 }),
    variant('starter-wings', '12pc', { 'chicken-wings': 600 }),
    item('starter-mozzarella-sticks', { mozzarella: 150, eggs: 1 }),
    item('starter-shrimp-cocktail', { shrimp: 150, lemons: 1 }),
    item('starter-nachos', { cheddar: 80, avocado: 60, tomatoes: 60 }),
    variant('starter-chowder', 'cup', { clams: 60, cream: 120, potatoes: 60 }),
    variant('starter-chowder', 'bowl', { clams: 100, cream: 200, potatoes: 100 }),

    item('salad-caesar', { lettuce: 150, parmesan: 20 }),
    item('salad-cobb', { lettuce: 120, 'chicken-breast': 120, bacon: 30, avocado: 60, eggs: 1 }),
    item('salad-house', { lettuce: 120, tomatoes: 50, onions: 15 }),
    item('salad-kale', { kale: 100 }),
    item('salad-burrata', { burrata: 1, tomatoes: 120 }),

    item('burger-classic', burger({ 'beef-patty': 1, cheddar: 30, lettuce: 20, tomatoes: 30 })),
    item('burger-bacon', burger({ 'beef-patty': 1, bacon: 40, onions: 30 })),
    item('burger-mushroom', burger({ 'beef-patty': 1, mushrooms: 60 })),
    item('burger-double-smash', burger({ 'beef-patty': 2, cheddar: 40, onions: 30 })),
    item('burger-veggie', burger({ avocado: 50 })),
    item('sandwich-crispy-chicken', burger({ 'chicken-breast': 180, eggs: 1 })),
    item('sandwich-lobster-roll', burger({ 'lobster-meat': 140 })),
    item('sandwich-blt', { bacon: 60, tomatoes: 60, lettuce: 20, potatoes: FRIES }),
    item('sandwich-fried-cod', burger({ 'cod-fillet': 170, lettuce: 20 })),
    item('sandwich-grilled-cheese', { cheddar: 90, potatoes: FRIES }),

    // A main's side is the side-choice modifier's recipe.
    item('main-ribeye', { ribeye: 1 }),
    item('main-salmon', { 'salmon-fillet': 1, lemons: 1 }),
    item('main-fish-chips', { 'cod-fillet': 220, potatoes: 300 }),
    item('main-roast-chicken', { 'half-chicken': 1, lemons: 1 }),
    item('main-shrimp-scampi', { shrimp: 170, lemons: 1 }),
    item('main-short-rib', { 'short-rib': 1 }),
    item('main-risotto', { mushrooms: 120, parmesan: 30 }),
    item('main-tofu-stir-fry', { tofu: 200, 'mixed-vegetables': 150 }),

    ...pie(
      'pizza-margherita',
      { mozzarella: 120, tomatoes: 80 },
      { mozzarella: 200, tomatoes: 130 },
    ),
    ...pie(
      'pizza-pepperoni',
      { mozzarella: 120, tomatoes: 80, pepperoni: 50 },
      { mozzarella: 200, tomatoes: 130, pepperoni: 85 },
    ),
    ...pie(
      'pizza-bbq-chicken',
      { mozzarella: 100, 'chicken-breast': 80, onions: 30 },
      { mozzarella: 170, 'chicken-breast': 130, onions: 50 },
    ),
    ...pie(
      'pizza-garden',
      { mozzarella: 120, tomatoes: 80, mushrooms: 50, 'mixed-vegetables': 60 },
      { mozzarella: 200, tomatoes: 130, mushrooms: 80, 'mixed-vegetables': 100 },
    ),
    ...pie('pizza-white-clam', { clams: 90, parmesan: 20 }, { clams: 150, parmesan: 35 }),
    ...pie('pizza-pesto-burrata', { burrata: 1, tomatoes: 50 }, { burrata: 1, tomatoes: 80 }),

    item('side-fries', { potatoes: 300 }),
    item('side-sweet-potato-fries', { 'sweet-potatoes': 300 }),
    item('side-onion-rings', { onions: 200, eggs: 1 }),
    item('side-mashed-potatoes', { potatoes: 250, cream: 40 }),
    item('side-seasonal-veg', { 'mixed-vegetables': 200 }),
    item('side-mac-cheese', { cheddar: 100, cream: 60 }),

    item('dessert-cheesecake', { 'cheesecake-slice': 1 }),
    item('dessert-brownie-sundae', { brownie: 1, gelato: 120 }),
    item('dessert-apple-crisp', { gelato: 60 }),
    item('dessert-gelato', { gelato: 180 }),

    variant('drink-cola', 'small', { 'cola-syrup': 80 }),
    variant('drink-cola', 'large', { 'cola-syrup': 120 }),
    variant('drink-lemonade', 'small', { lemons: 3 }),
    variant('drink-lemonade', 'large', { lemons: 4 }),
    item('drink-ginger-beer', { 'ginger-beer': 1 }),
    variant('coffee-drip', 'small', { 'coffee-beans': 15 }),
    variant('coffee-drip', 'large', { 'coffee-beans': 22 }),
    variant('coffee-latte', 'small', { 'coffee-beans': 18, 'whole-milk': 240 }),
    variant('coffee-latte', 'large', { 'coffee-beans': 18, 'whole-milk': 360 }),
    variant('coffee-cappuccino', 'small', { 'coffee-beans': 18, 'whole-milk': 150 }),
    variant('coffee-cappuccino', 'large', { 'coffee-beans': 18, 'whole-milk': 220 }),
    variant('coffee-cold-brew', 'small', { 'coffee-beans': 25 }),
    variant('coffee-cold-brew', 'large', { 'coffee-beans': 35 }),

    ...pour('beer-ipa', 'ipa-keg'),
    ...pour('beer-lager', 'lager-keg'),
    ...wine('wine-cabernet', 'cabernet'),
    ...wine('wine-pinot-grigio', 'pinot-grigio'),
    ...wine('wine-prosecco', 'prosecco'),

    modifier('mod-bacon', { bacon: 30 }),
    modifier('mod-cheese', { cheddar: 30 }),
    modifier('mod-avocado', { avocado: 60 }),
    modifier('mod-fried-egg', { eggs: 1 }),
    modifier('mod-caramelized-onions', { onions: 50 }),
    modifier('mod-extra-patty', { 'beef-patty': 1 }),
    modifier('mod-add-chicken', { 'chicken-breast': 150 }),
    modifier('mod-add-shrimp', { shrimp: 120 }),
    modifier('mod-add-salmon', { 'salmon-fillet': 1 }),
    modifier('mod-add-tofu', { tofu: 150 }),
    modifier('mod-top-pepperoni', { pepperoni: 40 }),
    modifier('mod-top-mushrooms', { mushrooms: 40 }),
    modifier('mod-top-onions', { onions: 30 }),
    modifier('mod-top-mozzarella', { mozzarella: 80 }),
    modifier('mod-side-fries', { potatoes: FRIES }),
    modifier('mod-side-mash', { potatoes: 200, cream: 30 }),
    modifier('mod-side-veg', { 'mixed-vegetables': 150 }),
    modifier('mod-side-salad', { lettuce: 80, tomatoes: 30 }),
    modifier('mod-side-sweet-fries', { 'sweet-potatoes': FRIES }),
    modifier('mod-side-mac', { cheddar: 80, cream: 40 }),
    // Recipes only add, so an oat-milk latte also counts the whole milk of the latte's recipe:
    // stock errs on the low side, which is the safe side for 86ing.
    modifier('mod-milk-oat', { 'oat-milk': 240 }),
    modifier('mod-extra-shot', { 'coffee-beans': 9 }),
  ];
}
