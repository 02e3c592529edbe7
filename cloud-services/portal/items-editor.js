// The items of the menu draft: one row each (name, category, price, station, tax, on sale) and
// a folded row with the description, image and modifier groups. An item can be saved on its
// own for a quick price change; everything else is saved with the draft.

import { draft } from './draft.js';
import { centsInput, checkbox, choice, textInput } from './fields.js';
import {
  addForm,
  attempt,
  describeWindows,
  el,
  money,
  notice,
  slugFor,
  table,
  toCents,
} from './lib.js';

let filterText = '';
const expanded = new Set();

const byOrder = (a, b) => a.sortOrder - b.sortOrder;

function thumbnail(item) {
  const box = el('span', { class: 'thumb', 'data-thumb': item.id });
  const paint = () => {
    box.replaceChildren(
      item.imageUrl
        ? el('img', {
            src: item.imageUrl,
            alt: '',
            loading: 'lazy',
            onerror: () => box.classList.add('broken'),
            onload: () => box.classList.remove('broken'),
          })
        : el('span', { 'aria-hidden': 'true' }, (item.name || '?').slice(0, 1)),
    );
  };
  paint();
  box.paint = paint;
  return box;
}

function matches(item, d) {
  if (!filterText) return true;
  const cat = d.categories.find((c) => c.id === item.categoryId)?.name ?? '';
  return `${item.name} ${item.id} ${cat}`.toLowerCase().includes(filterText.toLowerCase());
}

export function itemsSection(ctx) {
  const { d } = ctx;
  const categories = [...d.categories]
    .sort(byOrder)
    .map((c) => ({ value: c.id, label: c.name || c.id }));
  const stations = d.stations.map((s) => ({ value: s.id, label: s.name || s.id }));
  const taxes = d.taxCategories.map((t) => ({ value: t.id, label: t.name || t.id }));
  const body = el('tbody');
  d.items.forEach((item, i) => {
    for (const row of itemRows(ctx, item, i, { categories, stations, taxes })) body.append(row);
  });
  const filter = el('input', {
    type: 'search',
    value: filterText,
    placeholder: 'Find an item',
    'aria-label': 'Find an item',
    'data-focus': 'item-filter',
    oninput: (e) => {
      filterText = e.target.value;
      for (const row of body.querySelectorAll('tr[data-item]')) {
        const item = d.items.find((it) => it.id === row.dataset.item);
        row.hidden =
          !(item && matches(item, d)) || (row.classList.contains('more') && !expanded.has(item.id));
      }
    },
  });
  const name = el('input', {
    name: 'new-item',
    placeholder: 'New item',
    'aria-label': 'New item name',
    required: true,
  });
  const category = el(
    'select',
    { 'aria-label': 'New item category' },
    ...categories.map((c) => el('option', { value: c.value }, c.label)),
  );
  const price = el('input', {
    type: 'number',
    step: '0.01',
    min: '0',
    class: 'money',
    placeholder: '0.00',
    'aria-label': 'New item price',
    required: true,
  });
  const add = addForm('Add item', [name, category, price], () => {
    const id = slugFor(
      name.value,
      d.items.map((it) => it.id),
      'item',
    );
    d.items.push({
      id,
      name: name.value.trim(),
      categoryId: category.value,
      priceCents: toCents(price.value),
      variants: [],
      modifierGroupIds: [],
      taxCategoryId: d.taxCategories[0]?.id ?? '',
      stationId: d.stations[0]?.id ?? '',
      allergens: [],
      available: true,
    });
    filterText = '';
    ctx.rerender();
    ctx.scope.querySelector(`[data-item-name="${CSS.escape(id)}"]`)?.focus();
  });
  return el(
    'section',
    { 'aria-labelledby': 'items-heading' },
    el('h2', { id: 'items-heading' }, `Items (${d.items.length})`),
    el('p', { class: 'row' }, filter),
    table(['', 'Item', 'Category', 'Price', 'Station', 'Tax', 'On sale', '', '', ''], body, {
      class: 'items',
    }),
    add,
  );
}

