// The menu page: the draft's categories, modifier groups, items, stations and tax categories,
// saved as one document; publishing to stores; and the published versions with their content.

import { draft } from './draft.js';
import { centsInput, checkbox, intInput, textInput } from './fields.js';
import { itemsSection } from './items-editor.js';
import {
  addForm,
  api,
  attempt,
  clearErrors,
  describeWindows,
  el,
  notice,
  redraw,
  signedMoney,
  slugFor,
  table,
} from './lib.js';
import { versionsSection } from './versions.js';

const byOrder = (a, b) => a.sortOrder - b.sortOrder;

export async function menuPage(page) {
  // Fresh from the server unless there are edits not saved yet, which stay on screen.
  const d = await draft.load({ force: !draft.dirty });
  const message = el('div', { class: 'message', 'aria-live': 'polite' });
  const status = el('span', { class: 'status', 'data-testid': 'draft-status' });
  const editor = el('div', { class: 'editor' });
  const versions = el('section', { 'aria-labelledby': 'versions-heading' });
  const [refreshVersions, knownStores] = await Promise.all([
    versionsSection(versions),
    api('GET', '/api/v1/sync/stores').then(
      (r) => r.stores ?? [],
      () => [],
    ),
  ]);
  const stores = storePicker(knownStores);

  const changed = () => {
    const dirty = draft.dirty;
    status.textContent = dirty ? 'Unsaved changes' : 'All changes saved';
    status.classList.toggle('dirty', dirty);
  };
  const ctx = {
    get d() {
      return draft.working;
    },
    changed,
    message,
    scope: page,
    rerender: () => {
      redraw(editor, () => [
        categoriesSection(ctx),
        modifierGroupsSection(ctx),
        itemsSection(ctx),
        stationsSection(ctx),
        taxSection(ctx),
      ]);
      changed();
    },
  };

  const save = el(
    'button',
    {
      type: 'button',
      class: 'primary',
      'data-testid': 'save-draft',
      title: 'Ctrl+S',
      onclick: () =>
        attempt(save, page, message, async () => {
          await draft.save();
          ctx.rerender();
          notice(message, 'Draft saved');
        }),
    },
    'Save draft',
  );
  const discard = el(
    'button',
    {
      type: 'button',
      onclick: () => {
        draft.discard();
        clearErrors(page, message);
        ctx.rerender();
        notice(message, 'Unsaved changes discarded');
      },
    },
    'Discard changes',
  );
  const publish = el(
    'button',
    {
      type: 'button',
      class: 'primary',
      'data-testid': 'publish',
      onclick: () =>
        attempt(publish, page, message, async () => {
          const v = await draft.publish(stores.chosen());
          ctx.rerender();
          notice(message, `Version ${v.version} published to ${v.storeIds.join(', ')}`);
          await refreshVersions(v.version);
        }),
    },
    'Publish to stores',
  );

  page.replaceChildren(
    el(
      'section',
      { class: 'toolbar', 'aria-label': 'Draft' },
      el('h2', {}, 'Menu draft ', el('small', {}, d.currency)),
      status,
      save,
      discard,
      stores.node,
      publish,
      message,
    ),
    editor,
    versions,
  );
  ctx.rerender();
}

/**
 * Where to publish: a checkbox for each store the cloud knows, all ticked; or, when it knows
 * none yet or cannot be asked, the store IDs typed in, separated by commas.
 */
function storePicker(known) {
  if (known.length === 0) {
    const input = el('input', {
      name: 'stores',
      value: 'harbour-street',
      'aria-label': 'Stores',
      'data-field': 'storeIds',
      placeholder: 'store-a, store-b',
    });
    return {
      node: el('label', { class: 'inline', 'data-error-after': true }, 'Stores ', input),
      chosen: () =>
        input.value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
    };
  }
  const boxes = known.map((s) =>
    el('input', {
      type: 'checkbox',
      name: 'store',
      value: s.storeId,
      checked: true,
      'data-store-choice': s.storeId,
    }),
  );
  return {
    node: el(
      'fieldset',
      { class: 'stores-choice', 'data-field': 'storeIds', tabindex: '-1' },
      el('legend', {}, 'Publish to'),
      ...known.map((s, i) => el('label', { class: 'inline', title: s.storeId }, boxes[i], s.name)),
    ),
    chosen: () => boxes.filter((b) => b.checked).map((b) => b.value),
  };
}

