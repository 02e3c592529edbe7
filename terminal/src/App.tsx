import { useEffect, useState } from 'react';
import { api, describe, hasToken, hubNow, setToken, whenSignedOut } from './api.js';
import { usePoll } from './hooks.js';
import { OrderScreen } from './OrderScreen.js';
import { OrdersScreen, ShiftScreen, TablesScreen } from './screens.js';
import { hasRole, type Staff, update, useAppState } from './state.js';
import { Notice, PinPad } from './widgets.js';

type Tab = 'order' | 'tables' | 'orders' | 'shift';

export function App() {
  const { staff } = useAppState();
  const [tab, setTab] = useState<Tab>('order');
  useEffect(() => whenSignedOut(() => update((s) => ({ ...s, staff: null }))), []);
  if (!staff || !hasToken()) return <Login />;
  return (
    <div className="app">
      <header className="top">
        <nav>
          {(
            [
              ['order', 'Order'],
              ['tables', 'Tables'],
              ['orders', 'Open orders'],
              ['shift', 'Shift'],
            ] as const
          ).map(([id, label]) => (
            <button
              type="button"
              key={id}
              className={tab === id ? 'active' : ''}
              data-tab={id}
              onClick={() => setTab(id)}
            >
              {label}
            </button>
          ))}
        </nav>
        <span className="who" data-testid="who">
          {staff.name}
        </span>
        <button
          type="button"
          onClick={() => {
            void api('POST', '/api/v1/staff/logout').catch(() => {});
            setToken('');
            update((s) => ({ ...s, staff: null }));
          }}
        >
          Sign out
        </button>
      </header>
      <main className="content">
        {tab === 'order' && <OrderScreen />}
        {tab === 'tables' && <TablesScreen go={setTab} />}
        {tab === 'orders' && <OrdersScreen go={setTab} />}
        {tab === 'shift' && <ShiftScreen />}
      </main>
      <StatusBar />
    </div>
  );
}

function Login() {
  const [error, setError] = useState('');
  const signIn = async (pin: string) => {
    setError('');
    try {
      const res = await api<{
        token: string;
        staff: { id: string; name: string; roles: string[] };
      }>('POST', '/api/v1/staff/login', { pin });
      setToken(res.body.token);
      const staff: Staff = {
        userId: res.body.staff.id,
        name: res.body.staff.name,
        roles: res.body.staff.roles,
      };
      if (!hasRole(staff, 'cashier')) {
        setToken('');
        setError('This terminal is for cashiers and managers');
        return;
      }
      update((s) => ({ ...s, staff }));
    } catch (err) {
      setError(describe(err));
    }
  };
  return (
    <div className="login" data-testid="login">
      <h1>Sign in</h1>
      <p>Enter your PIN</p>
      <PinPad label="Staff PIN" onPin={(pin) => void signIn(pin)} />
      <Notice text={error} />
    </div>
  );
}

interface PrinterState {
  printerId: string;
  name: string;
  state: string;
  queued: number;
  stuck: boolean;
}

interface SyncStatus {
  state: 'not-enrolled' | 'connecting' | 'online' | 'offline' | 'credential-rejected';
  pendingEvents: number;
  oldestPendingAt?: string;
  lastSuccessAt?: string;
  lastError?: string;
}

/** "3 min ago" from an ISO time of the hub's, by the hub's clock. */
function since(iso: string): string {
  const s = Math.max(0, Math.round((hubNow() - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min ago`;
}

function cloudLink(s: SyncStatus | undefined): { text: string; tone: string } {
  switch (s?.state) {
    case 'online':
      return { text: 'online', tone: 'ok' };
    case 'offline':
      return {
        text: `offline${s.lastSuccessAt ? ` (last sync ${since(s.lastSuccessAt)})` : ''}, trading on`,
        tone: 'warn',
      };
    case 'connecting':
      return { text: 'connecting…', tone: 'warn' };
    case 'credential-rejected':
      return { text: 'hub not accepted, ask a manager to enrol it again', tone: 'bad' };
    case 'not-enrolled':
      return { text: 'not enrolled', tone: 'muted' };
    default:
      return { text: 'unknown', tone: 'muted' };
  }
}

/** Always on screen: the hub, the cloud link, printers and the card reader. */
function StatusBar() {
  const hub = usePoll(async () => {
    const res = await fetch('/health', { cache: 'no-store' });
    return res.ok;
  }, 3_000);
  const printers = usePoll(
    async () => (await api<{ printers: PrinterState[] }>('GET', '/api/v1/printers')).body.printers,
    5_000,
  );
  const readers = usePoll(
    async () =>
      (
        await api<{ readers: { id: string; status: { state: string }; pendingOffline: number }[] }>(
          'GET',
          '/api/v1/card-readers',
        )
      ).body.readers,
    3_000,
  );
  const sync = usePoll(
    async () => (await api<SyncStatus>('GET', '/api/v1/sync/status')).body,
    5_000,
  );
  const hubUp = hub.data === true && hub.error === undefined;
  const offlineCards = (readers.data ?? []).reduce((n, r) => n + r.pendingOffline, 0);
  const cloud = cloudLink(sync.data);
  const waiting = [
    sync.data && sync.data.pendingEvents > 0
      ? `${sync.data.pendingEvents} event${sync.data.pendingEvents === 1 ? '' : 's'}${
          sync.data.oldestPendingAt ? ` (oldest ${since(sync.data.oldestPendingAt)})` : ''
        }`
      : '',
    offlineCards > 0 ? `${offlineCards} offline card payments` : '',
  ].filter(Boolean);
  return (
    <footer className="status" data-testid="status-bar">
      <span className={`dot ${hubUp ? 'ok' : 'bad'}`} data-testid="hub-status">
        Hub {hubUp ? 'connected' : 'not reachable'}
      </span>
      <span
        className={`dot ${cloud.tone}`}
        title={
          sync.data?.lastError
            ? `Last error: ${sync.data.lastError}`
            : "The hub's link to the cloud"
        }
        data-testid="cloud-status"
      >
        Cloud: {cloud.text}
      </span>
      <span data-testid="sync-waiting">
        Waiting to sync: {waiting.length > 0 ? waiting.join(', ') : 'nothing'}
      </span>
      {(printers.data ?? []).map((p) => (
        <span
          key={p.printerId}
          className={`dot ${p.state === 'online' && !p.stuck ? 'ok' : 'bad'}`}
        >
          {p.name}: {p.state}
          {p.queued ? ` (${p.queued} waiting)` : ''}
        </span>
      ))}
      {(readers.data ?? []).map((r) => (
        <span
          key={r.id}
          className={`dot ${r.status.state === 'idle' ? 'ok' : r.status.state === 'offline' ? 'warn' : 'bad'}`}
        >
          Card reader: {r.status.state}
        </span>
      ))}
    </footer>
  );
}
