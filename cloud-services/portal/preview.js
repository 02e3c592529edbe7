// The draft as a cashier's terminal would show it (category tabs, item tiles with prices, the
// modifier groups an item asks for), and what publishing it now would change for guests
// against the newest published version.

import { changesBetween, draft, latestVersion } from './draft.js';
import { el, money, signedMoney } from './lib.js';

const byOrder = (a, b) => a.sortOrder - b.sortOrder;
let chosenCategory;

export async function previewPage(page) {
  const [d, published] = await Promise.all([draft.load({ force: !draft.dirty }), latestVersion()]);
  page.replaceChildren(
    el(
      'section',
      { 'aria-labelledby': 'changes-heading' },
      el('h2', { id: 'changes-heading' }, 'If you publish now'),
      changesView(published, d),
    ),
    el(
      'section',
      { 'aria-labelledby': 'terminal-heading' },
      el('h2', { id: 'terminal-heading' }, 'On the terminal'),
      terminalView(d),
    ),
  );
}

function changesView(published, d) {
  const c = changesBetween(published, d);
  const list = (testid, entries) =>
    el('ul', { 'data-testid': testid }, ...(entries.length ? entries : [el('li', {}, 'none')]));
  const unsaved = draft.dirty
    ? el('p', { class: 'hint' }, 'Includes changes not saved yet; publishing saves them first.')
    : '';
  return el(
    'div',
    { class: 'changes', 'data-testid': 'publish-changes' },
    el(
      'p',
      {},
      published
        ? `Compared with version ${published.version}, published ${new Date(published.publishedAt).toLocaleString()}.`
        : 'Nothing has been published yet: every item is new.',
    ),
    unsaved,
    el('h3', {}, `Price changes (${c.priceChanged.length})`),
    list(
      'price-changes',
      c.priceChanged.map(({ item, from, to }) =>
        el(
          'li',
          { 'data-price-change': item.id },
          `${item.name}: ${money(from)} → ${money(to)} (${signedMoney(to - from)})`,
        ),
      ),
    ),
    el('h3', {}, `Added (${c.added.length})`),
    list(
      'added',
      c.added.map((i) => el('li', { 'data-added': i.id }, `${i.name} ${money(i.priceCents)}`)),
    ),
    el('h3', {}, `Removed (${c.removed.length})`),
    list(
      'removed',
      c.removed.map((i) => el('li', { 'data-removed': i.id }, i.name)),
    ),
    el('h3', {}, `Other item changes (${c.otherChanged.length})`),
    list(
      'other-changes',
      c.otherChanged.map(({ item, fields }) => el('li', {}, `${item.name}: ${fields.join(', ')}`)),
    ),
    c.structure.length
      ? el('p', { class: 'hint' }, `Also changed: ${c.structure.join(', ')}.`)
      : '',
  );
}

function terminalView(d) {
  const categories = [...d.categories].sort(byOrder);
  if (!categories.some((c) => c.id === chosenCategory)) chosenCategory = categories[0]?.id;
  const groups = new Map(d.modifierGroups.map((g) => [g.id, g]));
  const tiles = el('div', { class: 'tiles', role: 'tabpanel', id: 'terminal-tiles' });
  const detail = el('div', { class: 'tile-detail', 'aria-live': 'polite' });
  const tabs = el('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Categories' });

  const choose = (id, focus = false) => {
    chosenCategory = id;
    for (const tab of tabs.children) {
      const on = tab.dataset.tab === id;
      tab.setAttribute('aria-selected', String(on));
      tab.tabIndex = on ? 0 : -1;
      if (on && focus) tab.focus();
    }
    detail.replaceChildren();
    tiles.replaceChildren(
      ...d.items
        .filter((i) => i.categoryId === id)
        .map((item) =>
          el(
            'button',
            {
              type: 'button',
              class: item.available ? 'tile' : 'tile off',
              'data-tile': item.id,
              style: `border-top-color:${d.categories.find((c) => c.id === id)?.color ?? '#9ca3af'}`,
              onclick: () => detail.replaceChildren(itemDetail(item, groups)),
            },
            item.imageUrl ? el('img', { src: item.imageUrl, alt: '', loading: 'lazy' }) : '',
            el('strong', {}, item.name),
            el('span', { class: 'price' }, money(item.priceCents)),
            item.modifierGroupIds?.length
              ? el(
                  'small',
                  {},
                  item.modifierGroupIds.map((g) => groups.get(g)?.name ?? g).join(' · '),
                )
              : '',
            item.available ? '' : el('small', {}, 'Not on sale'),
          ),
        ),
    );
    if (tiles.children.length === 0) tiles.append(el('p', { class: 'hint' }, 'No items'));
  };

  for (const cat of categories) {
    tabs.append(
      el(
        'button',
        {
          type: 'button',
          role: 'tab',
          'data-tab': cat.id,
          'aria-controls': 'terminal-tiles',
          style: `background:${cat.color ?? '#e5e7eb'}`,
          onclick: () => choose(cat.id),
          onkeydown: (e) => {
            const at = categories.findIndex((c) => c.id === cat.id);
            const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
            if (!step) return;
            e.preventDefault();
            const next = categories[(at + step + categories.length) % categories.length];
            choose(next.id, true);
          },
        },
        cat.name,
      ),
    );
  }
  if (chosenCategory) choose(chosenCategory);
  return el('div', { class: 'terminal' }, tabs, tiles, detail);
}

function itemDetail(item, groups) {
  const attached = (item.modifierGroupIds ?? []).map((id) => groups.get(id)).filter(Boolean);
  return el(
    'div',
    { 'data-testid': 'tile-detail' },
    el('h3', {}, `${item.name} ${money(item.priceCents)}`),
    item.description ? el('p', {}, item.description) : '',
    ...(item.variants ?? []).map((v) => el('p', {}, `${v.name} ${money(v.priceCents)}`)),
    ...attached.map((g) =>
      el(
        'fieldset',
        { 'data-tile-group': g.id },
        el(
          'legend',
          {},
          `${g.name} — ${g.minChoices > 0 ? `choose ${g.minChoices === g.maxChoices ? g.minChoices : `${g.minChoices}–${g.maxChoices}`}` : `up to ${g.maxChoices}, optional`}`,
        ),
        el(
          'ul',
          {},
          ...g.modifiers.map((m) =>
            el('li', {}, m.name, m.priceDeltaCents ? ` ${signedMoney(m.priceDeltaCents)}` : ''),
          ),
        ),
      ),
    ),
    attached.length === 0 ? el('p', { class: 'hint' }, 'No modifiers') : '',
  );
}
