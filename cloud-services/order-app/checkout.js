// Checkout as a guest and paying by card. The details are checked in the page first; the order
// is placed with an Idempotency-Key made once per attempt and sent again on a retry of the same
// cart and details, so a lost answer never places two orders. The server's lines and totals are
// then shown (they are what is charged), then the card form. The Pay button is disabled while
// paying, and the same card again reuses its key: a double click never charges twice.

import { asGuest, currentGuest } from './account/session.js';
import { cartItems, clearCart, describeLine } from './cart.js';
import {
  api,
  clearErrors,
  el,
  fill,
  money,
  notice,
  orderTokens,
  showErrors,
  trackUrl,
  uuid,
} from './lib.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?[0-9 ()\-.]{7,20}$/;

/** The guest's details checked before anything is sent; `{field, message}` like the API's. */
export function checkDetails({ name, phone, email }) {
  const errors = [];
  if (!name.trim()) errors.push({ field: 'customer.name', message: 'Enter your name' });
  if (!phone.trim() && !email.trim()) {
    errors.push({
      field: 'customer.phone',
      message: 'Enter a phone number or an email address so the store can reach you',
    });
  }
  if (phone.trim() && (!PHONE.test(phone.trim()) || phone.replace(/\D/g, '').length < 7)) {
    errors.push({ field: 'customer.phone', message: 'Enter a phone number, e.g. +1 555 010 9999' });
  }
  if (email.trim() && !EMAIL.test(email.trim())) {
    errors.push({
      field: 'customer.email',
      message: 'Enter an email address, e.g. ana@example.com',
    });
  }
  return errors;
}

const pendingKey = (storeId) => `order.pending.${storeId}`;
/** One key per distinct request: a retry of the same body reuses it, a changed body gets a new one. */
const attempts = new Map();
function keyFor(kind, body) {
  const signature = `${kind}:${JSON.stringify(body)}`;
  let key = attempts.get(signature);
  if (!key) {
    key = uuid();
    attempts.set(signature, key);
  }
  return key;
}

/**
 * The checkout screen in `root`: a summary of the cart (errors on lines land there), the
 * guest's details, then the server's order and the card form.
 */
