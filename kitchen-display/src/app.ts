import { io, type Socket } from 'socket.io-client';

// The kitchen display screen: sign in with a cook's PIN, pick a station (or the expo), then
// tickets arrive live over socket.io. Ages are computed from the hub's clock (the screen only
// measures time since the hub last spoke), so a screen with a wrong clock still shows true ages.

interface ItemView {
  id: string;
  name: string;
  variant: string | null;
  modifiers: string[];
  notes: string | null;
  seat: number | null;
  course: number;
  quantity: number;
  voidedQuantity: number;
  kind: 'new' | 'add-on';
  fired: boolean;
  done: boolean;
  allergens: string[];
}

interface TicketView {
  id: string;
  orderId: string;
  number: number;
  type: string;
  table: string | null;
  station: string;
  rush: boolean;
  status: 'open' | 'bumped' | 'cancelled' | 'ready';
  startedAt: number;
  flashUntil: number | null;
  cancelReason: string | null;
  items: ItemView[];
  heldCourses: number[];
  stations?: { id: string; name: string; done: boolean }[];
}

interface Thresholds {
  warnAfterMs: number;
  lateAfterMs: number;
}

interface StatePayload {
  version: number;
  serverTime: number;
  station: string;
  tickets: TicketView[];
  allDay: { name: string; quantity: number }[];
  thresholds: Thresholds;
}

interface DeltaPayload {
  version: number;
  serverTime: number;
  tickets: TicketView[];
  removed: string[];
  allDay: { name: string; quantity: number }[];
}

const app = document.getElementById('app') as HTMLElement;
const store = window.localStorage;

const state = {
  token: store.getItem('kds.token') ?? '',
  station: store.getItem('kds.station') ?? '',
  stationName: store.getItem('kds.stationName') ?? '',
  muted: store.getItem('kds.muted') === '1',
  tickets: new Map<string, TicketView>(),
  allDay: [] as { name: string; quantity: number }[],
  thresholds: { warnAfterMs: 300_000, lateAfterMs: 480_000 } as Thresholds,
  version: -1,
  /** Hub time minus screen time when the hub last spoke. */
  offset: 0,
  lastUpdate: 0,
  connected: false,
  /** The hub's link to the cloud, as the sync status says ('' until known). */
  cloud: { state: '', pendingEvents: 0 },
  selected: 0,
  page: 0,
};

let socket: Socket | undefined;

// ---- HTTP --------------------------------------------------------------------------------

