// The loyalty programme: find a guest by phone or email (balance, tier, points history), and
// set up how points are earned (tiers and their rate per currency unit, category multipliers,
// promotions) and what they buy (the rewards catalogue).

import { draft } from './draft.js';
import { addForm, api, attempt, el, money, notice, slugFor, table } from './lib.js';

const rate = (bp) => String(Number(bp) / 10_000);
const toBp = (text) => (text.trim() === '' ? Number.NaN : Math.round(Number(text) * 10_000));
const fromLocal = (value) => (value ? new Date(value).toISOString() : '');

export async function loyaltyPage(page) {
  const [{ tiers }, { rewards }, { multipliers }, { promotions }, categories] = await Promise.all([
    api('GET', '/api/v1/loyalty/tiers'),
    api('GET', '/api/v1/loyalty/rewards'),
    api('GET', '/api/v1/loyalty/multipliers'),
    api('GET', '/api/v1/loyalty/promotions'),
    draft.load().then(
      (d) => d.categories,
      () => [],
    ),
  ]);
  const reload = () => loyaltyPage(page);
  page.replaceChildren(
    lookupSection(tiers),
    tiersSection(tiers, reload),
    multipliersSection(multipliers, categories),
    promotionsSection(promotions, reload),
    rewardsSection(rewards, reload),
  );
  page.querySelector('input[name="lookup"]')?.focus();
}

function section(id, title, ...children) {
  return el(
    'section',
    { 'aria-labelledby': id },
    el('h2', { id }, title),
    ...children,
    el('div', { class: 'message', 'aria-live': 'polite' }),
  );
}

const messageOf = (node) => node.closest('section').querySelector(':scope > .message');

function lookupSection(tiers) {
  const tierName = new Map(tiers.map((t) => [t.tierId, t.name]));
  const input = el('input', {
    name: 'lookup',
    type: 'search',
    placeholder: 'Phone or email',
    'aria-label': 'Phone or email',
    'data-field': 'query.phone',
    required: true,
  });
  const result = el('div', { 'data-testid': 'customer' });
  const find = el('button', { type: 'submit', class: 'primary' }, 'Find');
  const form = el(
    'form',
    {
      class: 'add',
      onsubmit: (e) => {
        e.preventDefault();
        const text = input.value.trim();
        const key = text.includes('@') ? 'email' : 'phone';
        input.setAttribute('data-field', `query.${key}`);
        result.replaceChildren();
        attempt(find, form.parentElement, messageOf(form), async () => {
          let account;
          try {
            account = await api(
              'GET',
              `/api/v1/loyalty/accounts?${key}=${encodeURIComponent(text)}`,
            );
          } catch (err) {
            if (err.status === 404) err.errors = [{ field: `query.${key}`, message: err.message }];
            throw err;
          }
          const { transactions } = await api(
            'GET',
            `/api/v1/loyalty/accounts/${account.customerId}/transactions`,
          );
          result.replaceChildren(accountCard(account, transactions, tierName));
        });
      },
    },
    input,
    find,
  );
  return section('lookup-heading', 'Find a customer', form, result);
}

function accountCard(account, transactions, tierName) {
  return el(
    'div',
    { class: 'card' },
    el(
      'h3',
      {},
      account.name ?? 'Guest',
      el('small', {}, ` ${[account.phone, account.email].filter(Boolean).join(' · ')}`),
    ),
    el(
      'dl',
      {},
      el('dt', {}, 'Balance'),
      el('dd', { 'data-testid': 'balance' }, `${account.pointsBalance} points`),
      el('dt', {}, 'Tier'),
      el('dd', { 'data-testid': 'tier' }, tierName.get(account.tier) ?? account.tier),
      el('dt', {}, 'Lifetime'),
      el('dd', {}, `${account.lifetimePoints} points`),
    ),
    table(
      ['When', 'What', 'Points', 'Balance after', 'Reason'],
      el(
        'tbody',
        { 'data-testid': 'ledger' },
        ...transactions.map((t) =>
          el(
            'tr',
            {},
            el('td', {}, new Date(t.createdAt).toLocaleString()),
            el('td', {}, t.kind),
            el(
              'td',
              { class: t.points < 0 ? 'minus' : 'plus' },
              `${t.points > 0 ? '+' : ''}${t.points}`,
            ),
            el('td', {}, String(t.balanceAfter)),
            el('td', {}, t.reason),
          ),
        ),
        transactions.length === 0 ? el('tr', {}, el('td', { colspan: '5' }, 'No points yet')) : '',
      ),
    ),
  );
}