export function checkoutScreen(root, { store, menu, cart, storeId }) {
  const currency = menu.currency;
  const message = el('div', { class: 'message' });
  const field = (name, label, attrs) => {
    const input = el('input', {
      name,
      'data-field': `customer.${name}`,
      id: `f-${name}`,
      ...attrs,
    });
    return [
      input,
      el('label', { class: 'field', for: `f-${name}`, 'data-error-after': true }, label, input),
    ];
  };
  const [nameInput, nameField] = field('name', 'Name', {
    type: 'text',
    autocomplete: 'name',
    required: true,
    maxlength: '120',
  });
  const [phoneInput, phoneField] = field('phone', 'Phone', {
    type: 'tel',
    autocomplete: 'tel',
    inputmode: 'tel',
    maxlength: '20',
  });
  const [emailInput, emailField] = field('email', 'Email', {
    type: 'email',
    autocomplete: 'email',
    maxlength: '200',
  });
  const saved = JSON.parse(sessionStorage.getItem('order.guest') ?? '{}');
  nameInput.value = saved.name ?? '';
  phoneInput.value = saved.phone ?? '';
  emailInput.value = saved.email ?? '';

  const summary = el(
    'ul',
    { class: 'summary' },
    ...cart.lines.map((line, i) => {
      const d = describeLine(menu, line);
      return el(
        'li',
        { 'data-field': `items.${i}`, tabindex: '-1' },
        el('span', {}, `${line.quantity} × ${d.item?.name ?? line.menuItemId}`),
        el('span', {}, money(d.totalCents, currency)),
      );
    }),
  );
  const placeButton = el(
    'button',
    { type: 'submit', class: 'primary wide' },
    'Continue to payment',
  );
  const rewards = rewardChoice(currency);
  const form = el(
    'form',
    { class: 'details', novalidate: true, onsubmit: place },
    el('h2', {}, 'Your details'),
    el('p', { class: 'hint' }, 'We need your name, and a phone number or an email address.'),
    nameField,
    phoneField,
    emailField,
    rewards.node,
    placeButton,
  );
  const where =
    cart.orderType === 'dine-in' ? `Dine in at table ${cart.tableId}` : `Pickup at ${store.name}`;
  const after = el('div');
  const cartSection = el('section', { class: 'card', 'aria-label': 'Your cart' }, summary);
  const detailsSection = el('section', { class: 'card' }, form);
  fill(
    root,
    el('h1', {}, 'Checkout'),
    el('p', { class: 'where' }, where),
    cartSection,
    detailsSection,
    message,
    after,
  );

  const pending = JSON.parse(sessionStorage.getItem(pendingKey(storeId)) ?? 'null');
  if (
    pending &&
    pending.cart === JSON.stringify(cartItems(cart)) &&
    orderTokens.get(pending.order.orderId)
  ) {
    showOrder(pending.order);
  } else {
    nameInput.focus();
  }

  async function place(e) {
    e.preventDefault();
    if (placeButton.disabled) return;
    const details = { name: nameInput.value, phone: phoneInput.value, email: emailInput.value };
    const errors = checkDetails(details);
    if (errors.length) {
      showErrors(root, errors, message);
      return;
    }
    clearErrors(root, message);
    sessionStorage.setItem('order.guest', JSON.stringify(details));
    const items = cartItems(cart);
    const body = {
      storeId,
      orderType: cart.orderType,
      ...(cart.orderType === 'dine-in' ? { tableId: cart.tableId } : {}),
      customer: {
        name: details.name.trim(),
        ...(details.phone.trim() ? { phone: details.phone.trim() } : {}),
        ...(details.email.trim() ? { email: details.email.trim() } : {}),
      },
      items,
      ...rewards.chosen(),
    };
    placeButton.disabled = true;
    placeButton.setAttribute('aria-busy', 'true');
    try {
      // Spending points is the signed-in guest's own doing: the request carries their token.
      const order = await (body.rewardId ? asGuest : api)('POST', '/api/v1/online/orders', {
        body,
        idempotencyKey: keyFor('order', body),
      });
      orderTokens.save(order.orderId, order.accessToken);
      const { accessToken: _token, ...view } = order;
      sessionStorage.setItem(
        pendingKey(storeId),
        JSON.stringify({ cart: JSON.stringify(items), order: view }),
      );
      showOrder(view);
    } catch (err) {
      if (err.status === 409 && err.reason === 'store-closed') {
        after.replaceChildren();
        notice(
          message,
          `${store.name} can't take online orders right now, so nothing has been charged. Please try again later.`,
          'error',
        );
      } else {
        showErrors(root, err.errors ?? [], message, err.message);
      }
    } finally {
      placeButton.disabled = false;
      placeButton.removeAttribute('aria-busy');
    }
  }

  function showOrder(order) {
    // The order is placed: the server's lines replace the cart, and the details are sent.
    for (const input of form.querySelectorAll('input, button')) input.disabled = true;
    cartSection.hidden = true;
    detailsSection.hidden = true;
    const cur = order.currency ?? currency;
    fill(
      after,
      el(
        'section',
        { class: 'card', 'aria-labelledby': 'order-total' },
        el('h2', { id: 'order-total' }, 'Your order'),
        el(
          'ul',
          { class: 'summary server' },
          ...(order.lines ?? []).map((l) =>
            el(
              'li',
              {},
              el(
                'span',
                {},
                `${l.quantity} × ${l.name}${l.variant ? ` (${l.variant.name})` : ''}`,
                ...(l.modifiers ?? []).map((m) => el('small', {}, m.name)),
              ),
              el('span', {}, money(lineCents(l), cur)),
            ),
          ),
        ),
        el(
          'dl',
          { class: 'totals' },
          el('dt', {}, 'Subtotal'),
          el('dd', { 'data-total': 'subtotal' }, money(order.subtotalCents, cur)),
          ...(order.discountCents > 0
            ? [
                el('dt', {}, order.reward ? `Reward: ${order.reward.name}` : 'Discount'),
                el('dd', { 'data-total': 'discount' }, `−${money(order.discountCents, cur)}`),
              ]
            : []),
          el('dt', {}, 'Tax'),
          el('dd', { 'data-total': 'tax' }, money(order.taxCents, cur)),
          el('dt', {}, 'Total'),
          el('dd', { 'data-total': 'total' }, money(order.totalCents, cur)),
        ),
      ),
      payForm(order, cur, () => {
        clearCart(storeId);
        sessionStorage.removeItem(pendingKey(storeId));
        location.assign(trackUrl(order.orderId));
      }),
    );
  }
}

