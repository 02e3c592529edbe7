// The sales page: what the stores sold from one date to another, as the cloud's read model of
// the events the hubs sent (the sync service's sales report): totals, net sales by day and by
// hour of day as bar charts, the top items, the tenders and each store's share. Days and hours
// are in the chosen time zone, the browser's own by default. Below, the cash-drawer shifts of
// the stores' business days in the range (the sync service's shifts report): who opened and
// closed each, what the drawer should have held, what was counted and the over/short.

import { api, attempt, el, money, signedMoney, table } from './lib.js';

/** How the sales page names each tender. */
const TENDER_NAMES = { cash: 'Cash', card: 'Card', online: 'Paid online' };

const DAY_MS = 86_400_000;
const DEFAULT_DAYS = 7;

export async function salesPage(page) {
  const stores = await api('GET', '/api/v1/sync/stores').then(
    (r) => r.stores,
    () => [],
  );
  const storeNames = new Map(stores.map((s) => [s.storeId, s.name]));
  // Cashiers by name where the staff list can be read; by their ID otherwise.
  const staff = await api('GET', '/api/v1/auth/users').then(
    (r) => r.staff ?? [],
    () => [],
  );
  const staffNames = new Map(staff.map((p) => [p.userId, p.displayName]));
  const today = localDate(new Date());
  const from = el('input', {
    type: 'date',
    name: 'from',
    value: addDays(today, 1 - DEFAULT_DAYS),
    'aria-label': 'From',
    'data-field': 'query.from',
    required: true,
  });
  const to = el('input', {
    type: 'date',
    name: 'to',
    value: today,
    'aria-label': 'To',
    'data-field': 'query.to',
    required: true,
  });
  const store = el(
    'select',
    { name: 'store', 'aria-label': 'Store', 'data-field': 'query.storeId' },
    el('option', { value: '' }, 'All stores'),
    ...stores.map((s) => el('option', { value: s.storeId }, s.name)),
  );
  const zones = el(
    'datalist',
    { id: 'time-zones' },
    ...(Intl.supportedValuesOf?.('timeZone') ?? []).map((z) => el('option', { value: z })),
  );
  const timeZone = el('input', {
    name: 'timeZone',
    value: Intl.DateTimeFormat().resolvedOptions().timeZone,
    list: 'time-zones',
    'aria-label': 'Time zone',
    'data-field': 'query.timeZone',
    class: 'zone',
  });
  const show = el('button', { type: 'submit', class: 'primary' }, 'Show');
  const message = el('div', { class: 'message', 'aria-live': 'polite' });
  const results = el('div', { 'data-testid': 'sales-report', 'aria-live': 'polite' });
  const run = () =>
    attempt(show, form, message, async () => {
      results.replaceChildren();
      const query = new URLSearchParams({
        from: from.value,
        to: to.value,
        storeId: store.value,
        timeZone: timeZone.value.trim(),
      });
      const shiftQuery = new URLSearchParams({
        from: from.value,
        to: to.value,
        storeId: store.value,
      });
      // A failing shifts report is shown in its own section; the sales still show.
      const [report, shifts] = await Promise.all([
        api('GET', `/api/v1/sync/reports/sales?${query}`),
        api('GET', `/api/v1/sync/reports/shifts?${shiftQuery}`).catch((err) => err),
      ]);
      results.replaceChildren(
        ...reportView(report, storeNames),
        shiftsSection(shifts, { storeNames, staffNames, timeZone: report.timeZone }),
      );
    });
  const form = el(
    'form',
    {
      class: 'add',
      onsubmit: (e) => {
        e.preventDefault();
        run();
      },
    },
    el('label', { 'data-error-after': true }, 'From ', from),
    el('label', { 'data-error-after': true }, 'To ', to),
    el('label', { 'data-error-after': true }, 'Store ', store),
    el('label', { 'data-error-after': true }, 'Time zone ', timeZone),
    zones,
    show,
  );
  page.replaceChildren(
    el(
      'section',
      { 'aria-labelledby': 'sales-heading' },
      el('h2', { id: 'sales-heading' }, 'Sales'),
      form,
      message,
    ),
    results,
  );
  await run();
}

