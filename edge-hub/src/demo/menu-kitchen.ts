import {
  DAIRY,
  EGG,
  FISH,
  GLUTEN,
  type ItemInput,
  inCategory,
  NUTS,
  PEANUTS,
  SESAME,
  SHELLFISH,
  SOY,
} from './menu-item-kit.js';

// The kitchen's savoury menu: starters, salads, burgers & sandwiches and mains.

const BURGER_GROUPS = ['grp-burger-doneness', 'grp-burger-addons', 'grp-remove'];
const SANDWICH_GROUPS = ['grp-burger-addons', 'grp-remove'];

export function kitchenItems(): ItemInput[] {
  const starter = inCategory('starters');
  const salad = inCategory('salads');
  const burger = inCategory('burgers-sandwiches');
  const main = inCategory('mains', { modifierGroupIds: ['grp-side-choice'] });

  return [
    // Starters
    starter(
      'starter-calamari',
      'fryer',
      'Crispy Calamari',
      1395,
      'Lightly fried squid, pickled cherry peppers, lemon aioli',
      { allergens: [SHELLFISH, GLUTEN, EGG] },
    ),
    starter(
      'starter-wings',
      'fryer',
      'Chicken Wings',
      1295,
      'Crispy wings in your choice of sauce, celery, blue cheese dip',
      {
        variants: [
          { id: '6pc', name: '6 pieces', priceCents: 1295 },
          { id: '12pc', name: '12 pieces', priceCents: 2195 },
        ],
        modifierGroupIds: ['grp-wing-sauce'],
        allergens: [DAIRY, EGG],
      },
    ),
    starter(
      'starter-mozzarella-sticks',
      'fryer',
      'Mozzarella Sticks',
      995,
      'Hand-breaded mozzarella, San Marzano marinara',
      { allergens: [GLUTEN, DAIRY, EGG] },
    ),
    starter(
      'starter-shrimp-cocktail',
      'cold',
      'Shrimp Cocktail',
      1595,
      'Five chilled jumbo shrimp, horseradish cocktail sauce, lemon',
      { allergens: [SHELLFISH] },
    ),
    starter(
      'starter-nachos',
      'fryer',
      'Loaded Nachos',
      1395,
      'Tortilla chips, cheddar, black beans, pico de gallo, jalapeños, sour cream, guacamole',
      { modifierGroupIds: ['grp-protein'], allergens: [DAIRY] },
    ),
    starter(
      'starter-chowder',
      'grill',
      'New England Clam Chowder',
      795,
      'Creamy chowder with littleneck clams and potatoes, oyster crackers',
      {
        variants: [
          { id: 'cup', name: 'Cup', priceCents: 795 },
          { id: 'bowl', name: 'Bowl', priceCents: 1095 },
        ],
        allergens: [SHELLFISH, DAIRY, GLUTEN],
      },
    ),
    starter(
      'starter-hummus',
      'cold',
      'Hummus & Warm Pita',
      1095,
      "Lemon-tahini hummus, olive oil, za'atar, grilled pita",
      { allergens: [SESAME, GLUTEN] },
    ),

    // Salads
    salad(
      'salad-caesar',
      'cold',
      'Classic Caesar',
      1295,
      'Romaine hearts, shaved parmesan, garlic croutons, anchovy dressing',
      { modifierGroupIds: ['grp-protein', 'grp-remove'], allergens: [GLUTEN, DAIRY, EGG, FISH] },
    ),
    salad(
      'salad-cobb',
      'cold',
      'Harbour Cobb',
      1595,
      'Chopped greens, grilled chicken, bacon, avocado, egg, blue cheese, tomato',
      { modifierGroupIds: ['grp-dressing', 'grp-remove'], allergens: [EGG, DAIRY] },
    ),
    salad(
      'salad-house',
      'cold',
      'House Garden Salad',
      995,
      'Mixed greens, cucumber, cherry tomatoes, shaved carrot, red onion',
      { modifierGroupIds: ['grp-dressing', 'grp-protein', 'grp-remove'] },
    ),
    salad(
      'salad-kale',
      'cold',
      'Kale & Quinoa Salad',
      1395,
      'Tuscan kale, quinoa, roasted squash, dried cranberries, toasted almonds',
      { modifierGroupIds: ['grp-dressing', 'grp-protein'], allergens: [NUTS] },
    ),
    salad(
      'salad-burrata',
      'cold',
      'Burrata Caprese',
      1495,
      'Creamy burrata, heirloom tomatoes, basil, aged balsamic, grilled sourdough',
      { allergens: [DAIRY, GLUTEN] },
    ),

    // Burgers & Sandwiches (served with hand-cut fries)
    burger(
      'burger-classic',
      'grill',
      'Classic Cheeseburger',
      1595,
      '6 oz grass-fed beef, aged cheddar, lettuce, tomato, pickles, house sauce, brioche bun',
      {
        modifierGroupIds: BURGER_GROUPS,
        allergens: [GLUTEN, DAIRY, EGG, SESAME],
        sku: '2004200000073',
      },
    ),
    burger(
      'burger-bacon',
      'grill',
      'Smokehouse Bacon Burger',
      1795,
      'Beef patty, applewood bacon, smoked gouda, crispy onions, bourbon BBQ sauce',
      {
        modifierGroupIds: BURGER_GROUPS,
        allergens: [GLUTEN, DAIRY, EGG, SESAME],
        sku: '2004200000141',
      },
    ),
    burger(
      'burger-mushroom',
      'grill',
      'Mushroom Swiss Burger',
      1695,
      'Beef patty, sautéed cremini mushrooms, Swiss cheese, garlic aioli',
      { modifierGroupIds: BURGER_GROUPS, allergens: [GLUTEN, DAIRY, EGG, SESAME] },
    ),
    burger(
      'burger-double-smash',
      'grill',
      'Double Smash Burger',
      1895,
      'Two smashed patties cooked through, American cheese, grilled onions, pickles, special sauce',
      { modifierGroupIds: SANDWICH_GROUPS, allergens: [GLUTEN, DAIRY, EGG, SESAME] },
    ),
    burger(
      'burger-veggie',
      'grill',
      'Black Bean Veggie Burger',
      1495,
      'House black bean and quinoa patty, avocado, pickled onion, chipotle mayo',
      { modifierGroupIds: SANDWICH_GROUPS, allergens: [GLUTEN, SOY, EGG, SESAME] },
    ),
    burger(
      'sandwich-crispy-chicken',
      'fryer',
      'Crispy Chicken Sandwich',
      1495,
      'Buttermilk-fried chicken, slaw, bread-and-butter pickles, hot honey',
      { modifierGroupIds: SANDWICH_GROUPS, allergens: [GLUTEN, DAIRY, EGG] },
    ),
    burger(
      'sandwich-lobster-roll',
      'cold',
      'Maine Lobster Roll',
      2895,
      'Chilled Maine lobster, lemon mayo, chives, toasted split-top roll',
      { allergens: [SHELLFISH, GLUTEN, DAIRY, EGG] },
    ),
    burger(
      'sandwich-blt',
      'grill',
      'Harbour BLT',
      1295,
      'Thick-cut bacon, heirloom tomato, crisp lettuce, mayo, toasted sourdough',
      { modifierGroupIds: SANDWICH_GROUPS, allergens: [GLUTEN, EGG] },
    ),
    burger(
      'sandwich-fried-cod',
      'fryer',
      'Fried Cod Sandwich',
      1495,
      'Beer-battered Atlantic cod, tartar sauce, shredded lettuce, brioche bun',
      { modifierGroupIds: ['grp-remove'], allergens: [FISH, GLUTEN, EGG, DAIRY] },
    ),
    burger(
      'sandwich-grilled-cheese',
      'grill',
      'Three-Cheese Grilled Cheese',
      1195,
      'Cheddar, Swiss and fontina on buttered sourdough, tomato soup for dipping',
      { modifierGroupIds: ['grp-burger-addons'], allergens: [GLUTEN, DAIRY] },
    ),

    // Mains (each with a side)
    main(
      'main-ribeye',
      'grill',
      '12 oz Ribeye',
      3895,
      'Dry-aged ribeye, herb butter, charred scallion',
      { modifierGroupIds: ['grp-steak-temp', 'grp-side-choice'], allergens: [DAIRY] },
    ),
    main(
      'main-salmon',
      'grill',
      'Cedar-Plank Salmon',
      2695,
      'Atlantic salmon, maple-mustard glaze, grilled lemon',
      { allergens: [FISH] },
    ),
    main(
      'main-fish-chips',
      'fryer',
      'Beer-Battered Fish & Chips',
      2195,
      'Atlantic cod, hand-cut fries, coleslaw, tartar sauce',
      { modifierGroupIds: [], allergens: [FISH, GLUTEN, EGG] },
    ),
    main(
      'main-roast-chicken',
      'grill',
      'Half Roast Chicken',
      2395,
      'Brined and roasted free-range chicken, lemon-thyme jus',
    ),
    main(
      'main-shrimp-scampi',
      'grill',
      'Shrimp Scampi Linguine',
      2495,
      'Gulf shrimp, garlic, white wine, butter, chili flakes, parsley',
      { modifierGroupIds: [], allergens: [SHELLFISH, GLUTEN, DAIRY] },
    ),
    main(
      'main-short-rib',
      'grill',
      'Braised Short Rib',
      2995,
      'Red-wine braised beef short rib, horseradish gremolata',
      { allergens: [DAIRY] },
    ),
    main(
      'main-risotto',
      'grill',
      'Wild Mushroom Risotto',
      1995,
      'Arborio rice, wild mushrooms, parmesan, truffle oil',
      { modifierGroupIds: ['grp-protein'], allergens: [DAIRY] },
    ),
    main(
      'main-tofu-stir-fry',
      'grill',
      'Sesame Tofu Stir-Fry',
      1795,
      'Crispy tofu, seasonal vegetables, jasmine rice, peanut-chili sauce',
      { modifierGroupIds: ['grp-protein'], allergens: [SOY, SESAME, PEANUTS] },
    ),
  ];
}
