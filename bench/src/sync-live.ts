/**
 * `npm run bench:sync-live`: whether a hub that comes back after a long outage sends its
 * backlog at full speed without starving its live work: orders placed on it while it catches up
 * must keep their p99 within 2× of normal.
 *
 * A real hub (`lib/hub.ts`: the production bundle in a child process, SQLite
 * `synchronous=FULL`, null printers) is enrolled with the cloud sync service (its own process on
 * a PostgreSQL database made for the run, `lib/sync-server.ts`) through a link that can be cut
 * (`lib/sync-link.ts`: cut, the cloud's port refuses connections). The hub's own sync client
 * does the work, as in a restaurant. The live work is a restaurant's (`lib/restaurant.ts`): each
 * takeout order is placed and paid in cash at the till, then started and finished on the kitchen
 * display and picked up, so the backlog holds a day's mix of order, payment, kitchen and stock
 * events. Phases:
 *   warm-up   orders in a closed loop for a few seconds, not measured; the hub then catches up
 *             and goes quiet (as before every phase: no phase inherits the last one's work);
 *   normal    orders due at BENCH_RATE per second for BENCH_NORMAL_S, the hub online with no
 *             backlog (each order's events go up as they come): the floor, in the same run;
 *   cycles    BENCH_CYCLES times: an outage, the link cut and orders traded in a closed loop
 *             until at least BENCH_BACKLOG_EVENTS events wait in the hub's queue for the cloud;
 *             then orders due at BENCH_RATE again, and after BENCH_LEAD_S (still offline) the
 *             link restored and the hub told to sync now. A catch-up lasts until the cloud has
 *             applied the last event queued before the link came back; the orders due in the
 *             catch-ups are the "during" figures (several cycles, so that a p99 rests on a few
 *             hundred orders however fast the catch-up).
 * The figure is the latency of placing the order (`POST /api/v1/orders`), counted from when it
 * was due, so a hub that falls behind shows it in full; payments and the kitchen run beside it.
 * The rate leaves the hub half a core to spare: at the normal floor, a hub that is already busy
 * all the time would only measure its own queue. The cloud shares this machine with the hub
 * (its bus is left out: fanning out is `bench:sync`'s business) at a lower CPU priority (nice
 * 10, the sync server and PostgreSQL), standing in for a cloud on other machines; CPU seconds
 * per process are shown for each phase.
 *
 * Target: p99 of orders during the catch-ups ≤ 2 × p99 normal. Exits 1 when the run failed (the
 * hub or the cloud went away, orders failed, a phase timed out), not when the target is missed:
 * the last line, one JSON object, says whether it was met.
 *
 * Environment: BENCH_RATE (25 orders/s), BENCH_CONNECTIONS (16 tills; 4 more for the kitchen),
 * BENCH_NORMAL_S (15), BENCH_BACKLOG_EVENTS (20000), BENCH_CYCLES (4), BENCH_LEAD_S (1),
 * BENCH_TIMEOUT_S (120, per phase), TEST_PG_ADMIN_URL (the server the database is made on),
 * BENCH_HUB_NODE_ARGS (`node` flags for the hub only, e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/hub-prof`).
 */
import { performance } from 'node:perf_hooks';
import { createLogger } from '@pos/kit';
import { PgDatabase } from '@pos/kit/sql';
import { createTestDatabase } from '@pos/kit/sql/testing';
import { Stores } from '@pos/sync/server/stores';
import { onCleanup, runBenchmark } from './lib/cleanup.js';
import {
  cpuSeconds,
  cpuSnapshot,
  cpuUsed,
  lowerPriority,
  machineBusySeconds,
  OTHER_CPU,
  pidsNamed,
} from './lib/cpu.js';
import { HttpClient } from './lib/http.js';
import { type RunningHub, startHub } from './lib/hub.js';
import { startNullPrinter } from './lib/null-printer.js';
import { signIn, stockForOrders } from './lib/pos-api.js';
import { machine, positiveInt, printResult, printTable, progress, target } from './lib/report.js';
import { Kitchen, openShift, payCash, placeOrder } from './lib/restaurant.js';
import { histogram, LatencySamples, type LatencySummary, round2, summarize } from './lib/stats.js';
import { SyncLink } from './lib/sync-link.js';
import { startSyncServerProcess } from './lib/sync-server.js';
import { TimedLoad, type TimedWindow } from './lib/timed-load.js';