/** `YYYY-MM-DD` of `date` where the browser is. */
function localDate(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The calendar date `days` after `ymd` (both `YYYY-MM-DD`). */
function addDays(ymd, days) {
  return new Date(Date.parse(ymd) + days * DAY_MS).toISOString().slice(0, 10);
}

/** "14 Jan" for `2026-01-14`, whatever the browser's time zone. */
const shortDate = (ymd) =>
  new Date(`${ymd}T00:00:00Z`).toLocaleDateString(undefined, {
    day: 'numeric',
    month: 'short',
    timeZone: 'UTC',
  });

/** Tables of figures: every column but the first is a number, aligned right. */
const FIGURES = { class: 'figures' };

const percent = (part, whole) => (whole > 0 ? `${((100 * part) / whole).toFixed(1)} %` : '—');

function reportView(report, storeNames) {
  const { totals } = report;
  const where = report.storeId ? (storeNames.get(report.storeId) ?? report.storeId) : 'All stores';
  const range = report.from === report.to ? report.from : `${report.from} to ${report.to}`;
  return [
    el(
      'section',
      { 'aria-labelledby': 'totals-heading' },
      el(
        'h2',
        { id: 'totals-heading' },
        `${where}, ${range}`,
        el('small', {}, ` days and hours in ${report.timeZone}`),
      ),
      el(
        'div',
        { class: 'stats' },
        stat('orders', 'Orders', String(totals.orders)),
        stat('gross', 'Gross sales', money(totals.grossCents)),
        stat('refunds', 'Refunds', money(totals.refundsCents)),
        stat('net', 'Net sales', money(totals.netCents)),
        stat('tips', 'Tips', money(totals.tipsCents)),
        stat('average', 'Average ticket', money(totals.averageTicketCents)),
      ),
    ),
    el(
      'section',
      { 'aria-labelledby': 'by-day-heading' },
      el('h2', { id: 'by-day-heading' }, 'Net sales by day'),
      barChart({
        name: 'by-day',
        label: `Net sales by day, ${range}`,
        axis: 'Day',
        bars: report.byDay.map((d) => ({
          key: d.date,
          label: shortDate(d.date),
          value: d.netCents,
          title: `${d.date}: ${money(d.netCents)} net from ${d.orders} order${d.orders === 1 ? '' : 's'}`,
        })),
      }),
    ),
    el(
      'section',
      { 'aria-labelledby': 'by-hour-heading' },
      el('h2', { id: 'by-hour-heading' }, 'Net sales by hour of day'),
      barChart({
        name: 'by-hour',
        label: `Net sales by hour of day, ${range}, ${report.timeZone}`,
        axis: `Hour (${report.timeZone})`,
        bars: report.byHour.map((h) => ({
          key: String(h.hour),
          label: String(h.hour).padStart(2, '0'),
          value: h.salesCents,
          title: `${String(h.hour).padStart(2, '0')}:00–${String(h.hour).padStart(2, '0')}:59: ${money(h.salesCents)} net from ${h.orders} order${h.orders === 1 ? '' : 's'}`,
        })),
      }),
    ),
    topItemsSection(report.topItems),
    tendersSection(report.tenders),
    storesSection(report.stores, storeNames, totals.netCents),
  ];
}

function stat(key, label, value) {
  return el(
    'div',
    { class: 'stat', 'data-total': key },
    el('span', { class: 'label' }, label),
    el('strong', { class: 'value' }, value),
  );
}

/** A table's body, or one row saying there is nothing when `rows` is empty. */
function rowsOr(testid, rows, columns) {
  return el(
    'tbody',
    { 'data-testid': testid },
    ...(rows.length
      ? rows
      : [el('tr', {}, el('td', { colspan: String(columns) }, 'No sales in this period'))]),
  );
}

function topItemsSection(items) {
  return el(
    'section',
    { 'aria-labelledby': 'top-items-heading' },
    el('h2', { id: 'top-items-heading' }, 'Top items'),
    table(
      ['Item', 'Sold', 'Sales'],
      rowsOr(
        'top-items',
        items.map((i) =>
          el(
            'tr',
            { 'data-item': i.itemId },
            el('td', {}, i.name, el('small', { class: 'id' }, i.itemId)),
            el('td', {}, String(i.quantity)),
            el('td', {}, money(i.salesCents)),
          ),
        ),
        3,
      ),
      FIGURES,
    ),
  );
}

function tendersSection(tenders) {
  const all = tenders.reduce((sum, t) => sum + t.amountCents, 0);
  return el(
    'section',
    { 'aria-labelledby': 'tenders-heading' },
    el('h2', { id: 'tenders-heading' }, 'Tenders'),
    table(
      ['Tender', 'Payments', 'Amount', 'Share'],
      rowsOr(
        'tenders',
        tenders.map((t) =>
          el(
            'tr',
            { 'data-tender': t.tender },
            el('td', {}, TENDER_NAMES[t.tender] ?? t.tender),
            el('td', {}, String(t.count)),
            el('td', {}, money(t.amountCents)),
            el('td', {}, percent(t.amountCents, all)),
          ),
        ),
        4,
      ),
      FIGURES,
    ),
    el('p', { class: 'hint' }, 'Amounts paid, before refunds and without tips.'),
  );
}

function storesSection(stores, storeNames, netCents) {
  return el(
    'section',
    { 'aria-labelledby': 'store-sales-heading' },
    el('h2', { id: 'store-sales-heading' }, 'By store'),
    table(
      ['Store', 'Orders', 'Net sales', 'Share'],
      rowsOr(
        'store-sales',
        stores.map((s) =>
          el(
            'tr',
            { 'data-store-sales': s.storeId },
            el(
              'td',
              {},
              storeNames.get(s.storeId) ?? s.storeId,
              el('small', { class: 'id' }, s.storeId),
            ),
            el('td', {}, String(s.orders)),
            el('td', {}, money(s.salesCents)),
            el('td', {}, percent(s.salesCents, netCents)),
          ),
        ),
        4,
      ),
      FIGURES,
    ),
  );
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** `el` for SVG elements, which need their namespace. */
function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) node.setAttribute(k, String(v));
  for (const c of children.flat()) if (c !== undefined && c !== '') node.append(c);
  return node;
}

