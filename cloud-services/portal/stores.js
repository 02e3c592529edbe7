// The stores page: every store with its hub as the cloud last heard from it (online or since
// when offline, the menu version it runs against the newest one published to the store, the
// events still waiting on it), creating a store with its one-time enrolment code, a new code
// to replace or lock out a hub, and each store's settings (offline card limits, tax rates over
// the menu's, printers and the receipt header), which its hub applies within moments. The list
// refreshes itself while the page is open.

import { checkbox, choice, intInput, textInput } from './fields.js';
import { api, attempt, el, money, notice, redraw, slugFor, table } from './lib.js';

/** A hub heard from within this long is online: it checks in every 15 s while connected. */
const ONLINE_WITHIN_MS = 2 * 60_000;
const REFRESH_MS = 15_000;

export async function storesPage(page) {
  const tbody = el('tbody', { 'data-testid': 'stores' });
  const updated = el('div', { class: 'message', 'aria-live': 'polite' });
  const enrolment = el('div', { 'data-testid': 'enrolment', 'aria-live': 'polite' });
  const settings = el('section', {
    id: 'store-settings',
    'aria-labelledby': 'settings-heading',
    'data-testid': 'store-settings',
    hidden: true,
  });
  let known = [];
  /** The store whose settings are open, if any. */
  let settingsFor;

  const closeSettings = () => {
    const was = settingsFor;
    settingsFor = undefined;
    settings.hidden = true;
    settings.replaceChildren();
    for (const b of tbody.querySelectorAll('[data-settings]'))
      b.setAttribute('aria-expanded', 'false');
    if (was) tbody.querySelector(`[data-settings="${CSS.escape(was)}"]`)?.focus();
  };
  /** Open a store's settings below the list (in place of another's), or close them. */
  const toggleSettings = (store, button, row, message) => {
    if (settingsFor === store.storeId) return closeSettings();
    return attempt(button, row, message, async () => {
      await settingsEditor(settings, store, closeSettings);
      settingsFor = store.storeId;
      for (const b of tbody.querySelectorAll('[data-settings]'))
        b.setAttribute('aria-expanded', String(b.dataset.settings === settingsFor));
      settings.hidden = false;
      settings.scrollIntoView?.({ block: 'start' });
      settings.querySelector('h2')?.focus();
    });
  };

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
            storeRow(s, versions, now, {
              onNewCode: (code) => {
                showCode(enrolment, code, s.name);
                return refresh();
              },
              onSettings: (...args) => toggleSettings(s, ...args),
              settingsOpen: settingsFor === s.storeId,
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
      el(
        'div',
        { class: 'table-wrap' },
        table(['Store', 'Hub', 'Menu', 'Last sync', 'Waiting on the hub', ''], tbody, {
          class: 'stores',
        }),
      ),
      updated,
    ),
    settings,
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

function storeRow(store, versions, now, { onNewCode, onSettings, settingsOpen }) {
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
  const settings = el(
    'button',
    {
      type: 'button',
      'data-settings': store.storeId,
      'data-focus': `settings-${store.storeId}`,
      'aria-expanded': String(settingsOpen),
      'aria-controls': 'store-settings',
      'aria-label': `Settings of ${store.name}`,
      onclick: () => onSettings(settings, row, message),
    },
    'Settings',
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
    el('td', { class: 'actions' }, settings, renew, message),
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

// A store's settings: what its hub applies on top of the menu and of its own set-up. Each part
// is optional; a part not sent is left as the hub has it.

const APPLIED_NOTE =
  'The hub applies saved settings within moments; a hub that is offline applies them when it reconnects.';
/** The most an offline card limit may be: 100,000.00. */
const MAX_CAP_CENTS = 10_000_000;
const WIDTHS = [32, 42, 48];

/** Refusals found before asking the API, shown the same way: beside the fields they name. */
class FieldErrors extends Error {
  constructor(errors) {
    super('Some settings need correcting');
    this.errors = errors;
  }
}

/** `825` → `8.25`. */
const percent = (bp) => (Number.isFinite(bp) ? (bp / 100).toFixed(2) : '');
/** The non-blank lines of a text area. */
const lines = (text) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
const noop = () => {};

/** The menu the store's hub runs: the newest version published to it, or else the draft. */
async function menuOf(storeId) {
  try {
    const { versions } = await api('GET', '/api/v1/menu/versions');
    const newest = newestFor(versions, storeId);
    if (newest !== undefined)
      return {
        menu: await api('GET', `/api/v1/menu/versions/${newest}`),
        from: `menu v${newest}, the newest published to this store`,
      };
    return {
      menu: await api('GET', '/api/v1/menu/draft'),
      from: 'the menu draft (nothing is published to this store yet)',
    };
  } catch {
    return { menu: {}, from: undefined };
  }
}

/** Fill `section` with the settings of `store`, as the cloud holds them, ready to change. */
async function settingsEditor(section, store, close) {
  const path = `/api/v1/sync/stores/${encodeURIComponent(store.storeId)}/config`;
  const [{ config }, { menu, from }] = await Promise.all([api('GET', path), menuOf(store.storeId)]);
  const render = (current) => {
    const message = el('div', { class: 'message', 'aria-live': 'polite' });
    const caps = capsFieldset(current.offlineCard, menu.currency);
    const taxes = taxFieldset(current.taxRates, menu.taxCategories ?? [], from);
    const printers = printingFieldset(current.printing, store, menu.stations ?? []);
    const hours = hoursFieldset(current.hours);
    const save = el(
      'button',
      { type: 'submit', class: 'primary', 'data-testid': 'save-settings' },
      'Save settings',
    );
    const form = el(
      'form',
      {
        class: 'settings',
        novalidate: true,
        'data-settings-for': store.storeId,
        onsubmit: (e) => {
          e.preventDefault();
          attempt(save, form, message, async () => {
            const problems = [];
            const body = {
              ...caps.read(problems),
              ...taxes.read(problems),
              ...printers.read(problems),
              ...hours.read(problems),
            };
            if (problems.length > 0) throw new FieldErrors(problems);
            const saved = await api('PUT', path, body);
            render(saved.config);
            notice(
              section.querySelector(':scope form > .message'),
              `Settings saved for ${store.name}. ${APPLIED_NOTE}`,
            );
            section.querySelector('[data-testid="save-settings"]')?.focus();
          });
        },
      },
      hours.node,
      caps.node,
      taxes.node,
      printers.node,
      el(
        'div',
        { class: 'row' },
        save,
        el('button', { type: 'button', onclick: close }, 'Close'),
        el('span', { class: 'hint' }, APPLIED_NOTE),
      ),
      message,
    );
    section.replaceChildren(
      el(
        'h2',
        { id: 'settings-heading', tabindex: '-1' },
        `Settings of ${store.name}`,
        el('small', {}, ` ${store.storeId}`),
      ),
      form,
    );
  };
  render(config ?? {});
}

const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/**
 * Opening hours, one opening a day (a window that closes before it opens runs past midnight):
 * online orders are taken only while the store is open. All days blank: no hours, so online
 * orders are taken whenever the hub is online.
 */
function hoursFieldset(current) {
  const byDay = new Map();
  for (const w of current?.open ?? []) {
    for (const d of w.days) if (!byDay.has(d)) byDay.set(d, w);
  }
  const zone = el('input', {
    type: 'text',
    name: 'timeZone',
    list: 'time-zones',
    value: current?.timeZone ?? '',
    placeholder: Intl.DateTimeFormat().resolvedOptions().timeZone,
    'aria-label': 'Time zone of the store',
    'data-field': 'hours.timeZone',
    autocomplete: 'off',
  });
  const zones = el(
    'datalist',
    { id: 'time-zones' },
    ...(Intl.supportedValuesOf?.('timeZone') ?? []).map((z) => el('option', { value: z })),
  );
  const rows = DAYS.map((name, i) => {
    const w = byDay.get(i + 1);
    const time = (part, value) =>
      el('input', {
        type: 'time',
        name: `${part}-${i + 1}`,
        value: value ?? '',
        'data-day': String(i + 1),
        'aria-label': `${name} ${part}`,
      });
    return { day: i + 1, name, opens: time('opens', w?.from), closes: time('closes', w?.to) };
  });
  return {
    node: el(
      'fieldset',
      { class: 'group settings', 'data-part': 'hours' },
      el('legend', {}, 'Opening hours'),
      el(
        'p',
        { class: 'hint' },
        'Guests can order online only while the store is open. Leave a day blank when the ' +
          'store is closed that day; leave every day blank to take online orders whenever ' +
          'the hub is online.',
      ),
      el('label', { 'data-error-after': true }, 'Time zone ', zone, zones),
      table(
        ['Day', 'Opens', 'Closes'],
        el(
          'tbody',
          {},
          ...rows.map((r) =>
            el(
              'tr',
              { 'data-day': String(r.day) },
              el('td', {}, r.name),
              el('td', {}, el('label', { 'data-error-after': true }, r.opens)),
              el('td', {}, el('label', { 'data-error-after': true }, r.closes)),
            ),
          ),
        ),
        { class: 'compact' },
      ),
    ),
    read(problems) {
      const open = [];
      for (const r of rows) {
        r.opens.removeAttribute('data-field');
        r.closes.removeAttribute('data-field');
        const from = r.opens.value;
        const to = r.closes.value;
        if (!from && !to) continue;
        const at = `hours.open.${open.length}`;
        r.opens.setAttribute('data-field', `${at}.from`);
        r.closes.setAttribute('data-field', `${at}.to`);
        if (!from)
          problems.push({ field: `${at}.from`, message: `when does it open on ${r.name}?` });
        else if (!to)
          problems.push({ field: `${at}.to`, message: `when does it close on ${r.name}?` });
        else if (from === to)
          problems.push({ field: `${at}.to`, message: 'must differ from the opening time' });
        open.push({ days: [r.day], from, to });
      }
      if (open.length === 0) return {};
      const timeZone = zone.value.trim() || zone.placeholder;
      zone.value = timeZone;
      return { hours: { timeZone, open } };
    },
  };
}

/** An amount in currency units for cents; blank is `undefined`, anything else not a number `NaN`. */
function centsOf(input) {
  if (input.validity.badInput) return Number.NaN;
  const text = input.value.trim();
  return text === '' ? undefined : Math.round(Number(text) * 100);
}

function capsFieldset(current, currency) {
  const input = (name, field, cents, label) =>
    el('input', {
      type: 'number',
      name,
      step: '0.01',
      min: '0',
      inputmode: 'decimal',
      class: 'money',
      value: money(cents),
      'aria-label': label,
      'data-field': field,
    });
  const unit = currency ? ` (${currency})` : '';
  const per = input(
    'perTransactionCap',
    'offlineCard.perTransactionCapCents',
    current?.perTransactionCapCents,
    'Offline card limit per payment',
  );
  const total = input(
    'totalCap',
    'offlineCard.totalCapCents',
    current?.totalCapCents,
    'Offline card limit in total',
  );
  return {
    node: el(
      'fieldset',
      { class: 'group settings', 'data-part': 'offline-card' },
      el('legend', {}, 'Card payments taken offline'),
      el(
        'p',
        { class: 'hint' },
        'While the hub cannot reach the card processor it still takes card payments, up to ' +
          "these limits, and sends them once it can. Leave both blank to keep the hub's own limits.",
      ),
      el(
        'div',
        { class: 'row' },
        el('label', { 'data-error-after': true }, `Each payment up to${unit} `, per),
        el('label', { 'data-error-after': true }, `All waiting payments up to${unit} `, total),
      ),
    ),
    read(problems) {
      const cents = [per, total].map(centsOf);
      if (cents.every((c) => c === undefined)) return {};
      [per, total].forEach((box, i) => {
        const field = box.getAttribute('data-field');
        const c = cents[i];
        if (c === undefined)
          problems.push({ field, message: 'give both limits, or leave both blank' });
        else if (!Number.isFinite(c))
          problems.push({ field, message: 'enter an amount, like 150.00' });
        else if (c < 0) problems.push({ field, message: 'must not be negative' });
        else if (c > MAX_CAP_CENTS)
          problems.push({ field, message: `at most ${money(MAX_CAP_CENTS)}` });
      });
      return { offlineCard: { perTransactionCapCents: cents[0], totalCapCents: cents[1] } };
    },
  };
}

/**
 * The store's rate for each tax category of its menu (and for any other it has a rate for);
 * blank is the menu's own rate.
 */
function taxFieldset(current, categories, from) {
  const overrides = new Map((current ?? []).map((r) => [r.taxCategoryId, r.rateBasisPoints]));
  const rows = [
    ...categories.map((t) => ({ id: t.id, name: t.name || t.id, menuBp: t.rateBasisPoints })),
    ...[...overrides.keys()]
      .filter((id) => !categories.some((t) => t.id === id))
      .map((id) => ({ id, name: id, menuBp: undefined })),
  ];
  const inputs = rows.map((r) =>
    el('input', {
      type: 'number',
      step: '0.01',
      min: '0',
      max: '100',
      inputmode: 'decimal',
      class: 'short',
      name: `tax-${r.id}`,
      'data-tax': r.id,
      value: percent(overrides.get(r.id)),
      placeholder: percent(r.menuBp),
      'aria-label': `${r.name} rate at this store, %`,
    }),
  );
  return {
    node: el(
      'fieldset',
      { class: 'group settings', 'data-part': 'tax-rates' },
      el('legend', {}, 'Tax rates'),
      el(
        'p',
        { class: 'hint' },
        "A rate here replaces the menu's for this store; leave it blank to use the menu's.",
        from ? ` Tax categories of ${from}.` : '',
      ),
      rows.length === 0
        ? el('p', {}, 'The menu has no tax categories yet.')
        : table(
            ['Tax category', 'Menu rate', 'Rate at this store'],
            el(
              'tbody',
              {},
              ...rows.map((r, i) =>
                el(
                  'tr',
                  { 'data-tax-category': r.id },
                  el('td', {}, r.name, el('small', { class: 'id' }, r.id)),
                  el(
                    'td',
                    {},
                    r.menuBp === undefined
                      ? el('span', { class: 'hint' }, 'not in this menu')
                      : `${percent(r.menuBp)} %`,
                  ),
                  el('td', {}, el('label', { 'data-error-after': true }, inputs[i], ' %')),
                ),
              ),
            ),
            { class: 'compact' },
          ),
    ),
    read(problems) {
      const rates = [];
      inputs.forEach((input, i) => {
        // The API names a rate by its place in what is sent, so the fields are named so too.
        input.removeAttribute('data-field');
        if (input.value.trim() === '' && !input.validity.badInput) return;
        const field = `taxRates.${rates.length}.rateBasisPoints`;
        input.setAttribute('data-field', field);
        const rate = input.validity.badInput ? Number.NaN : Number(input.value);
        if (!Number.isFinite(rate))
          problems.push({ field, message: 'enter a rate in %, like 8.25' });
        else if (rate < 0 || rate > 100) problems.push({ field, message: 'between 0 and 100 %' });
        rates.push({ taxCategoryId: rows[i].id, rateBasisPoints: Math.round(rate * 100) });
      });
      // None given: the menu's rates, which only needs saying when the store had its own.
      return rates.length > 0 || current !== undefined ? { taxRates: rates } : {};
    },
  };
}

/** A new printer: everything the hub would otherwise fill in is given, so it is saved as shown. */
const newPrinter = (id) => ({
  id,
  name: '',
  connection: { type: 'tcp', host: '', port: 9100 },
  commandSet: 'epson',
  width: 42,
  codePage: 'PC858',
  drawer: false,
  failoverAfterSeconds: 60,
});

/**
 * The store's printers (how each is reached, its paper width, a cash drawer, a backup), the
 * receipt printer, where each kitchen station's tickets print and the receipt header; or, when
 * the cloud has none, a button to start managing them here.
 */
function printingFieldset(current, store, stations) {
  let printing = current ? structuredClone(current) : undefined;
  /** New printers whose ID still follows their name. */
  const idFollowsName = new WeakSet();
  /** Selects listing the printers, redrawn when a printer's name or ID changes. */
  let printerSelects = [];
  const box = el('fieldset', { class: 'group settings', 'data-part': 'printing' });
  const stationName = new Map(stations.map((s) => [s.id, s.name || s.id]));

  const render = () => {
    printerSelects = [];
    redraw(box, () => [el('legend', {}, 'Printers'), ...(printing ? managed() : unmanaged())]);
  };
  const relabel = () => {
    for (const refresh of printerSelects) refresh();
  };
  /** A printer's ID changed: what pointed at the old one points at the new one. */
  const rename = (from, to) => {
    if (printing.receiptPrinterId === from) printing.receiptPrinterId = to;
    for (const p of printing.printers) if (p.backupPrinterId === from) p.backupPrinterId = to;
    for (const s of printing.stations) if (s.printerId === from) s.printerId = to;
  };
  const forget = (id) => {
    if (printing.receiptPrinterId === id) delete printing.receiptPrinterId;
    for (const p of printing.printers) if (p.backupPrinterId === id) delete p.backupPrinterId;
    for (const s of printing.stations) if (s.printerId === id) delete s.printerId;
  };

  /** A select of the printers (but `except`) for `obj[key]`; the first choice, '', leaves it out. */
  const printerSelect = (obj, key, none, attrs, except) => {
    const select = el('select', {
      ...attrs,
      onchange: (e) => {
        if (e.target.value === '') delete obj[key];
        else obj[key] = e.target.value;
      },
    });
    const refresh = () => {
      const options = [
        { value: '', label: none },
        ...printing.printers
          .filter((p) => p !== except)
          .map((p) => ({ value: p.id, label: p.name ? `${p.name} (${p.id})` : p.id })),
      ];
      const value = obj[key] ?? '';
      if (!options.some((o) => o.value === value))
        options.push({ value, label: `${value} (missing)` });
      select.replaceChildren(
        ...options.map((o) =>
          el('option', { value: o.value, selected: o.value === value }, o.label),
        ),
      );
    };
    refresh();
    printerSelects.push(refresh);
    return select;
  };

  const unmanaged = () => [
    el(
      'p',
      {},
      'The hub keeps the printers set up at the store. Set them up here to manage them from ' +
        'the portal instead: the hub then prints with these.',
    ),
    el(
      'button',
      {
        type: 'button',
        'data-focus': 'manage-printers',
        onclick: () => {
          printing = {
            printers: [],
            stations: [],
            store: { name: store.name.slice(0, 60), addressLines: [], footer: [] },
          };
          render();
          box.querySelector('[data-focus="add-printer"]')?.focus();
        },
      },
      'Set up printers here',
    ),
  ];

  const printerBlock = (p, i) => {
    const at = `printing.printers.${i}`;
    const label = () => p.name || `Printer ${i + 1}`;
    const id = el('input', {
      value: p.id,
      class: 'short',
      name: `printer-${i}-id`,
      'aria-label': `Printer ${i + 1} ID`,
      'data-field': `${at}.id`,
      title: 'Lower-case letters, digits and dashes',
      oninput: (e) => {
        idFollowsName.delete(p);
        rename(p.id, e.target.value);
        p.id = e.target.value;
        relabel();
      },
    });
    const name = el('input', {
      value: p.name,
      name: `printer-${i}-name`,
      maxlength: '60',
      placeholder: 'Front counter',
      'aria-label': `Printer ${i + 1} name`,
      'data-field': `${at}.name`,
      oninput: (e) => {
        p.name = e.target.value;
        if (idFollowsName.has(p)) {
          const next = slugFor(
            p.name,
            printing.printers.filter((o) => o !== p).map((o) => o.id),
            'printer',
          ).slice(0, 32);
          rename(p.id, next);
          p.id = next;
          id.value = next;
        }
        legend.textContent = label();
        relabel();
      },
    });
    const legend = el('legend', {}, label());
    const connection = p.connection ?? { type: 'tcp', host: '', port: 9100 };
    p.connection = connection;
    const type = el(
      'select',
      {
        name: `printer-${i}-connection`,
        'aria-label': `Printer ${i + 1} connection`,
        'data-field': `${at}.connection.type`,
        onchange: (e) => {
          p.connection =
            e.target.value === 'serial'
              ? { type: 'serial', path: '', baudRate: 19200 }
              : { type: 'tcp', host: '', port: 9100 };
          render();
        },
      },
      el('option', { value: 'tcp', selected: connection.type === 'tcp' }, 'Network (TCP)'),
      el('option', { value: 'serial', selected: connection.type === 'serial' }, 'Serial'),
    );
    const where =
      connection.type === 'serial'
        ? [
            el(
              'label',
              { 'data-error-after': true },
              'Port ',
              textInput(connection, 'path', noop, {
                name: `printer-${i}-path`,
                placeholder: '/dev/ttyUSB0',
                'aria-label': `Printer ${i + 1} serial port`,
                'data-field': `${at}.connection.path`,
              }),
            ),
            el(
              'label',
              { 'data-error-after': true },
              'Baud ',
              intInput(connection, 'baudRate', noop, {
                name: `printer-${i}-baud`,
                min: '1',
                'aria-label': `Printer ${i + 1} baud rate`,
                'data-field': `${at}.connection.baudRate`,
              }),
            ),
          ]
        : [
            el(
              'label',
              { 'data-error-after': true },
              'Host ',
              textInput(connection, 'host', noop, {
                name: `printer-${i}-host`,
                placeholder: '192.168.1.50',
                'aria-label': `Printer ${i + 1} host`,
                'data-field': `${at}.connection.host`,
              }),
            ),
            el(
              'label',
              { 'data-error-after': true },
              'Port ',
              intInput(connection, 'port', noop, {
                name: `printer-${i}-port`,
                min: '1',
                max: '65535',
                'aria-label': `Printer ${i + 1} TCP port`,
                'data-field': `${at}.connection.port`,
              }),
            ),
          ];
    const width = el(
      'select',
      {
        name: `printer-${i}-width`,
        'aria-label': `Printer ${i + 1} paper width`,
        'data-field': `${at}.width`,
        onchange: (e) => {
          p.width = Number(e.target.value);
        },
      },
      ...WIDTHS.map((w) =>
        el('option', { value: String(w), selected: (p.width ?? 42) === w }, `${w} characters`),
      ),
    );
    return el(
      'fieldset',
      { class: 'printer', 'data-printer': String(i) },
      legend,
      el(
        'div',
        { class: 'row' },
        el('label', { 'data-error-after': true }, 'Name ', name),
        el('label', { 'data-error-after': true }, 'ID ', id),
        el('label', { 'data-error-after': true }, 'Connection ', type),
        ...where,
      ),
      el(
        'div',
        { class: 'row' },
        el('label', { 'data-error-after': true }, 'Width ', width),
        el(
          'label',
          { 'data-error-after': true },
          'Commands ',
          choice(
            p,
            'commandSet',
            [
              { value: 'epson', label: 'Epson (ESC/POS)' },
              { value: 'star', label: 'Star' },
            ],
            noop,
            {
              name: `printer-${i}-commands`,
              'aria-label': `Printer ${i + 1} command set`,
              'data-field': `${at}.commandSet`,
            },
          ),
        ),
        el(
          'label',
          { class: 'inline', 'data-error-after': true },
          checkbox(p, 'drawer', noop, {
            name: `printer-${i}-drawer`,
            'aria-label': `Printer ${i + 1} opens a cash drawer`,
            'data-field': `${at}.drawer`,
          }),
          ' Cash drawer',
        ),
        el(
          'label',
          { 'data-error-after': true },
          'If it fails, print on ',
          printerSelect(
            p,
            'backupPrinterId',
            'no other printer',
            {
              name: `printer-${i}-backup`,
              'aria-label': `Printer ${i + 1} backup`,
              'data-field': `${at}.backupPrinterId`,
            },
            p,
          ),
        ),
        el(
          'button',
          {
            type: 'button',
            'aria-label': `Remove printer ${i + 1}`,
            onclick: () => {
              printing.printers.splice(i, 1);
              forget(p.id);
              render();
              box.querySelector('[data-focus="add-printer"]')?.focus();
            },
          },
          'Remove',
        ),
      ),
    );
  };

  const routesTable = () => {
    printing.stations ??= [];
    const routed = new Set(printing.stations.map((s) => s.stationId));
    const unrouted = [...stationName].filter(([id]) => !routed.has(id));
    const pick = el(
      'select',
      { name: 'new-route', 'aria-label': 'Station to route' },
      ...unrouted.map(([id, name]) => el('option', { value: id }, name)),
    );
    return [
      el('h3', {}, 'Kitchen tickets'),
      el(
        'p',
        { class: 'hint' },
        "A station's tickets print on its printer and show on the kitchen screen if ticked; " +
          'tickets of a station not listed print on the receipt printer.',
      ),
      printing.stations.length === 0
        ? ''
        : table(
            ['Station', 'Printer', 'Kitchen screen', ''],
            el(
              'tbody',
              {},
              ...printing.stations.map((s, i) => {
                const at = `printing.stations.${i}`;
                const name = stationName.get(s.stationId) ?? s.stationId;
                return el(
                  'tr',
                  { 'data-route': s.stationId },
                  el(
                    'td',
                    {},
                    el(
                      'span',
                      { 'data-field': at, tabindex: '-1' },
                      name,
                      el('small', { class: 'id' }, s.stationId),
                    ),
                  ),
                  el(
                    'td',
                    {},
                    printerSelect(s, 'printerId', 'none', {
                      name: `route-${s.stationId}-printer`,
                      'aria-label': `${name} tickets print on`,
                      'data-field': `${at}.printerId`,
                    }),
                  ),
                  el(
                    'td',
                    {},
                    checkbox(s, 'kds', noop, {
                      name: `route-${s.stationId}-kds`,
                      'aria-label': `${name} tickets show on the kitchen screen`,
                      'data-field': `${at}.kds`,
                    }),
                  ),
                  el(
                    'td',
                    {},
                    el(
                      'button',
                      {
                        type: 'button',
                        'aria-label': `Stop routing ${name}`,
                        onclick: () => {
                          printing.stations.splice(i, 1);
                          render();
                          box.querySelector('[data-focus="add-route"]')?.focus();
                        },
                      },
                      'Remove',
                    ),
                  ),
                );
              }),
            ),
            { class: 'compact' },
          ),
      unrouted.length === 0
        ? ''
        : el(
            'div',
            { class: 'row' },
            pick,
            el(
              'button',
              {
                type: 'button',
                'data-focus': 'add-route',
                onclick: () => {
                  printing.stations.push({
                    stationId: pick.value,
                    ...(printing.printers[0] ? { printerId: printing.printers[0].id } : {}),
                    kds: true,
                  });
                  render();
                  box.querySelector('[data-focus="add-route"]')?.focus();
                },
              },
              'Add station',
            ),
          ),
    ];
  };

  const header = () => {
    const s = printing.store;
    const area = (key, label, placeholder) =>
      el('textarea', {
        rows: '2',
        name: `header-${key}`,
        placeholder,
        'aria-label': label,
        'data-field': `printing.store.${key}`,
        value: (s[key] ?? []).join('\n'),
        oninput: (e) => {
          s[key] = lines(e.target.value);
        },
      });
    return [
      el('h3', {}, 'Receipt header and footer'),
      el(
        'div',
        { class: 'details' },
        el(
          'label',
          { 'data-error-after': true },
          'Store name',
          textInput(s, 'name', noop, {
            name: 'header-name',
            maxlength: '60',
            'data-field': 'printing.store.name',
          }),
        ),
        el(
          'label',
          { 'data-error-after': true },
          'Phone',
          textInput(
            s,
            'phone',
            noop,
            { name: 'header-phone', maxlength: '30', 'data-field': 'printing.store.phone' },
            { optional: true },
          ),
        ),
        el(
          'label',
          { 'data-error-after': true },
          'Address (one line each, up to 4)',
          area('addressLines', 'Address lines', '12 Harbour Street\nPortside'),
        ),
        el(
          'label',
          { 'data-error-after': true },
          'Footer (one line each, up to 6)',
          area('footer', 'Footer lines', 'Thank you! Come back soon.'),
        ),
      ),
    ];
  };

  const managed = () => [
    ...printing.printers.map(printerBlock),
    el(
      'div',
      { class: 'row' },
      el(
        'button',
        {
          type: 'button',
          'data-focus': 'add-printer',
          onclick: () => {
            const p = newPrinter(
              slugFor(
                'printer',
                printing.printers.map((o) => o.id),
              ),
            );
            idFollowsName.add(p);
            printing.printers.push(p);
            render();
            box.querySelector(`[name="printer-${printing.printers.length - 1}-name"]`)?.focus();
          },
        },
        'Add printer',
      ),
      el(
        'label',
        { 'data-error-after': true },
        'Receipts print on ',
        printerSelect(printing, 'receiptPrinterId', 'no printer', {
          name: 'receipt-printer',
          'data-field': 'printing.receiptPrinterId',
        }),
      ),
    ),
    ...routesTable(),
    ...header(),
    el(
      'p',
      { class: 'hint' },
      el(
        'button',
        {
          type: 'button',
          class: 'link',
          onclick: () => {
            printing = undefined;
            render();
            box.querySelector('[data-focus="manage-printers"]')?.focus();
          },
        },
        'Leave printers to the hub',
      ),
      ' (saved this way, the hub keeps the printers it has).',
    ),
  ];

  /** What a blank or half-typed field would get a schema's wording for, said plainly. */
  const check = (problems) => {
    const need = (value, field, message) => {
      if (!String(value ?? '').trim()) problems.push({ field, message });
    };
    const whole = (value, field, example) => {
      if (!Number.isInteger(value))
        problems.push({ field, message: `a whole number, like ${example}` });
    };
    printing.printers.forEach((p, i) => {
      const at = `printing.printers.${i}`;
      need(p.name, `${at}.name`, 'give the printer a name');
      need(p.id, `${at}.id`, 'give the printer an ID, like front-counter');
      if (p.connection.type === 'tcp') {
        need(p.connection.host, `${at}.connection.host`, 'its network address, like 192.168.1.50');
        whole(p.connection.port, `${at}.connection.port`, 9100);
      } else {
        need(p.connection.path, `${at}.connection.path`, 'its serial port, like /dev/ttyUSB0');
        whole(p.connection.baudRate, `${at}.connection.baudRate`, 19200);
      }
    });
    need(printing.store.name, 'printing.store.name', 'the name printed at the top of receipts');
  };

  render();
  return {
    node: box,
    read(problems) {
      if (!printing) return {};
      check(problems);
      return { printing };
    },
  };
}
