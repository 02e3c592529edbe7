// The stores page: every store with its hub as the cloud last heard from it (online or since
// when offline, the menu version it runs against the newest one published to the store, the
// events still waiting on it), creating a store with its one-time enrolment code, and a new code
// to replace or lock out a hub. The list refreshes itself while the page is open.

import { api, attempt, el, notice, redraw, slugFor, table } from './lib.js';

/** A hub heard from within this long is online: it checks in every 15 s while connected. */
const ONLINE_WITHIN_MS = 2 * 60_000;
const REFRESH_MS = 15_000;

export async function storesPage(page) {
  const tbody = el('tbody', { 'data-testid': 'stores' });
  const updated = el('div', { class: 'message', 'aria-live': 'polite' });
  const enrolment = el('div', { 'data-testid': 'enrolment', 'aria-live': 'polite' });
  let known = [];

  const refresh = async () => {
    const [{ stores }, versions] = await Promise.all([
      api('GET', '/api/v1/sync/stores'),
      // Without the menu service the stores still show, only without the newest version.
      api('GET', '/api/v1/menu/versions').then(
        (r) => r.versions,
        () => undefined,
      ),
    ]);
    known = stores;
    const now = Date.now();
    // Redrawn in place every few seconds: a button that had the focus keeps it.
    redraw(tbody, () =>
      stores.length === 0
        ? el('tr', {}, el('td', { colspan: '6' }, 'No stores yet: create one below'))
        : stores.map((s) =>
            storeRow(s, versions, now, (code) => {
              showCode(enrolment, code, s.name);
              return refresh();
            }),
          ),
    );
    updated.replaceChildren(
      el(
        'p',
        { class: 'hint' },
        `Updated ${new Date(now).toLocaleTimeString()}; refreshes every ${REFRESH_MS / 1000} s.`,
      ),
    );
  };
  await refresh();

  page.replaceChildren(
    el(
      'section',
      { 'aria-labelledby': 'stores-heading' },
      el('h2', { id: 'stores-heading' }, 'Stores'),
      table(['Store', 'Hub', 'Menu', 'Last sync', 'Waiting on the hub', ''], tbody, {
        class: 'stores',
      }),
      updated,
    ),
    createSection(
      () => known.map((s) => s.storeId),
      async (created) => {
        showCode(enrolment, created, created.name);
        await refresh();
      },
      enrolment,
    ),
  );
  keepRefreshing(page, refresh, updated);
}

/** Refresh every REFRESH_MS until the page is replaced (another page, or signed out). */
function keepRefreshing(page, refresh, message) {
  const tick = async () => {
    if (!page.isConnected) return;
    try {
      await refresh();
    } catch (err) {
      if (page.isConnected) notice(message, `Could not refresh: ${err.message}`, 'error');
    }
    if (page.isConnected) setTimeout(tick, REFRESH_MS);
  };
  setTimeout(tick, REFRESH_MS);
}

