// Published versions, newest first; any one can be opened to see what it holds and what
// changed from the version before it (the menu service's diff between two versions).

import { api, attempt, el, money, table } from './lib.js';

const byOrder = (a, b) => a.sortOrder - b.sortOrder;

/** Fill `section` with the versions list; returns a refresh that can open one version. */
export async function versionsSection(section) {
  const tbody = el('tbody', { 'data-testid': 'versions' });
  const view = el('div', { 'data-testid': 'version-view', 'aria-live': 'polite' });
  const message = el('div');
  section.replaceChildren(
    el('h2', { id: 'versions-heading' }, 'Published versions'),
    table(['Version', 'Published', 'Stores', 'Items', ''], tbody),
    message,
    view,
  );
  const refresh = async (open) => {
    const { versions } = await api('GET', '/api/v1/menu/versions');
    tbody.replaceChildren(
      ...versions.map((v) => {
        const button = el(
          'button',
          {
            type: 'button',
            'data-view-version': String(v.version),
            onclick: () => attempt(button, section, message, () => showVersion(view, v.version)),
          },
          'View',
        );
        return el(
          'tr',
          { 'data-version': String(v.version) },
          el('td', {}, `v${v.version}${v.rolledBackFrom ? ` (from v${v.rolledBackFrom})` : ''}`),
          el('td', {}, new Date(v.publishedAt).toLocaleString()),
          el('td', {}, v.storeIds.join(', ')),
          el('td', {}, String(v.itemCount)),
          el('td', {}, button),
        );
      }),
    );
    if (versions.length === 0)
      tbody.append(el('tr', {}, el('td', { colspan: '5' }, 'Nothing published yet')));
    if (open) await showVersion(view, open);
  };
  await refresh();
  return refresh;
}

async function showVersion(view, n) {
  const [menu, diff] = await Promise.all([
    api('GET', `/api/v1/menu/versions/${n}`),
    n > 1 ? api('GET', `/api/v1/menu/versions/${n - 1}/diff/${n}`) : undefined,
  ]);
  const names = new Map(menu.items.map((i) => [i.id, i.name]));
  const groups = new Map(menu.modifierGroups.map((g) => [g.id, g]));
  const describe = (ids) => ids.map((id) => names.get(id) ?? id).join(', ') || 'none';
  view.replaceChildren(
    el(
      'h3',
      {},
      `Version ${n}`,
      el('small', {}, ` published ${new Date(menu.publishedAt).toLocaleString()}`),
    ),
    diff
      ? el(
          'p',
          { class: 'hint', 'data-testid': 'version-diff' },
          `Since v${n - 1}: added ${describe(diff.added)}; removed ${diff.removed.join(', ') || 'none'}; changed ${
            diff.changed
              .map((c) => `${names.get(c.id) ?? c.id} (${c.fields.join(', ')})`)
              .join(', ') || 'none'
          }`,
        )
      : '',
    ...[...menu.categories].sort(byOrder).map((cat) => {
      const items = menu.items.filter((i) => i.categoryId === cat.id);
      return el(
        'div',
        { class: 'version-category', 'data-version-category': cat.id },
        el(
          'h4',
          {},
          el('span', { class: 'swatch', style: `background:${cat.color ?? '#e5e7eb'}` }),
          cat.name,
        ),
        el(
          'ul',
          {},
          ...items.map((i) =>
            el(
              'li',
              { 'data-version-item': i.id },
              `${i.name} ${money(i.priceCents)}`,
              i.available ? '' : ' (not on sale)',
              i.modifierGroupIds.length
                ? el(
                    'small',
                    {},
                    ` · ${i.modifierGroupIds.map((g) => groups.get(g)?.name ?? g).join(', ')}`,
                  )
                : '',
            ),
          ),
          items.length === 0 ? el('li', { class: 'hint' }, 'No items') : '',
        ),
      );
    }),
  );
}