// Ctrl+S (Cmd+S) saves the draft wherever the focus is on the menu page.
document.addEventListener('keydown', (e) => {
  if (!((e.ctrlKey || e.metaKey) && e.key === 's')) return;
  const save = document.querySelector('[data-page="menu"] [data-testid="save-draft"]');
  if (!save) return;
  e.preventDefault();
  save.click();
});

// Leaving the portal with edits not saved asks first.
window.addEventListener('beforeunload', (e) => {
  if (draft.dirty) e.preventDefault();
});

/**
 * A name input for a category, station, tax category or modifier group: the item selects and
 * checkboxes that show the name follow as it is typed.
 */
function nameInput(ctx, entry, kind, attrs) {
  const input = textInput(entry, 'name', ctx.changed, attrs);
  input.addEventListener('input', () => {
    const label = entry.name || entry.id;
    for (const option of ctx.scope.querySelectorAll(
      `select[data-kind="${kind}"] option[value="${CSS.escape(entry.id)}"]`,
    ))
      option.textContent = label;
    if (kind === 'modifierGroupIds')
      for (const box of ctx.scope.querySelectorAll(`[data-group-label="${CSS.escape(entry.id)}"]`))
        box.textContent = ` ${label}`;
  });
  return input;
}

function categoriesSection(ctx) {
  const { d } = ctx;
  d.categories.sort(byOrder);
  const counts = new Map();
  for (const i of d.items) counts.set(i.categoryId, (counts.get(i.categoryId) ?? 0) + 1);
  const move = (index, by) => {
    const list = d.categories;
    const [cat] = list.splice(index, 1);
    list.splice(index + by, 0, cat);
    list.forEach((c, n) => {
      c.sortOrder = n + 1;
    });
    ctx.rerender();
  };
  const rows = d.categories.map((cat, i) => {
    const path = `categories.${i}`;
    const used = counts.get(cat.id) ?? 0;
    const colour = el('input', {
      type: 'color',
      value: cat.color ?? '#ffffff',
      'aria-label': `${cat.name} colour`,
      'data-field': `${path}.color`,
      onchange: (e) => {
        cat.color = e.target.value;
        ctx.rerender();
      },
    });
    return el(
      'tr',
      { 'data-category': cat.id },
      el(
        'td',
        { class: 'order' },
        el(
          'button',
          {
            type: 'button',
            'aria-label': `Move ${cat.name} up`,
            'data-focus': `up-${cat.id}`,
            disabled: i === 0,
            onclick: () => move(i, -1),
          },
          '↑',
        ),
        el(
          'button',
          {
            type: 'button',
            'aria-label': `Move ${cat.name} down`,
            'data-focus': `down-${cat.id}`,
            disabled: i === d.categories.length - 1,
            onclick: () => move(i, 1),
          },
          '↓',
        ),
      ),
      el(
        'td',
        {},
        nameInput(ctx, cat, 'categoryId', {
          'aria-label': 'Category name',
          'data-field': `${path}.name`,
          'data-category-name': cat.id,
        }),
        el(
          'small',
          { class: 'id' },
          cat.availableAt?.length
            ? `${cat.id} · served ${describeWindows(cat.availableAt)}`
            : cat.id,
        ),
      ),
      el(
        'td',
        {},
        colour,
        cat.color
          ? el(
              'button',
              {
                type: 'button',
                class: 'link',
                'aria-label': `No colour for ${cat.name}`,
                onclick: () => {
                  delete cat.color;
                  ctx.rerender();
                },
              },
              'none',
            )
          : el('small', {}, ' none'),
      ),
      el('td', {}, String(used)),
      el(
        'td',
        {},
        el(
          'button',
          {
            type: 'button',
            disabled: used > 0,
            title: used > 0 ? `Move its ${used} items to another category first` : undefined,
            'aria-label': `Remove ${cat.name}`,
            onclick: () => {
              d.categories.splice(i, 1);
              ctx.rerender();
            },
          },
          'Remove',
        ),
      ),
    );
  });
  const name = el('input', {
    name: 'new-category',
    placeholder: 'New category',
    'aria-label': 'New category name',
    required: true,
  });
  const colour = el('input', {
    type: 'color',
    value: '#94a3b8',
    'aria-label': 'New category colour',
  });
  return el(
    'section',
    { 'aria-labelledby': 'categories-heading' },
    el('h2', { id: 'categories-heading' }, 'Categories'),
    table(['Order', 'Name', 'Colour', 'Items', ''], el('tbody', {}, ...rows)),
    addForm('Add category', [name, colour], () => {
      d.categories.push({
        id: slugFor(
          name.value,
          d.categories.map((c) => c.id),
          'category',
        ),
        name: name.value.trim(),
        sortOrder: Math.max(0, ...d.categories.map((c) => c.sortOrder)) + 1,
        color: colour.value,
      });
      ctx.rerender();
      ctx.scope.querySelector('input[name="new-category"]')?.focus();
    }),
  );
}

