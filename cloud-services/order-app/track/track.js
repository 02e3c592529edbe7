// Following an order at /order/track/?id=<orderId>: the order's status, live. The access token
// is read from this device's storage (never from the address). The status comes as
// Server-Sent Events over a `fetch` stream (EventSource cannot send the Bearer header); when the
// stream drops it reconnects with backoff, reading the order once each time so nothing is
// missed, and if the server has no stream the page polls instead.

import { api, el, fill, money, notice, orderTokens } from '../lib.js';

const app = document.getElementById('app');
const orderId = new URLSearchParams(location.search).get('id') ?? '';
const token = orderTokens.get(orderId);

const STEPS = [
  ['received', 'Received'],
  ['confirmed', 'Confirmed'],
  ['preparing', 'Preparing'],
  ['ready', 'Ready'],
  ['picked-up', 'Picked up'],
];
const BEFORE_STORE = {
  'awaiting-payment': 'Waiting for payment',
  'awaiting-authentication': 'Waiting for your bank to confirm the payment',
  paid: 'Paid. Sending your order to the store…',
};
const FINAL = new Set(['picked-up', 'rejected', 'cancelled']);
const POLL_MS = 5_000;
const MAX_BACKOFF_MS = 30_000;

const heading = el('h1', { tabindex: '-1' }, 'Your order');
const live = el('div', { 'aria-live': 'polite' });
const connection = el('p', { class: 'hint', 'data-testid': 'connection' });
app.replaceChildren(heading, live, connection);

let last;

function render(view) {
  last = view;
  const cur = view.currency ?? view.totals?.currency;
  const reached = STEPS.findIndex(([s]) => s === view.status);
  const stopped = view.status === 'rejected' || view.status === 'cancelled';
  heading.textContent = view.orderNumber ? `Order ${view.orderNumber}` : 'Your order';
  const steps = el(
    'ol',
    { class: 'steps', 'aria-label': 'Progress' },
    ...STEPS.map(([status, label], i) =>
      el(
        'li',
        {
          'data-step': status,
          class: i < reached ? 'done' : i === reached ? 'current' : 'todo',
          'aria-current': i === reached ? 'step' : undefined,
        },
        label,
      ),
    ),
  );
  const lines = view.lines ?? [];
  const total = view.totalCents ?? view.totals?.totalCents;
  fill(
    live,
    el(
      'p',
      { class: 'status', 'data-testid': 'status', 'data-status': view.status },
      statusText(view),
    ),
    stopped ? rejection(view, cur) : steps,
    lines.length
      ? el(
          'section',
          { class: 'card', 'aria-label': 'What you ordered' },
          el(
            'ul',
            { class: 'summary' },
            ...lines.map((l) =>
              el(
                'li',
                {},
                el(
                  'span',
                  {},
                  `${l.quantity} × ${l.name}${l.variant ? ` (${l.variant.name})` : ''}`,
                ),
                el('span', {}, money(lineCents(l), cur)),
              ),
            ),
          ),
          Number.isFinite(total)
            ? el('p', { class: 'total-line' }, 'Total ', el('strong', {}, money(total, cur)))
            : undefined,
        )
      : undefined,
  );
}

function statusText(view) {
  if (BEFORE_STORE[view.status]) return BEFORE_STORE[view.status];
  if (view.status === 'rejected') return 'The store could not take your order';
  if (view.status === 'cancelled') return 'Your order was cancelled';
  if (view.status === 'ready') return 'Ready! Come and collect it';
  if (view.status === 'picked-up') return 'Picked up. Enjoy!';
  const step = STEPS.find(([s]) => s === view.status);
  return step ? step[1] : String(view.status ?? '');
}

function rejection(view, cur) {
  return el(
    'div',
    { class: 'notice error', role: 'alert' },
    el('p', {}, view.rejection?.message ?? 'Sorry, the store could not make your order.'),
    el(
      'p',
      { 'data-testid': 'refunded' },
      view.refundedCents > 0
        ? `You have been refunded ${money(view.refundedCents, cur)}.`
        : 'You have been refunded.',
    ),
  );
}

/** Parse one Server-Sent Events block (`event:`/`data:` lines); data lines join with "\n". */
function parseEvent(block) {
  let event = 'message';
  const data = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (name === 'event') event = value;
    else if (name === 'data') data.push(value);
  }
  return { event, data: data.join('\n') };
}

class NoStream extends Error {}

/** Read the stream until it ends; each `status` event re-renders. */
async function stream(signal) {
  const res = await fetch(`/api/v1/online/orders/${encodeURIComponent(orderId)}/events`, {
    headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` },
    signal,
    cache: 'no-store',
  });
  if (res.status === 401 || res.status === 403 || res.status === 404) {
    const err = new Error('refused');
    err.status = res.status;
    throw err;
  }
  if (
    !res.ok ||
    !res.body ||
    !(res.headers.get('content-type') ?? '').includes('text/event-stream')
  ) {
    await res.body?.cancel();
    throw new NoStream();
  }
  connection.textContent = 'Live';
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    const blocks = buffer.split(/\r?\n\r?\n/);
    buffer = blocks.pop() ?? '';
    for (const block of blocks) {
      const { event, data } = parseEvent(block);
      if ((event === 'status' || event === 'message') && data) {
        try {
          render(JSON.parse(data));
        } catch {
          // A line that is not an order view: wait for the next.
        }
      }
      if (last && FINAL.has(last.status)) {
        await reader.cancel();
        return;
      }
    }
  }
}

async function poll() {
  render(await api('GET', `/api/v1/online/orders/${encodeURIComponent(orderId)}`, { token }));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function follow() {
  let backoff = 1_000;
  let polling = false;
  while (!last || !FINAL.has(last.status)) {
    try {
      if (polling) {
        await poll();
        connection.textContent = 'Updates every few seconds';
        await sleep(POLL_MS);
        continue;
      }
      await stream();
      backoff = 1_000;
    } catch (err) {
      if (err.status) throw err;
      if (err instanceof NoStream) {
        polling = true;
        continue;
      }
      connection.textContent = 'Reconnecting…';
      await sleep(backoff + Math.random() * 500);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      // Catch up on anything missed while away; if that fails too, the loop tries again.
      await poll().catch(() => {});
    }
  }
  connection.textContent = '';
}

if (!orderId || !token) {
  const box = el('div');
  app.replaceChildren(heading, box);
  notice(
    box,
    'This order can only be followed on the device it was placed from. Check your email or text messages for updates.',
    'error',
  );
} else {
  follow().catch((err) => {
    notice(
      live,
      err.status === 404
        ? 'We could not find this order.'
        : 'This order can only be followed on the device it was placed from.',
      'error',
    );
    connection.textContent = '';
  });
}

/** A line as the menu prices it, before tax (the server's line total may include added tax). */
function lineCents(l) {
  return Number.isFinite(l.unitPriceCents) ? l.unitPriceCents * l.quantity : l.totalCents;
}