/** The smallest 1, 2, 2.5 or 5 × 10ⁿ cents at or above `cents`: a round top for the axis. */
function roundUp(cents) {
  if (cents <= 0) return 0;
  const magnitude = 10 ** Math.floor(Math.log10(cents));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * magnitude >= cents);
  return step * magnitude;
}

const CHART = { width: 640, height: 220, top: 12, right: 8, bottom: 40, left: 64 };

/**
 * A bar chart of money as inline SVG: a bar per entry (`key`, axis `label`, `value` in cents,
 * tooltip `title`), the money axis with three ticks from zero (below zero too when a value is:
 * a day of refunds only), and at most about 12 labels along the bottom.
 */
function barChart({ name, label, axis, bars }) {
  const { width, height, top, right, bottom, left } = CHART;
  const values = bars.map((b) => b.value);
  const high = roundUp(Math.max(0, ...values)) || 100;
  const low = -roundUp(-Math.min(0, ...values));
  const plotHeight = height - top - bottom;
  const y = (cents) => top + ((high - cents) / (high - low)) * plotHeight;
  const band = (width - left - right) / Math.max(1, bars.length);
  const every = Math.ceil(bars.length / 12);
  const ticks = [...new Set([low, 0, high / 2, high])].filter((t) => t >= low);
  const best = bars.reduce((a, b) => (b.value > (a?.value ?? 0) ? b : a), undefined);
  return svg(
    'svg',
    {
      class: 'chart',
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      'aria-label': `${label}: ${bars.length} bars${best ? `, highest ${money(best.value)} at ${best.label}` : ', no sales'}`,
      'data-chart': name,
    },
    ...ticks.map((t) =>
      svg(
        'g',
        { class: t === 0 ? 'tick zero' : 'tick' },
        svg('line', { x1: left, x2: width - right, y1: y(t), y2: y(t) }),
        svg(
          'text',
          { x: left - 6, y: y(t), 'text-anchor': 'end', 'dominant-baseline': 'middle' },
          money(t),
        ),
      ),
    ),
    ...bars.map((b, i) => {
      const barWidth = Math.min(band * 0.7, 48);
      const x = left + i * band + (band - barWidth) / 2;
      const from = y(Math.max(0, b.value));
      const to = y(Math.min(0, b.value));
      return svg(
        'g',
        {},
        svg(
          'rect',
          {
            class: b.value < 0 ? 'bar minus' : 'bar',
            x: x.toFixed(1),
            y: from.toFixed(1),
            width: barWidth.toFixed(1),
            // A bar that is not zero shows at least a sliver.
            height: (b.value === 0 ? 0 : Math.max(1, to - from)).toFixed(1),
            'data-bar': b.key,
            'data-value': b.value,
          },
          svg('title', {}, b.title),
        ),
        i % every === 0
          ? svg(
              'text',
              {
                class: 'label',
                x: (x + barWidth / 2).toFixed(1),
                y: height - bottom + 14,
                'text-anchor': 'middle',
              },
              b.label,
            )
          : '',
      );
    }),
    svg(
      'text',
      {
        class: 'axis',
        x: left + (width - left - right) / 2,
        y: height - 4,
        'text-anchor': 'middle',
      },
      axis,
    ),
    svg(
      'text',
      {
        class: 'axis',
        x: 12,
        y: top + plotHeight / 2,
        'text-anchor': 'middle',
        transform: `rotate(-90 12 ${top + plotHeight / 2})`,
      },
      'Net sales',
    ),
  );
}