function modifierGroupsSection(ctx) {
  const { d } = ctx;
  const groups = d.modifierGroups.map((g, i) => {
    const path = `modifierGroups.${i}`;
    const usedBy = d.items.filter((it) => it.modifierGroupIds?.includes(g.id));
    const modName = el('input', {
      placeholder: 'Modifier',
      'aria-label': `New modifier in ${g.name}`,
      'data-focus': `new-mod-${g.id}`,
      required: true,
    });
    const modPrice = el('input', {
      type: 'number',
      step: '0.01',
      class: 'money',
      value: '0.00',
      'aria-label': `New modifier price in ${g.name}`,
    });
    return el(
      'fieldset',
      { class: 'group', 'data-group': g.id },
      el('legend', {}, g.name || g.id),
      el(
        'div',
        { class: 'row' },
        el(
          'label',
          {},
          'Name ',
          nameInput(ctx, g, 'modifierGroupIds', {
            'data-field': `${path}.name`,
            'data-group-name': g.id,
          }),
        ),
        el(
          'label',
          {},
          'Min choices ',
          intInput(g, 'minChoices', ctx.changed, { min: '0', 'data-field': `${path}.minChoices` }),
        ),
        el(
          'label',
          {},
          'Max choices ',
          intInput(g, 'maxChoices', ctx.changed, { min: '1', 'data-field': `${path}.maxChoices` }),
        ),
        el(
          'span',
          { class: 'hint' },
          usedBy.length ? `On ${usedBy.length} item${usedBy.length > 1 ? 's' : ''}` : 'On no items',
        ),
        el(
          'button',
          {
            type: 'button',
            'aria-label': `Remove group ${g.name}`,
            onclick: () => {
              d.modifierGroups.splice(i, 1);
              for (const it of usedBy)
                it.modifierGroupIds = it.modifierGroupIds.filter((id) => id !== g.id);
              ctx.rerender();
              if (usedBy.length)
                notice(ctx.message, `${g.name} removed and taken off ${usedBy.length} items`);
            },
          },
          'Remove group',
        ),
      ),
      table(
        ['Modifier', 'Price change', ''],
        el(
          'tbody',
          {},
          ...g.modifiers.map((m, j) =>
            el(
              'tr',
              {},
              el(
                'td',
                {},
                textInput(m, 'name', ctx.changed, {
                  'aria-label': 'Modifier name',
                  'data-field': `${path}.modifiers.${j}.name`,
                }),
              ),
              el(
                'td',
                {},
                centsInput(m, 'priceDeltaCents', ctx.changed, {
                  'aria-label': `${m.name} price change`,
                  'data-field': `${path}.modifiers.${j}.priceDeltaCents`,
                }),
                el('small', {}, ` ${signedMoney(m.priceDeltaCents || 0)}`),
              ),
              el(
                'td',
                {},
                el(
                  'button',
                  {
                    type: 'button',
                    'aria-label': `Remove ${m.name}`,
                    onclick: () => {
                      g.modifiers.splice(j, 1);
                      ctx.rerender();
                    },
                  },
                  'Remove',
                ),
              ),
            ),
          ),
        ),
        { class: 'compact' },
      ),
      el(
        'div',
        { 'data-field': `${path}.modifiers`, tabindex: '-1' },
        addForm('Add modifier', [modName, modPrice], () => {
          const taken = d.modifierGroups.flatMap((x) => x.modifiers.map((m) => m.id));
          g.modifiers.push({
            id: slugFor(`${g.id}-${modName.value}`, taken, 'modifier'),
            name: modName.value.trim(),
            priceDeltaCents: Math.round(Number(modPrice.value || 0) * 100),
            allergens: [],
          });
          ctx.rerender();
        }),
      ),
    );
  });
  const name = el('input', {
    name: 'new-group',
    placeholder: 'New modifier group',
    'aria-label': 'New modifier group name',
    required: true,
  });
  const min = el('input', {
    type: 'number',
    min: '0',
    value: '0',
    class: 'short',
    'aria-label': 'Min choices',
  });
  const max = el('input', {
    type: 'number',
    min: '1',
    value: '1',
    class: 'short',
    'aria-label': 'Max choices',
  });
  return el(
    'section',
    { 'aria-labelledby': 'groups-heading' },
    el('h2', { id: 'groups-heading' }, 'Modifier groups'),
    ...groups,
    addForm('Add group', [name, el('label', {}, 'min ', min), el('label', {}, 'max ', max)], () => {
      const id = slugFor(
        name.value,
        d.modifierGroups.map((g) => g.id),
        'group',
      );
      d.modifierGroups.push({
        id,
        name: name.value.trim(),
        minChoices: Number(min.value),
        maxChoices: Number(max.value),
        modifiers: [],
      });
      ctx.rerender();
      // A group needs modifiers: go straight to adding the first one.
      ctx.scope.querySelector(`[data-focus="new-mod-${CSS.escape(id)}"]`)?.focus();
    }),
  );
}