function itemRows(ctx, item, i, options) {
  const { d } = ctx;
  const path = `items.${i}`;
  const thumb = thumbnail(item);
  const shown = matches(item, d);
  const more = el('tr', {
    class: 'more',
    'data-item': item.id,
    hidden: !(shown && expanded.has(item.id)),
  });
  const toggle = el(
    'button',
    {
      type: 'button',
      'aria-expanded': String(expanded.has(item.id)),
      'aria-label': `More about ${item.name}`,
      'data-focus': `more-${item.id}`,
      onclick: () => {
        const open = !expanded.has(item.id);
        if (open) expanded.add(item.id);
        else expanded.delete(item.id);
        more.hidden = !open;
        toggle.setAttribute('aria-expanded', String(open));
      },
    },
    'More',
  );
  more.addEventListener('reveal', () => {
    expanded.add(item.id);
    toggle.setAttribute('aria-expanded', 'true');
  });
  const save = el(
    'button',
    {
      type: 'button',
      'data-save': item.id,
      onclick: () =>
        attempt(save, ctx.scope, ctx.message, async () => {
          try {
            await draft.saveItem(item);
          } catch (err) {
            // The item's own fields come back without the draft's path in front.
            err.errors = err.errors.map((e) => ({ ...e, field: `${path}.${e.field}` }));
            throw err;
          }
          ctx.changed();
          notice(ctx.message, `${item.name} saved to the draft`);
        }),
    },
    'Save',
  );
  const main = el(
    'tr',
    { 'data-item': item.id, hidden: !shown },
    el('td', {}, thumb),
    el(
      'td',
      {},
      textInput(item, 'name', ctx.changed, {
        'aria-label': 'Item name',
        'data-field': `${path}.name`,
        'data-item-name': item.id,
      }),
    ),
    el(
      'td',
      {},
      choice(item, 'categoryId', options.categories, ctx.changed, {
        'aria-label': `${item.name} category`,
        'data-field': `${path}.categoryId`,
        'data-kind': 'categoryId',
        'data-category-of': item.id,
      }),
    ),
    el(
      'td',
      {},
      centsInput(item, 'priceCents', ctx.changed, {
        min: '0',
        'aria-label': `${item.name} price`,
        'data-price': item.id,
        'data-field': `${path}.priceCents`,
      }),
    ),
    el(
      'td',
      {},
      choice(item, 'stationId', options.stations, ctx.changed, {
        'aria-label': `${item.name} station`,
        'data-field': `${path}.stationId`,
        'data-kind': 'stationId',
      }),
    ),
    el(
      'td',
      {},
      choice(item, 'taxCategoryId', options.taxes, ctx.changed, {
        'aria-label': `${item.name} tax category`,
        'data-field': `${path}.taxCategoryId`,
        'data-kind': 'taxCategoryId',
      }),
    ),
    el(
      'td',
      {},
      checkbox(item, 'available', ctx.changed, {
        'aria-label': `${item.name} on sale`,
        'data-field': `${path}.available`,
      }),
    ),
    el('td', {}, toggle),
    el('td', {}, save),
    el(
      'td',
      {},
      el(
        'button',
        {
          type: 'button',
          'aria-label': `Remove ${item.name}`,
          onclick: () => {
            d.items.splice(i, 1);
            // Its own prices in stores go with it, as the menu service does.
            if (Array.isArray(d.priceOverrides))
              d.priceOverrides = d.priceOverrides.filter((o) => o.itemId !== item.id);
            ctx.rerender();
            notice(ctx.message, `${item.name} removed from the draft (not saved yet)`);
          },
        },
        'Remove',
      ),
    ),
  );
  more.append(el('td'), el('td', { colspan: '9' }, details(ctx, item, path, thumb)));
  // Enter in the item's row saves the item, as its Save button does.
  main.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && e.target.tagName === 'INPUT') {
      e.preventDefault();
      save.click();
    }
  });
  return [main, more];
}

function details(ctx, item, path, thumb) {
  const { d } = ctx;
  const image = textInput(
    item,
    'imageUrl',
    ctx.changed,
    {
      type: 'url',
      placeholder: 'https://…',
      'aria-label': `${item.name} image URL`,
      'data-field': `${path}.imageUrl`,
      onchange: () => thumb.paint(),
    },
    { optional: true },
  );
  const description = el('textarea', {
    rows: '2',
    maxlength: '500',
    'aria-label': `${item.name} description`,
    'data-field': `${path}.description`,
    oninput: (e) => {
      if (e.target.value.trim() === '') delete item.description;
      else item.description = e.target.value;
      ctx.changed();
    },
  });
  description.value = item.description ?? '';
  item.modifierGroupIds ??= [];
  const groups = el(
    'fieldset',
    { class: 'choices', 'data-field': `${path}.modifierGroupIds`, tabindex: '-1' },
    el('legend', {}, 'Modifier groups'),
    ...(d.modifierGroups.length === 0 ? [el('small', {}, 'No modifier groups yet')] : []),
    ...d.modifierGroups.map((g) =>
      el(
        'label',
        {},
        el('input', {
          type: 'checkbox',
          checked: item.modifierGroupIds.includes(g.id),
          'data-attach': `${item.id}:${g.id}`,
          onchange: (e) => {
            const ids = item.modifierGroupIds.filter((id) => id !== g.id);
            // Keep the groups in the order they were attached; the terminal asks in that order.
            item.modifierGroupIds = e.target.checked ? [...ids, g.id] : ids;
            ctx.changed();
          },
        }),
        el('span', { 'data-group-label': g.id }, ` ${g.name || g.id}`),
      ),
    ),
  );
  const ownPrices = (d.priceOverrides ?? []).filter((o) => o.itemId === item.id);
  const kept = [
    item.variants?.length ? `Sizes: ${item.variants.map((v) => v.name).join(', ')}` : '',
    item.allergens?.length ? `Allergens: ${item.allergens.join(', ')}` : '',
    item.sku ? `SKU ${item.sku}` : '',
    item.availableAt?.length ? `Served ${describeWindows(item.availableAt)}` : '',
    ownPrices.length
      ? `Own prices: ${ownPrices.map((o) => `${o.storeId}${o.variantId ? ` (${o.variantId})` : ''} ${money(o.priceCents)}`).join(', ')}`
      : '',
  ].filter(Boolean);
  return el(
    'div',
    { class: 'details' },
    el('label', {}, 'Description', description),
    el('label', {}, 'Image URL', image),
    groups,
    kept.length ? el('p', { class: 'hint' }, kept.join(' · ')) : '',
    el('small', { class: 'id' }, `id ${item.id}`),
  );
}
