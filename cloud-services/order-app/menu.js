// A store's menu as a guest orders from it: categories, items with photo, description and
// price; an item opens a dialog for its size, modifiers (their min/max rules checked before it
// goes in the cart), quantity and notes. Items the kitchen has run out of are shown greyed with
// the reason and cannot be added.

import { addLine, clampQuantity, groupError, groupRule, MAX_NOTES, MAX_QUANTITY } from './cart.js';
import { el, money } from './lib.js';

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** "Mon–Fri 06:00–11:00" from serving windows, shown as a hint (the server has the last word). */
function servedWhen(windows) {
  return windows
    .map((w) => {
      const days =
        !w.days || w.days.length === 7
          ? ''
          : `${[...w.days]
              .sort()
              .map((d) => WEEKDAYS[d - 1])
              .join(', ')} `;
      return `${days}${w.from}–${w.to}`;
    })
    .join('; ');
}

/** The menu's sections, one per category that has items, in the menu's order. */
export function menuSections(menu, onOpen) {
  const currency = menu.currency;
  const categories = [...menu.categories].sort((a, b) => a.sortOrder - b.sortOrder);
  const withItems = categories
    .map((c) => ({ category: c, items: menu.items.filter((i) => i.categoryId === c.id) }))
    .filter((c) => c.items.length > 0);
  const nav = el(
    'nav',
    { class: 'categories', 'aria-label': 'Menu categories' },
    ...withItems.map(({ category }) => el('a', { href: `#cat-${category.id}` }, category.name)),
  );
  const sections = withItems.map(({ category, items }) =>
    el(
      'section',
      { class: 'category', id: `cat-${category.id}`, 'aria-labelledby': `h-${category.id}` },
      el('h2', { id: `h-${category.id}` }, category.name),
      category.availableAt?.length
        ? el('p', { class: 'hint' }, `Served ${servedWhen(category.availableAt)}`)
        : undefined,
      el('ul', { class: 'items' }, ...items.map((item) => itemCard(item, currency, onOpen))),
    ),
  );
  return [nav, ...sections];
}

function itemCard(item, currency, onOpen) {
  const off = item.available === false;
  const price =
    item.variants?.length > 0
      ? `from ${money(Math.min(...item.variants.map((v) => v.priceCents)), currency)}`
      : money(item.priceCents, currency);
  const body = [
    item.imageUrl
      ? el('img', { src: item.imageUrl, alt: '', loading: 'lazy', class: 'photo' })
      : el('span', { class: 'photo none', 'aria-hidden': 'true' }),
    el(
      'span',
      { class: 'text' },
      el('span', { class: 'name' }, item.name),
      item.description ? el('span', { class: 'description' }, item.description) : undefined,
      item.availableAt?.length
        ? el('span', { class: 'hint' }, `Served ${servedWhen(item.availableAt)}`)
        : undefined,
      off
        ? el('span', { class: 'unavailable' }, item.unavailableReason ?? 'Not available right now')
        : undefined,
    ),
    el('span', { class: 'price' }, price),
  ];
  return el(
    'li',
    { class: off ? 'item off' : 'item', 'data-item': item.id },
    off
      ? el('div', { class: 'item-body', 'aria-disabled': 'true' }, ...body)
      : el(
          'button',
          {
            type: 'button',
            class: 'item-body',
            'aria-haspopup': 'dialog',
            onclick: () => onOpen(item),
          },
          ...body,
        ),
  );
}

/**
 * The dialog for one item: size, modifiers, quantity and notes. "Add to cart" checks every
 * group's rule and says what is missing beside the group; a group at its maximum disables the
 * choices left. Calls `onAdded()` after the line is in `cart`.
 */
