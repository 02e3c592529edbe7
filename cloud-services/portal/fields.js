// Inputs bound to a field of an object in the menu draft: typing changes the object in place
// (so fields nobody edits stay as the server sent them) and tells the page something changed.

import { el, money, toCents } from './lib.js';

/** A text input for `obj[key]`; with `optional`, clearing it removes the field. */
export function textInput(obj, key, changed, attrs = {}, { optional = false } = {}) {
  return el('input', {
    type: 'text',
    value: obj[key] ?? '',
    ...attrs,
    oninput: (e) => {
      const value = e.target.value;
      if (optional && value.trim() === '') delete obj[key];
      else obj[key] = value;
      changed();
    },
  });
}

/** A whole-number input for `obj[key]`. */
export function intInput(obj, key, changed, attrs = {}) {
  return el('input', {
    type: 'number',
    step: '1',
    inputmode: 'numeric',
    class: 'short',
    value: String(obj[key] ?? ''),
    ...attrs,
    oninput: (e) => {
      obj[key] = e.target.value.trim() === '' ? Number.NaN : Number(e.target.value);
      changed();
    },
  });
}

/** A money input (in currency units) for the cents in `obj[key]`. */
export function centsInput(obj, key, changed, attrs = {}) {
  return el('input', {
    type: 'number',
    step: '0.01',
    inputmode: 'decimal',
    class: 'money',
    value: money(obj[key]),
    ...attrs,
    oninput: (e) => {
      obj[key] = toCents(e.target.value);
      changed();
    },
  });
}

export function checkbox(obj, key, changed, attrs = {}) {
  return el('input', {
    type: 'checkbox',
    checked: Boolean(obj[key]),
    ...attrs,
    onchange: (e) => {
      obj[key] = e.target.checked;
      changed();
    },
  });
}

/** A select of `options` ({ value, label }) for `obj[key]`; an unknown current value is kept. */
export function choice(obj, key, options, changed, attrs = {}) {
  const all = options.some((o) => o.value === obj[key])
    ? options
    : [{ value: obj[key] ?? '', label: obj[key] ? `${obj[key]} (missing)` : '—' }, ...options];
  const select = el(
    'select',
    {
      ...attrs,
      onchange: (e) => {
        obj[key] = e.target.value;
        changed();
      },
    },
    ...all.map((o) => el('option', { value: o.value, selected: o.value === obj[key] }, o.label)),
  );
  return select;
}
