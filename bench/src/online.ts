/**
 * `npm run bench:online`: how long a guest's online order takes from its payment being
 * confirmed in the cloud to its ticket on the store's kitchen display.
 *
 * The cloud runs as `npm start` runs it (every service in this process, on the embedded
 * database and bus); the store's hub is the production bundle in a child process (`lib/hub.ts`),
 * enrolled with the cloud and running the demo menu published there, with null printers and a
 * kitchen screen connected over socket.io to the grill. Guests (BENCH_GUESTS at once) each
 * place an order for a Double Smash Burger through the gateway (`POST /api/v1/online/orders`)
 * and pay with the simulated processor's test card (`POST …/payment`). The time counts from the
 * payment's answer reaching the guest (the order is paid and on its way: the cloud has
 * committed it with its `online.orderpaid.v1`) to the grill's screen receiving the ticket: the
 * bus, the sync service's change feed, the hub's long poll, the hub's order path and the KDS.
 * Target: p99 ≤ 1 s. Exits 1 when the run failed (an order refused or never shown).
 *
 * Environment: BENCH_ORDERS (200), BENCH_GUESTS (4), BENCH_TIMEOUT_S (30, per order).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { type Cloud, startCloud } from '@pos/cloud-services/cloud';
import { demoMenu } from '@pos/edge-hub/demo/menu';
import { createLogger } from '@pos/kit';
import { io } from 'socket.io-client';
import { onCleanup, runBenchmark } from './lib/cleanup.js';
import { HttpClient } from './lib/http.js';
import { startHub } from './lib/hub.js';
import { startNullPrinter } from './lib/null-printer.js';
import { signIn, stockForOrders, tokenOf } from './lib/pos-api.js';
import { machine, positiveInt, printResult, printTable, progress, target } from './lib/report.js';
import { histogram, LatencySamples, summarize } from './lib/stats.js';

const TARGET_P99_MS = 1_000;
const STORE_ID = 'bench-online';
const OWNER = { email: 'owner@bench-online.example', password: 'bench owner password' };
const ITEM = { menuItemId: 'burger-double-smash', modifierIds: [], quantity: 1 };

const config = {
  orders: positiveInt('BENCH_ORDERS', 200),
  guests: positiveInt('BENCH_GUESTS', 4),
  timeoutS: positiveInt('BENCH_TIMEOUT_S', 30),
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function call(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function until(what: string, check: () => Promise<boolean>, timeoutS = 60): Promise<void> {
  const deadline = performance.now() + timeoutS * 1_000;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`${what} did not happen in ${timeoutS} s`);
    await sleep(50);
  }
}

/** The cloud, as `npm start` runs it, with its owner signed in. */
async function cloudWithOwner(): Promise<{ cloud: Cloud; owner: string }> {
  const cloud = await startCloud({
    env: { AUTH_OWNER_EMAIL: OWNER.email, AUTH_OWNER_PASSWORD: OWNER.password },
    ports: { gateway: 0, auth: 0, menu: 0, loyalty: 0, notification: 0, sync: 0, online: 0 },
    logger: createLogger({ service: 'bench-cloud', level: 'warn', destination: process.stderr }),
  });
  onCleanup(() => cloud.stop());
  let owner = '';
  await until('the owner signing in', async () => {
    const r = await call('POST', `${cloud.urls.gateway}/api/v1/auth/login`, OWNER);
    owner = r.status === 200 ? r.body.accessToken : '';
    return owner !== '';
  });
  return { cloud, owner };
}

