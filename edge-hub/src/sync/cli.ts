import { parseArgs } from 'node:util';
import type { SyncStatus } from '@pos/sync/client/index';
import type { Backlog } from './store.js';

/**
 * `pos-hub`, the operator's command line for the hub's link to the cloud (`npm run pos-hub --
 * <command>`): it talks to the running hub's API with a staff PIN, so it works from any machine
 * that reaches the hub.
 *
 *   status              the link, what waits to go up, the last success and the last error
 *   now [--no-wait]     send now, with a progress bar until nothing waits
 *   backlog [--limit N] what waits, by event type, and the oldest events
 *   enrol <code>        trade a one-time enrolment code for this store's credential (manager)
 *
 * `--hub URL` (or POS_HUB_URL; default http://127.0.0.1:$HUB_PORT), `--pin PIN` (or
 * POS_HUB_PIN; asked for when neither is given), `--json` for the raw answer.
 */

export interface PosHubIo {
  out(text: string): void;
  err(text: string): void;
  /** Whether `out` is a terminal: the progress bar redraws one line there. */
  isTTY: boolean;
  /** Ask for a PIN without echoing it. */
  askPin(): Promise<string>;
  sleep(ms: number): Promise<void>;
  now(): number;
}

export const USAGE = `usage: pos-hub <command> [options]

commands:
  status               the cloud link, events waiting, last success and last error
  now                  send now and show progress until nothing waits (--no-wait to return at once)
  backlog              what waits to go up, by event type (--limit N of the oldest, default 20)
  enrol <code>         enrol this hub with a one-time code from the manager portal (manager PIN;
                       --cloud URL when the hub has no CLOUD_SYNC_URL)

options:
  --hub URL            the hub (POS_HUB_URL; default http://127.0.0.1:$HUB_PORT or :8080)
  --pin PIN            a staff PIN (POS_HUB_PIN; asked for when not given)
  --json               print the hub's answer as JSON
  --timeout S          with now: give up after S seconds (default: wait until done)`;

/** What `GET /api/v1/sync/backlog` answers. */
type BacklogAnswer = Backlog & { pendingEvents: number; oldestPendingAt?: string };

class CliError extends Error {}

