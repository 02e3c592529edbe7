// The guest's account at /order/account/ (seed §10): sign in or create an account, then their
// loyalty points — balance, tier and how far to the next, the history of visits and
// redemptions — and the rewards they can spend them on. Everything comes from
// `/api/v1/loyalty/me…`, which finds the account by the signed-in guest's own email.

import { el, fill, notice, uuid } from '../lib.js';
import {
  asGuest,
  currentGuest,
  finishSocial,
  register,
  rememberName,
  renewSession,
  signIn,
  signOut,
  socialProviders,
  startSocial,
} from './session.js';

const app = document.getElementById('app');
const dates = new Intl.DateTimeFormat(navigator.language || 'en', {
  dateStyle: 'medium',
  timeStyle: 'short',
});
const count = new Intl.NumberFormat(navigator.language || 'en');
const points = (n) => `${count.format(n)} ${Math.abs(n) === 1 ? 'point' : 'points'}`;

function focusHeading() {
  app.querySelector('h1')?.focus({ preventScroll: true });
}

function field(name, label, attrs) {
  const input = el('input', { name, id: `a-${name}`, 'data-field': name, ...attrs });
  return [input, el('label', { class: 'field', for: `a-${name}` }, label, input)];
}

/** "Continue with …" for each social sign-in provider the cloud is set up with. */
function socialButtons(message) {
  const box = el('div', { class: 'social', 'data-testid': 'social' });
  socialProviders().then((providers) => {
    if (providers.length === 0) return;
    fill(
      box,
      el('p', { class: 'or' }, 'or'),
      ...providers.map((p) =>
        el(
          'button',
          {
            type: 'button',
            class: 'wide',
            'data-provider': p.name,
            onclick: async (e) => {
              e.currentTarget.disabled = true;
              try {
                await startSocial(p.name, p.label ?? p.name);
              } catch (err) {
                e.currentTarget.disabled = false;
                notice(message, err.message, 'error');
              }
            },
          },
          `Continue with ${p.label ?? p.name}`,
        ),
      ),
    );
  });
  return box;
}

/** Sign in, or (`creating`) create an account; both end on the dashboard. */
function signInScreen(creating = false, problem) {
  const message = el('div', { class: 'message' });
  if (problem) notice(message, problem, 'error');
  const [nameInput, nameField] = field('displayName', 'Your name', {
    type: 'text',
    autocomplete: 'name',
    maxlength: '100',
    required: true,
  });
  const [emailInput, emailField] = field('email', 'Email', {
    type: 'email',
    autocomplete: 'email',
    maxlength: '320',
    required: true,
  });
  const [passwordInput, passwordField] = field('password', 'Password', {
    type: 'password',
    autocomplete: creating ? 'new-password' : 'current-password',
    minlength: creating ? '10' : '1',
    maxlength: '200',
    required: true,
  });
  const submit = el(
    'button',
    { type: 'submit', class: 'primary wide' },
    creating ? 'Create account' : 'Sign in',
  );
  const form = el(
    'form',
    {
      class: 'card account-form',
      novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault();
        message.replaceChildren();
        const email = emailInput.value.trim();
        const password = passwordInput.value;
        const name = nameInput.value.trim();
        if (!email || !password || (creating && !name)) {
          notice(message, 'Fill in every field.', 'error');
          return;
        }
        if (creating && password.length < 10) {
          notice(message, 'Choose a password of at least 10 characters.', 'error');
          return;
        }
        submit.disabled = true;
        try {
          if (creating) {
            await register(email, password, name);
            // Points are found by email: first the guest shows the address is theirs.
            confirmScreen(email, name);
            focusHeading();
            return;
          }
          await signIn(email, password);
          await dashboard();
        } catch (err) {
          submit.disabled = false;
          const detail =
            err.status === 409
              ? 'There is already an account with this email. Sign in instead.'
              : err.errors?.length
                ? err.errors.map((x) => x.message).join('. ')
                : err.message;
          notice(message, detail, 'error');
        }
      },
    },
    creating ? nameField : undefined,
    emailField,
    passwordField,
    creating ? el('p', { class: 'hint' }, 'At least 10 characters.') : undefined,
    message,
    submit,
  );
  fill(
    app,
    el('p', { class: 'back' }, el('a', { href: '/order/' }, '← Order online')),
    el('h1', { tabindex: '-1' }, creating ? 'Create an account' : 'Sign in'),
    el(
      'p',
      { class: 'lead' },
      'Earn points on every order made with your email, and spend them on rewards.',
    ),
    form,
    socialButtons(message),
    el(
      'p',
      { class: 'switch' },
      creating ? 'Already have an account? ' : 'New here? ',
      el(
        'button',
        {
          type: 'button',
          class: 'link',
          'data-action': creating ? 'show-sign-in' : 'show-register',
          onclick: () => {
            signInScreen(!creating);
            focusHeading();
          },
        },
        creating ? 'Sign in' : 'Create an account',
      ),
    ),
  );
}

