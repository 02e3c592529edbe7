/**
 * `npm run bench:sync`: how fast the cloud takes in hubs' events: applied in `Sequence` order,
 * folded into the sales read model, and fanned out on the cloud bus.
 *
 * The sync service runs in its own process (`startSyncServer`) on a PostgreSQL database made
 * for the run, its outbox relayed to RabbitMQ in a vhost made for the run; both are dropped at
 * the end. A consumer in this process has a queue bound to `#` on the cloud exchange and counts
 * what it receives: "fanned out" means delivered there. Events are a restaurant's realistic mix
 * (`lib/sync-events.ts`: order.created with 2–4 lines, payment.completed, some
 * order.confirmed / ready / pickedup, a few refunds). Phases:
 *   warm-up   BENCH_WARMUP_EVENTS from one hub, not measured (JIT, pools, caches);
 *   catch-up  BENCH_CATCHUP_RUNS times (3; the median is the figure), a hub of its own each time,
 *             back online with BENCH_CATCHUP_EVENTS queued in its SQLite queue (the
 *             hub's own `SqliteUpstreamQueue`, synchronous=FULL), pushed by the real
 *             `SyncClient` (gzipped batches of up to MAX_BATCH_EVENTS): from `start()` until
 *             the server has applied the last one AND the consumer has received them all;
 *   floor     the same rows (event id, store, sequence, type, JSON envelope) inserted into a
 *             plain table, in batches of the same size, by one `pg` client: what PostgreSQL
 *             alone takes; catch-up / floor says what everything else costs;
 *   fleet     BENCH_FLEET_HUBS hubs (a provisioned store each), each on its own keep-alive
 *             connection pushing BENCH_FLEET_BATCHES gzipped batches of BENCH_FLEET_BATCH_EVENTS
 *             one after another, all hubs at once: events applied per second from the first
 *             send to the last answer, and each push's latency (a failed batch is sent again
 *             after 0.5–1 s, as the client's backoff would). Then how long fan-out lags behind.
 * CPU seconds used by the server, PostgreSQL, RabbitMQ, this process and everything else on the
 * machine (it may be shared) are shown per phase.
 *
 * Targets: catch-up of 10,000 events ≤ 2 s end to end; fleet ≥ 5,000 events/s applied.
 * Exits 1 when the run failed (an event not applied or not delivered, a phase timed out), not
 * when a target is missed: the last line, one JSON object, says which were met.
 *
 * Environment: BENCH_CATCHUP_EVENTS (10000), BENCH_WARMUP_EVENTS (2000), BENCH_FLEET_HUBS (200),
 * BENCH_FLEET_BATCHES (5, per hub), BENCH_FLEET_BATCH_EVENTS (50), BENCH_TIMEOUT_S (120, per
 * phase), AMQP_URL (amqp://127.0.0.1:5672; the run's vhost is made there with rabbitmqctl),
 * BENCH_AMQP_VHOST (use this existing vhost instead), TEST_PG_ADMIN_URL (the server the
 * database is made on; postgres://postgres@127.0.0.1:5432/postgres), BENCH_SERVER_NODE_ARGS
 * (`node` flags for the server only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/sync-prof`).
 */
import { createLogger } from '@pos/kit';
import { AmqpBus, PgDatabase } from '@pos/kit/sql';
import { createTestDatabase } from '@pos/kit/sql/testing';
import { MAX_BATCH_EVENTS } from '@pos/sync/protocol';
import { Stores } from '@pos/sync/server/stores';
import amqp from 'amqplib';
import { onCleanup, runBenchmark } from './lib/cleanup.js';
import { machineBusySeconds, OTHER_CPU, pidsNamed } from './lib/cpu.js';
import { benchVhost } from './lib/rabbitmq.js';
import {
  type Machine,
  machine,
  positiveInt,
  printResult,
  printTable,
  progress,
  target,
} from './lib/report.js';
import { round2 } from './lib/stats.js';
import { eventMix, storeEvents } from './lib/sync-events.js';
import { type FleetResult, fleet, fleetHubs } from './lib/sync-fleet.js';
import {
  type CatchUpResult,
  type Credentials,
  catchUp,
  FanOut,
  floor,
  type PhaseContext,
} from './lib/sync-hubs.js';
import { startSyncServerProcess } from './lib/sync-server.js';