export function openItemDialog(menu, item, cart, onAdded) {
  const currency = menu.currency;
  const groups = (item.modifierGroupIds ?? [])
    .map((id) => menu.modifierGroups?.find((g) => g.id === id))
    .filter(Boolean);
  let quantity = 1;
  const total = el('span', { class: 'total' });
  const message = el('div', { class: 'message', 'aria-live': 'polite' });

  const sizes =
    item.variants?.length > 0
      ? el(
          'fieldset',
          { class: 'group', 'data-group': 'size', tabindex: '-1' },
          el('legend', {}, 'Size ', el('small', {}, 'Required, choose 1')),
          ...item.variants.map((v, i) =>
            el(
              'label',
              { class: 'choice' },
              el('input', {
                type: 'radio',
                name: 'variant',
                value: v.id,
                checked: i === 0,
                onchange: update,
              }),
              el('span', {}, v.name),
              el('span', { class: 'delta' }, money(v.priceCents, currency)),
            ),
          ),
        )
      : undefined;

  const groupSets = groups.map((g) => {
    const single = g.minChoices === 1 && g.maxChoices === 1;
    return el(
      'fieldset',
      { class: 'group', 'data-group': g.id, tabindex: '-1' },
      el('legend', {}, `${g.name} `, el('small', {}, groupRule(g))),
      ...g.modifiers.map((m) =>
        el(
          'label',
          { class: 'choice' },
          el('input', {
            type: single ? 'radio' : 'checkbox',
            name: `group-${g.id}`,
            value: m.id,
            onchange: update,
          }),
          el('span', {}, m.name),
          m.priceDeltaCents
            ? el(
                'span',
                { class: 'delta' },
                `${m.priceDeltaCents > 0 ? '+' : '−'}${money(Math.abs(m.priceDeltaCents), currency)}`,
              )
            : undefined,
        ),
      ),
    );
  });

  const qtyValue = el('output', { class: 'qty', 'aria-live': 'polite' }, '1');
  const stepper = el(
    'div',
    { class: 'stepper', role: 'group', 'aria-label': 'Quantity' },
    el(
      'button',
      { type: 'button', 'aria-label': 'One fewer', onclick: () => setQuantity(quantity - 1) },
      '−',
    ),
    qtyValue,
    el(
      'button',
      { type: 'button', 'aria-label': 'One more', onclick: () => setQuantity(quantity + 1) },
      '+',
    ),
  );
  const notes = el('input', {
    type: 'text',
    name: 'notes',
    maxlength: String(MAX_NOTES),
    autocomplete: 'off',
    placeholder: 'e.g. no onions',
  });
  const addButton = el('button', { type: 'submit', class: 'primary' }, 'Add to cart ', total);

  const dialog = el(
    'dialog',
    { class: 'item-dialog', 'aria-labelledby': 'item-dialog-title' },
    el(
      'form',
      { method: 'dialog', onsubmit: add, novalidate: true },
      el(
        'header',
        {},
        el('h2', { id: 'item-dialog-title' }, item.name),
        el(
          'button',
          { type: 'button', class: 'close', 'aria-label': 'Close', onclick: () => dialog.close() },
          '×',
        ),
      ),
      item.imageUrl ? el('img', { src: item.imageUrl, alt: '', class: 'hero' }) : undefined,
      item.description ? el('p', { class: 'description' }, item.description) : undefined,
      sizes,
      ...groupSets,
      el('label', { class: 'field' }, 'Notes for the kitchen (optional)', notes),
      el('div', { class: 'dialog-actions' }, stepper, addButton),
      message,
    ),
  );
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  update();
  dialog.showModal();

  function setQuantity(n) {
    quantity = clampQuantity(n);
    qtyValue.textContent = String(quantity);
    update();
  }

  function chosen() {
    const variantId = sizes?.querySelector('input:checked')?.value;
    const modifierIds = groups.flatMap((g) =>
      [...dialog.querySelectorAll(`input[name="group-${CSS.escape(g.id)}"]:checked`)].map(
        (i) => i.value,
      ),
    );
    return { variantId, modifierIds };
  }

  /** Price as chosen; a group at its maximum disables its other choices. */
  function update() {
    const { variantId, modifierIds } = chosen();
    const base = variantId
      ? (item.variants.find((v) => v.id === variantId)?.priceCents ?? item.priceCents)
      : item.priceCents;
    const deltas = groups
      .flatMap((g) => g.modifiers)
      .filter((m) => modifierIds.includes(m.id))
      .reduce((sum, m) => sum + m.priceDeltaCents, 0);
    total.textContent = money((base + deltas) * quantity, currency);
    groups.forEach((g, i) => {
      if (g.minChoices === 1 && g.maxChoices === 1) return;
      const boxes = [...groupSets[i].querySelectorAll('input')];
      const full = boxes.filter((b) => b.checked).length >= g.maxChoices;
      for (const b of boxes) b.disabled = full && !b.checked;
      groupSets[i].toggleAttribute('data-full', full);
    });
    for (const set of dialog.querySelectorAll('fieldset[aria-invalid] ')) {
      const g = groups.find((x) => x.id === set.dataset.group);
      if (g && !groupError(g, set.querySelectorAll('input:checked').length)) clearGroup(set);
    }
  }

  function clearGroup(set) {
    set.removeAttribute('aria-invalid');
    set.removeAttribute('aria-describedby');
    set.querySelector('.field-error')?.remove();
  }

  function add(e) {
    e.preventDefault();
    let firstBad;
    groups.forEach((g, i) => {
      const set = groupSets[i];
      clearGroup(set);
      const error = groupError(g, set.querySelectorAll('input:checked').length);
      if (!error) return;
      const id = `err-${g.id}`;
      set.setAttribute('aria-invalid', 'true');
      set.setAttribute('aria-describedby', id);
      set.querySelector('legend').after(el('span', { class: 'field-error', id }, error));
      firstBad ??= set;
    });
    if (firstBad) {
      firstBad.scrollIntoView({ block: 'nearest' });
      firstBad.querySelector('input:not(:disabled)')?.focus();
      return;
    }
    const { variantId, modifierIds } = chosen();
    addLine(cart, {
      menuItemId: item.id,
      ...(variantId ? { variantId } : {}),
      modifierIds,
      quantity: Math.min(quantity, MAX_QUANTITY),
      ...(notes.value.trim() ? { notes: notes.value.trim().slice(0, MAX_NOTES) } : {}),
    });
    dialog.close();
    onAdded(item, quantity);
  }
}
