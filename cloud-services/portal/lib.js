// What every page of the portal shares: calling the gateway, building elements, showing the
// API's field errors next to the fields they name, money and identifiers.

const TOKEN_KEY = 'portal.token';

export const session = {
  token: sessionStorage.getItem(TOKEN_KEY) ?? '',
  /** Called when the gateway says the sign-in has expired (401). */
  onSignedOut: () => {},
  set(token) {
    this.token = token;
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

/**
 * Who is signed in, from the access token's claims (`sub`, `email`, `roles`); the gateway and
 * the services check the token themselves, this only shapes what the pages offer.
 */
export function tokenClaims() {
  try {
    const claims = JSON.parse(
      atob(session.token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')),
    );
    return { ...claims, roles: Array.isArray(claims.roles) ? claims.roles : [] };
  } catch {
    return { roles: [] };
  }
}

/** A refusal from the API, as RFC 9457 problem+json: `detail` and, on a 400, `errors`. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.status = status;
    this.errors = Array.isArray(problem?.errors) ? problem.errors : [];
  }
}

export async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: {
      ...(session.token ? { authorization: `Bearer ${session.token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = { detail: text.slice(0, 200) };
  }
  if (!res.ok) {
    if (res.status === 401 && session.token) {
      session.set('');
      session.onSignedOut();
    }
    throw new ApiError(res.status, data);
  }
  return data;
}

/** `el('button', { class: 'primary', onclick }, 'Save')`; `false`/`undefined` attributes are left out. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false || v === null) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'value') node.value = v;
    else if (k === 'checked') node.checked = Boolean(v);
    // Through the style object: the page's CSP refuses inline style attributes.
    else if (k === 'style') node.style.cssText = v;
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) node.append(c);
  return node;
}

export const money = (cents) => (Number.isFinite(cents) ? (cents / 100).toFixed(2) : '');
export const signedMoney = (cents) => `${cents < 0 ? '−' : '+'}${money(Math.abs(cents))}`;
/** Cents from what was typed; `NaN` when it is not a number, which the API names as a bad field. */
export const toCents = (text) => (text.trim() === '' ? Number.NaN : Math.round(Number(text) * 100));

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** Serving windows as a manager reads them: "Mon,Tue 06:00–11:00; 17:00–22:00". */
export function describeWindows(windows) {
  return windows
    .map((w) => {
      const days =
        (w.days ?? []).length === 7 || !w.days
          ? ''
          : `${[...w.days]
              .sort()
              .map((d) => WEEKDAYS[d - 1])
              .join(',')} `;
      return `${days}${w.from}–${w.to}`;
    })
    .join('; ');
}

/** A lowercase identifier from a name (`Hot Drinks` → `hot-drinks`), unique among `taken`. */
export function slugFor(name, taken, fallback = 'new') {
  const base =
    name
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 48) || fallback;
  const used = new Set(taken);
  let id = base;
  for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
  return id;
}

/** A short message in `where`: `ok` (green) or `error` (read out by screen readers). */
export function notice(where, text, kind = 'ok') {
  where.replaceChildren(
    el('p', { class: kind, role: kind === 'error' ? 'alert' : 'status' }, String(text)),
  );
}

export function clearErrors(scope, message) {
  for (const e of scope.querySelectorAll('.field-error')) e.remove();
  for (const f of scope.querySelectorAll('[aria-invalid]')) f.removeAttribute('aria-invalid');
  message?.replaceChildren();
}

/**
 * Show an API refusal: each `{field, message}` next to the input whose `data-field` names it
 * (or the nearest enclosing one: `items.3.modifierGroupIds` falls back to `items.3.name`), and
 * the rest, with the problem's detail, in `message`. Returns the first field marked.
 */
export function showErrors(scope, err, message) {
  clearErrors(scope, message);
  const unplaced = [];
  let first;
  for (const { field, message: text } of err.errors ?? []) {
    const input = findField(scope, String(field ?? ''));
    if (!input) {
      unplaced.push(`${field}: ${text}`);
      continue;
    }
    revealField(input);
    input.setAttribute('aria-invalid', 'true');
    const id = `err-${Math.random().toString(36).slice(2)}`;
    input.setAttribute('aria-describedby', id);
    const after = input.closest('[data-error-after]') ?? input;
    after.after(el('span', { class: 'field-error', id, role: 'alert' }, text));
    first ??= input;
  }
  if (message && (!first || unplaced.length > 0 || !err.errors?.length)) {
    const detail = String(err.message ?? err);
    notice(message, unplaced.length ? `${detail} (${unplaced.join('; ')})` : detail, 'error');
  }
  first?.focus();
  return first;
}

function findField(scope, field) {
  const parts = field.split('.');
  for (let n = parts.length; n > 0; n--) {
    const path = parts.slice(0, n).join('.');
    const hit =
      scope.querySelector(`[data-field="${CSS.escape(path)}"]`) ??
      scope.querySelector(`[data-field="${CSS.escape(`${path}.name`)}"]`);
    if (hit) return hit;
  }
  return undefined;
}

/** Open whatever folded section hides an input, so its error can be seen. */
function revealField(input) {
  for (let node = input; node; node = node.parentElement) {
    if (node.hidden) {
      node.hidden = false;
      node.dispatchEvent(new Event('reveal'));
    }
  }
}

/** Run an action from a button: disabled while it runs, errors shown next to their fields. */
export async function attempt(button, scope, message, action) {
  if (button) button.disabled = true;
  clearErrors(scope, message);
  try {
    return await action();
  } catch (err) {
    showErrors(scope, err, message);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

/** Redraw `container` with `render()`, keeping keyboard focus on the same control. */
export function redraw(container, render) {
  const active = document.activeElement;
  const [attr, key] = active?.hasAttribute?.('data-focus')
    ? ['data-focus', active.getAttribute('data-focus')]
    : ['data-field', active?.getAttribute?.('data-field')];
  container.replaceChildren(...[render()].flat());
  if (key) container.querySelector(`[${attr}="${CSS.escape(key)}"]`)?.focus();
}

export function table(headings, body, attrs = {}) {
  return el(
    'table',
    attrs,
    el('thead', {}, el('tr', {}, ...headings.map((h) => el('th', { scope: 'col' }, h)))),
    body,
  );
}

/**
 * An "add" row: a form whose submit (Enter or the button) calls `onAdd(button, form)`, which
 * may pass both to `attempt` so the button waits and refusals show beside the fields.
 */
export function addForm(label, fields, onAdd) {
  const button = el('button', { type: 'submit' }, label);
  const form = el(
    'form',
    {
      class: 'add',
      onsubmit: (e) => {
        e.preventDefault();
        onAdd(button, form);
      },
    },
    ...fields,
    button,
  );
  return form;
}