const TARGETS = { catchUpSeconds: 2, fleetEventsPerSec: 5_000 };
/** The queue the benchmark counts deliveries on (in the run's own vhost). */
const FANOUT_QUEUE = 'bench.sync.fanout';

const config = {
  catchUpEvents: positiveInt('BENCH_CATCHUP_EVENTS', 10_000),
  catchUpRuns: positiveInt('BENCH_CATCHUP_RUNS', 3),
  warmupEvents: positiveInt('BENCH_WARMUP_EVENTS', 2_000),
  fleetHubs: positiveInt('BENCH_FLEET_HUBS', 200),
  fleetBatches: positiveInt('BENCH_FLEET_BATCHES', 5),
  fleetBatchEvents: positiveInt('BENCH_FLEET_BATCH_EVENTS', 50),
  timeoutS: positiveInt('BENCH_TIMEOUT_S', 120),
};
const amqpUrl = process.env.AMQP_URL ?? 'amqp://127.0.0.1:5672';
const serverNodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
const hubLogger = createLogger({
  service: 'bench-hub',
  level: 'warn',
  destination: process.stderr,
});

const rate = (n: number) => Math.round(n * 10) / 10;

/** Provision and enrol stores straight on the service's database (as the routes do). */
async function provision(stores: Stores, ids: string[]): Promise<Credentials[]> {
  const out: Credentials[] = [];
  for (const storeId of ids) {
    const { enrolmentCode } = await stores.create(storeId, `Bench ${storeId}`);
    const { credential } = await stores.enrol(enrolmentCode);
    out.push({ storeId, credential });
  }
  return out;
}

/**
 * The run's vhost, database and server, the counting consumer, and the stores: everything
 * torn down again by the clean-up, whatever happens.
 */
async function setUp() {
  const vhost = await benchVhost(amqpUrl, 'pos_bench_sync', process.env.BENCH_AMQP_VHOST);
  const database = await createTestDatabase('pos_bench_sync');
  onCleanup(() => database.drop());
  console.log(`  database ${database.name}, RabbitMQ vhost ${vhost.name}`);
  const server = await startSyncServerProcess({
    env: { SYNC_DATABASE_URL: database.url, AMQP_URL: vhost.url },
    nodeArgs: serverNodeArgs,
  });
  console.log(`  sync server pid ${server.pid} at ${server.url}`);
  const db = await PgDatabase.open({ url: database.url, max: 2, logger: hubLogger });
  onCleanup(() => db.close());

  // The counting consumer: every event the relay publishes lands here too.
  const fanOut = new FanOut();
  const bus = new AmqpBus(vhost.url, hubLogger);
  onCleanup(async () => {
    await bus.close();
    // Deleted with the vhost when the run made it; in an existing vhost it must go by itself.
    const connection = await amqp.connect(vhost.url);
    const channel = await connection.createChannel();
    await channel.deleteQueue(FANOUT_QUEUE);
    await connection.close();
  });
  const unsubscribe = await bus.subscribe(FANOUT_QUEUE, ['#'], (delivery) => {
    fanOut.receive(delivery.body);
    delivery.ack();
  });
  onCleanup(unsubscribe);

  const fleetIds = Array.from(
    { length: config.fleetHubs },
    (_, i) => `bench-fleet-${String(i + 1).padStart(4, '0')}`,
  );
  const catchIds = Array.from({ length: config.catchUpRuns }, (_, i) => `bench-catch-up-${i + 1}`);
  const [warmStore, ...stores] = await provision(new Stores(db), [
    'bench-warm-up',
    ...catchIds,
    ...fleetIds,
  ]);
  const catchStores = stores.splice(0, config.catchUpRuns);
  const fleetStores = stores;
  if (!warmStore || catchStores.length < config.catchUpRuns)
    throw new Error('stores were not provisioned');

  const ctx: PhaseContext = {
    serverUrl: server.url,
    fanOut,
    groups: {
      'sync server': () => [server.pid],
      // Backends serving this run's database; the rest is the WAL writer, checkpointer,
      // autovacuum and whatever else uses the server meanwhile.
      'postgres (this database)': () => pidsNamed('postgres', (c) => c.includes(database.name)),
      'postgres (other)': () => pidsNamed('postgres', (c) => !c.includes(database.name)),
      rabbitmq: () => pidsNamed('beam.smp'),
      'bench (hubs, consumer)': () => [process.pid],
    },
    timeoutMs: config.timeoutS * 1_000,
    logger: hubLogger,
  };
  return { database, server, db, ctx, warmStore, catchStores, fleetStores };
}