/**
 * "Use your points": for a signed-in guest, the rewards worth an amount off that their points
 * cover, one at most per order (none chosen by default). Nothing shows for a guest without an
 * account, or when their points cannot be read just now.
 */
function rewardChoice(currency) {
  const node = el('fieldset', { class: 'rewards', hidden: true, 'data-testid': 'rewards' });
  let radios = [];
  if (currentGuest()) {
    asGuest('GET', '/api/v1/loyalty/me/rewards')
      .then((offer) => {
        const usable = (offer.rewards ?? []).filter((r) => r.affordable && r.discountCents > 0);
        if (usable.length === 0) return;
        const option = (value, label, checked = false) => {
          const input = el('input', { type: 'radio', name: 'reward', value, checked });
          radios.push(input);
          return el('label', { class: 'choice' }, input, ` ${label}`);
        };
        radios = [];
        fill(
          node,
          el('legend', {}, 'Use your points'),
          el('p', { class: 'hint' }, `You have ${offer.pointsBalance} points.`),
          option('', 'No reward this time', true),
          ...usable.map((r) =>
            option(
              r.rewardId,
              `${r.name}: ${money(r.discountCents, currency)} off (${r.pointsCost} points)`,
            ),
          ),
        );
        node.hidden = false;
      })
      .catch(() => {});
  }
  return {
    node,
    chosen() {
      const rewardId = radios.find((r) => r.checked)?.value;
      return rewardId ? { rewardId } : {};
    },
  };
}

