// The manager portal: sign in, then the menu (structure, prices, publishing and versions), a
// preview of the menu as a terminal shows it, the stores with their hubs and settings, the
// staff who work there, the sales report, the loyalty programme and the notification templates.
// Everything goes through the gateway's API; there is no build step.

import { api, el, notice, session, tokenClaims } from './lib.js';
import { loyaltyPage } from './loyalty.js';
import { menuPage } from './menu-editor.js';
import { notificationsPage } from './notifications.js';
import { previewPage } from './preview.js';
import { salesPage } from './sales.js';
import { staffPage } from './staff.js';
import { storesPage } from './stores.js';

const app = document.getElementById('app');
const who = document.getElementById('who');

const PAGES = [
  { hash: '#menu', label: 'Menu', render: menuPage },
  { hash: '#preview', label: 'Preview', render: previewPage },
  { hash: '#stores', label: 'Stores', render: storesPage },
  { hash: '#staff', label: 'Staff', render: staffPage },
  { hash: '#sales', label: 'Sales', render: salesPage },
  { hash: '#loyalty', label: 'Loyalty', render: loyaltyPage },
  { hash: '#notifications', label: 'Notifications', render: notificationsPage },
];

function login() {
  who.replaceChildren();
  const message = el('div');
  const email = el('input', {
    type: 'email',
    name: 'email',
    placeholder: 'Email',
    'aria-label': 'Email',
    autocomplete: 'username',
    required: true,
  });
  const password = el('input', {
    type: 'password',
    name: 'password',
    placeholder: 'Password',
    'aria-label': 'Password',
    autocomplete: 'current-password',
    required: true,
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
          session.set(res.accessToken);
          await show();
        } catch (err) {
          notice(message, err.message, 'error');
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
  email.focus();
}

/** The signed-in person's name and roles, read from the access token (the gateway verifies it). */
function signedInAs() {
  const claims = tokenClaims();
  return [claims.email ?? claims.name ?? '', claims.roles.join(', ')].filter(Boolean).join(' · ');
}

let showing = 0;

async function show() {
  if (!session.token) return login();
  const current = PAGES.find((p) => p.hash === location.hash) ?? PAGES[0];
  const turn = ++showing;
  who.replaceChildren(
    el('span', {}, signedInAs()),
    el(
      'button',
      {
        type: 'button',
        class: 'link',
        onclick: () => {
          session.set('');
          login();
        },
      },
      'Sign out',
    ),
  );
  const nav = el(
    'nav',
    { 'aria-label': 'Portal' },
    ...PAGES.map((p) =>
      el('a', { href: p.hash, 'aria-current': p === current ? 'page' : undefined }, p.label),
    ),
  );
  const page = el('div', { class: 'page', 'data-page': current.hash.slice(1) });
  app.replaceChildren(nav, page);
  try {
    await current.render(page);
  } catch (err) {
    if (turn === showing && session.token) notice(page, err.message, 'error');
  }
}

session.onSignedOut = login;
window.addEventListener('hashchange', () => {
  show();
});
show();
