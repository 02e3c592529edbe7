// The staff page: who works at which store (name, email, roles, stores, whether they have a PIN
// for the tills, whether they are active), adding someone, and for each person a new PIN, the
// stores they work at, their roles (owners only) and deactivating or reactivating them. Each
// change reaches the stores' hubs through sync within moments: staff sign in at the tills with
// these PINs, offline too, and someone deactivated is signed out there.

import { addForm, api, attempt, el, notice, redraw, table, tokenClaims } from './lib.js';

const ROLES = [
  { value: 'cashier', label: 'Cashier' },
  { value: 'cook', label: 'Cook' },
  { value: 'manager', label: 'Manager' },
  { value: 'owner', label: 'Owner' },
];
const ROLE_LABEL = new Map(ROLES.map((r) => [r.value, r.label]));
/** The roles a manager may add and change; owners add and change anyone. */
const MANAGER_MAY = ['cashier', 'cook'];
const PIN_PATTERN = '[0-9]{4,8}';
const REACHES_HUB =
  "Their store's hub has it within moments (a hub that is offline, when it reconnects).";

/** The store picked last, kept while the portal is open. */
let chosenStore = '';

/** A refusal made here, shown like the API's: `message` beside the input `field` names. */
function fieldError(field, message) {
  return Object.assign(new Error(message), { errors: [{ field, message }] });
}

const rolesText = (roles) => roles.map((r) => ROLE_LABEL.get(r) ?? r).join(', ');