function header(guest) {
  return [
    el('p', { class: 'back' }, el('a', { href: '/order/' }, '← Order online')),
    el('h1', { tabindex: '-1' }, 'Your rewards'),
    el(
      'p',
      { class: 'hint signed-in' },
      `Signed in as ${guest?.email ?? ''} `,
      el(
        'button',
        {
          type: 'button',
          class: 'link',
          'data-action': 'sign-out',
          onclick: async () => {
            await signOut();
            signInScreen();
            focusHeading();
          },
        },
        'Sign out',
      ),
    ),
  ];
}

/** No account in the programme for this email yet. */
function notYet(guest, detail) {
  const message = el('div', { class: 'message' });
  const join = el(
    'button',
    {
      type: 'button',
      class: 'primary wide',
      'data-action': 'join',
      onclick: async () => {
        join.disabled = true;
        try {
          await asGuest('POST', '/api/v1/loyalty/me', {
            body: guest?.name ? { name: guest.name } : {},
          });
          await dashboard();
        } catch (err) {
          join.disabled = false;
          notice(message, err.message, 'error');
        }
      },
    },
    'Start earning points',
  );
  fill(
    app,
    ...header(guest),
    el('p', { class: 'notice info', 'data-testid': 'no-points' }, detail),
    message,
    join,
  );
}

function balanceCard(me) {
  const next = me.nextTier;
  return el(
    'section',
    { class: 'card rewards-summary', 'aria-labelledby': 'balance-title' },
    el('h2', { id: 'balance-title', class: 'sr-only' }, 'Your points'),
    el(
      'p',
      { class: 'balance' },
      el('span', { 'data-testid': 'balance' }, count.format(me.pointsBalance)),
      el('span', { class: 'unit' }, me.pointsBalance === 1 ? ' point' : ' points'),
    ),
    el('p', { class: 'tier' }, 'Tier: ', el('strong', { 'data-testid': 'tier' }, me.tier.name)),
    next
      ? [
          el('progress', {
            class: 'tier-progress',
            max: '100',
            value: String(me.progressPercent),
            'aria-labelledby': 'to-next',
            'data-testid': 'progress',
          }),
          el(
            'p',
            { class: 'hint', id: 'to-next', 'data-testid': 'to-next' },
            `${points(next.pointsToGo)} to ${next.name}`,
          ),
        ]
      : el('p', { class: 'hint', 'data-testid': 'to-next' }, 'You are at the top tier.'),
  );
}

function historyList(me) {
  if (me.history.length === 0) {
    return el('p', { class: 'hint', 'data-testid': 'history-empty' }, 'No visits yet.');
  }
  return el(
    'ul',
    { class: 'history', 'data-testid': 'history' },
    ...me.history.map((h) =>
      el(
        'li',
        { 'data-kind': h.kind },
        el(
          'div',
          { class: 'what' },
          el('span', {}, h.description),
          el(
            'small',
            {},
            dates.format(new Date(h.at)),
            h.paymentId ? ` · Ref. ${h.paymentId.slice(-8).toUpperCase()}` : '',
          ),
        ),
        el(
          'span',
          { class: h.points > 0 ? 'points plus' : 'points minus' },
          `${h.points > 0 ? '+' : '−'}${count.format(Math.abs(h.points))}`,
        ),
      ),
    ),
  );
}

function rewardsList(offer, redeem) {
  if (offer.rewards.length === 0) {
    return el('p', { class: 'hint' }, 'No rewards are offered right now.');
  }
  return el(
    'ul',
    { class: 'rewards' },
    ...offer.rewards.map((r) => {
      const button = el(
        'button',
        {
          type: 'button',
          class: r.affordable ? 'primary' : '',
          disabled: !r.affordable,
          'aria-describedby': `cost-${r.rewardId}`,
          onclick: () => redeem(r, button),
        },
        'Redeem',
      );
      return el(
        'li',
        { 'data-reward': r.rewardId },
        el(
          'div',
          { class: 'what' },
          el('span', { class: 'reward-name' }, r.name),
          el(
            'small',
            { id: `cost-${r.rewardId}` },
            points(r.pointsCost),
            r.affordable ? '' : ` · ${points(r.pointsShort)} more needed`,
          ),
        ),
        button,
      );
    }),
  );
}

let turn = 0;

/**
 * "Enter the code we sent": the six digits from the email confirm the address, then the guest
 * joins the programme with it. A lost email can be sent again (every 30 s at most).
 */