async function api(method: string, path: string, body?: unknown): Promise<Response> {
  const res = await fetch(path, {
    method,
    headers: {
      ...(state.token ? { authorization: `Bearer ${state.token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status === 401) {
    signOut();
    throw new Error('signed out');
  }
  return res;
}

async function act(path: string, body: unknown = {}): Promise<void> {
  try {
    const res = await api('POST', path, body);
    if (!res.ok) {
      const problem = (await res.json().catch(() => ({}))) as { detail?: string };
      toast(problem.detail ?? `Not done (${res.status})`);
    }
  } catch {
    // Signed out or offline: the screen says so already.
  }
}

// ---- screens -----------------------------------------------------------------------------

function signOut(): void {
  state.token = '';
  store.removeItem('kds.token');
  socket?.close();
  socket = undefined;
  renderPin();
}

function renderPin(error = ''): void {
  let pin = '';
  app.innerHTML = `
    <div class="center">
      <h1>Kitchen display</h1>
      <p>Enter a cook's PIN</p>
      <div class="pin" data-testid="pin"></div>
      <div class="error">${escapeHtml(error)}</div>
      <div class="keypad">
        ${[1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => `<button data-key="${n}">${n}</button>`).join('')}
        <button data-key="clear">C</button><button data-key="0">0</button><button data-key="ok">OK</button>
      </div>
    </div>`;
  const shown = app.querySelector('.pin') as HTMLElement;
  const press = async (key: string) => {
    if (key === 'clear') pin = '';
    else if (key === 'ok') {
      const res = await fetch('/api/v1/staff/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ pin }),
      });
      if (!res.ok) return renderPin(res.status === 429 ? 'Too many tries; wait' : 'Wrong PIN');
      state.token = ((await res.json()) as { token: string }).token;
      store.setItem('kds.token', state.token);
      return state.station ? startStation() : renderStations();
    } else if (pin.length < 8) pin += key;
    shown.textContent = '•'.repeat(pin.length);
  };
  for (const b of app.querySelectorAll<HTMLButtonElement>('[data-key]')) {
    b.onclick = () => void press(b.dataset.key ?? '');
  }
  keyHandler = (e) => {
    if (/^[0-9]$/.test(e.key)) void press(e.key);
    else if (e.key === 'Enter') void press('ok');
    else if (e.key === 'Backspace' || e.key === 'Escape') void press('clear');
  };
}

async function renderStations(): Promise<void> {
  const res = await api('GET', '/api/v1/kds/stations');
  const { stations } = (await res.json()) as { stations: { id: string; name: string }[] };
  app.innerHTML = `
    <div class="center"><h1>Which station is this screen?</h1></div>
    <div class="stations">${stations
      .map((s) => `<button data-station="${escapeHtml(s.id)}">${escapeHtml(s.name)}</button>`)
      .join('')}</div>`;
  for (const b of app.querySelectorAll<HTMLButtonElement>('[data-station]')) {
    b.onclick = () => {
      state.station = b.dataset.station ?? '';
      state.stationName = b.textContent ?? state.station;
      store.setItem('kds.station', state.station);
      store.setItem('kds.stationName', state.stationName);
      startStation();
    };
  }
  keyHandler = undefined;
}

function startStation(): void {
  app.innerHTML = `
    <header class="bar">
      <span class="station" data-testid="station">${escapeHtml(state.stationName)}</span>
      <span class="conn" data-testid="connection">Connecting…</span>
      <span class="updated" data-testid="updated"></span>
      <span class="cloud" data-testid="cloud"></span>
      <span class="spacer"></span>
      <span class="pager" data-testid="pager"></span>
      ${state.station === 'expo' ? '' : '<button data-do="recall" title="Recall the last bumped ticket (R)">Recall</button>'}
      <button data-do="mute">${state.muted ? 'Sound off' : 'Sound on'}</button>
      <button data-do="station">Station</button>
    </header>
    <div class="allday" data-testid="allday"></div>
    <section class="grid" data-testid="tickets"></section>`;
  void pollCloud();
  const recallButton = app.querySelector<HTMLElement>('[data-do="recall"]');
  if (recallButton) recallButton.onclick = () => recall();
  (app.querySelector('[data-do="mute"]') as HTMLElement).onclick = (e) => {
    state.muted = !state.muted;
    store.setItem('kds.muted', state.muted ? '1' : '0');
    (e.currentTarget as HTMLElement).textContent = state.muted ? 'Sound off' : 'Sound on';
  };
  (app.querySelector('[data-do="station"]') as HTMLElement).onclick = () => {
    socket?.close();
    socket = undefined;
    state.station = '';
    store.removeItem('kds.station');
    void renderStations();
  };
  keyHandler = onKey;
  connect();
}

// ---- live updates ------------------------------------------------------------------------

function connect(): void {
  socket?.close();
  state.tickets.clear();
  state.version = -1;
  // The session token goes in the handshake, read again on each reconnect.
  socket = io({
    path: '/ws/kitchen-orders',
    transports: ['websocket'],
    auth: (cb) => cb({ token: state.token }),
  });
  socket.on('connect_error', (err) => {
    // The hub does not know this session any more (signed out, or another hub): sign in again.
    if (err.message === 'sign in to watch the kitchen') signOut();
  });
  socket.on('connect', () => {
    state.connected = true;
    socket?.emit('subscribe', { station: state.station });
    renderStatus();
  });
  socket.on('disconnect', () => {
    state.connected = false;
    renderStatus();
  });
  socket.on('state', (s: StatePayload) => {
    const before = new Set(state.tickets.keys());
    state.version = s.version;
    state.thresholds = s.thresholds;
    state.tickets = new Map(s.tickets.map((t) => [t.id, t]));
    state.allDay = s.allDay;
    heard(s.serverTime);
    if ([...state.tickets.keys()].some((id) => !before.has(id)) && before.size > 0) chime();
    render();
  });
  socket.on('delta', (d: DeltaPayload) => {
    // Deltas older than the state in hand were already counted in it.
    if (d.version <= state.version) return;
    state.version = d.version;
    let changed = false;
    for (const t of d.tickets) {
      const old = state.tickets.get(t.id);
      if (!old || changedForCook(old, t)) changed = true;
      state.tickets.set(t.id, t);
    }
    for (const id of d.removed) state.tickets.delete(id);
    state.allDay = d.allDay;
    heard(d.serverTime);
    if (changed) chime();
    render();
  });
}

function heard(serverTime: number): void {
  state.offset = serverTime - Date.now();
  state.lastUpdate = Date.now();
}

function changedForCook(a: TicketView, b: TicketView): boolean {
  if (a.status !== b.status || a.items.length !== b.items.length) return true;
  return a.items.some((x, i) => x.voidedQuantity !== b.items[i]?.voidedQuantity);
}

// ---- drawing -----------------------------------------------------------------------------

function hubNow(): number {
  return Date.now() + state.offset;
}

function sorted(): TicketView[] {
  return [...state.tickets.values()].sort(
    (a, b) => Number(b.rush) - Number(a.rush) || a.startedAt - b.startedAt || a.number - b.number,
  );
}

function layout(): { cols: number; perPage: number } {
  const cols = Math.max(1, Math.floor(window.innerWidth / 330));
  const rows = window.innerHeight >= 900 ? 2 : 1;
  return { cols, perPage: cols * rows };
}

function render(): void {
  const grid = app.querySelector('[data-testid="tickets"]') as HTMLElement | null;
  if (!grid) return;
  const { cols, perPage } = layout();
  grid.style.setProperty('--cols', String(cols));
  const all = sorted();
  const pages = Math.max(1, Math.ceil(all.length / perPage));
  state.page = Math.min(state.page, pages - 1);
  const shown = all.slice(state.page * perPage, (state.page + 1) * perPage);
  state.selected = Math.min(state.selected, Math.max(0, shown.length - 1));
  grid.innerHTML =
    shown.length === 0
      ? '<div class="empty">No tickets</div>'
      : shown.map((t, i) => ticketHtml(t, i)).join('');
  for (const el of grid.querySelectorAll<HTMLElement>('[data-item]')) {
    el.onclick = () => void act(`/api/v1/kds/items/${el.dataset.item}/bump`);
  }
  for (const el of grid.querySelectorAll<HTMLElement>('[data-bump]')) {
    el.onclick = () => bump(state.tickets.get(el.dataset.bump ?? ''));
  }
  for (const el of grid.querySelectorAll<HTMLElement>('[data-fire]')) {
    el.onclick = () =>
      void act(`/api/v1/kds/orders/${el.dataset.order}/fire`, { course: Number(el.dataset.fire) });
  }
  const allDay = app.querySelector('[data-testid="allday"]') as HTMLElement;
  allDay.innerHTML = state.allDay
    .map((c) => `<span><b>${c.quantity}</b>${escapeHtml(c.name)}</span>`)
    .join('');
  (app.querySelector('[data-testid="pager"]') as HTMLElement).textContent =
    pages > 1 ? `Page ${state.page + 1} of ${pages}` : '';
  renderStatus();
}

function ticketHtml(t: TicketView, index: number): string {
  const age = Math.max(0, hubNow() - t.startedAt);
  const colour =
    age >= state.thresholds.lateAfterMs
      ? 'late'
      : age >= state.thresholds.warnAfterMs
        ? 'warning'
        : 'fresh';
  const flashing = t.flashUntil !== null && t.flashUntil > hubNow();
  const classes = [
    'ticket',
    colour,
    flashing ? 'flash' : '',
    t.status === 'cancelled' ? 'cancelled' : '',
    index === state.selected ? 'selected' : '',
  ].join(' ');
  const where = [t.table ? `Table ${t.table}` : '', t.type].filter(Boolean).join(' · ');
  const expo = t.station === 'expo';
  const items = t.items
    .filter((i) => expo || i.fired)
    .map((i) => {
      const live = i.quantity - i.voidedQuantity;
      const voided = live <= 0;
      const cls = [voided ? 'void' : '', i.done ? 'done' : ''].join(' ');
      const mark = voided
        ? '<span class="mark void">VOID</span>'
        : i.kind === 'add-on'
          ? '<span class="mark addon">ADD-ON</span>'
          : '';
      const partial =
        i.voidedQuantity > 0 && !voided ? ` <small>(${i.voidedQuantity} void)</small>` : '';
      return `<li class="${cls}" data-testid="item" ${!expo && !voided && !i.done ? `data-item="${i.id}"` : ''}>
        ${mark}<span class="qty">${voided ? i.quantity : live}×</span><span class="name">${escapeHtml(i.name)}${i.variant ? ` (${escapeHtml(i.variant)})` : ''}</span>${partial}
        ${i.seat ? `<small> seat ${i.seat}</small>` : ''}${!i.fired ? `<small> course ${i.course}</small>` : ''}
        ${i.modifiers.length ? `<span class="mods">${i.modifiers.map(escapeHtml).join(', ')}</span>` : ''}
        ${i.notes ? `<span class="note">${escapeHtml(i.notes)}</span>` : ''}
        ${i.allergens.length ? `<span class="allergy">ALLERGY: ${i.allergens.map(escapeHtml).join(', ').toUpperCase()}</span>` : ''}
      </li>`;
    })
    .join('');
  const tags = [
    t.rush ? '<span class="tag rush">RUSH</span>' : '',
    ...t.heldCourses.map(
      (c) =>
        `<span class="tag held">Course ${c} held</span>${expo ? `<button class="tag" data-fire="${c}" data-order="${t.orderId}">Fire ${c}</button>` : ''}`,
    ),
  ].join('');
  const progress = t.stations
    ? `<div class="stations-progress">${t.stations
        .map((s) => `<span class="${s.done ? 'done' : ''}">${escapeHtml(s.name)}</span>`)
        .join('')}</div>`
    : '';
  const action =
    t.status === 'cancelled'
      ? `<button class="primary" data-bump="${t.id}">Seen</button>`
      : expo
        ? `<button class="primary" data-bump="${t.id}" ${t.status === 'ready' ? '' : 'disabled'}>${t.status === 'ready' ? 'Serve' : 'Cooking'}</button>`
        : `<button class="primary" data-bump="${t.id}">Bump</button>`;
  return `<article class="${classes}" data-testid="ticket" data-order="${t.orderId}" data-number="${t.number}">
    <div class="head"><span class="num">#${t.number}</span><span class="where">${escapeHtml(where)}</span><span class="age">${clock(age)}</span></div>
    ${t.status === 'cancelled' ? `<div class="banner">CANCELLED${t.cancelReason ? `: ${escapeHtml(t.cancelReason)}` : ''}</div>` : ''}
    ${tags ? `<div class="tags">${tags}</div>` : ''}${progress}
    <ul class="items">${items}</ul>
    <div class="actions"><span hidden>${index + 1}</span>${action}</div>
  </article>`;
}

function renderStatus(): void {
  const conn = app.querySelector('[data-testid="connection"]');
  if (conn) {
    conn.className = `conn${state.connected ? ' live' : ''}`;
    conn.textContent = state.connected ? 'Live' : 'Reconnecting…';
  }
  const cloud = app.querySelector('[data-testid="cloud"]');
  if (cloud) {
    const { state: link, pendingEvents } = state.cloud;
    // Orders still reach this screen when the cloud is away: say so calmly, in one line.
    cloud.className = `cloud${link === 'online' || link === '' ? '' : ' away'}`;
    cloud.textContent =
      link === 'online'
        ? 'Cloud online'
        : link === 'offline'
          ? `Cloud offline · ${pendingEvents} to sync`
          : link === 'not-enrolled' || link === ''
            ? ''
            : `Cloud ${link}`;
  }
  const updated = app.querySelector('[data-testid="updated"]');
  if (updated && state.lastUpdate > 0) {
    const s = Math.round((Date.now() - state.lastUpdate) / 1000);
    updated.textContent = `last update ${s} s ago`;
  }
}

// ---- actions -----------------------------------------------------------------------------

function bump(t: TicketView | undefined): void {
  if (!t) return;
  if (t.status === 'cancelled') void act(`/api/v1/kds/orders/${t.orderId}/acknowledge`);
  else if (t.station === 'expo') {
    if (t.status === 'ready') void act(`/api/v1/kds/orders/${t.orderId}/serve`);
  } else void act(`/api/v1/kds/tickets/${t.id}/bump`);
}

function recall(): void {
  if (state.station !== 'expo') void act(`/api/v1/kds/stations/${state.station}/recall`);
}

let keyHandler: ((e: KeyboardEvent) => void) | undefined;

/** Bump bar and keyboard: 1–9 select, Enter bumps, R recalls, arrows page. */
function onKey(e: KeyboardEvent): void {
  const { perPage } = layout();
  const shown = sorted().slice(state.page * perPage, (state.page + 1) * perPage);
  if (/^[1-9]$/.test(e.key)) {
    state.selected = Math.min(Number(e.key) - 1, Math.max(0, shown.length - 1));
    render();
  } else if (e.key === 'Enter') {
    bump(shown[state.selected]);
  } else if (e.key === 'r' || e.key === 'R') {
    recall();
  } else if (e.key === 'ArrowRight' || e.key === 'PageDown') {
    state.page += 1;
    render();
  } else if (e.key === 'ArrowLeft' || e.key === 'PageUp') {
    state.page = Math.max(0, state.page - 1);
    render();
  }
}

window.addEventListener('keydown', (e) => keyHandler?.(e));
window.addEventListener('resize', () => render());
// The cloud link, every 10 s while a station is open.
async function pollCloud(): Promise<void> {
  if (!state.token || !state.station) return;
  try {
    const res = await api('GET', '/api/v1/sync/status');
    if (res.ok) {
      const body = (await res.json()) as { state: string; pendingEvents: number };
      state.cloud = { state: body.state, pendingEvents: body.pendingEvents };
    }
  } catch {
    // The hub itself is away: the connection light says so.
  }
}
window.setInterval(() => void pollCloud(), 10_000);
void pollCloud();
// Ages and "last update" tick every second on the hub's clock.
window.setInterval(() => {
  if (state.tickets.size > 0) render();
  else renderStatus();
}, 1000);

// ---- bits --------------------------------------------------------------------------------

let audio: AudioContext | undefined;
function chime(): void {
  if (state.muted) return;
  try {
    audio ??= new AudioContext();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.value = 0.2;
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.25);
  } catch {
    // No sound device: the flashing ticket still shows the change.
  }
}

function toast(message: string): void {
  const el = document.createElement('div');
  el.textContent = message;
  el.setAttribute('role', 'alert');
  el.style.cssText =
    'position:fixed;bottom:1rem;left:50%;transform:translateX(-50%);background:#c62828;color:#fff;padding:0.8rem 1.4rem;border-radius:0.5rem;font-size:1.4rem;z-index:10';
  document.body.append(el);
  window.setTimeout(() => el.remove(), 3000);
}

function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

if (!state.token) renderPin();
else if (!state.station) void renderStations().catch(() => renderPin());
else startStation();
