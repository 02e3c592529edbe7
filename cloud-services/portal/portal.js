// The manager portal: sign in, change the menu draft (prices, availability), publish it to
// stores, and see every published version. Everything goes through the gateway's API.

const app = document.getElementById('app');
let token = sessionStorage.getItem('portal.token') ?? '';

const api = async (method, path, body) => {
  const res = await fetch(path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : undefined;
  if (!res.ok) {
    if (res.status === 401) {
      token = '';
      sessionStorage.removeItem('portal.token');
    }
    const fields = (data?.errors ?? []).map((e) => `${e.field}: ${e.message}`).join('; ');
    throw new Error(`${data?.detail ?? `HTTP ${res.status}`}${fields ? ` (${fields})` : ''}`);
  }
  return data;
};

const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
};
const money = (cents) => (cents / 100).toFixed(2);

function showError(where, err) {
  where.replaceChildren(el('p', { class: 'error', role: 'alert' }, String(err.message ?? err)));
}

function login() {
  const message = el('div');
  const email = el('input', { type: 'email', name: 'email', placeholder: 'Email', required: '' });
  const password = el('input', {
    type: 'password',
    name: 'password',
    placeholder: 'Password',
    required: '',
  });
  const form = el(
    'form',
    {
      class: 'login',
      onsubmit: async (e) => {
        e.preventDefault();
        try {
          const res = await api('POST', '/api/v1/auth/login', {
            email: email.value,
            password: password.value,
          });
          token = res.accessToken;
          sessionStorage.setItem('portal.token', token);
          await home();
        } catch (err) {
          showError(message, err);
        }
      },
    },
    el('h2', {}, 'Sign in'),
    email,
    password,
    el('button', { class: 'primary', type: 'submit' }, 'Sign in'),
    message,
  );
  app.replaceChildren(form);
}

async function home() {
  const message = el('div');
  const items = el('tbody');
  const versions = el('tbody', { 'data-testid': 'versions' });
  const stores = el('input', { name: 'stores', value: 'harbour-street', 'aria-label': 'Stores' });
  const draft = await api('GET', '/api/v1/menu/draft');
  for (const item of draft.items) {
    const price = el('input', {
      type: 'number',
      step: '0.01',
      min: '0',
      value: money(item.priceCents),
      'data-price': item.id,
      'aria-label': `${item.name} price`,
    });
    const available = el('input', { type: 'checkbox', 'aria-label': `${item.name} on sale` });
    available.checked = item.available;
    const save = el(
      'button',
      {
        'data-save': item.id,
        onclick: async () => {
          try {
            const cents = Math.round(Number(price.value) * 100);
            await api('PUT', `/api/v1/menu/items/${item.id}`, {
              ...item,
              priceCents: cents,
              available: available.checked,
            });
            Object.assign(item, { priceCents: cents, available: available.checked });
            message.replaceChildren(el('p', { class: 'ok' }, `${item.name} saved to the draft`));
          } catch (err) {
            showError(message, err);
          }
        },
      },
      'Save',
    );
    items.append(
      el(
        'tr',
        {},
        el('td', {}, item.name),
        el('td', {}, price),
        el('td', {}, available),
        el('td', {}, save),
      ),
    );
  }
  const publish = el(
    'button',
    {
      class: 'primary',
      'data-testid': 'publish',
      onclick: async () => {
        try {
          const v = await api('POST', '/api/v1/menu/publish', {
            storeIds: stores.value
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean),
          });
          message.replaceChildren(el('p', { class: 'ok' }, `Version ${v.version} published`));
          await listVersions(versions);
        } catch (err) {
          showError(message, err);
        }
      },
    },
    'Publish to stores',
  );
  app.replaceChildren(
    el(
      'section',
      {},
      el('h2', {}, 'Menu draft'),
      el(
        'table',
        {},
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            el('th', {}, 'Item'),
            el('th', {}, 'Price'),
            el('th', {}, 'On sale'),
            el('th', {}),
          ),
        ),
        items,
      ),
      el('p', {}, 'Stores ', stores, ' ', publish),
      message,
    ),
    el(
      'section',
      {},
      el('h2', {}, 'Published versions'),
      el(
        'table',
        {},
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            el('th', {}, 'Version'),
            el('th', {}, 'Published'),
            el('th', {}, 'Stores'),
            el('th', {}, 'Items'),
          ),
        ),
        versions,
      ),
    ),
  );
  await listVersions(versions);
}

async function listVersions(tbody) {
  const { versions } = await api('GET', '/api/v1/menu/versions');
  tbody.replaceChildren(
    ...versions.map((v) =>
      el(
        'tr',
        { 'data-version': String(v.version) },
        el('td', {}, `v${v.version}${v.rolledBackFrom ? ` (from v${v.rolledBackFrom})` : ''}`),
        el('td', {}, new Date(v.publishedAt).toLocaleString()),
        el('td', {}, v.storeIds.join(', ')),
        el('td', {}, String(v.itemCount)),
      ),
    ),
  );
}

if (token) home().catch(() => login());
else login();