function confirmScreen(email, name) {
  const message = el('div', { class: 'message', 'aria-live': 'polite' });
  const [codeInput, codeField] = field('code', 'Code from the email', {
    type: 'text',
    inputmode: 'numeric',
    autocomplete: 'one-time-code',
    pattern: '[0-9]{6}',
    maxlength: '6',
    required: true,
  });
  const submit = el('button', { type: 'submit', class: 'primary wide' }, 'Confirm');
  const resend = el(
    'button',
    {
      type: 'button',
      class: 'link',
      'data-action': 'resend-code',
      onclick: async () => {
        resend.disabled = true;
        try {
          await asGuest('POST', '/api/v1/auth/email/code', { body: {} });
          notice(message, `A new code is on its way to ${email}.`, 'ok');
        } catch (err) {
          notice(message, err.message, 'error');
        } finally {
          setTimeout(() => {
            resend.disabled = false;
          }, 5_000);
        }
      },
    },
    'Send a new code',
  );
  const form = el(
    'form',
    {
      class: 'card account-form',
      novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault();
        message.replaceChildren();
        const code = codeInput.value.replace(/\D/g, '');
        if (code.length !== 6) {
          notice(message, 'Enter the six digits from the email.', 'error');
          return;
        }
        submit.disabled = true;
        try {
          await asGuest('POST', '/api/v1/auth/email/confirm', { body: { code } });
          await renewSession();
          // Joining the programme: orders with this email earn points from now on.
          await asGuest('POST', '/api/v1/loyalty/me', { body: name ? { name } : {} });
          await dashboard('Your email is confirmed.');
        } catch (err) {
          submit.disabled = false;
          notice(
            message,
            err.status === 400 ? 'That is not the code we sent.' : err.message,
            'error',
          );
        }
      },
    },
    el('p', {}, `We sent a six-digit code to ${email}. Enter it to see and earn your points.`),
    codeField,
    message,
    submit,
  );
  fill(
    app,
    el('p', { class: 'back' }, el('a', { href: '/order/' }, '← Order online')),
    el('h1', { tabindex: '-1' }, 'Confirm your email'),
    form,
    el('p', { class: 'switch' }, "Didn't get it? ", resend),
  );
  codeInput.focus();
}

async function dashboard(announce) {
  const mine = ++turn;
  const guest = currentGuest();
  if (!guest) return signInScreen();
  app.setAttribute('aria-busy', 'true');
  try {
    let me;
    let offer;
    try {
      [me, offer] = await Promise.all([
        asGuest('GET', '/api/v1/loyalty/me'),
        asGuest('GET', '/api/v1/loyalty/me/rewards'),
      ]);
    } catch (err) {
      if (mine !== turn) return;
      if (err.status === 403 && err.reason === 'email-not-verified')
        return confirmScreen(guest.email, guest.name);
      if (err.status === 404) return notYet(guest, err.message);
      if (err.status === 401 || !currentGuest()) return signInScreen();
      throw err;
    }
    if (mine !== turn) return;
    rememberName(me.name);
    const message = el('div', { class: 'message', 'aria-live': 'polite' });
    const redeem = async (reward, button) => {
      // Disabled at once, so a double-click sends one request; the key makes a retry safe.
      if (button.disabled) return;
      button.disabled = true;
      const key = uuid();
      try {
        const done = await asGuest('POST', '/api/v1/loyalty/me/rewards/redeem', {
          body: { rewardId: reward.rewardId },
          idempotencyKey: key,
        });
        await dashboard(
          `${reward.name} redeemed — show this screen at the counter. ${points(done.pointsBalance)} left.`,
        );
      } catch (err) {
        button.disabled = false;
        notice(message, err.message, 'error');
      }
    };
    fill(
      app,
      ...header(guest),
      message,
      balanceCard(me),
      el('h2', {}, 'Rewards'),
      rewardsList(offer, redeem),
      el('h2', {}, 'History'),
      historyList(me),
    );
    if (announce) notice(message, announce, 'ok');
  } catch (err) {
    if (mine !== turn) return;
    const box = el('div');
    fill(app, ...header(guest), box);
    notice(box, err.message, 'error');
  } finally {
    if (mine === turn) app.removeAttribute('aria-busy');
  }
}

/** Back from a social sign-in: the code leaves the address at once, then is exchanged. */
async function returnFromProvider() {
  const params = new URLSearchParams(location.search);
  if (!params.has('code') && !params.has('error')) return true;
  history.replaceState(null, '', location.pathname);
  try {
    if (!(await finishSocial(params))) return true;
    // Joining the programme: orders with this email earn points from now on.
    await asGuest('POST', '/api/v1/loyalty/me', { body: {} });
    return true;
  } catch (err) {
    signInScreen(false, err.message);
    return false;
  }
}

if (await returnFromProvider()) await dashboard();
focusHeading();
