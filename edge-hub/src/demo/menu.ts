import { MenuDocument } from '@pos/contracts';
import type { z } from 'zod';
import { counterItems } from './menu-counter.js';
import { kitchenItems } from './menu-kitchen.js';

// The demo restaurant: "Harbour Street Kitchen", a neighbourhood American grill with a pizza
// oven and a bar. Its menu is what a fresh hub shows before the cloud has published anything,
// and what tests, the e2e suite and benchmarks order from. Ids are stable slugs so recipes,
// tests and scripts can name them.

type MenuInput = z.input<typeof MenuDocument>;
type GroupInput = NonNullable<MenuInput['modifierGroups']>[number];

/** The demo restaurant's name, for receipts and screens. */
export const DEMO_RESTAURANT_NAME = 'Harbour Street Kitchen';

const taxCategories: MenuInput['taxCategories'] = [
  // A Texas-style combined sales tax of 8.25 % on food, a higher rate on alcohol.
  { id: 'food', name: 'Food & non-alcoholic drinks', rateBasisPoints: 825, inclusive: false },
  { id: 'alcohol', name: 'Alcoholic beverages', rateBasisPoints: 1025, inclusive: false },
];

const stations: MenuInput['stations'] = [
  { id: 'grill', name: 'Grill' },
  { id: 'fryer', name: 'Fryer' },
  { id: 'cold', name: 'Cold Line' },
  { id: 'pizza', name: 'Pizza Oven' },
  { id: 'bar', name: 'Bar' },
  { id: 'pastry', name: 'Pastry' },
];

const categories: MenuInput['categories'] = [
  { id: 'starters', name: 'Starters', sortOrder: 10, color: '#e07a5f' },
  { id: 'salads', name: 'Salads', sortOrder: 20, color: '#81b29a' },
  { id: 'burgers-sandwiches', name: 'Burgers & Sandwiches', sortOrder: 30, color: '#c1121f' },
  { id: 'mains', name: 'Mains', sortOrder: 40, color: '#3d405b' },
  { id: 'pizza', name: 'Pizza', sortOrder: 50, color: '#f2a541' },
  { id: 'sides', name: 'Sides', sortOrder: 60, color: '#9c6644' },
  { id: 'desserts', name: 'Desserts', sortOrder: 70, color: '#b5838d' },
  { id: 'soft-drinks', name: 'Soft Drinks', sortOrder: 80, color: '#219ebc' },
  { id: 'coffee-tea', name: 'Coffee & Tea', sortOrder: 90, color: '#6f4e37' },
  { id: 'beer-wine', name: 'Beer & Wine', sortOrder: 100, color: '#6d2e46' },
];

const mod = (id: string, name: string, priceDeltaCents = 0, allergens: string[] = []) => ({
  id,
  name,
  priceDeltaCents,
  allergens,
});