async function main(): Promise<number> {
  const m = machine();
  console.log(`bench:online — ${m.cpus} × ${m.cpuModel}, ${m.memGiB} GiB, Node ${m.node}`);
  console.log(`  ${config.orders} online orders, ${config.guests} guests at once`);
  const { cloud, owner } = await cloudWithOwner();
  const gateway = cloud.urls.gateway;
  const auth = { authorization: `Bearer ${owner}` };
  const store = await call(
    'POST',
    `${cloud.urls.sync}/api/v1/sync/stores`,
    { storeId: STORE_ID, name: 'Bench Online Street' },
    auth,
  );
  if (store.status !== 201) throw new Error(`store not created: ${JSON.stringify(store.body)}`);

  const receipt = await startNullPrinter();
  const kitchen = await startNullPrinter();
  onCleanup(() => receipt.close());
  onCleanup(() => kitchen.close());
  const hub = await startHub({
    env: {
      STORE_ID,
      CLOUD_SYNC_URL: cloud.urls.sync,
      SYNC_ENROLMENT_CODE: store.body.enrolmentCode,
      RECEIPT_PRINTER_PORT: String(receipt.port),
      KITCHEN_PRINTER_PORT: String(kitchen.port),
    },
  });
  onCleanup(() => hub.stop());
  const client = new HttpClient(hub.url, 8);
  onCleanup(() => client.close());
  await signIn(client);
  await until('the hub enrolling', async () => {
    const s = await client.json<{ state: string }>({ path: '/api/v1/sync/status' });
    return s.state === 'online';
  });

  // The demo menu published in the cloud to the store, and running on the hub.
  const { version: _v, publishedAt: _p, ...menu } = demoMenu();
  const draft = await call('PUT', `${gateway}/api/v1/menu/draft`, menu, auth);
  if (draft.status !== 200) throw new Error(`draft refused: ${JSON.stringify(draft.body)}`);
  const published = await call(
    'POST',
    `${gateway}/api/v1/menu/publish`,
    { storeIds: [STORE_ID] },
    auth,
  );
  await until('the menu reaching the hub', async () => {
    const hubMenu = await client.json<{ version: number }>({ path: '/api/v1/menu' });
    return hubMenu.version === published.body.version;
  });
  await stockForOrders(client, config.orders + 10, [ITEM]);
  await until('the store taking online orders', async () => {
    const s = await call('GET', `${gateway}/api/v1/online/stores/${STORE_ID}`);
    return s.body?.acceptingOrders === true;
  });
  console.log(`  cloud at ${gateway}; hub pid ${hub.pid} at ${hub.url}, enrolled`);

  // The grill's screen.
  const shown = new Map<string, (at: number) => void>();
  const screen = io(hub.url, {
    path: '/ws/kitchen-orders',
    transports: ['websocket'],
    auth: { token: tokenOf(client) },
  });
  onCleanup(() => void screen.close());
  screen.on('connect', () => screen.emit('subscribe', { station: 'grill' }));
  const onTickets = (tickets: { orderId: string }[]) => {
    const at = performance.now();
    for (const t of tickets) shown.get(t.orderId)?.(at);
  };
  screen.on('state', (s: { tickets: { orderId: string }[] }) => onTickets(s.tickets));
  screen.on('delta', (d: { tickets: { orderId: string }[] }) => onTickets(d.tickets));
  await until('the kitchen screen connecting', async () => screen.connected);

  const latencies = new LatencySamples();
  const errors: string[] = [];
  let placed = 0;
  let done = 0;
  /** One guest's order: placed, paid, then timed until the grill shows it. */
  const order = async (): Promise<void> => {
    const created = await call(
      'POST',
      `${gateway}/api/v1/online/orders`,
      {
        storeId: STORE_ID,
        orderType: 'pickup',
        customer: { name: 'Bench Guest', email: 'guest@bench.example' },
        items: [ITEM],
      },
      { 'idempotency-key': randomUUID() },
    );
    if (created.status !== 201)
      throw new Error(`order refused ${created.status}: ${JSON.stringify(created.body)}`);
    const orderId = created.body.orderId as string;
    const onScreen = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`order ${orderId} never shown`)),
        config.timeoutS * 1_000,
      );
      shown.set(orderId, (at) => {
        clearTimeout(timer);
        shown.delete(orderId);
        resolve(at);
      });
    });
    const paid = await call(
      'POST',
      `${gateway}/api/v1/online/orders/${orderId}/payment`,
      { paymentMethod: '4242424242424242' },
      { authorization: `Bearer ${created.body.accessToken}`, 'idempotency-key': randomUUID() },
    );
    const paidAt = performance.now();
    if (paid.status !== 200 || paid.body.status !== 'paid')
      throw new Error(`payment ${paid.status}: ${JSON.stringify(paid.body)}`);
    // A ticket shown before the payment's answer reached the guest counts as 0.
    latencies.add(Math.max(0, (await onScreen) - paidAt));
  };
  const guests = Array.from({ length: config.guests }, async () => {
    while (placed < config.orders) {
      placed++;
      await order().catch((err: Error) => {
        errors.push(err.message);
      });
      done++;
      if (done % 50 === 0) progress('orders', `${done} of ${config.orders}`);
    }
  });
  const started = performance.now();
  await Promise.all(guests);
  const seconds = (performance.now() - started) / 1_000;

  const s = summarize(latencies);
  printTable('payment confirmed in the cloud → ticket on the grill screen (ms)', [
    ['orders', 'errors', 'p50', 'p95', 'p99', 'max', 'mean'],
    [s.count, errors.length, s.p50, s.p95, s.p99, s.max, s.mean],
  ]);
  printTable(
    'distribution',
    histogram(latencies)
      .filter((b) => b.count > 0)
      .map((b) => [b.label, b.count, `${b.percent} %`]),
  );
  for (const e of errors.slice(0, 5)) console.log(`  error: ${e}`);
  console.log(`  ${config.orders} orders in ${Math.round(seconds * 10) / 10} s`);
  const failed = errors.length > 0 || s.count === 0;
  console.log('');
  printResult({
    benchmark: 'online',
    machine: m,
    config,
    orders: s.count,
    errors: errors.length,
    seconds: Math.round(seconds * 100) / 100,
    latencyMs: { p50: s.p50, p95: s.p95, p99: s.p99, max: s.max, mean: s.mean },
    targets: { p99Ms: target(s.p99, TARGET_P99_MS, 'max') },
  });
  return failed ? 1 : 0;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => {});

await runBenchmark(main);