const TARGET_RATIO = 2;
/** The cloud's processes' priority on this machine (see where it is set). */
const CLOUD_NICE = 10;
const STORE_ID = 'bench-live';
const WARMUP_S = 3;
/** Cooks serving the orders the tills hand over. */
const COOKS = 4;
/** CPU seconds per half second under which the hub counts as quiet. */
const QUIET_CPU_S = 0.05;
/** Above this share of failed orders the figures mean nothing and the run fails. */
const MAX_ERROR_RATE = 0.01;

const config = {
  rate: positiveInt('BENCH_RATE', 25),
  connections: positiveInt('BENCH_CONNECTIONS', 16),
  normalS: positiveInt('BENCH_NORMAL_S', 15),
  backlogEvents: positiveInt('BENCH_BACKLOG_EVENTS', 20_000),
  cycles: positiveInt('BENCH_CYCLES', 4),
  leadS: positiveInt('BENCH_LEAD_S', 1),
  timeoutS: positiveInt('BENCH_TIMEOUT_S', 120),
};
const hubNodeArgs = (process.env.BENCH_HUB_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
const logger = createLogger({ service: 'bench', level: 'warn', destination: process.stderr });

const rate = (n: number) => Math.round(n * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface SyncStatus {
  state: string;
  storeId: string | undefined;
  pendingEvents: number;
  lastSequenceQueued: number;
  lastSequenceConfirmed: number;
}

/** One outage and the catch-up after it. */
interface Cycle {
  backlogOrders: number;
  /** Events the cloud took in the catch-up: the backlog (and any sent while the lead ran). */
  events: number;
  seconds: number;
  /** Orders due while the link was still cut, backlog queued. */
  offline: TimedWindow;
  /** Orders due from the link's return until the cloud held the backlog's last event. */
  during: TimedWindow;
  cpu: Record<string, number>;
}

/** Several windows' orders as one. */
function combine(windows: TimedWindow[]): TimedWindow {
  const latencies = new LatencySamples();
  for (const w of windows) for (const ms of w.latencies.sorted()) latencies.add(ms);
  return {
    latencies,
    requests: windows.reduce((n, w) => n + w.requests, 0),
    errors: windows.reduce((n, w) => n + w.errors, 0),
    sampleErrors: windows.flatMap((w) => w.sampleErrors).slice(0, 5),
  };
}

/** Fail loudly if a process died: every figure after that would be about connection errors. */
function assertAlive(what: string, child: { exitCode: number | null; signalCode: unknown }) {
  if (child.exitCode !== null || child.signalCode !== null)
    throw new Error(`the ${what} exited during the run`);
}

/** Poll `check` every `everyMs` until it answers true; fail after `timeoutS`. */
async function until(what: string, check: () => Promise<boolean>, everyMs = 100): Promise<void> {
  const deadline = performance.now() + config.timeoutS * 1_000;
  while (!(await check())) {
    if (performance.now() > deadline)
      throw new Error(`${what} did not happen within ${config.timeoutS} s`);
    await sleep(everyMs);
  }
}

async function main(): Promise<number> {
  const m = machine();
  console.log(`bench:sync-live — ${m.cpus} × ${m.cpuModel}, ${m.memGiB} GiB, Node ${m.node}`);
  console.log(
    `  orders at ${config.rate}/s over ${config.connections} connections: normal ` +
      `${config.normalS} s, then a backlog of ≥ ${config.backlogEvents} events caught up`,
  );
  const busyFrom = machineBusySeconds();
  await sleep(2_000);
  const busyTo = machineBusySeconds();
  const busyBeforePct =
    busyFrom === null || busyTo === null
      ? null
      : Math.round(((busyTo - busyFrom) / 2 / m.cpus) * 100);
  console.log(`  machine busy before the run: ${busyBeforePct ?? '?'} % of ${m.cpus} cores`);

  // The cloud: its sync service on a database of the run's own, without a bus.
  const database = await createTestDatabase('pos_bench_sync_live');
  onCleanup(() => database.drop());
  const server = await startSyncServerProcess({
    env: { SYNC_DATABASE_URL: database.url, AMQP_URL: '', RABBITMQ_URL: '' },
  });
  const db = await PgDatabase.open({ url: database.url, max: 2, logger });
  // In a restaurant the cloud runs elsewhere; here it shares the two cores with the hub. At a
  // lower priority it takes what the hub leaves, so that the hub's live work competes with the
  // hub's own part of the catch-up (reading, compressing, sending, confirming), as it would in a
  // restaurant, rather than with the cloud applying the batches.
  onCleanup(lowerPriority([server.pid, ...pidsNamed('postgres')], CLOUD_NICE));
  onCleanup(() => db.close());
  const { enrolmentCode } = await new Stores(db).create(STORE_ID, 'Bench Live Street');
  const link = await SyncLink.start(server.url);
  console.log(`  database ${database.name}; sync server pid ${server.pid} at ${server.url}`);

  // The hub, enrolling itself with the code on first start; printers that print nothing.
  const receiptPrinter = await startNullPrinter();
  const kitchenPrinter = await startNullPrinter();
  onCleanup(() => receiptPrinter.close());
  onCleanup(() => kitchenPrinter.close());
  const hub: RunningHub = await startHub({
    nodeArgs: hubNodeArgs,
    env: {
      STORE_ID,
      CLOUD_SYNC_URL: link.url,
      SYNC_ENROLMENT_CODE: enrolmentCode,
      RECEIPT_PRINTER_PORT: String(receiptPrinter.port),
      KITCHEN_PRINTER_PORT: String(kitchenPrinter.port),
    },
  });
  console.log(`  hub pid ${hub.pid} at ${hub.url}, linked to the cloud at ${link.url}`);
  const client = new HttpClient(hub.url, config.connections + COOKS + 2);
  onCleanup(() => client.close());
  await signIn(client);
  const status = () => client.json<SyncStatus>({ path: '/api/v1/sync/status' });
  await until('the hub enrolling', async () => {
    const s = await status();
    return s.state === 'online' && s.storeId === STORE_ID;
  });
  const cloudPosition = async () =>
    Number(
      (
        await db.one<{ n: string }>(
          'SELECT last_sequence::text AS n FROM stores WHERE store_id = $1',
          [STORE_ID],
        )
      ).n,
    );
  const alive = () => {
    assertAlive('hub', hub.child);
    assertAlive('sync server', server.child);
  };

  const groups = {
    hub: () => [hub.pid],
    'sync server': () => [server.pid],
    postgres: () => pidsNamed('postgres'),
    'bench (load, link)': () => [process.pid],
  };
  const cpuRow = (used: Record<string, number>) => [
    ...[...Object.keys(groups), OTHER_CPU].map((g) => used[g] ?? '?'),
    round2(Object.values(used).reduce((a, b) => a + b, 0)),
  ];

  // Every order the run may place: warm-up and backlog as fast as the hub takes them, the timed
  // phases at the rate; the stock is bought once, up front.
  const budget = 2_000 * WARMUP_S + config.backlogEvents + config.rate * (config.normalS + 600);
  await stockForOrders(client, budget);
  await openShift(client);
  const kitchen = new Kitchen(client, COOKS);
  onCleanup(() => kitchen.close());
  /** One order at the till: placed (the timed part), paid, handed to the kitchen. */
  const till = async (): Promise<number> => {
    const order = await placeOrder(client);
    await payCash(client, order);
    kitchen.add(order);
    return order.answeredAt;
  };
  /** Tills in a closed loop until `done(orders started)`; the orders traded. */
  const trade = async (done: (started: number) => boolean): Promise<number> => {
    let started = 0;
    const tills = Array.from({ length: config.connections }, async () => {
      while (!done(started)) {
        started++;
        await till();
      }
    });
    await Promise.all(tills);
    return started;
  };
  /**
   * The kitchen done, and the hub quiet: its modules have handled every event of the orders so
   * far (the cloud's queue among them), so that no phase inherits the work of the one before.
   */
  const settled = async () => {
    await until('the kitchen serving', async () => kitchen.open === 0, 50);
    let cpu = cpuSeconds(hub.pid) ?? 0;
    await until(
      'the hub going quiet',
      async () => {
        const now = cpuSeconds(hub.pid) ?? 0;
        const quiet = now - cpu <= QUIET_CPU_S;
        cpu = now;
        return quiet;
      },
      500,
    );
    if (kitchen.errors.length > 0) throw new Error(`the kitchen failed: ${kitchen.errors[0]}`);
    return status();
  };
  const caughtUp = (what: string) =>
    until(what, async () => (await status()).pendingEvents === 0, 200);

  console.log(`\nwarm-up: orders for ${WARMUP_S} s (not measured) …`);
  const queuedBefore = (await status()).lastSequenceQueued;
  const warmupUntil = performance.now() + WARMUP_S * 1_000;
  const warmupOrders = await trade(() => performance.now() > warmupUntil);
  const eventsPerOrder = round2(
    ((await settled()).lastSequenceQueued - queuedBefore) / warmupOrders,
  );
  await caughtUp('the warm-up reaching the cloud');
  progress('warm-up', `${warmupOrders} orders, ${eventsPerOrder} events each for the cloud`);
  alive();

  const timed = () =>
    new TimedLoad({ ratePerSec: config.rate, workers: config.connections, run: till }).start();

  // (a) normal: online, nothing waiting but what the orders themselves bring.
  console.log(`normal: ${config.rate} orders/s for ${config.normalS} s, online, no backlog …`);
  const before = cpuSnapshot(groups);
  const normalLoad = timed();
  const normalFrom = performance.now();
  await sleep(config.normalS * 1_000);
  const normalTo = performance.now();
  await normalLoad.stop();
  const normalCpu = cpuUsed(before, cpuSnapshot(groups));
  const normal = normalLoad.window(normalFrom, normalTo);
  await settled();
  await caughtUp('the normal phase reaching the cloud');
  alive();

  // (b) outages and catch-ups, each: the link cut, orders traded until the backlog is there;
  // then the same steady orders as in (a), the link restored after the lead.
  const cycles: Cycle[] = [];
  for (let c = 1; c <= config.cycles; c++) {
    const phase = `cycle ${c}/${config.cycles}`;
    await link.cut();
    // The hub numbers an order's events for the cloud a moment after the order: the orders to
    // place are counted from what one order brought in the warm-up.
    const backlogOrders = await trade(
      (started) => started * eventsPerOrder >= config.backlogEvents * 1.02,
    );
    const backlog = await settled();
    if (backlog.pendingEvents < config.backlogEvents)
      throw new Error(`only ${backlog.pendingEvents} events wait for the cloud`);
    progress(phase, `offline: ${backlogOrders} orders, ${backlog.pendingEvents} events waiting`);
    alive();

    const load = timed();
    const leadFrom = performance.now();
    await sleep(config.leadS * 1_000);
    const cpuBefore = cpuSnapshot(groups);
    const confirmedAtRestore = await cloudPosition();
    await link.restore();
    const restoredAt = performance.now();
    await client.json({ method: 'POST', path: '/api/v1/sync/now', json: {} });
    await until(
      'the catch-up',
      async () => (await cloudPosition()) >= backlog.lastSequenceQueued,
      20,
    );
    const caughtAt = performance.now();
    const cpu = cpuUsed(cpuBefore, cpuSnapshot(groups));
    // A little more, so that the last orders due in the catch-up are answered.
    await sleep(500);
    await load.stop();
    const cycle: Cycle = {
      backlogOrders,
      events: backlog.lastSequenceQueued - confirmedAtRestore,
      seconds: (caughtAt - restoredAt) / 1_000,
      offline: load.window(leadFrom, restoredAt),
      during: load.window(restoredAt, caughtAt),
      cpu,
    };
    cycles.push(cycle);
    const d = summarize(cycle.during.latencies);
    progress(
      phase,
      `caught up ${cycle.events} events in ${round2(cycle.seconds)} s; ` +
        `${cycle.during.requests} orders meanwhile, p50 ${d.p50} ms, p99 ${d.p99} ms`,
    );
    await settled();
    await caughtUp('the live orders reaching the cloud');
    alive();
  }
  await kitchen.close();

  const offline = combine(cycles.map((c) => c.offline));
  const during = combine(cycles.map((c) => c.during));
  const caughtEvents = cycles.reduce((sum, c) => sum + c.events, 0);
  const catchUpS = cycles.reduce((sum, c) => sum + c.seconds, 0);
  const catchCpu: Record<string, number> = {};
  for (const c of cycles)
    for (const [group, seconds] of Object.entries(c.cpu))
      catchCpu[group] = round2((catchCpu[group] ?? 0) + seconds);
  const n = summarize(normal.latencies);
  const d = summarize(during.latencies);
  const o = summarize(offline.latencies);
  const ratio = n.p99 > 0 ? round2(d.p99 / n.p99) : 0;

  const row = (label: string, w: TimedWindow, s: LatencySummary) => [
    label,
    w.requests,
    w.errors,
    s.p50,
    s.p95,
    s.p99,
    s.max,
    s.mean,
  ];
  printTable(`order latency at ${config.rate}/s (ms, from when each was due)`, [
    ['phase', 'orders', 'errors', 'p50', 'p95', 'p99', 'max', 'mean'],
    row(`normal: online, no backlog (${config.normalS} s)`, normal, n),
    row('offline, backlog queued (leads)', offline, o),
    row(`during the catch-ups (${round2(catchUpS)} s)`, during, d),
  ]);
  console.log(`  p99 during / p99 normal: ${ratio}× (target ≤ ${TARGET_RATIO}×)`);
  printTable(
    'latency distribution during the catch-ups',
    histogram(during.latencies)
      .filter((b) => b.count > 0)
      .map((b) => [b.label, b.count, `${b.percent} %`]),
  );
  printTable(`catch-ups (${eventsPerOrder} events per order)`, [
    ['cycle', 'backlog orders', 'events', 'seconds', 'events/s', 'orders meanwhile', 'p99 ms'],
    ...cycles.map((c, i) => [
      i + 1,
      c.backlogOrders,
      c.events,
      round2(c.seconds),
      rate(c.events / c.seconds),
      c.during.requests,
      summarize(c.during.latencies).p99,
    ]),
    [
      'all',
      '',
      caughtEvents,
      round2(catchUpS),
      rate(caughtEvents / catchUpS),
      during.requests,
      d.p99,
    ],
  ]);
  printTable('CPU seconds by process', [
    ['phase', ...Object.keys(groups), OTHER_CPU, 'machine busy'],
    [`normal (${config.normalS} s)`, ...cpuRow(normalCpu)],
    [`catch-ups (${round2(catchUpS)} s)`, ...cpuRow(catchCpu)],
  ]);
  for (const e of [...normal.sampleErrors, ...during.sampleErrors, ...kitchen.errors].slice(0, 5))
    console.log(`  error sample: ${e}`);
  console.log(`  orders served by the kitchen: ${kitchen.served}`);

  const requests = normal.requests + during.requests + offline.requests;
  const errors = normal.errors + during.errors + offline.errors + kitchen.errors.length;
  const failed = errors > requests * MAX_ERROR_RATE || during.requests === 0;
  if (failed) console.error(`\nbenchmark failed: ${errors} of ${requests} timed orders failed`);
  console.log('');
  printResult({
    benchmark: 'sync-live',
    machine: m,
    machineBusyBeforePct: busyBeforePct,
    config,
    eventsPerOrder,
    normal: { orders: normal.requests, errors: normal.errors, ...n, cpuSeconds: normalCpu },
    offline: { orders: offline.requests, errors: offline.errors, p50: o.p50, p99: o.p99 },
    during: { orders: during.requests, errors: during.errors, ...d },
    p99Ratio: ratio,
    catchUp: {
      cycles: cycles.length,
      events: caughtEvents,
      seconds: round2(catchUpS),
      eventsPerSec: rate(caughtEvents / catchUpS),
      perCycle: cycles.map((c) => ({
        backlogOrders: c.backlogOrders,
        events: c.events,
        seconds: round2(c.seconds),
        eventsPerSec: rate(c.events / c.seconds),
        p99: summarize(c.during.latencies).p99,
      })),
      cpuSeconds: catchCpu,
    },
    targets: { p99Ratio: target(ratio, TARGET_RATIO, 'max') },
  });
  return failed ? 1 : 0;
}

// As in bench:sync: a second Ctrl-C relayed by npm must not cut the clean-up short.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => {});

await runBenchmark(main);
