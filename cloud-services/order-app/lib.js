// What the ordering pages share: calling the gateway, building elements (text only: nothing
// from the API ever goes through innerHTML), money in the menu's currency, the API's field
// errors shown next to what they name, and where an order's access token is kept.

/** A refusal from the API, as RFC 9457 problem+json: `detail`, `reason` and, on a 400, `errors`. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? problem?.title ?? `The server answered ${status}`);
    this.status = status;
    this.reason = typeof problem?.reason === 'string' ? problem.reason : undefined;
    this.errors = Array.isArray(problem?.errors) ? problem.errors : [];
  }
}

/**
 * Call the gateway. `token` is an order's access token (sent as a Bearer header, never in the
 * address); `idempotencyKey` makes a retried write safe.
 */
export async function api(method, path, { body, token, idempotencyKey } = {}) {
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: {
        accept: 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(0, { detail: 'No connection. Check your connection and try again.' });
  }
  const text = await res.text();
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = { detail: `The server answered ${res.status}` };
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/** Replace `node`'s children, leaving out `undefined`/`false` (which the DOM would print). */
export function fill(node, ...children) {
  node.replaceChildren(
    ...children.flat().filter((c) => c !== undefined && c !== null && c !== false),
  );
  return node;
}

/** `el('button', { class: 'primary', onclick }, 'Add')`; `false`/`undefined` attributes are left out. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false || v === null) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'value') node.value = v;
    else if (k === 'checked') node.checked = Boolean(v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(typeof c === 'number' ? String(c) : c);
  }
  return node;
}

const formatters = new Map();

/** Integer cents as the guest reads them, in the menu's currency (`$12.50`, `12,50 €`). */
export function money(cents, currency) {
  if (!Number.isFinite(cents)) return '';
  let format = formatters.get(currency);
  if (!format) {
    try {
      format = new Intl.NumberFormat(navigator.language || 'en', { style: 'currency', currency });
    } catch {
      format = new Intl.NumberFormat(navigator.language || 'en', { minimumFractionDigits: 2 });
    }
    formatters.set(currency, format);
  }
  // Every currency a menu uses here has two decimals (ISO 4217 minor unit 2).
  return format.format(cents / 100);
}

/** A random UUID (v4), also where `crypto.randomUUID` is missing (a page not on HTTPS). */
export function uuid() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A short message in `where`: `ok`, `info` or `error` (read out at once by screen readers). */
export function notice(where, text, kind = 'info') {
  where.replaceChildren(
    el('p', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, String(text)),
  );
}

export function clearErrors(scope, message) {
  for (const e of scope.querySelectorAll('.field-error')) e.remove();
  for (const f of scope.querySelectorAll('[aria-invalid]')) {
    f.removeAttribute('aria-invalid');
    f.removeAttribute('aria-describedby');
  }
  message?.replaceChildren();
}

/**
 * Show `{field, message}` errors next to the element whose `data-field` names the field, or the
 * nearest enclosing one (`items.1.quantity` falls back to `items.1`); the rest go to `message`
 * with `detail`. Focuses and returns the first field marked.
 */
export function showErrors(scope, errors, message, detail) {
  clearErrors(scope, message);
  const unplaced = [];
  let first;
  for (const { field, message: text } of errors) {
    const target = findField(scope, String(field ?? ''));
    if (!target) {
      unplaced.push(String(text));
      continue;
    }
    const id = `err-${uuid()}`;
    target.setAttribute('aria-invalid', 'true');
    target.setAttribute('aria-describedby', id);
    const after = target.closest('[data-error-after]') ?? target;
    after.after(el('span', { class: 'field-error', id }, String(text)));
    first ??= target;
  }
  if (message && (unplaced.length > 0 || !first)) {
    const text = [detail, ...unplaced].filter(Boolean).join(' ');
    if (text) notice(message, text, 'error');
  }
  first?.focus();
  return first;
}

function findField(scope, field) {
  const parts = field.split('.');
  for (let n = parts.length; n > 0; n--) {
    const hit = scope.querySelector(`[data-field="${CSS.escape(parts.slice(0, n).join('.'))}"]`);
    if (hit) return hit;
  }
  return undefined;
}

// An order's access token authorises the guest's later calls for it; it is kept on this device
// under the order's id (so the tracking page finds it) and never put in an address or a log.
const TOKEN_PREFIX = 'order.access.';

export const orderTokens = {
  save(orderId, token) {
    try {
      localStorage.setItem(TOKEN_PREFIX + orderId, token);
    } catch {
      sessionStorage.setItem(TOKEN_PREFIX + orderId, token);
    }
  },
  get(orderId) {
    return (
      sessionStorage.getItem(TOKEN_PREFIX + orderId) ??
      localStorage.getItem(TOKEN_PREFIX + orderId) ??
      ''
    );
  },
};

/** `/order/track/?id=` for an order: the id only, the token stays in storage. */
export const trackUrl = (orderId) => `/order/track/?id=${encodeURIComponent(orderId)}`;