/** A row of inputs that saves itself: `send()` builds the request, errors land in the row. */
function savingRow(attrs, cells, label, send, done) {
  const row = el('tr', attrs);
  const button = el(
    'button',
    {
      type: 'button',
      onclick: () =>
        attempt(button, row, messageOf(row), async () => {
          const saved = await send();
          notice(messageOf(row), done(saved));
        }),
    },
    label,
  );
  row.append(...cells.map((c) => el('td', {}, c)), el('td', {}, button));
  // Enter in any input of the row saves it.
  row.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && e.target.tagName === 'INPUT') {
      e.preventDefault();
      button.click();
    }
  });
  return row;
}

function tiersSection(tiers, reload) {
  const rows = tiers.map((t) => {
    const name = el('input', { value: t.name, 'aria-label': 'Tier name', 'data-field': 'name' });
    const from = el('input', {
      type: 'number',
      min: '0',
      class: 'short',
      value: String(t.minLifetimePoints),
      'aria-label': `${t.name} from lifetime points`,
      'data-field': 'minLifetimePoints',
      disabled: t.tierId === 'base',
    });
    const earn = el('input', {
      type: 'number',
      step: '0.01',
      min: '0',
      class: 'short',
      value: rate(t.earnRateBp),
      'aria-label': `${t.name} points per currency unit`,
      'data-field': 'earnRateBp',
    });
    return savingRow(
      { 'data-tier': t.tierId },
      [name, from, earn],
      'Save',
      () =>
        api('PUT', `/api/v1/loyalty/tiers/${t.tierId}`, {
          name: name.value,
          minLifetimePoints: Number(from.value),
          earnRateBp: toBp(earn.value),
        }),
      (s) =>
        `${s.name}: ${rate(s.earnRateBp)} points per unit from ${s.minLifetimePoints} lifetime points`,
    );
  });
  const name = el('input', {
    placeholder: 'New tier',
    'aria-label': 'New tier name',
    'data-field': 'name',
    required: true,
  });
  const from = el('input', {
    type: 'number',
    min: '0',
    class: 'short',
    placeholder: 'from',
    'aria-label': 'From lifetime points',
    'data-field': 'minLifetimePoints',
    required: true,
  });
  const earn = el('input', {
    type: 'number',
    step: '0.01',
    min: '0',
    class: 'short',
    value: '1',
    'aria-label': 'Points per currency unit',
    'data-field': 'earnRateBp',
  });
  const form = addForm('Add tier', [name, from, earn], (button, row) =>
    attempt(button, row, messageOf(row), async () => {
      const id = slugFor(
        name.value,
        tiers.map((t) => t.tierId),
        'tier',
      );
      await api('PUT', `/api/v1/loyalty/tiers/${id}`, {
        name: name.value,
        minLifetimePoints: Number(from.value),
        earnRateBp: toBp(earn.value),
      });
      await reload();
    }),
  );
  return section(
    'tiers-heading',
    'Tiers and earn rate',
    el(
      'p',
      { class: 'hint' },
      'Points a guest earns per currency unit spent, by tier. Everyone starts in the first tier.',
    ),
    table(['Tier', 'From lifetime points', 'Points per unit', ''], el('tbody', {}, ...rows)),
    form,
  );
}

function multipliersSection(multipliers, categories) {
  const current = new Map(multipliers.map((m) => [m.categoryId, m.multiplierBp]));
  const known = new Map(categories.map((c) => [c.id, c.name]));
  for (const id of current.keys()) if (!known.has(id)) known.set(id, id);
  const rows = [...known].map(([id, label]) => {
    const times = el('input', {
      type: 'number',
      step: '0.1',
      min: '0',
      class: 'short',
      value: rate(current.get(id) ?? 10_000),
      'aria-label': `${label} points multiplier`,
      'data-field': 'multiplierBp',
      'data-multiplier': id,
    });
    return savingRow(
      { 'data-category': id },
      [label, el('span', {}, '× ', times)],
      'Save',
      () =>
        api('PUT', `/api/v1/loyalty/multipliers/${encodeURIComponent(id)}`, {
          multiplierBp: toBp(times.value),
        }),
      (s) => `${label}: points × ${rate(s.multiplierBp)}`,
    );
  });
  return section(
    'multipliers-heading',
    'Category multipliers',
    el('p', { class: 'hint' }, '× 2 gives double points on that category; × 1 is the normal rate.'),
    table(['Category', 'Multiplier', ''], el('tbody', {}, ...rows)),
  );
}