function stationsSection(ctx) {
  const { d } = ctx;
  const name = el('input', {
    placeholder: 'New station',
    'aria-label': 'New station name',
    required: true,
  });
  return el(
    'section',
    { 'aria-labelledby': 'stations-heading' },
    el('h2', { id: 'stations-heading' }, 'Kitchen stations'),
    table(
      ['Name', 'Items'],
      el(
        'tbody',
        {},
        ...d.stations.map((s, i) =>
          el(
            'tr',
            {},
            el(
              'td',
              {},
              nameInput(ctx, s, 'stationId', {
                'aria-label': 'Station name',
                'data-field': `stations.${i}.name`,
              }),
              el('small', { class: 'id' }, s.id),
            ),
            el('td', {}, String(d.items.filter((it) => it.stationId === s.id).length)),
          ),
        ),
      ),
    ),
    addForm('Add station', [name], () => {
      d.stations.push({
        id: slugFor(
          name.value,
          d.stations.map((s) => s.id),
          'station',
        ),
        name: name.value.trim(),
      });
      ctx.rerender();
    }),
  );
}

function taxSection(ctx) {
  const { d } = ctx;
  const name = el('input', {
    placeholder: 'New tax category',
    'aria-label': 'New tax category name',
    required: true,
  });
  const rate = el('input', {
    type: 'number',
    step: '0.01',
    min: '0',
    value: '0',
    class: 'short',
    'aria-label': 'Rate %',
  });
  return el(
    'section',
    { 'aria-labelledby': 'tax-heading' },
    el('h2', { id: 'tax-heading' }, 'Tax categories'),
    table(
      ['Name', 'Rate (basis points, 825 = 8.25 %)', 'Included in price'],
      el(
        'tbody',
        {},
        ...d.taxCategories.map((t, i) =>
          el(
            'tr',
            {},
            el(
              'td',
              {},
              nameInput(ctx, t, 'taxCategoryId', {
                'aria-label': 'Tax category name',
                'data-field': `taxCategories.${i}.name`,
              }),
              el('small', { class: 'id' }, t.id),
            ),
            el(
              'td',
              {},
              intInput(t, 'rateBasisPoints', ctx.changed, {
                'aria-label': `${t.name} rate`,
                'data-field': `taxCategories.${i}.rateBasisPoints`,
              }),
            ),
            el(
              'td',
              {},
              checkbox(t, 'inclusive', ctx.changed, {
                'aria-label': `${t.name} included in price`,
              }),
            ),
          ),
        ),
      ),
    ),
    addForm('Add tax category', [name, el('label', {}, 'rate % ', rate)], () => {
      d.taxCategories.push({
        id: slugFor(
          name.value,
          d.taxCategories.map((t) => t.id),
          'tax',
        ),
        name: name.value.trim(),
        rateBasisPoints: Math.round(Number(rate.value || 0) * 100),
        inclusive: false,
      });
      ctx.rerender();
    }),
  );
}
