// The guests' ordering app (seed §10) at /order/: pick a store, order from its menu, check the
// cart, check out as a guest and pay. The screen follows the address (`?store=` for a store's
// menu, `&view=cart` or `&view=checkout`), so Back works; a QR code on a table opens
// `?store=<id>&table=<tableId>` for dine-in at that table. No build step, no framework.

import { currentGuest } from './account/session.js';
import {
  clampQuantity,
  describeLine,
  estimateCents,
  lineCount,
  loadCart,
  MAX_NOTES,
  saveCart,
} from './cart.js';
import { checkoutScreen } from './checkout.js';
import { api, el, fill, money, notice } from './lib.js';
import { menuSections, openItemDialog } from './menu.js';

const app = document.getElementById('app');
const bar = document.getElementById('cart-bar');
const menus = new Map();

function params() {
  const q = new URLSearchParams(location.search);
  return { storeId: q.get('store') ?? '', view: q.get('view') ?? '', table: q.get('table') ?? '' };
}

function go(next) {
  const q = new URLSearchParams();
  if (next.storeId) q.set('store', next.storeId);
  if (next.view) q.set('view', next.view);
  history.pushState(null, '', `/order/${q.size ? `?${q}` : ''}`);
  show();
}

/** A link that changes screen without reloading (a normal link for a new tab). */
function link(next, label, attrs = {}) {
  const q = new URLSearchParams();
  if (next.storeId) q.set('store', next.storeId);
  if (next.view) q.set('view', next.view);
  return el(
    'a',
    {
      href: `/order/${q.size ? `?${q}` : ''}`,
      onclick: (e) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        go(next);
      },
      ...attrs,
    },
    label,
  );
}

let turn = 0;

async function show() {
  const mine = ++turn;
  const { storeId, view, table } = params();
  bar.replaceChildren();
  bar.hidden = true;
  app.setAttribute('aria-busy', 'true');
  try {
    if (!storeId) await storesScreen(mine);
    else {
      if (table) {
        // The table from the QR code goes in the cart; the address then forgets it.
        const cart = loadCart(storeId);
        cart.orderType = 'dine-in';
        cart.tableId = table;
        saveCart(storeId, cart);
        history.replaceState(null, '', `/order/?store=${encodeURIComponent(storeId)}`);
      }
      const data = await storeMenu(storeId);
      if (mine !== turn) return;
      if (view === 'cart') cartScreen(data, storeId);
      else if (view === 'checkout') checkout(data, storeId);
      else menuScreen(data, storeId);
    }
  } catch (err) {
    if (mine !== turn) return;
    const box = el('div');
    fill(
      app,
      el('h1', {}, 'Something went wrong'),
      box,
      el('p', {}, link({}, 'Back to the stores')),
    );
    notice(box, err.status === 404 ? 'This store has no menu online yet.' : err.message, 'error');
  } finally {
    if (mine === turn) app.removeAttribute('aria-busy');
  }
  if (mine === turn) app.querySelector('h1')?.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

async function storeMenu(storeId) {
  let data = menus.get(storeId);
  if (!data) {
    data = await api('GET', `/api/v1/online/stores/${encodeURIComponent(storeId)}/menu`);
    menus.set(storeId, data);
  }
  return data;
}

/** "Tue 11:00" (or "11:00" today) in the store's own time zone. */
function opening(store) {
  if (!store.opensAt) return '';
  const at = new Date(store.opensAt);
  const timeZone = store.hours?.timeZone;
  const day = (d) => new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'short' }).format(d);
  const time = new Intl.DateTimeFormat('en-GB', { timeZone, timeStyle: 'short' }).format(at);
  if (day(at) === day(new Date())) return time;
  const weekday = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short' }).format(at);
  return `${weekday} ${time}`;
}

/** A line on why a store takes no orders now, for the list of stores. */
function closedLine(store) {
  if (store.reason === 'closed') {
    const at = opening(store);
    return at ? `Closed now · opens ${at}` : 'Closed now';
  }
  return "This store can't take online orders right now";
}

async function storesScreen(mine) {
  const { stores } = await api('GET', '/api/v1/online/stores');
  if (mine !== turn) return;
  const shown = stores.filter((s) => s.reason !== 'not-enrolled');
  fill(
    app,
    el('h1', { tabindex: '-1' }, 'Order online'),
    el('p', { class: 'lead' }, 'Choose a store to see its menu.'),
    shown.length === 0
      ? el('p', { class: 'notice info' }, 'No stores are taking orders online yet.')
      : el(
          'ul',
          { class: 'stores' },
          ...shown.map((s) =>
            el(
              'li',
              { 'data-store': s.storeId, class: s.acceptingOrders ? 'open' : 'closed' },
              link(
                { storeId: s.storeId },
                [
                  el('span', { class: 'name' }, s.name),
                  el(
                    'span',
                    { class: 'state', 'data-col': 'state' },
                    s.acceptingOrders ? 'Open for online orders' : closedLine(s),
                  ),
                ],
                { class: 'store' },
              ),
            ),
          ),
        ),
  );
}

