/**
 * `npm run soak`: a restaurant's day at 10× a rush for a few minutes (`-- --minutes 5`), every
 * part of the store at work at once, to find what a benchmark of one part cannot: memory, file
 * handles or a backlog that grows with time, and work lost or done twice.
 *
 *   the hub       the production bundle in a child process (`lib/hub.ts`), enrolled with
 *   the cloud     the sync service in a process of its own on a PostgreSQL database made for the
 *                 run (`lib/sync-server.ts`, no bus), which the hub's own sync client pushes to;
 *   terminals     `SOAK_TERMINALS` keep-alive clients ringing up orders due at a fixed rate
 *                 (`lib/timed-load.ts`), in four flows: takeout and dine-in with a second round,
 *                 paid in cash or by card on the simulated reader, which they take turns on
 *                 (`soak/tills.ts`);
 *   the kitchen   a socket.io screen per KDS station and the expo, bumping tickets a cooking time
 *                 after they show and handing ready orders over (`soak/screens.ts`);
 *   printers      the virtual ESC/POS printers of `hardware/` on TCP, receipts and kitchen
 *                 tickets read back as text (`soak/printers.ts`).
 * "A rush" is defined in `soak/config.ts` from the README: 4 orders a minute; 10× is 40.
 *
 * Every `--sample-seconds` one line: orders/s, p50/p99 per operation in that interval, the
 * hub's RSS and V8 heap (right after a full collection, forced through the inspector), open
 * descriptors and active handles, the sync backlog and the print queue. The first half of the run is warm-up; over the second half each of those must not keep
 * growing (`soak/growth.ts` says how that is judged). After the load stops, the kitchen, the
 * printers and the cloud are given time to finish, and then: every acknowledged order is on the
 * hub, served and paid, and in the cloud's sales; each kitchen ticket and receipt printed once;
 * the sync backlog is 0; no answer was a 5xx. The last line is one JSON object; the exit code is
 * 1 when anything grew or a check failed.
 *
 * Flags / environment: --minutes (SOAK_MINUTES, 3), --rush-multiple (SOAK_RUSH_MULTIPLE, 10),
 * --terminals (SOAK_TERMINALS, 4), --sample-seconds (SOAK_SAMPLE_S, run/30 between 1 and 5),
 * TEST_PG_ADMIN_URL (the PostgreSQL server the run's database is made on).
 */
import { performance } from 'node:perf_hooks';
import { createLogger } from '@pos/kit';
import { PgDatabase } from '@pos/kit/sql';
import { createTestDatabase } from '@pos/kit/sql/testing';
import { Stores } from '@pos/sync/server/stores';
import { onCleanup, runBenchmark } from './lib/cleanup.js';
import { startHub } from './lib/hub.js';
import { MANAGER_PIN, stockForOrders } from './lib/pos-api.js';
import { machine, printResult, printTable, target } from './lib/report.js';
import { openShift } from './lib/restaurant.js';
import { round2 } from './lib/stats.js';
import { startSyncServerProcess } from './lib/sync-server.js';
import { TimedLoad } from './lib/timed-load.js';
import { type Check, printChecks } from './soak/checks.js';
import { parseSoakConfig, RUSH_ORDERS_PER_MIN } from './soak/config.js';
import { detectGrowth, type GrowthVerdict, type Tolerance } from './soak/growth.js';
import { type HubFigures, hubFigures } from './soak/hub-figures.js';
import { INSPECT_FLAG, Inspector, inspectorUrl } from './soak/inspector.js';
import { OpStats, StaffClient } from './soak/ops.js';
import { Printers } from './soak/printers.js';
import { Kitchen } from './soak/screens.js';
import { Tills } from './soak/tills.js';

const STORE_ID = 'soak-store';
const COOK_PIN = '5555';
/** Operations whose p50/p99 each sample line shows (the summary shows them all). */
const LINE_KINDS = ['place order', 'pay cash', 'pay card', 'bump ticket'] as const;
/** The offered rate the run must keep up with, allowing for the schedule's timer granularity. */
const THROUGHPUT_SHARE = 0.95;

/**
 * Growth allowed over the second half of the run, per series: RSS and heap move in steps of
 * whole V8 pages and SQLite cache pages, descriptors and handles with sockets open at the
 * moment of the sample (a print job, a sync push), backlogs with whatever was just queued.
 */