interface Held {
  received: number;
  unpublished: number;
  orders: number;
  payments: number;
  refunds: number;
  behind: number;
}

/** What the server holds: every event once, every store at its last sequence, nothing unsent. */
function held(db: PgDatabase): Promise<Held> {
  return db.one<Held>(
    `SELECT (SELECT count(*) FROM received_events)::int AS received,
            (SELECT count(*) FROM sync_outbox WHERE published_at IS NULL)::int AS unpublished,
            (SELECT count(*) FROM sales_orders)::int AS orders,
            (SELECT count(*) FROM sales_payments)::int AS payments,
            (SELECT count(*) FROM sales_refunds)::int AS refunds,
            (SELECT count(*) FROM stores
              WHERE store_id LIKE 'bench-fleet-%' AND last_sequence <> $1)::int AS behind`,
    [config.fleetBatches * config.fleetBatchEvents],
  );
}

interface Figures {
  events: number;
  mix: [string, number][];
  /** The median of the catch-up runs. */
  caught: CatchUpResult;
  /** Every catch-up run's seconds, in the order they ran. */
  runSeconds: number[];
  plain: { seconds: number };
  fleet: FleetResult;
  held: Held;
  fanOut: FanOut;
  serverErrors: [string, number][];
}

function printCatchUp({ events, mix, caught, plain }: Figures): void {
  printTable(`catch-up: ${events} queued events from one hub`, [['event type', 'events'], ...mix]);
  const row = (label: string, seconds: number, batches: number | string = '') => [
    label,
    seconds,
    rate(events / seconds),
    batches,
  ];
  printTable('catch-up vs floor', [
    ['', 'seconds', 'events/s', 'batches'],
    row('catch-up: SyncClient → applied and delivered', caught.seconds, caught.batches.count),
    row('  applied (last batch confirmed)', caught.appliedAtS),
    row('  delivered (last on the consumer)', caught.deliveredAtS),
    row(
      `floor: plain INSERT, ${MAX_BATCH_EVENTS} rows per batch, one client`,
      plain.seconds,
      Math.ceil(events / MAX_BATCH_EVENTS),
    ),
  ]);
  const b = caught.batches;
  console.log(`  catch-up / floor: ${round2(caught.seconds / plain.seconds)}×`);
  console.log(`  catch-up push latency per batch (ms): p50 ${b.p50}, p99 ${b.p99}, max ${b.max}`);
}

function printFleet({ fleet: f, serverErrors }: Figures): void {
  printTable(
    `fleet: ${config.fleetHubs} hubs × ${config.fleetBatches} batches × ${config.fleetBatchEvents} events`,
    [
      ['events applied', 'seconds', 'events/s', 'requests', 'failed batches', 'fan-out lag s'],
      [f.applied, f.seconds, f.eventsPerSec, f.attempts, f.failedBatches, f.fanOutLagS],
    ],
  );
  printTable('fleet push latency per request (ms)', [
    ['p50', 'p95', 'p99', 'max', 'mean'],
    [f.latency.p50, f.latency.p95, f.latency.p99, f.latency.max, f.latency.mean],
  ]);
  printTable('fleet status codes', Object.entries(f.statusCounts));
  for (const e of f.sampleErrors.slice(0, 2)) console.log(`  error sample: ${e}`);
  if (serverErrors.length > 0) printTable('errors the server logged', serverErrors);
}