function promotionsSection(promotions, reload) {
  const rows = promotions.map((p) =>
    el(
      'tr',
      { 'data-promotion': p.promotionId },
      el('td', {}, p.name),
      el('td', {}, new Date(p.startsAt).toLocaleString()),
      el('td', {}, new Date(p.endsAt).toLocaleString()),
      el('td', {}, `× ${rate(p.multiplierBp)}`),
    ),
  );
  const name = el('input', {
    placeholder: 'Promotion name',
    'aria-label': 'Promotion name',
    'data-field': 'name',
    required: true,
  });
  const starts = el('input', {
    type: 'datetime-local',
    'aria-label': 'Starts',
    'data-field': 'startsAt',
  });
  const ends = el('input', {
    type: 'datetime-local',
    'aria-label': 'Ends',
    'data-field': 'endsAt',
  });
  const times = el('input', {
    type: 'number',
    step: '0.1',
    min: '1',
    value: '2',
    class: 'short',
    'aria-label': 'Promotion multiplier',
    'data-field': 'multiplierBp',
  });
  const form = addForm(
    'Add promotion',
    [
      name,
      el('label', { 'data-error-after': true }, 'from ', starts),
      el('label', { 'data-error-after': true }, 'to ', ends),
      el('label', { 'data-error-after': true }, '× ', times),
    ],
    (button, row) =>
      attempt(button, row, messageOf(row), async () => {
        const promotionId = slugFor(
          name.value,
          promotions.map((p) => p.promotionId),
          'promotion',
        );
        await api('POST', '/api/v1/loyalty/promotions', {
          promotionId,
          name: name.value,
          startsAt: fromLocal(starts.value),
          endsAt: fromLocal(ends.value),
          multiplierBp: toBp(times.value),
        });
        await reload();
      }),
  );
  return section(
    'promotions-heading',
    'Promotions',
    table(
      ['Promotion', 'Starts', 'Ends', 'Points'],
      el('tbody', { 'data-testid': 'promotions' }, ...rows),
    ),
    form,
  );
}

/**
 * "Amount off" for a reward guests can spend on an order online: blank means it is given at the
 * counter only. Read as cents (or `undefined`); a value that is not an amount is refused here.
 */
function amountOffInput(label, cents) {
  return el('input', {
    type: 'number',
    min: '0.01',
    step: '0.01',
    inputmode: 'decimal',
    class: 'short',
    placeholder: 'counter only',
    value: money(cents),
    'aria-label': label,
    'data-field': 'discountCents',
  });
}
const amountOff = (input) =>
  input.value.trim() === '' ? {} : { discountCents: Math.round(Number(input.value) * 100) };

function rewardsSection(rewards, reload) {
  const rows = rewards.map((r) => {
    const name = el('input', { value: r.name, 'aria-label': 'Reward name', 'data-field': 'name' });
    const cost = el('input', {
      type: 'number',
      min: '0',
      class: 'short',
      value: String(r.pointsCost),
      'aria-label': `${r.name} points cost`,
      'data-field': 'pointsCost',
    });
    const active = el('input', {
      type: 'checkbox',
      checked: r.active,
      'aria-label': `${r.name} offered`,
      'data-field': 'active',
    });
    const off = amountOffInput(`${r.name} amount off online`, r.discountCents);
    return savingRow(
      { 'data-reward': r.rewardId },
      [name, cost, off, active],
      'Save',
      () =>
        api('PUT', `/api/v1/loyalty/rewards/${r.rewardId}`, {
          name: name.value,
          pointsCost: Number(cost.value),
          ...amountOff(off),
          active: active.checked,
        }),
      (s) => `${s.name} saved (${s.pointsCost} points${s.active ? '' : ', not offered'})`,
    );
  });
  const name = el('input', {
    placeholder: 'New reward',
    'aria-label': 'New reward name',
    'data-field': 'name',
    required: true,
  });
  const cost = el('input', {
    type: 'number',
    min: '0',
    class: 'short',
    placeholder: 'points',
    'aria-label': 'New reward points cost',
    'data-field': 'pointsCost',
    required: true,
  });
  const off = amountOffInput('New reward amount off online');
  const form = addForm('Add reward', [name, cost, off], (button, row) =>
    attempt(button, row, messageOf(row), async () => {
      const id = slugFor(
        name.value,
        rewards.map((r) => r.rewardId),
        'reward',
      );
      await api('PUT', `/api/v1/loyalty/rewards/${id}`, {
        name: name.value,
        pointsCost: Number(cost.value),
        ...amountOff(off),
        active: true,
      });
      await reload();
    }),
  );
  return section(
    'rewards-heading',
    'Rewards catalogue',
    el(
      'p',
      { class: 'hint' },
      'A reward with an amount off can be spent by signed-in guests on an order online; ' +
        'without one it is given at the counter.',
    ),
    table(['Reward', 'Points', 'Amount off online', 'Offered', ''], el('tbody', {}, ...rows)),
    form,
  );
}