function storeHeader(store, back) {
  return [
    el('p', { class: 'back' }, back ?? link({}, '← All stores')),
    el('h1', { tabindex: '-1' }, store.name),
    store.hours
      ? el('p', { class: 'hours', 'data-testid': 'hours' }, `Open ${store.hours.description}`)
      : undefined,
    store.acceptingOrders
      ? undefined
      : el(
          'p',
          { class: 'notice error', role: 'status', 'data-testid': 'closed' },
          store.reason === 'closed'
            ? `${closedLine(store)}. You can look at the menu and order once it opens.`
            : "This store can't take online orders right now. You can look at the menu; ordering opens again when the store is back online.",
        ),
  ];
}

function menuScreen({ store, menu }, storeId) {
  const cart = loadCart(storeId);
  const announce = el('div', { class: 'sr-only', 'aria-live': 'polite' });
  const open = (item) =>
    openItemDialog(menu, item, cart, (added, quantity) => {
      saveCart(storeId, cart);
      announce.textContent = `${quantity} × ${added.name} added to your cart`;
      cartBar(menu, cart, storeId);
    });
  fill(
    app,
    ...storeHeader(store),
    cart.orderType === 'dine-in' && cart.tableId
      ? el('p', { class: 'where' }, `Dine in · table ${cart.tableId}`)
      : undefined,
    ...menuSections(menu, open),
    announce,
  );
  cartBar(menu, cart, storeId);
}

/** The bar at the bottom of the menu: how many things, the estimate, and the way to the cart. */
function cartBar(menu, cart, storeId) {
  const count = lineCount(cart);
  bar.hidden = count === 0;
  bar.replaceChildren(
    count === 0
      ? ''
      : link(
          { storeId, view: 'cart' },
          [
            el(
              'span',
              { 'data-testid': 'cart-count' },
              `View cart · ${count} ${count === 1 ? 'item' : 'items'}`,
            ),
            el('span', {}, money(estimateCents(menu, cart), menu.currency)),
          ],
          { class: 'cart-link' },
        ),
  );
}

function cartScreen({ store, menu }, storeId) {
  const cart = loadCart(storeId);
  const currency = menu.currency;
  const list = el('ul', { class: 'cart-lines' });
  const subtotal = el('dd', { 'data-total': 'estimate' });
  const continueLink = el('div');
  const message = el('div', { class: 'message' });
  const save = () => saveCart(storeId, cart);
  const changed = () => {
    save();
    draw();
  };

  function draw() {
    const rows = cart.lines.map((line) => cartLine(menu, line, currency, cart, { changed, save }));
    list.replaceChildren(...rows);
    subtotal.textContent = money(estimateCents(menu, cart), currency);
    const problems = cart.lines.filter((l) => describeLine(menu, l).problem).length;
    if (cart.lines.length === 0) {
      continueLink.replaceChildren(
        el('p', {}, 'Your cart is empty. ', link({ storeId }, 'See the menu')),
      );
    } else if (!store.acceptingOrders) {
      continueLink.replaceChildren(
        el(
          'p',
          { class: 'notice error' },
          store.reason === 'closed'
            ? `${closedLine(store)}.`
            : "This store can't take online orders right now.",
        ),
      );
    } else if (problems) {
      continueLink.replaceChildren(
        el('p', { class: 'notice error' }, 'Remove what is no longer available to continue.'),
      );
    } else {
      continueLink.replaceChildren(
        link({ storeId, view: 'checkout' }, 'Go to checkout', { class: 'button primary wide' }),
      );
    }
  }

  const dineIn = cart.tableId
    ? el(
        'fieldset',
        { class: 'order-type' },
        el('legend', {}, 'How would you like it?'),
        ...[
          ['pickup', 'Pickup at the counter'],
          ['dine-in', `Dine in at table ${cart.tableId}`],
        ].map(([value, label]) =>
          el(
            'label',
            { class: 'choice' },
            el('input', {
              type: 'radio',
              name: 'orderType',
              value,
              checked: cart.orderType === value,
              onchange: () => {
                cart.orderType = value;
                saveCart(storeId, cart);
              },
            }),
            label,
          ),
        ),
      )
    : el('p', { class: 'where' }, `Pickup at ${store.name}`);

  fill(
    app,
    el('p', { class: 'back' }, link({ storeId }, '← Back to the menu')),
    el('h1', { tabindex: '-1' }, 'Your cart'),
    list,
    el('dl', { class: 'totals' }, el('dt', {}, 'Subtotal (estimate)'), subtotal),
    el('p', { class: 'hint' }, 'Tax and the final total are shown at checkout.'),
    dineIn,
    message,
    continueLink,
  );
  draw();
}