/** `12:05, 14 Jan` in `timeZone` (the browser's own when the runtime does not know it). */
function shortTime(iso, timeZone) {
  const options = { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' };
  try {
    return new Date(iso).toLocaleString(undefined, { ...options, timeZone });
  } catch {
    return new Date(iso).toLocaleString(undefined, options);
  }
}

const timeCell = (iso, timeZone) =>
  el('time', { datetime: iso, title: iso }, shortTime(iso, timeZone));

/** An over/short: `+1.50` over, `−4.25` short (red), `0.00` even; a dash with no count yet. */
function differenceCell(col, cents) {
  if (cents === null || cents === undefined) return el('td', { 'data-col': col }, '—');
  return el(
    'td',
    { 'data-col': col, class: cents < 0 ? 'minus' : undefined },
    cents === 0 ? money(0) : signedMoney(cents),
  );
}

/**
 * The shifts of the period, oldest first: opened and closed (or still open), the cashier who
 * opened the drawer (and who closed it, when someone else), expected, counted and over/short,
 * with the totals of the closed shifts. With all stores, each shift names its store.
 */
function shiftsSection(report, { storeNames, staffNames, timeZone }) {
  const heading = el('h2', { id: 'shifts-heading' }, 'Shifts');
  if (report instanceof Error) {
    return el(
      'section',
      { 'aria-labelledby': 'shifts-heading', 'data-testid': 'shifts-section' },
      heading,
      el('p', { class: 'error', role: 'alert' }, `Shifts could not be loaded: ${report.message}`),
    );
  }
  const allStores = !report.storeId;
  const who = (userId) =>
    staffNames.get(userId) ??
    el('span', { class: 'id', title: userId }, String(userId).slice(0, 8));
  const columns = [
    ...(allStores ? [['Store', 'text']] : []),
    ['Opened', 'text'],
    ['Closed', 'text'],
    ['Cashier', 'text'],
    ['Expected', ''],
    ['Counted', ''],
    ['Over/short', ''],
  ];
  const rows = report.shifts.map((s) =>
    el(
      'tr',
      { 'data-shift': s.shiftId, 'data-status': s.status },
      allStores
        ? el('td', { class: 'text', 'data-col': 'store' }, storeNames.get(s.storeId) ?? s.storeId)
        : undefined,
      el('td', { class: 'text', 'data-col': 'opened' }, timeCell(s.openedAt, timeZone)),
      el(
        'td',
        { class: 'text', 'data-col': 'closed' },
        s.closedAt ? timeCell(s.closedAt, timeZone) : el('span', { class: 'open' }, 'Open'),
      ),
      el(
        'td',
        { class: 'text', 'data-col': 'cashier' },
        who(s.openedBy),
        s.closedBy && s.closedBy !== s.openedBy
          ? el('small', { class: 'closed-by' }, ' closed by ', who(s.closedBy))
          : undefined,
      ),
      el('td', { 'data-col': 'expected' }, s.expectedCents === null ? '—' : money(s.expectedCents)),
      el('td', { 'data-col': 'counted' }, s.countedCents === null ? '—' : money(s.countedCents)),
      differenceCell('difference', s.differenceCents),
    ),
  );
  const { totals } = report;
  const lead = columns.length - 3;
  return el(
    'section',
    { 'aria-labelledby': 'shifts-heading', 'data-testid': 'shifts-section' },
    heading,
    el(
      'table',
      { class: 'figures shifts' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ...columns.map(([label, kind]) =>
            el('th', { scope: 'col', class: kind || undefined }, label),
          ),
        ),
      ),
      el(
        'tbody',
        { 'data-testid': 'shifts' },
        ...(rows.length
          ? rows
          : [
              el(
                'tr',
                {},
                el('td', { colspan: String(columns.length) }, 'No shifts in this period'),
              ),
            ]),
      ),
      el(
        'tfoot',
        {},
        el(
          'tr',
          { 'data-testid': 'shifts-total' },
          el(
            'th',
            { scope: 'row', class: 'text', colspan: String(lead) },
            `Total, ${totals.shifts - totals.openShifts} closed shift${totals.shifts - totals.openShifts === 1 ? '' : 's'}`,
            totals.openShifts > 0
              ? el('small', {}, ` (${totals.openShifts} still open)`)
              : undefined,
          ),
          el('td', { 'data-col': 'expected' }, money(totals.expectedCents)),
          el('td', { 'data-col': 'counted' }, money(totals.countedCents)),
          differenceCell('difference', totals.differenceCents),
        ),
      ),
    ),
    report.truncated
      ? el(
          'p',
          { class: 'hint' },
          `Showing the first ${report.shifts.length} of ${totals.shifts} shifts.`,
        )
      : undefined,
    el(
      'p',
      { class: 'hint' },
      "Shifts by the store's business day, times in ",
      timeZone,
      '. Over/short is counted less expected; an open shift has no count yet.',
    ),
  );
}