export async function staffPage(page) {
  const me = tokenClaims();
  const isOwner = me.roles.includes('owner');
  const stores = await api('GET', '/api/v1/sync/stores').then(
    (r) => r.stores ?? [],
    () => [],
  );
  const storeNames = new Map(stores.map((s) => [s.storeId, s.name]));
  if (chosenStore && !storeNames.has(chosenStore)) chosenStore = '';
  const storesText = (ids) =>
    ids.length === 0 ? 'No stores' : ids.map((id) => storeNames.get(id) ?? id).join(', ');

  const tbody = el('tbody', { 'data-testid': 'staff' });
  const message = el('div', { class: 'message', 'aria-live': 'polite' });
  let staff = [];
  let asked = 0;

  /** Read the staff of the chosen store again; `focus` names a control to put the focus on. */
  const load = async (focus) => {
    const turn = ++asked;
    const query = chosenStore ? `?storeId=${encodeURIComponent(chosenStore)}` : '';
    const answer = await api('GET', `/api/v1/auth/users${query}`);
    if (turn !== asked) return;
    staff = answer.staff;
    redraw(tbody, () =>
      staff.length === 0
        ? el(
            'tr',
            {},
            el(
              'td',
              { colspan: '6' },
              chosenStore ? 'Nobody works at this store yet: add someone below' : 'No staff yet',
            ),
          )
        : staff.map((person) => personRow(person)),
    );
    if (focus) tbody.querySelector(`[data-focus="${CSS.escape(focus)}"]`)?.focus();
  };

  /** After a change: say what happened, read the staff again, keep the focus on the row. */
  const changed = async (text, focus) => {
    notice(message, `${text} ${REACHES_HUB}`);
    await load(focus);
  };

  function personRow(person) {
    const mayChange = isOwner || person.roles.every((r) => MANAGER_MAY.includes(r));
    const notYours = mayChange ? undefined : 'Only an owner changes managers and owners';
    const self = person.userId === me.sub;
    const name = person.displayName;
    const row = el('tr', {
      'data-user': person.userId,
      'data-email': person.email,
      class: person.active ? undefined : 'inactive',
    });
    const editorButton = (kind, label, ariaLabel) => {
      const button = el(
        'button',
        {
          type: 'button',
          'data-action': kind,
          'data-focus': `${kind}-${person.userId}`,
          'aria-label': ariaLabel,
          'aria-expanded': 'false',
          disabled: !mayChange,
          title: notYours,
          onclick: () => toggleEditor(row, button, kind, person),
        },
        label,
      );
      return button;
    };
    const activeButton = el(
      'button',
      {
        type: 'button',
        class: 'active-toggle',
        'data-action': person.active ? 'deactivate' : 'reactivate',
        'data-focus': `active-${person.userId}`,
        'aria-label': `${person.active ? 'Deactivate' : 'Reactivate'} ${name}`,
        disabled: !mayChange || self,
        title: self ? 'You cannot deactivate yourself' : notYours,
        onclick: () => {
          const sure = confirm(
            person.active
              ? `Deactivate ${name}? They can no longer sign in, and are signed out at the ` +
                  "store's tills within moments. You can reactivate them later."
              : `Reactivate ${name}? They can sign in again at ${storesText(person.storeIds)}.`,
          );
          if (!sure) return;
          attempt(activeButton, row, message, async () => {
            await api('PATCH', `/api/v1/auth/users/${person.userId}`, {
              active: !person.active,
            });
            await changed(
              person.active
                ? `${name} is deactivated and cannot sign in.`
                : `${name} is active again.`,
              `active-${person.userId}`,
            );
          });
        },
      },
      person.active ? 'Deactivate' : 'Reactivate',
    );
    row.append(
      el(
        'td',
        { 'data-col': 'name', 'data-label': 'Name' },
        el('strong', {}, name),
        el('small', { class: 'id' }, person.email),
      ),
      el('td', { 'data-col': 'roles', 'data-label': 'Roles' }, rolesText(person.roles)),
      el('td', { 'data-col': 'stores', 'data-label': 'Stores' }, storesText(person.storeIds)),
      el('td', { 'data-col': 'pin', 'data-label': 'PIN set' }, person.hasPin ? 'Yes' : 'No'),
      el(
        'td',
        { 'data-col': 'status', 'data-label': 'Status' },
        el(
          'span',
          { class: `badge ${person.active ? 'active' : 'inactive'}` },
          person.active ? 'Active' : 'Inactive',
        ),
      ),
      el(
        'td',
        { class: 'actions', 'data-col': 'actions' },
        editorButton(
          'pin',
          person.hasPin ? 'New PIN' : 'Set PIN',
          `${person.hasPin ? 'New' : 'Set a'} PIN for ${name}`,
        ),
        editorButton('stores', 'Stores', `Stores of ${name}`),
        isOwner ? editorButton('roles', 'Roles', `Roles of ${name}`) : '',
        activeButton,
      ),
    );
    return row;
  }

  /** Open the editor `kind` under `row` (closing any other), or close it when it is open. */
  function toggleEditor(row, button, kind, person) {
    const openNow = tbody.querySelector('tr.editor');
    const same = openNow?.dataset.editor === `${kind}-${person.userId}`;
    closeEditor();
    if (same) return;
    const close = () => {
      closeEditor();
      button.focus();
    };
    const done = (text) => changed(text, `${kind}-${person.userId}`);
    const build = { pin: pinEditor, stores: storesEditor, roles: rolesEditor }[kind];
    const form = build(person, done, close);
    const editor = el(
      'tr',
      { class: 'editor more', 'data-editor': `${kind}-${person.userId}` },
      el('td', { colspan: '6' }, form),
    );
    editor.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        close();
      }
    });
    row.after(editor);
    button.setAttribute('aria-expanded', 'true');
    form.querySelector('input')?.focus();
  }

  function closeEditor() {
    for (const editor of tbody.querySelectorAll('tr.editor')) editor.remove();
    for (const b of tbody.querySelectorAll('[aria-expanded="true"]'))
      b.setAttribute('aria-expanded', 'false');
  }

  /** An editor's form: its fields, Save and Cancel, and its own line for refusals. */
  function editorForm(kind, title, fields, saveLabel, save, close) {
    const note = el('div', { class: 'message', 'aria-live': 'polite' });
    const button = el('button', { type: 'submit', class: 'primary' }, saveLabel);
    const form = el(
      'form',
      {
        class: 'add',
        'data-form': kind,
        'aria-label': title,
        onsubmit: (e) => {
          e.preventDefault();
          attempt(button, form, note, () => save());
        },
      },
      el('strong', {}, title),
      ...fields,
      button,
      el('button', { type: 'button', onclick: close }, 'Cancel'),
    );
    return el('div', {}, form, note);
  }

  function pinEditor(person, done, close) {
    const attrs = {
      type: 'password',
      inputmode: 'numeric',
      autocomplete: 'new-password',
      pattern: PIN_PATTERN,
      maxlength: '8',
      title: '4 to 8 digits',
      class: 'short',
      required: true,
    };
    const pin = el('input', { ...attrs, name: 'new-pin', 'data-field': 'pin' });
    const again = el('input', { ...attrs, name: 'confirm-pin', 'data-field': 'pinConfirm' });
    return editorForm(
      'pin',
      `New PIN for ${person.displayName}`,
      [
        el('label', { 'data-error-after': true }, 'PIN ', pin),
        el('label', { 'data-error-after': true }, 'Again ', again),
        el('span', { class: 'hint' }, '4 to 8 digits, not used by anyone else at their stores'),
      ],
      'Save PIN',
      async () => {
        if (pin.value !== again.value) throw fieldError('pinConfirm', 'not the same PIN');
        await api('PATCH', `/api/v1/auth/users/${person.userId}`, { pin: pin.value });
        await done(`New PIN set for ${person.displayName}.`);
      },
      close,
    );
  }

  function storesEditor(person, done, close) {
    const choices = checkboxes(
      'Stores',
      'storeIds',
      storeOptions(person.storeIds),
      person.storeIds,
    );
    return editorForm(
      'stores',
      `Stores of ${person.displayName}`,
      [choices.node],
      'Save stores',
      async () => {
        const saved = await api('PATCH', `/api/v1/auth/users/${person.userId}`, {
          storeIds: choices.chosen(),
        });
        await done(`${person.displayName} works at: ${storesText(saved.storeIds)}.`);
      },
      close,
    );
  }

  function rolesEditor(person, done, close) {
    const choices = checkboxes('Roles', 'roles', ROLES, person.roles);
    return editorForm(
      'roles',
      `Roles of ${person.displayName}`,
      [choices.node],
      'Save roles',
      async () => {
        const roles = choices.chosen();
        if (roles.length === 0) throw fieldError('roles', 'choose at least one role');
        await api('PUT', `/api/v1/auth/users/${person.userId}/roles`, { roles });
        await done(`${person.displayName} is now: ${rolesText(roles)}.`);
      },
      close,
    );
  }

  /** Every store the cloud knows, and any other a person works at. */
  const storeOptions = (extra = []) => [
    ...stores.map((s) => ({ value: s.storeId, label: s.name })),
    ...extra.filter((id) => !storeNames.has(id)).map((id) => ({ value: id, label: id })),
  ];

  const picker = el(
    'select',
    {
      name: 'staff-store',
      'aria-label': 'Store',
      onchange: async (e) => {
        chosenStore = e.target.value;
        // Someone added next works at the store being looked at, unless stores were ticked.
        if (chosenStore) addition.forStore(chosenStore);
        try {
          await load();
        } catch (err) {
          notice(message, err.message, 'error');
        }
      },
    },
    el('option', { value: '' }, 'All stores'),
    ...stores.map((s) =>
      el('option', { value: s.storeId, selected: s.storeId === chosenStore }, s.name),
    ),
  );

  const addition = addSection();
  await load();
  page.replaceChildren(
    el(
      'section',
      { 'aria-labelledby': 'staff-heading' },
      el(
        'div',
        { class: 'row' },
        el('h2', { id: 'staff-heading' }, 'Staff'),
        el('label', { class: 'inline' }, 'Store ', picker),
      ),
      el(
        'div',
        { class: 'table-wrap' },
        table(['Name', 'Roles', 'Stores', 'PIN set', 'Status', ''], tbody, { class: 'staff' }),
      ),
      message,
    ),
    addition.node,
  );

  function addSection() {
    const note = el('div', { class: 'message', 'aria-live': 'polite' });
    const name = el('input', {
      name: 'displayName',
      placeholder: 'Sam Taylor',
      'aria-label': 'Name',
      'data-field': 'displayName',
      autocomplete: 'off',
      required: true,
    });
    const email = el('input', {
      type: 'email',
      name: 'email',
      placeholder: 'sam@example.com',
      'aria-label': 'Email',
      'data-field': 'email',
      autocomplete: 'off',
      required: true,
    });
    const roles = checkboxes('Roles', 'roles', ROLES, ['cashier']);
    const where = checkboxes(
      'Stores',
      'storeIds',
      storeOptions(),
      chosenStore ? [chosenStore] : stores.length === 1 ? [stores[0].storeId] : [],
    );
    const pin = el('input', {
      type: 'password',
      name: 'pin',
      inputmode: 'numeric',
      autocomplete: 'new-password',
      pattern: PIN_PATTERN,
      maxlength: '8',
      title: '4 to 8 digits',
      placeholder: '4–8 digits',
      class: 'short',
      'data-field': 'pin',
    });
    const password = el('input', {
      type: 'password',
      name: 'password',
      autocomplete: 'new-password',
      placeholder: 'optional',
      'data-field': 'password',
    });
    const form = addForm(
      'Add staff member',
      [
        el('label', { 'data-error-after': true }, 'Name ', name),
        el('label', { 'data-error-after': true }, 'Email ', email),
        roles.node,
        where.node,
        el('label', { 'data-error-after': true }, 'Till PIN ', pin),
        el(
          'label',
          { 'data-error-after': true, title: 'For managers and owners who use this portal' },
          'Portal password ',
          password,
        ),
      ],
      (button, added) =>
        attempt(button, added, note, async () => {
          const body = {
            email: email.value.trim(),
            displayName: name.value,
            roles: roles.chosen(),
            storeIds: where.chosen(),
            ...(pin.value ? { pin: pin.value } : {}),
            ...(password.value ? { password: password.value } : {}),
          };
          if (body.roles.length === 0) throw fieldError('roles', 'choose at least one role');
          let person;
          try {
            person = await api('POST', '/api/v1/auth/users', body);
          } catch (err) {
            if (err.status === 403) err.errors = [{ field: 'roles', message: err.message }];
            if (err.status === 409) err.errors = [{ field: 'email', message: err.message }];
            throw err;
          }
          for (const input of [name, email, pin, password]) input.value = '';
          notice(
            note,
            `${person.displayName} added as ${rolesText(person.roles)} at ${storesText(person.storeIds)}` +
              `${body.pin ? ', with a PIN for the tills' : ''}. ${REACHES_HUB}`,
          );
          await load();
          name.focus();
        }),
    );
    let storesTicked = false;
    where.node.addEventListener('change', () => {
      storesTicked = true;
    });
    const node = el(
      'section',
      { 'aria-labelledby': 'new-staff-heading' },
      el('h2', { id: 'new-staff-heading' }, 'Add a staff member'),
      el(
        'p',
        { class: 'hint' },
        'The PIN signs them in at the tills of their stores, offline too; no two people at a ' +
          'store share one. ',
        isOwner
          ? 'Managers and owners sign in to this portal with their email and password.'
          : 'As a manager you add cashiers and cooks; an owner adds managers.',
      ),
      form,
      note,
    );
    return {
      node,
      forStore(storeId) {
        if (!storesTicked) where.set([storeId]);
      },
    };
  }
}

/**
 * Checkboxes for a list field (`roles`, `storeIds`) in a fieldset the API's errors for that
 * field are shown beside; `chosen()` is what is ticked, in the options' order.
 */
function checkboxes(legend, field, options, ticked) {
  const boxes = options.map((o) =>
    el('input', {
      type: 'checkbox',
      name: field,
      value: o.value,
      checked: ticked.includes(o.value),
      'data-choice': `${field}:${o.value}`,
    }),
  );
  const node = el(
    'fieldset',
    { class: 'stores-choice', 'data-field': field, tabindex: '-1' },
    el('legend', {}, legend),
    ...(options.length === 0 ? [el('span', { class: 'hint' }, 'None yet')] : []),
    ...options.map((o, i) => el('label', { class: 'inline', title: o.value }, boxes[i], o.label)),
  );
  return {
    node,
    chosen: () => boxes.filter((b) => b.checked).map((b) => b.value),
    set: (values) => {
      for (const b of boxes) b.checked = values.includes(b.value);
    },
  };
}
