// Notification templates: every template on every channel with the variables it may use; the
// subject and body can be changed, and a variable the template does not know is refused by the
// notification service and shown next to the field that names it.

import { api, attempt, el, notice } from './lib.js';

export async function notificationsPage(page) {
  const { templates } = await api('GET', '/api/v1/notifications/templates');
  const byTemplate = new Map();
  for (const t of templates) byTemplate.set(t.template, [...(byTemplate.get(t.template) ?? []), t]);
  page.replaceChildren(
    el(
      'section',
      { 'aria-labelledby': 'templates-heading' },
      el('h2', { id: 'templates-heading' }, 'Notification templates'),
      el(
        'p',
        { class: 'hint' },
        'Write {{variable}} where a value goes in. Choose a variable to insert it where the cursor is.',
      ),
    ),
    ...[...byTemplate].map(([name, channels]) =>
      el(
        'section',
        { 'data-template': name },
        el('h3', {}, name),
        ...channels.map((t) => templateEditor(t)),
      ),
    ),
  );
}

function templateEditor(t) {
  const key = `${t.template}-${t.channel}`;
  const message = el('div', { class: 'message', 'aria-live': 'polite' });
  const subject = el('input', {
    value: t.subject,
    'aria-label': `${t.template} ${t.channel} subject`,
    'data-field': 'subject',
    'data-subject': key,
  });
  const body = el('textarea', {
    rows: '3',
    'aria-label': `${t.template} ${t.channel} body`,
    'data-field': 'body',
    'data-body': key,
  });
  body.value = t.body;
  // Where a chosen variable goes: the subject or body the cursor was last in.
  let target = body;
  subject.addEventListener('focus', () => {
    target = subject;
  });
  body.addEventListener('focus', () => {
    target = body;
  });
  const insert = (name) => {
    const text = `{{${name}}}`;
    const at = target.selectionStart ?? target.value.length;
    const end = target.selectionEnd ?? at;
    target.setRangeText(text, at, end, 'end');
    target.focus();
  };
  const form = el('form', {
    class: 'template',
    'data-template-channel': key,
    onsubmit: (e) => {
      e.preventDefault();
      attempt(save, form, message, async () => {
        const saved = await api(
          'PUT',
          `/api/v1/notifications/templates/${encodeURIComponent(t.template)}/${t.channel}`,
          { subject: subject.value, body: body.value },
        );
        Object.assign(t, saved);
        notice(message, `${t.template} (${t.channel}) saved`);
      });
    },
  });
  const save = el('button', { type: 'submit', 'data-save-template': key }, 'Save');
  // Ctrl+Enter in the body saves, as Enter in the subject does.
  body.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  form.append(
    el('h4', {}, t.channel),
    el(
      'p',
      { class: 'variables', 'aria-label': 'Variables' },
      ...t.variables.map((v) =>
        el('button', { type: 'button', class: 'chip', onclick: () => insert(v) }, `{{${v}}}`),
      ),
    ),
    el('label', {}, 'Subject', subject),
    el('label', {}, 'Body', body),
    el(
      'p',
      {},
      save,
      ' ',
      el('small', { class: 'hint' }, `last changed ${new Date(t.updatedAt).toLocaleString()}`),
    ),
    message,
  );
  return form;
}
