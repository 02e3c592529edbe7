import {
  DAIRY,
  EGG,
  GLUTEN,
  type ItemInput,
  inCategory,
  NUTS,
  pies,
  pours,
  SHELLFISH,
  sizes,
  wine,
} from './menu-item-kit.js';

// Pizza, sides, desserts and everything the bar pours.

export function counterItems(): ItemInput[] {
  const pizza = inCategory('pizza', { modifierGroupIds: ['grp-pizza-toppings'] });
  const side = inCategory('sides');
  const dessert = inCategory('desserts');
  const soft = inCategory('soft-drinks');
  const coffee = inCategory('coffee-tea', { modifierGroupIds: ['grp-milk', 'grp-coffee-extras'] });
  const booze = inCategory('beer-wine', { taxCategoryId: 'alcohol' });

  return [
    // Pizza (hand-stretched, 72-hour dough)
    pizza(
      'pizza-margherita',
      'pizza',
      'Margherita',
      1395,
      'San Marzano tomato, fresh mozzarella, basil, extra-virgin olive oil',
      { variants: pies(1395, 1895), allergens: [GLUTEN, DAIRY] },
    ),
    pizza(
      'pizza-pepperoni',
      'pizza',
      'Pepperoni',
      1495,
      'Tomato, mozzarella, cup-and-char pepperoni, oregano',
      { variants: pies(1495, 1995), allergens: [GLUTEN, DAIRY] },
    ),
    pizza(
      'pizza-bbq-chicken',
      'pizza',
      'BBQ Chicken',
      1595,
      'Bourbon BBQ sauce, roast chicken, red onion, smoked gouda, cilantro',
      { variants: pies(1595, 2195), allergens: [GLUTEN, DAIRY] },
    ),
    pizza(
      'pizza-garden',
      'pizza',
      'Garden Veggie',
      1495,
      'Tomato, mozzarella, mushrooms, roasted peppers, red onion, olives, spinach',
      { variants: pies(1495, 1995), allergens: [GLUTEN, DAIRY] },
    ),
    pizza(
      'pizza-white-clam',
      'pizza',
      'White Clam',
      1695,
      'New Haven style: chopped clams, garlic, oregano, pecorino, olive oil',
      { variants: pies(1695, 2295), allergens: [GLUTEN, DAIRY, SHELLFISH] },
    ),
    pizza(
      'pizza-pesto-burrata',
      'pizza',
      'Pesto Burrata',
      1595,
      'Basil pesto, burrata, cherry tomatoes, toasted pine nuts',
      { variants: pies(1595, 2195), allergens: [GLUTEN, DAIRY, NUTS] },
    ),

    // Sides
    side('side-fries', 'fryer', 'Hand-Cut Fries', 595, 'Twice-fried Kennebec potatoes, sea salt'),
    side('side-sweet-potato-fries', 'fryer', 'Sweet Potato Fries', 695, 'With chipotle aioli', {
      allergens: [EGG],
    }),
    side('side-onion-rings', 'fryer', 'Beer-Battered Onion Rings', 695, 'With ranch', {
      allergens: [GLUTEN, EGG, DAIRY],
    }),
    side(
      'side-mashed-potatoes',
      'grill',
      'Garlic Mashed Potatoes',
      595,
      'Yukon Golds, roasted garlic, butter',
      { allergens: [DAIRY] },
    ),
    side('side-seasonal-veg', 'grill', 'Seasonal Vegetables', 595, 'Grilled, olive oil, sea salt'),
    side(
      'side-mac-cheese',
      'grill',
      'Mac & Cheese',
      795,
      'Cavatappi, three-cheese sauce, toasted crumbs',
      { allergens: [GLUTEN, DAIRY] },
    ),
    side('side-coleslaw', 'cold', 'Coleslaw', 395, 'Creamy cabbage and carrot slaw', {
      allergens: [EGG],
    }),

    // Desserts
    dessert(
      'dessert-cheesecake',
      'pastry',
      'New York Cheesecake',
      995,
      'Graham cracker crust, strawberry compote',
      { allergens: [GLUTEN, DAIRY, EGG] },
    ),
    dessert(
      'dessert-brownie-sundae',
      'pastry',
      'Warm Brownie Sundae',
      1095,
      'Fudge brownie, vanilla gelato, hot fudge, candied walnuts',
      { allergens: [GLUTEN, DAIRY, EGG, NUTS] },
    ),
    dessert(
      'dessert-key-lime-pie',
      'pastry',
      'Key Lime Pie',
      895,
      'Tart key lime custard, graham crust, whipped cream',
      { allergens: [GLUTEN, DAIRY, EGG] },
    ),
    dessert(
      'dessert-apple-crisp',
      'pastry',
      'Apple Crisp',
      895,
      'Baked local apples, oat-walnut crumble, cinnamon gelato',
      { allergens: [GLUTEN, DAIRY, NUTS] },
    ),
    dessert(
      'dessert-gelato',
      'pastry',
      'Gelato, Two Scoops',
      695,
      'Vanilla bean, dark chocolate or salted caramel',
      { allergens: [DAIRY] },
    ),
    // Seasonal: listed in this version but not offered, so terminals show it greyed out.
    dessert(
      'dessert-pumpkin-pie',
      'pastry',
      'Pumpkin Pie',
      895,
      'Spiced pumpkin custard, bourbon whipped cream',
      { allergens: [GLUTEN, DAIRY, EGG], available: false },
    ),

    // Soft drinks
    soft('drink-cola', 'bar', 'Coca-Cola', 295, 'Fountain, free refills', {
      variants: sizes(295, 395),
      modifierGroupIds: ['grp-ice'],
    }),
    soft('drink-diet-cola', 'bar', 'Diet Coke', 295, 'Fountain, free refills', {
      variants: sizes(295, 395),
      modifierGroupIds: ['grp-ice'],
    }),
    soft('drink-lemonade', 'bar', 'Fresh-Squeezed Lemonade', 395, 'Squeezed to order', {
      variants: sizes(395, 495),
      modifierGroupIds: ['grp-ice'],
    }),
    soft('drink-iced-tea', 'bar', 'Unsweetened Iced Tea', 295, 'Brewed in house every morning', {
      variants: sizes(295, 395),
      modifierGroupIds: ['grp-ice'],
    }),
    soft('drink-ginger-beer', 'bar', 'Ginger Beer', 450, '12 oz bottle', { sku: '2004200000219' }),
    soft('drink-sparkling-water', 'bar', 'Sparkling Mineral Water', 450, '500 ml bottle', {
      sku: '2004200000288',
    }),
    soft('drink-root-beer', 'bar', 'Craft Root Beer', 450, '12 oz bottle', {
      sku: '2004200000356',
    }),
    soft('drink-na-ipa', 'bar', 'Non-Alcoholic IPA', 600, '12 oz can', {
      sku: '2004200000424',
      allergens: [GLUTEN],
    }),

    // Coffee & tea
    coffee('coffee-drip', 'bar', 'Drip Coffee', 295, 'Locally roasted, free refills', {
      variants: sizes(295, 345),
    }),
    coffee('coffee-latte', 'bar', 'Latte', 450, 'Double espresso, steamed milk', {
      variants: sizes(450, 525),
      allergens: [DAIRY],
    }),
    coffee('coffee-cappuccino', 'bar', 'Cappuccino', 450, 'Double espresso, milk foam', {
      variants: sizes(450, 525),
      allergens: [DAIRY],
    }),
    coffee('coffee-cold-brew', 'bar', 'Cold Brew', 425, 'Steeped 18 hours', {
      variants: sizes(425, 495),
      modifierGroupIds: ['grp-milk', 'grp-coffee-extras', 'grp-ice'],
    }),
    coffee('tea-hot', 'bar', 'Hot Tea', 295, 'English breakfast, green, chamomile or peppermint', {
      modifierGroupIds: ['grp-milk'],
    }),

    // Beer & wine
    booze('beer-ipa', 'bar', 'Harbour Street IPA', 550, 'House IPA on draft, 6.5 % ABV', {
      variants: pours(550, 850),
      allergens: [GLUTEN],
    }),
    booze('beer-lager', 'bar', 'Dockside Lager', 500, 'Crisp local lager on draft, 4.8 % ABV', {
      variants: pours(500, 750),
      allergens: [GLUTEN],
    }),
    booze('beer-stout', 'bar', 'Oatmeal Stout', 550, 'Roasty and smooth on nitro, 5.6 % ABV', {
      variants: pours(550, 850),
      allergens: [GLUTEN],
    }),
    booze('beer-cider', 'bar', 'Hudson Valley Hard Cider', 800, '16 oz can, 6.0 % ABV', {
      sku: '2004200000493',
    }),
    booze(
      'wine-cabernet',
      'bar',
      'Cabernet Sauvignon, Paso Robles',
      1400,
      'Black cherry, cedar, firm tannins',
      { variants: wine(1400, 5200) },
    ),
    booze('wine-pinot-grigio', 'bar', 'Pinot Grigio, Alto Adige', 1200, 'Crisp pear and citrus', {
      variants: wine(1200, 4400),
    }),
    booze('wine-rose', 'bar', 'Rosé, Côtes de Provence', 1300, 'Dry, strawberry and sea spray', {
      variants: wine(1300, 4800),
    }),
    booze('wine-prosecco', 'bar', 'Prosecco DOC', 1200, 'Fine bubbles, green apple', {
      variants: wine(1200, 4600),
    }),
  ];
}