const SERIES: Record<string, { label: string; tolerance: Tolerance }> = {
  rssMb: { label: 'hub RSS (MB)', tolerance: { absolute: 16, relative: 0.1 } },
  heapUsedMb: { label: 'hub heap used (MB)', tolerance: { absolute: 8, relative: 0.15 } },
  openFds: { label: 'hub open descriptors', tolerance: { absolute: 8, relative: 0.1 } },
  activeHandles: { label: 'hub active handles', tolerance: { absolute: 8, relative: 0.1 } },
  syncBacklog: { label: 'sync backlog (events)', tolerance: { absolute: 100, relative: 0 } },
  printQueue: { label: 'print queue (jobs)', tolerance: { absolute: 20, relative: 0 } },
  // The load generator's own (`process.getActiveResourcesInfo()`): a soak whose clients leak
  // sockets or timers would end up measuring itself.
  benchHandles: { label: 'soak process handles', tolerance: { absolute: 16, relative: 0.2 } },
};

interface Sample extends HubFigures {
  t: number;
  ordersPerSec: number;
  syncBacklog: number | null;
  printQueue: number | null;
  printedJobs: number;
  benchHandles: number;
  /** How long the forced full collection took the hub. */
  gcMs: number;
}

interface SyncStatus {
  state: string;
  storeId?: string;
  pendingEvents: number;
  lastSequenceQueued: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number | null | undefined) => (n === null || n === undefined ? '?' : String(n));