function cartLine(menu, line, currency, cart, { changed, save }) {
  const d = describeLine(menu, line);
  const setQty = (n) => {
    line.quantity = clampQuantity(n);
    changed();
  };
  const qty = el('input', {
    type: 'number',
    min: '1',
    max: '99',
    inputmode: 'numeric',
    value: String(line.quantity),
    'aria-label': `Quantity of ${d.item?.name ?? 'item'}`,
    class: 'qty',
    onchange: (e) => setQty(Number(e.target.value)),
  });
  const name = d.item?.name ?? 'Item no longer on the menu';
  return el(
    'li',
    { class: d.problem ? 'cart-line off' : 'cart-line', 'data-line': line.lineId ?? '' },
    el(
      'div',
      { class: 'line-head' },
      el(
        'span',
        { class: 'name' },
        name,
        d.variant ? el('small', {}, d.variant.name) : undefined,
        ...(d.modifiers ?? []).map((m) => el('small', {}, m.name)),
      ),
      el('span', { class: 'price' }, money(d.totalCents, currency)),
    ),
    d.problem ? el('p', { class: 'unavailable' }, d.problem) : undefined,
    el(
      'div',
      { class: 'line-controls' },
      el(
        'div',
        { class: 'stepper', role: 'group', 'aria-label': `Quantity of ${name}` },
        el(
          'button',
          {
            type: 'button',
            'aria-label': `One fewer ${name}`,
            disabled: line.quantity <= 1,
            onclick: () => setQty(line.quantity - 1),
          },
          '−',
        ),
        qty,
        el(
          'button',
          {
            type: 'button',
            'aria-label': `One more ${name}`,
            disabled: line.quantity >= 99,
            onclick: () => setQty(line.quantity + 1),
          },
          '+',
        ),
      ),
      el(
        'button',
        {
          type: 'button',
          class: 'link',
          onclick: () => {
            cart.lines.splice(cart.lines.indexOf(line), 1);
            changed();
          },
        },
        `Remove `,
        el('span', { class: 'sr-only' }, name),
      ),
    ),
    el(
      'label',
      { class: 'field notes' },
      'Notes',
      el('input', {
        type: 'text',
        value: line.notes ?? '',
        maxlength: String(MAX_NOTES),
        placeholder: 'e.g. no onions',
        onchange: (e) => {
          line.notes = e.target.value.slice(0, MAX_NOTES);
          save();
        },
      }),
    ),
  );
}

function checkout({ store, menu }, storeId) {
  const cart = loadCart(storeId);
  if (cart.lines.length === 0) return go({ storeId, view: 'cart' });
  const root = el('div', { class: 'checkout' });
  fill(
    app,
    el('p', { class: 'back' }, link({ storeId, view: 'cart' }, '← Back to the cart')),
    root,
  );
  if (!store.acceptingOrders) {
    root.replaceChildren(
      el('h1', { tabindex: '-1' }, 'Checkout'),
      el(
        'p',
        { class: 'notice error', role: 'alert' },
        store.reason === 'closed'
          ? `${store.name} is ${closedLine(store).toLowerCase()}.`
          : `${store.name} can't take online orders right now.`,
      ),
    );
    return;
  }
  checkoutScreen(root, { store, menu, cart, storeId });
  root.querySelector('h1')?.setAttribute('tabindex', '-1');
  prefillGuest(root);
}

/** A signed-in guest's name and email in the empty checkout fields (their points need it). */
function prefillGuest(root) {
  const guest = currentGuest();
  if (!guest) return;
  for (const [field, value] of [
    ['customer.name', guest.name],
    ['customer.email', guest.email],
  ]) {
    const input = root.querySelector(`input[data-field="${field}"]`);
    if (input && !input.value && value) input.value = value;
  }
}

/** The header's link: "Sign in", or the guest's rewards once signed in. */
function accountLink() {
  const a = document.getElementById('account-link');
  if (a) a.textContent = currentGuest() ? 'Your rewards' : 'Sign in';
}

window.addEventListener('popstate', show);
accountLink();
show();