/** Runs one command; resolves to the process exit code (0 done, 1 failed, 2 usage). */
export async function posHub(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: PosHubIo,
): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    (command || values.help ? io.out : io.err)(USAGE);
    return values.help ? 0 : 2;
  }
  const hub = (values.hub ?? env.POS_HUB_URL ?? `http://127.0.0.1:${env.HUB_PORT ?? 8080}`).replace(
    /\/+$/,
    '',
  );
  try {
    switch (command) {
      case 'status': {
        const api = await signIn(hub, values.pin ?? env.POS_HUB_PIN, io);
        const status = await api<SyncStatus>('GET', '/api/v1/sync/status');
        io.out(values.json ? JSON.stringify(status, null, 2) : describeStatus(status, io.now()));
        return 0;
      }
      case 'backlog': {
        const limit = values.limit ?? '20';
        if (!/^\d+$/.test(limit)) throw new CliError('--limit must be a whole number');
        const api = await signIn(hub, values.pin ?? env.POS_HUB_PIN, io);
        const backlog = await api<BacklogAnswer>('GET', `/api/v1/sync/backlog?limit=${limit}`);
        io.out(values.json ? JSON.stringify(backlog, null, 2) : describeBacklog(backlog, io.now()));
        return 0;
      }
      case 'now': {
        const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
        if (timeout !== undefined && !(timeout > 0))
          throw new CliError('--timeout must be a number of seconds');
        const api = await signIn(hub, values.pin ?? env.POS_HUB_PIN, io);
        const first = await api<SyncStatus>('POST', '/api/v1/sync/now');
        if (values['no-wait']) {
          io.out(`Sending: ${plural(first.pendingEvents, 'event')} waiting.`);
          return 0;
        }
        return await follow(api, first, io, timeout);
      }
      case 'enrol': {
        const [code] = rest;
        if (!code) throw new CliError('enrol needs the code from the manager portal');
        const api = await signIn(hub, values.pin ?? env.POS_HUB_PIN, io);
        const enrolled = await api<{ storeId: string; name: string }>(
          'POST',
          '/api/v1/sync/enrol',
          { code, ...(values.cloud ? { cloudUrl: values.cloud } : {}) },
        );
        io.out(`Enrolled as ${enrolled.name} (${enrolled.storeId}). Events now go to the cloud.`);
        return 0;
      }
      default:
        io.err(`unknown command "${command}"\n\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    io.err(`pos-hub: ${(err as Error).message}`);
    return 1;
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      hub: { type: 'string' },
      pin: { type: 'string' },
      cloud: { type: 'string' },
      limit: { type: 'string' },
      timeout: { type: 'string' },
      json: { type: 'boolean' },
      'no-wait': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

type Api = <T>(method: string, path: string, body?: unknown) => Promise<T>;

async function signIn(hub: string, pin: string | undefined, io: PosHubIo): Promise<Api> {
  const given = pin ?? (await io.askPin());
  const login = await call<{ token: string }>(hub, 'POST', '/api/v1/staff/login', undefined, {
    pin: given,
  });
  return (method, path, body) => call(hub, method, path, login.token, body);
}

async function call<T>(
  hub: string,
  method: string,
  path: string,
  token: string | undefined,
  body?: unknown,
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${hub}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(20_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new CliError(`the hub at ${hub} did not answer (${why})`);
  }
  const text = await res.text();
  let data: Record<string, unknown> = {};
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    data = { detail: text.slice(0, 200) };
  }
  if (!res.ok) {
    const fields = Array.isArray(data.errors)
      ? (data.errors as { field: string; message: string }[])
          .map((e) => `\n  ${e.field}: ${e.message}`)
          .join('')
      : '';
    throw new CliError(`${String(data.detail ?? data.title ?? `HTTP ${res.status}`)}${fields}`);
  }
  return data as T;
}

/** Redraw a progress bar until nothing waits; 1 when the time given runs out first. */
async function follow(
  api: Api,
  first: SyncStatus,
  io: PosHubIo,
  timeoutS: number | undefined,
): Promise<number> {
  const started = io.now();
  const fromConfirmed = first.lastSequenceConfirmed;
  let status = first;
  let lastLine = 0;
  for (;;) {
    const sent = status.lastSequenceConfirmed - fromConfirmed;
    const total = sent + status.pendingEvents;
    const elapsedS = (io.now() - started) / 1000;
    const line = progressLine(sent, total, elapsedS, status);
    if (io.isTTY) io.out(`\r${line.padEnd(100)}`);
    else if (io.now() - lastLine >= 2_000 || status.pendingEvents === 0) {
      io.out(`${line}\n`);
      lastLine = io.now();
    }
    if (status.pendingEvents === 0) {
      io.out(`${io.isTTY ? '\n' : ''}Everything is in the cloud.\n`);
      return 0;
    }
    if (timeoutS !== undefined && elapsedS >= timeoutS) {
      io.out(`${io.isTTY ? '\n' : ''}`);
      io.err(`pos-hub: ${plural(status.pendingEvents, 'event')} still waiting after ${timeoutS} s`);
      return 1;
    }
    await io.sleep(500);
    status = await api<SyncStatus>('GET', '/api/v1/sync/status');
  }
}

export function progressLine(
  sent: number,
  total: number,
  elapsedS: number,
  status: Pick<SyncStatus, 'state' | 'lastError'>,
): string {
  const width = 30;
  const share = total === 0 ? 1 : sent / total;
  const filled = Math.round(share * width);
  const rate = elapsedS > 0 ? sent / elapsedS : 0;
  const left = total - sent;
  const eta = rate > 0 ? ` · about ${duration((left / rate) * 1000)} left` : '';
  const link = status.state === 'online' ? '' : ` · ${status.state}: ${status.lastError ?? ''}`;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.floor(share * 100)}% ${sent}/${total} events · ${Math.round(rate)}/s${eta}${link}`;
}

export function describeStatus(s: SyncStatus, now: number): string {
  const link =
    s.state === 'not-enrolled'
      ? 'not enrolled (run: pos-hub enrol <code>)'
      : `${s.state}${s.cloudUrl ? ` (${s.cloudUrl})` : ''}`;
  const rows: [string, string][] = [
    ['Store', s.storeId ?? '-'],
    ['Cloud link', link],
    [
      'Waiting',
      s.pendingEvents === 0
        ? 'nothing'
        : `${plural(s.pendingEvents, 'event')}${s.oldestPendingAt ? `, oldest ${ago(s.oldestPendingAt, now)}` : ''}`,
    ],
    ['Confirmed', `${s.lastSequenceConfirmed} of ${s.lastSequenceQueued}`],
    [
      'Last success',
      s.lastSuccessAt ? `${s.lastSuccessAt} (${ago(s.lastSuccessAt, now)})` : 'never',
    ],
  ];
  if (s.lastError)
    rows.push([
      'Last error',
      `${s.lastError}${s.lastErrorAt ? ` (${ago(s.lastErrorAt, now)})` : ''}`,
    ]);
  rows.push(['Changes read', `up to ${s.changeCursor}`]);
  return table(rows);
}

export function describeBacklog(b: BacklogAnswer, now: number): string {
  if (b.pendingEvents === 0) return 'Nothing waits to go to the cloud.';
  const lines = [
    `${plural(b.pendingEvents, 'event')} waiting${b.oldestPendingAt ? `, the oldest queued ${ago(b.oldestPendingAt, now)}` : ''}:`,
    table(b.byType.map((t) => [t.eventType, String(t.count)])),
    '',
    `The first ${b.events.length}:`,
    ...b.events.map((e) => `  #${e.sequence}  ${e.queuedAt}  ${e.eventType}  ${e.eventId}`),
  ];
  return lines.join('\n');
}

function table(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function ago(iso: string, now: number): string {
  return `${duration(Math.max(0, now - Date.parse(iso)))} ago`;
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} days`;
}