function printWhereTimeWent(ctx: PhaseContext, cpus: number, figures: Figures): void {
  const { caught, fleet: f, held: h, fanOut } = figures;
  const groups = [...Object.keys(ctx.groups), OTHER_CPU];
  const row = (name: string, used: Record<string, number>, seconds: number) => [
    name,
    ...groups.map((g) => used[g] ?? '?'),
    round2(Object.values(used).reduce((a, b) => a + b, 0)),
    round2(seconds * cpus),
  ];
  printTable('CPU seconds by process', [
    ['phase', ...groups, 'machine busy', `available (${cpus} cores)`],
    row('catch-up', caught.cpu, caught.seconds),
    row('fleet (until the last answer)', f.cpu, f.seconds),
  ]);
  printTable('held by the server at the end', [
    ['events received', h.received],
    ['events not yet on the bus', h.unpublished],
    ['sales read model: orders / payments / refunds', `${h.orders} / ${h.payments} / ${h.refunds}`],
    ['fleet stores short of their last batch', h.behind],
    ['deliveries repeated / not ours', `${fanOut.duplicates} / ${fanOut.unknown}`],
  ]);
}

async function main(): Promise<number> {
  const m = machine();
  console.log(`bench:sync — ${m.cpus} × ${m.cpuModel}, ${m.memGiB} GiB, Node ${m.node}`);
  console.log(
    `  catch-up ${config.catchUpEvents} events (warm-up ${config.warmupEvents}), fleet ` +
      `${config.fleetHubs} hubs × ${config.fleetBatches} batches × ${config.fleetBatchEvents} events`,
  );
  // On a shared machine other work skews every figure: say how busy it was before the run.
  const busyFrom = machineBusySeconds();
  await new Promise((r) => setTimeout(r, 2_000));
  const busyTo = machineBusySeconds();
  const busyBeforePct =
    busyFrom === null || busyTo === null
      ? null
      : Math.round(((busyTo - busyFrom) / 2 / m.cpus) * 100);
  console.log(`  machine busy before the run: ${busyBeforePct ?? '?'} % of ${m.cpus} cores`);
  const { database, server, db, ctx, warmStore, catchStores, fleetStores } = await setUp();
  // The events happened while the hubs were offline: the hours before the run.
  const startAt = Date.now() - 6 * 3_600_000;

  console.log(`\nwarm-up: ${config.warmupEvents} events from one hub (not measured) …`);
  const warmEvents = storeEvents(warmStore.storeId, config.warmupEvents, 1, startAt);
  await catchUp(ctx, 'warm-up', warmStore, warmEvents);

  // Several catch-ups, each a hub of its own with its own day of events; the median is the
  // figure, so that one run disturbed by the shared machine does not decide it.
  const runs = [];
  for (const [i, store] of catchStores.entries()) {
    const runEvents = storeEvents(store.storeId, config.catchUpEvents, 2 + i, startAt);
    console.log(
      `catch-up ${i + 1}/${catchStores.length}: ${runEvents.length} events from one hub …`,
    );
    // A phase name of its own: deliveries are counted by phase.
    const phase = `catch-up ${i + 1}`;
    const run = await catchUp(ctx, phase, store, runEvents);
    progress(phase, `${run.seconds} s, applied at ${run.appliedAtS} s`);
    runs.push({ store, events: runEvents, caught: run });
  }
  const median = runs.toSorted((a, b) => a.caught.seconds - b.caught.seconds)[
    Math.floor(runs.length / 2)
  ];
  if (!median) throw new Error('no catch-up ran');
  const { caught, events, store: catchStore } = median;
  const runSeconds = runs.map((r) => r.caught.seconds);
  console.log(`  catch-up runs: ${runSeconds.join(' s, ')} s; the median is the figure`);

  console.log(`floor: the same ${events.length} rows into a plain table, one pg client …`);
  const plain = await floor(database.url, catchStore.storeId, events, MAX_BATCH_EVENTS);

  const fleetEvents = config.fleetHubs * config.fleetBatches * config.fleetBatchEvents;
  console.log(`fleet: building ${fleetEvents} events for ${config.fleetHubs} hubs …`);
  const built = fleetHubs(fleetStores, config.fleetBatches, config.fleetBatchEvents, startAt);
  ctx.fanOut.expect('fleet', built.ids);
  console.log(`fleet: ${config.fleetHubs} hubs pushing at once …`);
  const fleetResult = await fleet(ctx, built.hubs, fleetEvents);

  const figures: Figures = {
    events: events.length,
    mix: eventMix(events),
    caught,
    runSeconds,
    plain,
    fleet: fleetResult,
    held: await held(db),
    fanOut: ctx.fanOut,
    serverErrors: server.errors(),
  };
  printCatchUp(figures);
  printFleet(figures);
  printWhereTimeWent(ctx, m.cpus, figures);

  const problems: string[] = [];
  // Every catch-up run's hub, not only the median's, left its events on the server.
  const expected = warmEvents.length + runs.reduce((n, r) => n + r.events.length, 0) + fleetEvents;
  const h = figures.held;
  if (h.received !== expected) problems.push(`${h.received} of ${expected} events held`);
  if (h.unpublished > 0) problems.push(`${h.unpublished} events never left the outbox`);
  if (h.behind > 0 || fleetResult.failedBatches > 0)
    problems.push(`${fleetResult.failedBatches} fleet batches failed`);
  for (const p of problems) console.error(`benchmark failed: ${p}`);
  console.log('');
  printResult(result(m, busyBeforePct, figures));
  return problems.length > 0 ? 1 : 0;
}