async function main(): Promise<number> {
  const config = parseSoakConfig(process.argv.slice(2), process.env);
  const m = machine();
  console.log(`soak — ${m.cpus} × ${m.cpuModel}, ${m.memGiB} GiB, Node ${m.node}`);
  console.log(
    `  ${config.minutes} min at ${config.rushMultiple}× a rush (${RUSH_ORDERS_PER_MIN} orders/min): ` +
      `${round2(config.ordersPerSec)} orders/s over ${config.terminals} terminals, ` +
      `a sample every ${config.sampleSeconds} s`,
  );
  const logger = createLogger({ service: 'soak', level: 'warn', destination: process.stderr });

  // The cloud: the sync service on a database of the run's own, without a bus.
  const database = await createTestDatabase('pos_bench_soak');
  onCleanup(() => database.drop());
  const server = await startSyncServerProcess({
    env: { SYNC_DATABASE_URL: database.url, AMQP_URL: '', RABBITMQ_URL: '' },
  });
  const db = await PgDatabase.open({ url: database.url, max: 2, logger });
  onCleanup(() => db.close());
  const { enrolmentCode } = await new Stores(db).create(STORE_ID, 'Soak Street');

  const printers = await Printers.start();
  onCleanup(() => printers.close());
  const hub = await startHub({
    nodeArgs: [INSPECT_FLAG],
    env: {
      STORE_ID,
      CLOUD_SYNC_URL: server.url,
      SYNC_ENROLMENT_CODE: enrolmentCode,
      RECEIPT_PRINTER_PORT: String(printers.receipt.port),
      KITCHEN_PRINTER_PORT: String(printers.kitchen.port),
    },
  });
  console.log(`  hub pid ${hub.pid} at ${hub.url}; sync server pid ${server.pid} at ${server.url}`);
  const inspectorAt = inspectorUrl(hub.output());
  if (!inspectorAt) throw new Error(`the hub's inspector did not start:\n${hub.output()}`);
  const inspector = await Inspector.connect(inspectorAt);
  onCleanup(() => inspector.close());

  const stats = new OpStats();
  const manager = await new StaffClient(hub.url, 4, stats, MANAGER_PIN).signIn();
  const till = await new StaffClient(hub.url, config.terminals + 2, stats, MANAGER_PIN).signIn();
  const cook = await new StaffClient(hub.url, 16, stats, COOK_PIN).signIn();
  for (const c of [manager, till, cook]) onCleanup(() => c.close());
  const status = () => manager.json<SyncStatus>({ path: '/api/v1/sync/status' });
  await until('the hub enrolling', 60, async () => {
    const s = await status();
    return s.state === 'online' && s.storeId === STORE_ID;
  });

  // Stock for every order the run may place (a probe order measures what one takes).
  const budget = Math.ceil(config.ordersPerSec * config.minutes * 60 * 1.5) + 50;
  await stockForOrders(manager, budget);
  await openShift(manager);
  const tills = new Tills(till);
  const { orders: placed } = await manager.json<{ orders: { id: string }[] }>({
    path: '/api/v1/orders?limit=10',
  });
  for (const o of placed) await tills.adopt(o.id);
  const adopted = tills.orders.size;

  const { stations } = await cook.json<{ stations: { id: string }[] }>({
    path: '/api/v1/kds/stations',
  });
  const kitchen = new Kitchen(
    hub.url,
    stations.map((s) => s.id).filter((id) => id !== 'expo'),
    cook,
    { cookMs: config.cookMs, passMs: config.passMs },
  );
  onCleanup(() => kitchen.close());
  await kitchen.ready();
  const printing = await manager.json<{ stations: { stationId: string; printerId?: string }[] }>({
    path: '/api/v1/printing/config',
  });
  const printedStations = new Set(
    printing.stations.filter((s) => s.printerId).map((s) => s.stationId),
  );

  const printQueue = async () => {
    const { printers: list } = await manager.json<{ printers: { queued: number }[] }>({
      path: '/api/v1/printers',
    });
    return list.reduce((n, p) => n + p.queued, 0);
  };
  const alive = () => {
    for (const [what, child] of [
      ['hub', hub.child],
      ['sync server', server.child],
    ] as const) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`the ${what} exited during the run`);
    }
  };

  // The run: orders due at the rate, a sample every interval.
  const samples: Sample[] = [];
  const load = new TimedLoad({
    ratePerSec: config.ordersPerSec,
    workers: config.terminals,
    run: () => tills.ringUp(),
  }).start();
  const t0 = performance.now();
  const end = t0 + config.minutes * 60_000;
  let ordersBefore = tills.orders.size;
  console.log('');
  for (let next = t0 + config.sampleSeconds * 1000; next <= end + 1; ) {
    await sleep(Math.max(0, next - performance.now()));
    const t = (performance.now() - t0) / 1000;
    alive();
    printers.drain();
    // Memory is read after a full collection, so that it is what the hub holds (see
    // `soak/inspector.ts`); the pause it costs the hub lands in that moment's latencies.
    const gcFrom = performance.now();
    await inspector.collectGarbage();
    const gcMs = round2(performance.now() - gcFrom);
    const [figures, sync, queue] = await Promise.all([
      hubFigures(hub.pid, hub.url),
      status().catch(() => null),
      printQueue().catch(() => null),
    ]);
    const window = stats.takeWindow();
    const orders = tills.orders.size - ordersBefore;
    ordersBefore = tills.orders.size;
    const sample: Sample = {
      t: round2(t),
      ordersPerSec: round2(orders / config.sampleSeconds),
      ...figures,
      syncBacklog: sync?.pendingEvents ?? null,
      printQueue: queue,
      printedJobs: printers.tally.jobs,
      benchHandles: process.getActiveResourcesInfo().length,
      gcMs,
    };
    samples.push(sample);
    const lat = LINE_KINDS.map((k) => {
      const s = window.byKind.get(k);
      return s ? `${k.split(' ').pop()} ${s.p50}/${s.p99}` : `${k.split(' ').pop()} -`;
    }).join(', ');
    console.log(
      `  t=${String(Math.round(t)).padStart(5)} s  ${sample.ordersPerSec} orders/s  ` +
        `p50/p99 ms: ${lat}  rss ${fmt(sample.rssMb)} MB  heap ${fmt(sample.heapUsedMb)} MB  ` +
        `fds ${fmt(sample.openFds)}  handles ${fmt(sample.activeHandles)}  ` +
        `backlog ${fmt(sample.syncBacklog)}  print queue ${fmt(sample.printQueue)}  ` +
        `printed ${sample.printedJobs}  gc ${gcMs} ms`,
    );
    next += config.sampleSeconds * 1000;
  }
  const loadSeconds = (performance.now() - t0) / 1000;
  await load.stop();
  const acknowledged = tills.orders.size;
  console.log(`\nload stopped after ${round2(loadSeconds)} s; ${acknowledged} orders acknowledged`);

  // The store finishes its work: the kitchen serves what is left, the printers print, the
  // cloud receives every event.
  const drainFrom = performance.now();
  let left = '';
  let sweptAt = 0;
  await until('the kitchen, printers and cloud finishing', config.drainSeconds, async () => {
    printers.drain();
    if (kitchen.served.size < acknowledged && performance.now() - sweptAt > 2_000) {
      sweptAt = performance.now();
      await kitchen.sweep();
    }
    const sync = await status();
    const queue = await printQueue();
    const cloud = await cloudPosition(db);
    left =
      `${acknowledged - kitchen.served.size} orders not served, ${queue} print jobs queued, ` +
      `${sync.pendingEvents} events for the cloud, cloud at ${cloud} of ${sync.lastSequenceQueued}`;
    return (
      kitchen.served.size >= acknowledged &&
      queue === 0 &&
      sync.pendingEvents === 0 &&
      cloud >= sync.lastSequenceQueued
    );
  }).catch((err: Error) => console.error(`  ${err.message}: ${left}`));
  await sleep(1_000); // a last job still in flight on the wire
  printers.drain();
  const drainSeconds = round2((performance.now() - drainFrom) / 1000);
  alive();

  // Correctness.
  const checks: Check[] = [];
  const statuses: Record<string, number> = {};
  let missingOrders = 0;
  let unfinished = 0;
  const ids = [...tills.orders.keys()];
  for (let i = 0; i < ids.length; i += 8) {
    await Promise.all(
      ids.slice(i, i + 8).map(async (id) => {
        const res = await manager.request({ path: `/api/v1/orders/${id}` });
        if (res.status !== 200) {
          missingOrders++;
          return;
        }
        const o = JSON.parse(res.body) as { status: string; paymentStatus: string };
        const key = `${o.status}/${o.paymentStatus}`;
        statuses[key] = (statuses[key] ?? 0) + 1;
        if (!['PICKED_UP', 'COMPLETED'].includes(o.status) || o.paymentStatus !== 'PAID')
          unfinished++;
      }),
    );
  }
  checks.push({
    name: 'every acknowledged order exists',
    ok: missingOrders === 0,
    detail: `${acknowledged - missingOrders} of ${acknowledged} found on the hub`,
  });
  checks.push({
    name: 'every order served and paid',
    ok: unfinished === 0,
    detail: `${acknowledged - unfinished} of ${acknowledged}; ${Object.entries(statuses)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
  });
  checks.push(...printChecks(tills.orders.values(), printedStations, printers.tally));
  const finalSync = await status();
  const cloudSeq = await cloudPosition(db);
  const cloudOrders = Number(
    (
      await db.one<{ n: string }>(
        'SELECT count(*)::text AS n FROM sales_orders WHERE store_id = $1 AND order_number IS NOT NULL',
        [STORE_ID],
      )
    ).n,
  );
  checks.push({
    name: 'sync pushed everything',
    ok:
      finalSync.pendingEvents === 0 &&
      cloudSeq === finalSync.lastSequenceQueued &&
      cloudOrders === acknowledged,
    detail:
      `backlog ${finalSync.pendingEvents}; cloud at sequence ${cloudSeq} of ` +
      `${finalSync.lastSequenceQueued}; ${cloudOrders} of ${acknowledged} orders in its sales`,
  });
  checks.push({
    name: 'no 5xx',
    ok: stats.serverErrors === 0,
    detail: `${stats.serverErrors} 5xx answers of ${Object.values(stats.statusCounts).reduce((a, b) => a + b, 0)}`,
  });
  checks.push({
    name: 'no failed operation',
    ok: stats.failed === 0 && tills.broken === 0,
    detail: `${stats.failed} failed (${Object.entries(stats.failures)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}); ${kitchen.conflicts} bumps found the ticket already bumped`,
  });

  // Growth, over the samples taken under load.
  const verdicts: Record<string, GrowthVerdict> = {};
  for (const [key, { tolerance }] of Object.entries(SERIES)) {
    const points = samples
      .map((s) => ({ t: s.t, value: s[key as keyof Sample] as number | null }))
      .filter((p): p is { t: number; value: number } => p.value !== null);
    verdicts[key] = detectGrowth(points, tolerance);
  }

  const totals = stats.totals();
  printTable('latency per operation over the run (ms)', [
    ['operation', 'count', 'p50', 'p95', 'p99', 'max'],
    ...Object.entries(totals).map(([k, s]) => [k, s.count, s.p50, s.p95, s.p99, s.max]),
  ]);
  const first = samples[0];
  const last = samples[samples.length - 1];
  printTable('growth over the second half (first half is warm-up)', [
    ['figure', 'first', 'last', 'slope /min', 'trend', 'q4 − q2', 'allowed', 'verdict'],
    ...Object.entries(SERIES).map(([key, { label }]) => {
      const v = verdicts[key]!;
      return [
        label,
        fmt(first?.[key as keyof Sample] as number | null),
        fmt(last?.[key as keyof Sample] as number | null),
        v.slopePerMin,
        v.trendGrowth,
        v.quarterGrowth,
        v.allowed,
        v.tooShort ? 'too few samples' : v.growing ? 'GROWING' : 'bounded',
      ];
    }),
  ]);
  printTable(
    'checks',
    checks.map((c) => [c.ok ? 'ok' : 'FAILED', c.name, c.detail]),
  );
  for (const e of stats.sampleFailures.slice(0, 5)) console.log(`  failure sample: ${e}`);
  for (const [msg, n] of server.errors()) console.log(`  sync server error (${n}×): ${msg}`);
  // The terminals' orders (the stock probe, adopted before the clock started, is not one).
  const ordersPerSec = round2((acknowledged - adopted) / loadSeconds);
  console.log(
    `\n  ${acknowledged - adopted} orders rung up in ${round2(loadSeconds)} s (${ordersPerSec}/s, offered ` +
      `${round2(config.ordersPerSec)}/s); kitchen bumped ${kitchen.bumped} tickets, served ` +
      `${kitchen.served.size} orders; ${printers.tally.jobs} print jobs; drained in ${drainSeconds} s`,
  );

  const growthTargets = Object.fromEntries(
    Object.entries(verdicts).map(([key, v]) => [
      `${key}Growth`,
      { value: v.trendGrowth, target: v.allowed, met: !v.growing },
    ]),
  );
  const checkTargets = Object.fromEntries(
    checks.map((c) => [camel(c.name), { value: c.ok ? 1 : 0, target: 1, met: c.ok }]),
  );
  const result = {
    benchmark: 'soak',
    machine: m,
    config: {
      ...config,
      ordersPerSec: round2(config.ordersPerSec),
      rushOrdersPerMin: RUSH_ORDERS_PER_MIN,
    },
    orders: { acknowledged, ordersPerSec, offeredPerSec: round2(config.ordersPerSec) },
    latencyMs: Object.fromEntries(
      Object.entries(totals).map(([k, s]) => [
        camel(k),
        { count: s.count, p50: s.p50, p99: s.p99 },
      ]),
    ),
    hub: {
      rssMb: { first: first?.rssMb ?? null, last: last?.rssMb ?? null },
      heapUsedMb: { first: first?.heapUsedMb ?? null, last: last?.heapUsedMb ?? null },
      openFds: { first: first?.openFds ?? null, last: last?.openFds ?? null },
      activeHandles: { first: first?.activeHandles ?? null, last: last?.activeHandles ?? null },
    },
    growth: verdicts,
    kitchen: { bumped: kitchen.bumped, served: kitchen.served.size, conflicts: kitchen.conflicts },
    printing: {
      jobs: printers.tally.jobs,
      kitchenTickets: sumOf(printers.tally.kitchen),
      receipts: sumOf(printers.tally.receipts),
      drawerKicks: printers.tally.drawerKicks,
    },
    sync: {
      lastSequenceQueued: finalSync.lastSequenceQueued,
      cloudSequence: cloudSeq,
      backlog: finalSync.pendingEvents,
    },
    statusCounts: stats.statusCounts,
    drainSeconds,
    samples: samples.length,
    targets: {
      ordersPerSec: target(ordersPerSec, round2(config.ordersPerSec * THROUGHPUT_SHARE), 'min'),
      ...growthTargets,
      ...checkTargets,
    },
  };
  const failed = Object.values(result.targets).filter((t) => !t.met);
  console.log(
    failed.length === 0
      ? '\nsoak passed'
      : `\nsoak FAILED: ${Object.entries(result.targets)
          .filter(([, t]) => !t.met)
          .map(([k]) => k)
          .join(', ')}`,
  );
  console.log('');
  printResult(result);
  return failed.length === 0 ? 0 : 1;
}

/** Poll `check` every 250 ms until it answers true; throw after `seconds`. */
async function until(what: string, seconds: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = performance.now() + seconds * 1000;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // a figure not readable this time: try again
    }
    if (performance.now() > deadline) throw new Error(`${what} did not happen within ${seconds} s`);
    await sleep(250);
  }
}

async function cloudPosition(db: PgDatabase): Promise<number> {
  const row = await db.one<{ n: string }>(
    'SELECT last_sequence::text AS n FROM stores WHERE store_id = $1',
    [STORE_ID],
  );
  return Number(row.n);
}

function camel(words: string): string {
  return words
    .replace(/[^a-zA-Z0-9 ]/g, '')
    .split(/\s+/)
    .filter(Boolean)
    .map((w, i) => (i === 0 ? w.toLowerCase() : w[0]!.toUpperCase() + w.slice(1)))
    .join('');
}

function sumOf(map: Map<string, number>): number {
  return [...map.values()].reduce((a, b) => a + b, 0);
}

// As in bench:sync: a second Ctrl-C relayed by npm must not cut the clean-up short.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => {});

await runBenchmark(main);
