import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type PrintedJob, startVirtualPrinter, type VirtualPrinter } from '@pos/hardware';
import Database from 'better-sqlite3';
import { expectStatus, MANAGER_PIN, Till } from '../guarantee-till.js';
import { type HubProcess, startHubProcess } from '../hub-process.js';

// One store's edge for the fault scenarios: the hub as its own process, with two virtual
// printers on real TCP ports and the simulated card reader, stocked and with a shift open so
// that orders can be paid in cash and by card from the first minute.

export interface EdgeStore {
  hub: HubProcess;
  dataDir: string;
  receipt: VirtualPrinter;
  kitchen: VirtualPrinter;
  manager: Till;
  close(): Promise<void>;
}

export interface EdgeStoreOptions {
  /** Where the kitchen printer is reached, when something stands between hub and printer. */
  kitchenPort?: (kitchen: VirtualPrinter) => number | Promise<number>;
  env?: Record<string, string>;
  /** Stock every ingredient so that a long run never 86s an item. Default true. */
  stock?: boolean;
}

export async function openEdgeStore(
  dataDir: string,
  options: EdgeStoreOptions = {},
): Promise<EdgeStore> {
  const [receipt, kitchen] = await Promise.all([
    startVirtualPrinter({ port: 0, name: 'receipt', codePage: 'PC858' }),
    startVirtualPrinter({ port: 0, name: 'kitchen', codePage: 'PC858' }),
  ]);
  const kitchenPort = options.kitchenPort ? await options.kitchenPort(kitchen) : kitchen.port;
  const hub = await startHubProcess(dataDir, {
    STORE_TIMEZONE: 'UTC',
    PRINTER_HOST: '127.0.0.1',
    RECEIPT_PRINTER_PORT: String(receipt.port),
    KITCHEN_PRINTER_PORT: String(kitchenPort),
    CARD_READER: 'simulated',
    SIM_READER_LATENCY_MS: '50',
    ...options.env,
  });
  const store: EdgeStore = {
    hub,
    dataDir,
    receipt,
    kitchen,
    manager: new Till(hub.url, MANAGER_PIN),
    async close() {
      await store.hub.kill('SIGKILL');
      await Promise.all([receipt.close(), kitchen.close()]);
    },
  };
  if (options.stock ?? true) await stockUp(store.manager);
  expectStatus(
    await store.manager.post('/api/v1/shifts', { openingFloatCents: 50_000 }),
    [201],
    'open shift',
  );
  return store;
}

async function stockUp(manager: Till): Promise<void> {
  const { items } = expectStatus(
    await manager.get('/api/v1/inventory/items'),
    [200],
    'ingredients',
  ) as { items: { ingredientId: string }[] };
  for (const { ingredientId } of items) {
    expectStatus(
      await manager.post('/api/v1/inventory/stock-in', { ingredientId, quantity: 1_000_000 }),
      [200, 201],
      `stock-in ${ingredientId}`,
    );
  }
}

/** A takeout order that prints on two kitchen stations (grill, fryer) and one bar drink. */
export function takeoutOrder(id: string): Record<string, unknown> {
  return {
    id,
    type: 'takeout',
    items: [
      { menuItemId: 'burger-classic', modifierIds: ['mod-burger-medium'], quantity: 1 },
      { menuItemId: 'side-fries', quantity: 1 },
      { menuItemId: 'drink-cola', variantId: 'large', quantity: 1 },
    ],
  };
}

/** The kitchen stations `takeoutOrder` prints on. */
export const TAKEOUT_STATIONS = ['GRILL', 'FRYER'] as const;

/** The jobs a printer printed for an order: its own number line, so "#4" is never table T4. */
export function ticketJobs(printer: VirtualPrinter, orderNumber: number): PrintedJob[] {
  return printer.jobs().filter((job) => job.text.includes(`#${orderNumber}\n`));
}

/** The text of each job a printer printed for an order. */
export function ticketsOf(printer: VirtualPrinter, orderNumber: number): string[] {
  return ticketJobs(printer, orderNumber).map((job) => job.text);
}

/** Open one of the hub's databases (`orders`, `payments`, `printing`…) read-only. */
export function hubDb(dataDir: string, name: string): Database.Database {
  return new Database(join(dataDir, 'hub', `${name}.db`), { readonly: true });
}

/** The names of the hub's databases in its data directory. */
export function hubDbNames(dataDir: string): string[] {
  return readdirSync(join(dataDir, 'hub'))
    .filter((f) => f.endsWith('.db'))
    .map((f) => f.slice(0, -3));
}

/**
 * What is wrong with a database's outbox sequence: a number handed out but missing (a write
 * that half happened), or one event stored twice. Empty when the sequence is whole. Rows the
 * relay has pruned are old published ones, so the check starts at the oldest row kept.
 */
export function outboxFaults(db: Database.Database): string[] {
  const has = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'outbox'")
    .get();
  if (!has) return [];
  const rows = db.prepare('SELECT seq, event_id FROM outbox ORDER BY seq').all() as {
    seq: number;
    event_id: string;
  }[];
  const faults: string[] = [];
  const ids = new Set<string>();
  rows.forEach((row, i) => {
    const first = rows[0]?.seq ?? 0;
    if (row.seq !== first + i) faults.push(`gap before seq ${row.seq}`);
    if (ids.has(row.event_id)) faults.push(`event ${row.event_id} twice`);
    ids.add(row.event_id);
  });
  const last = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").get() as
    | { seq: number }
    | undefined;
  const top = rows.at(-1)?.seq ?? 0;
  if (last && last.seq !== top) faults.push(`sequence at ${last.seq} but last event is ${top}`);
  return faults;
}

/** How many events of a type each entity has in a database's outbox (keyed by `field`). */
export function eventsPer(
  db: Database.Database,
  eventType: string,
  field: string,
): Map<string, number> {
  const rows = db.prepare('SELECT envelope FROM outbox WHERE event_type = ?').all(eventType) as {
    envelope: string;
  }[];
  const per = new Map<string, number>();
  for (const { envelope } of rows) {
    const key = String(
      (JSON.parse(envelope) as { Payload: Record<string, unknown> }).Payload[field],
    );
    per.set(key, (per.get(key) ?? 0) + 1);
  }
  return per;
}

/** An answer with the headers a fault scenario looks at. */
export interface Answer {
  status: number;
  contentType: string | null;
  retryAfter: string | null;
  body: any;
}

/** One POST as a terminal sends it, with its token and Idempotency-Key, and no retry. */
export async function postOnce(
  url: string,
  token: string,
  body: unknown,
  key: string,
  signal?: AbortSignal,
): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'idempotency-key': key,
    },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
  const text = await res.text();
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    retryAfter: res.headers.get('retry-after'),
    body: text ? JSON.parse(text) : undefined,
  };
}

/** Poll until `check` holds; the message names what was awaited. */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms = 30_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