/** The last line: every figure, the targets and whether each was met. */
function result(m: Machine, busyBeforePct: number | null, figures: Figures) {
  const { events, caught, plain, fleet: f } = figures;
  return {
    benchmark: 'sync',
    machine: m,
    machineBusyBeforePct: busyBeforePct,
    config: { ...config, maxBatchEvents: MAX_BATCH_EVENTS },
    catchUp: {
      events,
      mix: Object.fromEntries(figures.mix),
      seconds: caught.seconds,
      runs: figures.runSeconds,
      eventsPerSec: rate(events / caught.seconds),
      appliedAtS: caught.appliedAtS,
      deliveredAtS: caught.deliveredAtS,
      batches: caught.batches.count,
      batchP50: caught.batches.p50,
      batchP99: caught.batches.p99,
      cpuSeconds: caught.cpu,
    },
    floor: { events, seconds: plain.seconds, eventsPerSec: rate(events / plain.seconds) },
    catchUpToFloor: round2(caught.seconds / plain.seconds),
    fleet: {
      hubs: config.fleetHubs,
      events: f.events,
      applied: f.applied,
      seconds: f.seconds,
      eventsPerSec: f.eventsPerSec,
      p50: f.latency.p50,
      p95: f.latency.p95,
      p99: f.latency.p99,
      max: f.latency.max,
      requests: f.attempts,
      failedBatches: f.failedBatches,
      statusCounts: f.statusCounts,
      serverErrors: Object.fromEntries(figures.serverErrors),
      fanOutLagS: f.fanOutLagS,
      cpuSeconds: f.cpu,
    },
    server: figures.held,
    deliveries: { repeated: figures.fanOut.duplicates, notOurs: figures.fanOut.unknown },
    targets: {
      catchUpSeconds: target(caught.seconds, TARGETS.catchUpSeconds, 'max'),
      fleetEventsPerSec: target(f.eventsPerSec, TARGETS.fleetEventsPerSec, 'min'),
    },
  };
}

// Ctrl-C under `npm run` reaches this process twice (from the terminal, and again relayed by
// npm through tsx, whose child exits on a signal nobody listens to any more): the second must
// not cut short the clean-up that the first started (`lib/cleanup.ts`), or the run's database
// and vhost are left behind. The clean-up exits the process when it is done.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => {});

await runBenchmark(main);