/** The card form; `onPaid()` once the order is paid. */
function payForm(order, currency, onPaid) {
  const token = orderTokens.get(order.orderId);
  const message = el('div', { class: 'message' });
  const card = el('input', {
    id: 'f-card',
    name: 'card',
    type: 'text',
    inputmode: 'numeric',
    autocomplete: 'cc-number',
    'data-field': 'paymentMethod',
    maxlength: '23',
    placeholder: '1234 1234 1234 1234',
  });
  const payButton = el(
    'button',
    { type: 'submit', class: 'primary wide', 'data-testid': 'pay' },
    `Pay ${money(order.totalCents, currency)}`,
  );
  const challenge = el('div');
  let paying = false;
  const form = el(
    'form',
    { class: 'card pay', novalidate: true, onsubmit: pay },
    el('h2', {}, 'Pay by card'),
    el('label', { class: 'field', for: 'f-card', 'data-error-after': true }, 'Card number', card),
    el(
      'p',
      { class: 'fine' },
      'Test cards: 4242 4242 4242 4242 approves; 4000 0000 0000 0002 is declined',
    ),
    payButton,
    message,
    challenge,
  );
  queueMicrotask(() => card.focus());
  return form;

  async function pay(e) {
    e.preventDefault();
    if (paying) return;
    const digits = card.value.replace(/[\s-]/g, '');
    if (!/^\d{12,19}$/.test(digits)) {
      showErrors(form, [{ field: 'paymentMethod', message: 'Enter the card number' }], message);
      return;
    }
    clearErrors(form, message);
    await busy(async () => {
      // Where the bank's 3-D Secure check comes back to (its own window, which then closes).
      const returnUrl = new URL('/order/bank-done.html', location.href).href;
      const body = { paymentMethod: digits, returnUrl };
      const view = await api(
        'POST',
        `/api/v1/online/orders/${encodeURIComponent(order.orderId)}/payment`,
        {
          body,
          token,
          idempotencyKey: keyFor(`pay:${order.orderId}`, body),
        },
      );
      afterPayment(view);
    });
  }

  async function busy(action) {
    paying = true;
    payButton.disabled = true;
    payButton.setAttribute('aria-busy', 'true');
    const label = payButton.textContent;
    payButton.textContent = 'Paying…';
    try {
      await action();
    } catch (err) {
      if (err.status === 402) {
        challenge.replaceChildren();
        payButton.hidden = false;
        notice(message, `${err.message} Please try another card.`, 'error');
        card.select();
        card.focus();
      } else if (err.status === 409 && err.reason === 'store-closed') {
        notice(
          message,
          "The store can't take online orders right now; your card has not been charged.",
          'error',
        );
      } else {
        showErrors(form, err.errors ?? [], message, err.message);
      }
    } finally {
      paying = false;
      payButton.disabled = false;
      payButton.removeAttribute('aria-busy');
      payButton.textContent = label;
    }
  }

  function afterPayment(view) {
    if (view.status === 'awaiting-authentication') return authenticate(view);
    if (view.status === 'awaiting-payment') {
      notice(message, 'The payment did not go through. Please try again.', 'error');
      return;
    }
    notice(message, 'Paid. Sending your order to the store…', 'ok');
    onPaid();
  }

  /** 3-D Secure: the bank's check in its own window, then the server reads the outcome. */
  function authenticate(view) {
    let url;
    try {
      url = new URL(view.payment?.nextAction?.redirectUrl ?? '', location.href);
    } catch {
      url = undefined;
    }
    if (!url || !/^https?:$/.test(url.protocol)) {
      notice(
        message,
        'Your bank needs to confirm this payment, but it could not be opened. Try another card.',
        'error',
      );
      return;
    }
    let win = window.open(url.href, 'bank-check', 'popup,width=440,height=640');
    const done = el(
      'button',
      { type: 'button', class: 'primary wide', onclick: complete },
      "I've confirmed with my bank",
    );
    challenge.replaceChildren(
      el(
        'div',
        { class: 'notice info', role: 'status' },
        el(
          'p',
          {},
          'Your bank wants to confirm it is you. Finish the check in the window that opened, then continue.',
        ),
        el(
          'p',
          {},
          el(
            'a',
            {
              href: url.href,
              target: 'bank-check',
              rel: 'noopener',
              onclick: (ev) => {
                ev.preventDefault();
                win = window.open(url.href, 'bank-check', 'popup,width=440,height=640');
              },
            },
            'Open the check again',
          ),
        ),
        done,
      ),
    );
    payButton.hidden = true;
    const watch = setInterval(() => {
      if (win?.closed) {
        clearInterval(watch);
        complete();
      }
    }, 500);

    async function complete() {
      clearInterval(watch);
      if (paying) return;
      done.disabled = true;
      await busy(async () => {
        const result = await api(
          'POST',
          `/api/v1/online/orders/${encodeURIComponent(order.orderId)}/payment/complete`,
          {
            token,
            idempotencyKey: uuid(),
          },
        );
        if (result.status === 'awaiting-authentication') {
          notice(
            message,
            'Your bank has not confirmed yet. Finish the check, then continue.',
            'error',
          );
          return;
        }
        challenge.replaceChildren();
        payButton.hidden = false;
        afterPayment(result);
      });
      done.disabled = false;
    }
  }
}

/** A line as the menu prices it, before tax (the server's line total may include added tax). */
function lineCents(l) {
  return Number.isFinite(l.unitPriceCents) ? l.unitPriceCents * l.quantity : l.totalCents;
}