const modifierGroups: GroupInput[] = [
  {
    id: 'grp-burger-doneness',
    name: 'Burger doneness',
    minChoices: 1,
    maxChoices: 1,
    modifiers: [
      mod('mod-burger-medium-rare', 'Medium rare'),
      mod('mod-burger-medium', 'Medium'),
      mod('mod-burger-medium-well', 'Medium well'),
      mod('mod-burger-well-done', 'Well done'),
    ],
  },
  {
    id: 'grp-steak-temp',
    name: 'Steak temperature',
    minChoices: 1,
    maxChoices: 1,
    modifiers: [
      mod('mod-steak-rare', 'Rare'),
      mod('mod-steak-medium-rare', 'Medium rare'),
      mod('mod-steak-medium', 'Medium'),
      mod('mod-steak-medium-well', 'Medium well'),
      mod('mod-steak-well-done', 'Well done'),
    ],
  },
  {
    id: 'grp-burger-addons',
    name: 'Add-ons',
    minChoices: 0,
    maxChoices: 5,
    modifiers: [
      mod('mod-bacon', 'Applewood bacon', 200),
      mod('mod-cheese', 'Extra cheddar', 150, ['dairy']),
      mod('mod-avocado', 'Avocado', 250),
      mod('mod-fried-egg', 'Fried egg', 200, ['egg']),
      mod('mod-caramelized-onions', 'Caramelized onions', 100),
      mod('mod-jalapenos', 'Pickled jalapeños', 75),
      mod('mod-extra-patty', 'Extra patty', 500),
      mod('mod-gluten-free-bun', 'Gluten-free bun', 200, ['egg']),
    ],
  },
  {
    id: 'grp-remove',
    name: 'Leave off',
    minChoices: 0,
    maxChoices: 6,
    modifiers: [
      mod('mod-no-onion', 'No onion'),
      mod('mod-no-tomato', 'No tomato'),
      mod('mod-no-lettuce', 'No lettuce'),
      mod('mod-no-pickles', 'No pickles'),
      mod('mod-no-sauce', 'No sauce'),
      mod('mod-no-cheese', 'No cheese'),
    ],
  },
  {
    id: 'grp-dressing',
    name: 'Dressing',
    minChoices: 1,
    maxChoices: 1,
    modifiers: [
      mod('mod-dressing-ranch', 'Buttermilk ranch', 0, ['dairy', 'egg']),
      mod('mod-dressing-blue-cheese', 'Blue cheese', 0, ['dairy', 'egg']),
      mod('mod-dressing-balsamic', 'Balsamic vinaigrette'),
      mod('mod-dressing-lemon', 'Lemon-herb vinaigrette'),
      mod('mod-dressing-honey-mustard', 'Honey mustard'),
      mod('mod-dressing-sesame-ginger', 'Sesame ginger', 0, ['sesame', 'soy']),
    ],
  },
  {
    id: 'grp-protein',
    name: 'Add protein',
    minChoices: 0,
    maxChoices: 1,
    modifiers: [
      mod('mod-add-chicken', 'Grilled chicken', 500),
      mod('mod-add-shrimp', 'Garlic shrimp', 700, ['shellfish']),
      mod('mod-add-salmon', 'Salmon fillet', 900, ['fish']),
      mod('mod-add-tofu', 'Crispy tofu', 400, ['soy']),
    ],
  },
  {
    id: 'grp-pizza-toppings',
    name: 'Extra toppings',
    minChoices: 0,
    maxChoices: 6,
    modifiers: [
      mod('mod-top-pepperoni', 'Pepperoni', 200),
      mod('mod-top-sausage', 'Italian sausage', 200),
      mod('mod-top-mushrooms', 'Mushrooms', 150),
      mod('mod-top-onions', 'Red onion', 100),
      mod('mod-top-peppers', 'Roasted peppers', 150),
      mod('mod-top-olives', 'Kalamata olives', 150),
      mod('mod-top-mozzarella', 'Extra mozzarella', 200, ['dairy']),
      mod('mod-top-anchovies', 'Anchovies', 200, ['fish']),
      mod('mod-top-pineapple', 'Pineapple', 150),
      mod('mod-top-hot-honey', 'Hot honey drizzle', 100),
    ],
  },
  {
    id: 'grp-side-choice',
    name: 'Choose a side',
    minChoices: 1,
    maxChoices: 1,
    modifiers: [
      mod('mod-side-fries', 'Hand-cut fries'),
      mod('mod-side-mash', 'Garlic mashed potatoes', 0, ['dairy']),
      mod('mod-side-veg', 'Seasonal vegetables'),
      mod('mod-side-salad', 'Side garden salad'),
      mod('mod-side-sweet-fries', 'Sweet potato fries', 150),
      mod('mod-side-mac', 'Mac & cheese', 200, ['gluten', 'dairy']),
    ],
  },
  {
    id: 'grp-wing-sauce',
    name: 'Wing sauce',
    minChoices: 1,
    maxChoices: 1,
    modifiers: [
      mod('mod-wings-buffalo', 'Classic buffalo', 0, ['dairy']),
      mod('mod-wings-bbq', 'Bourbon BBQ'),
      mod('mod-wings-garlic-parm', 'Garlic parmesan', 0, ['dairy']),
      mod('mod-wings-honey-sriracha', 'Honey sriracha'),
      mod('mod-wings-dry-rub', 'Old Bay dry rub'),
    ],
  },
  {
    id: 'grp-milk',
    name: 'Milk',
    minChoices: 0,
    maxChoices: 1,
    modifiers: [
      mod('mod-milk-whole', 'Whole milk', 0, ['dairy']),
      mod('mod-milk-skim', 'Skim milk', 0, ['dairy']),
      mod('mod-milk-oat', 'Oat milk', 75),
      mod('mod-milk-almond', 'Almond milk', 75, ['nuts']),
      mod('mod-milk-soy', 'Soy milk', 75, ['soy']),
    ],
  },
  {
    id: 'grp-coffee-extras',
    name: 'Coffee extras',
    minChoices: 0,
    maxChoices: 3,
    modifiers: [
      mod('mod-extra-shot', 'Extra espresso shot', 100),
      mod('mod-syrup-vanilla', 'Vanilla syrup', 75),
      mod('mod-syrup-caramel', 'Caramel syrup', 75, ['dairy']),
      mod('mod-decaf', 'Make it decaf'),
    ],
  },
  {
    id: 'grp-ice',
    name: 'Ice',
    minChoices: 0,
    maxChoices: 1,
    modifiers: [
      mod('mod-ice-regular', 'Regular ice'),
      mod('mod-ice-light', 'Light ice'),
      mod('mod-ice-extra', 'Extra ice'),
      mod('mod-ice-none', 'No ice'),
    ],
  },
];

/**
 * The demo restaurant's menu as version 1. A fresh object on every call, validated by the
 * contract, so a caller may change its copy freely.
 */
export function demoMenu(): MenuDocument {
  return MenuDocument.parse({
    version: 1,
    publishedAt: '2026-01-05T14:00:00.000Z',
    currency: 'USD',
    taxCategories,
    stations,
    categories,
    modifierGroups,
    items: [...kitchenItems(), ...counterItems()],
  } satisfies MenuInput);
}