/** An ISO 8601 time from the API as a `Date`; `undefined` when there is none. */
function parseTime(text) {
  if (!text) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** "just now", "3 min ago", "2 h ago", "4 days ago". */
function ago(date, now = Date.now()) {
  const s = Math.max(0, Math.round((now - date.getTime()) / 1000));
  if (s < 45) return 'just now';
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min ago`;
  const h = Math.round(min / 60);
  if (h < 24) return `${h} h ago`;
  const days = Math.round(h / 24);
  return `${days} day${days === 1 ? '' : 's'} ago`;
}

/** A relative time with the exact one in its title and `datetime`. */
function when(date, now) {
  return el('time', { datetime: date.toISOString(), title: date.toLocaleString() }, ago(date, now));
}

/** What the hub is doing, as far as the cloud knows: `[kind, text]`. */
function hubStatus(store, now) {
  if (!store.enrolled)
    return store.revokedAt ? ['revoked', 'Revoked'] : ['not-enrolled', 'Not enrolled'];
  const seen = parseTime(store.lastSeenAt);
  if (!seen) return ['never', 'Never connected'];
  if (now - seen.getTime() <= ONLINE_WITHIN_MS) return ['online', 'Online'];
  return ['offline', `Offline since ${seen.toLocaleString()}`];
}

/** The newest version published to `storeId`, which is the one its hub should run. */
function newestFor(versions, storeId) {
  return versions
    ?.filter((v) => v.storeIds.includes(storeId))
    .sort((a, b) => b.version - a.version)[0]?.version;
}

function menuCell(store, versions) {
  const runs = store.hub?.menuVersion;
  const newest = newestFor(versions, store.storeId);
  const cell = el('td', { 'data-col': 'menu' });
  if (runs === undefined) {
    cell.append(el('span', { class: 'hint' }, newest ? `— (newest v${newest})` : '—'));
  } else if (newest !== undefined && runs < newest) {
    cell.append(
      `v${runs} `,
      el(
        'span',
        { class: 'badge behind', title: `v${newest} is published to this store` },
        'behind',
      ),
      el('small', { class: 'id' }, `newest v${newest}`),
    );
  } else {
    cell.append(`v${runs}`, newest === runs ? el('small', { class: 'id' }, 'up to date') : '');
  }
  return cell;
}

function storeRow(store, versions, now, onNewCode) {
  const [kind, text] = hubStatus(store, now);
  const seen = parseTime(store.lastSeenAt);
  const pending = store.hub?.pendingEvents;
  const oldest = parseTime(store.hub?.oldestPendingAt);
  const message = el('div', { class: 'message', 'aria-live': 'polite' });
  const renew = el(
    'button',
    {
      type: 'button',
      'data-new-code': store.storeId,
      'data-focus': `new-code-${store.storeId}`,
      onclick: () => {
        const sure = confirm(
          `A new enrolment code for ${store.name} disconnects its hub now: it stops syncing ` +
            'until it is enrolled again with the new code. Continue?',
        );
        if (!sure) return;
        attempt(renew, row, message, async () => {
          const code = await api(
            'POST',
            `/api/v1/sync/stores/${encodeURIComponent(store.storeId)}/enrolment`,
          );
          await onNewCode(code);
        });
      },
    },
    'New enrolment code',
  );
  const row = el(
    'tr',
    { 'data-store': store.storeId },
    el('td', {}, el('strong', {}, store.name), el('small', { class: 'id' }, store.storeId)),
    el(
      'td',
      { 'data-col': 'hub' },
      el('span', { class: `hub-status ${kind}`, 'data-status': kind }, text),
      store.hub?.hubVersion ? el('small', { class: 'id' }, `hub ${store.hub.hubVersion}`) : '',
    ),
    menuCell(store, versions),
    el(
      'td',
      { 'data-col': 'last-sync' },
      seen ? when(seen, now) : el('span', { class: 'hint' }, 'never'),
    ),
    el(
      'td',
      { 'data-col': 'waiting' },
      pending === undefined ? el('span', { class: 'hint' }, '—') : String(pending),
      pending && oldest ? el('small', { class: 'id' }, 'oldest ', when(oldest, now)) : '',
    ),
    el('td', {}, renew, message),
  );
  return row;
}

function createSection(takenIds, created, enrolment) {
  const message = el('div', { class: 'message', 'aria-live': 'polite' });
  const name = el('input', {
    name: 'store-name',
    placeholder: 'Harbour Street Kitchen',
    'aria-label': 'Store name',
    'data-field': 'name',
    required: true,
  });
  const id = el('input', {
    name: 'store-id',
    placeholder: 'harbour-street',
    'aria-label': 'Store ID',
    'data-field': 'storeId',
    pattern: '[a-z0-9][a-z0-9-]*',
    title: 'Lowercase letters, digits and dashes',
    required: true,
  });
  // The ID follows the name until it is typed in itself.
  let idTyped = false;
  id.addEventListener('input', () => {
    idTyped = id.value !== '';
  });
  name.addEventListener('input', () => {
    if (!idTyped) id.value = name.value.trim() ? slugFor(name.value, takenIds(), 'store') : '';
  });
  const add = el('button', { type: 'submit', class: 'primary' }, 'Create store');
  const form = el(
    'form',
    {
      class: 'add',
      onsubmit: (e) => {
        e.preventDefault();
        attempt(add, form, message, async () => {
          let store;
          try {
            store = await api('POST', '/api/v1/sync/stores', {
              storeId: id.value.trim(),
              name: name.value,
            });
          } catch (err) {
            if (err.status === 409) err.errors = [{ field: 'storeId', message: err.message }];
            throw err;
          }
          name.value = '';
          id.value = '';
          idTyped = false;
          await created(store);
        });
      },
    },
    el('label', { 'data-error-after': true }, 'Name ', name),
    el('label', { 'data-error-after': true }, 'ID ', id),
    add,
  );
  return el(
    'section',
    { 'aria-labelledby': 'new-store-heading' },
    el('h2', { id: 'new-store-heading' }, 'New store'),
    el(
      'p',
      { class: 'hint' },
      "A store's hub joins with a one-time enrolment code, valid for a day. The ID cannot change later.",
    ),
    form,
    message,
    enrolment,
  );
}

/** The one-time code, large and copyable, with how to use it on the hub. */
function showCode(where, { storeId, enrolmentCode, expiresAt }, name) {
  const message = el('span', { class: 'hint', 'aria-live': 'polite' });
  const code = el(
    'output',
    { class: 'enrolment-code', 'data-testid': 'enrolment-code' },
    enrolmentCode,
  );
  const copy = el(
    'button',
    {
      type: 'button',
      onclick: async () => {
        try {
          await navigator.clipboard.writeText(enrolmentCode);
          message.textContent = ' Copied';
        } catch {
          // No clipboard (an insecure origin): select the code so Ctrl+C copies it.
          getSelection()?.selectAllChildren(code);
          message.textContent = ' Press Ctrl+C to copy';
        }
      },
    },
    'Copy',
  );
  const expires = new Date(expiresAt);
  where.replaceChildren(
    el(
      'div',
      { class: 'enrolment', 'data-enrolment': storeId },
      el('h3', {}, `Enrolment code for ${name ?? storeId}`, el('small', {}, ` ${storeId}`)),
      el('p', {}, code, ' ', copy, message),
      el(
        'p',
        { class: 'hint' },
        'Works once, until ',
        el(
          'time',
          { datetime: expires.toISOString(), 'data-testid': 'enrolment-expires' },
          expires.toLocaleString(),
        ),
        '.',
      ),
      el(
        'p',
        {},
        'On the hub: Sync → Enrol, or ',
        el('code', {}, `npm run pos-hub -- enrol ${enrolmentCode}`),
      ),
    ),
  );
  code.scrollIntoView?.({ block: 'nearest' });
}
