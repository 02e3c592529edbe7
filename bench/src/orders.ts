/**
 * `npm run bench:orders`: how many orders a real hub takes per second, at what latency, and how
 * much memory it holds after 100,000 of them.
 *
 * One run, five phases against a fresh hub child process (SQLite `synchronous=FULL`):
 *   floor      GET /health at the same concurrency, closed loop: what HTTP alone can do;
 *   warm-up    3 s of orders, not measured (JIT, SQLite page cache);
 *   capacity   orders in a closed loop at BENCH_CONNECTIONS for BENCH_CAPACITY_S: the most the
 *              hub takes per second (latency here is queueing: connections / throughput);
 *   sustained  orders due at a fixed BENCH_RATE per second over BENCH_CONNECTIONS connections
 *              for BENCH_DURATION_S, latency counted from when each order was due: the
 *              target phase ("1,000 orders/s sustained, p99 ≤ 30 ms");
 *   volume     more orders until BENCH_TOTAL_ORDERS have been placed, then the hub's RSS.
 * Orders are never completed, so each keeps its stock reserved; the inventory is stocked up
 * front for every order the run may place. The last line of output is the JSON result.
 *
 * Environment: BENCH_CONNECTIONS (32), BENCH_DURATION_S (30), BENCH_RATE (1000),
 * BENCH_CAPACITY_S (10), BENCH_TOTAL_ORDERS (100000),
 * BENCH_FLOOR_S (10), BENCH_HUB_NODE_ARGS (space-separated `node` flags for the hub only,
 * e.g. `--cpu-prof --cpu-prof-dir=/tmp/hub-prof`; the profile is written when the hub stops).
 */
import { onCleanup, runBenchmark } from './lib/cleanup.js';
import { HttpClient } from './lib/http.js';
import { type RunningHub, startHub } from './lib/hub.js';
import { type LoadOptions, type LoadResult, runClosedLoop, runFixedRate } from './lib/load.js';
import { startNullPrinter } from './lib/null-printer.js';
import { newOrderRequest, signIn, stockForOrders } from './lib/pos-api.js';
import { machine, positiveInt, printResult, printTable, progress, target } from './lib/report.js';
import { RssSampler, readRssMb } from './lib/rss.js';
import { histogram, type LatencySummary, summarize } from './lib/stats.js';

const WARMUP_S = 3;
/** Orders/s no hub will reach; bounds the orders (and so the stock) a timed phase may place. */
const ORDER_RATE_CEILING = 5_000;
/** Above this share of failed orders the figures mean nothing and the run fails. */
const MAX_ERROR_RATE = 0.01;
const TARGETS = { ordersPerSec: 1_000, p99Ms: 30, rssAfter100kMb: 250 };

const config = {
  connections: positiveInt('BENCH_CONNECTIONS', 32),
  durationS: positiveInt('BENCH_DURATION_S', 30),
  rate: positiveInt('BENCH_RATE', 1_000),
  capacityS: positiveInt('BENCH_CAPACITY_S', 10),
  totalOrders: positiveInt('BENCH_TOTAL_ORDERS', 100_000),
};
const floorS = positiveInt('BENCH_FLOOR_S', 10);
const hubNodeArgs = (process.env.BENCH_HUB_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);

const rate = (n: number) => Math.round(n * 10) / 10;
const latencyRow = (label: string, s: LatencySummary) => [
  label,
  s.p50,
  s.p95,
  s.p99,
  s.max,
  s.mean,
];

/** Fail loudly if the hub died: every figure after that would be about connection errors. */
function assertAlive(hub: RunningHub): void {
  if (hub.child.exitCode !== null || hub.child.signalCode !== null) {
    throw new Error(`the hub exited during the run:\n${hub.output()}`);
  }
}

async function main(): Promise<number> {
  const m = machine();
  console.log(`bench:orders — ${m.cpus} × ${m.cpuModel}, ${m.memGiB} GiB, Node ${m.node}`);
  console.log(
    `  ${config.connections} connections, floor ${floorS} s, warm-up ${WARMUP_S} s, ` +
      `capacity ${config.capacityS} s, sustained ${config.rate}/s for ${config.durationS} s, ` +
      `${config.totalOrders} orders in total`,
  );

  // The hub prints a kitchen ticket for every order, as in a restaurant: its printers are
  // null printers that take the bytes and answer status requests.
  const receiptPrinter = await startNullPrinter();
  const kitchenPrinter = await startNullPrinter();
  onCleanup(() => receiptPrinter.close());
  onCleanup(() => kitchenPrinter.close());
  const hub = await startHub({
    nodeArgs: hubNodeArgs,
    env: {
      RECEIPT_PRINTER_PORT: String(receiptPrinter.port),
      KITCHEN_PRINTER_PORT: String(kitchenPrinter.port),
    },
  });
  console.log(`  hub pid ${hub.pid} at ${hub.url}, data in ${hub.dataDir}`);
  const client = new HttpClient(hub.url, config.connections);
  onCleanup(() => client.close());
  await signIn(client);
  const idleMb = readRssMb(hub.pid) ?? 0;

  // Every order this run may place: the volume target, or more if the timed phases outrun it.
  const budget = Math.max(
    config.totalOrders,
    ORDER_RATE_CEILING * (WARMUP_S + config.capacityS) + config.rate * config.durationS,
  );
  const stock = await stockForOrders(client, budget);
  let placed = 1; // the probe order
  console.log(
    `  stocked for ${budget} orders (${stock.stockIns} stock-ins); one order reserves ` +
      Object.entries(stock.perOrder)
        .map(([id, q]) => `${id} ${q}`)
        .join(', '),
  );

  const orderOptions = (phase: string): LoadOptions => ({
    client,
    connections: config.connections,
    next: () => newOrderRequest(),
    expectStatus: 201,
    onProgress: (p) =>
      progress(
        phase,
        `${placed + p.completed} orders placed, ` +
          `${rate((p.completed / p.elapsedMs) * 1000)}/s, ${p.errors} errors, ` +
          `hub RSS ${readRssMb(hub.pid)} MB`,
      ),
  });
  const orderLoad = (phase: string, limits: Pick<LoadOptions, 'durationMs' | 'maxRequests'>) =>
    runClosedLoop({ ...orderOptions(phase), ...limits });

  // (a) floor
  console.log(`\nfloor: GET /health for ${floorS} s …`);
  const floor = await runClosedLoop({
    client,
    connections: config.connections,
    durationMs: floorS * 1_000,
    next: () => ({ path: '/health' }),
  });
  assertAlive(hub);
  const floorLatency = summarize(floor.latencies);

  // (b) warm-up
  console.log(`warm-up: orders for ${WARMUP_S} s (not measured) …`);
  const warmup = await orderLoad('warm-up', {
    durationMs: WARMUP_S * 1_000,
    maxRequests: budget - placed,
  });
  placed += warmup.completed;
  assertAlive(hub);

  // (c) capacity
  console.log(`capacity: orders in a closed loop for ${config.capacityS} s …`);
  const rss = new RssSampler(hub.pid).start();
  onCleanup(() => rss.stop());
  const capacity = await orderLoad('capacity', {
    durationMs: config.capacityS * 1_000,
    maxRequests: budget - placed,
  });
  placed += capacity.completed;
  assertAlive(hub);
  const capacityLatency = summarize(capacity.latencies);

  // (d) sustained, at a fixed rate
  console.log(`sustained: ${config.rate} orders/s for ${config.durationS} s …`);
  const sustained = await runFixedRate({
    ...orderOptions('sustained'),
    ratePerSec: config.rate,
    durationMs: config.durationS * 1_000,
  });
  placed += sustained.completed;
  const sustainedPeakMb = rss.peakMb;
  assertAlive(hub);
  const orderLatency = summarize(sustained.latencies);

  // (e) volume
  let volume: LoadResult | undefined;
  if (placed < config.totalOrders) {
    console.log(`volume: ${config.totalOrders - placed} more orders …`);
    volume = await orderLoad('volume', { maxRequests: config.totalOrders - placed });
    placed += volume.completed;
    assertAlive(hub);
  }
  const afterMb = rss.sample() ?? 0;
  rss.stop();

  printTable('latency (ms)', [
    ['phase', 'p50', 'p95', 'p99', 'max', 'mean'],
    latencyRow('floor GET /health', floorLatency),
    latencyRow('capacity POST /orders (closed loop)', capacityLatency),
    latencyRow(`sustained POST /orders at ${config.rate}/s`, orderLatency),
    ...(volume ? [latencyRow('volume POST /orders', summarize(volume.latencies))] : []),
  ]);
  printTable('throughput', [
    ['phase', 'requests', 'ok', 'errors', 'per second', 'seconds'],
    ...(
      [
        ['floor', floor],
        ['warm-up', warmup],
        ['capacity', capacity],
        ['sustained', sustained],
        ...(volume ? [['volume', volume] as const] : []),
      ] as const
    ).map(([name, r]) => [
      name,
      r.completed,
      r.ok,
      r.errors,
      rate(r.okPerSec),
      rate(r.elapsedMs / 1_000),
    ]),
  ]);
  printTable(
    'sustained latency distribution',
    histogram(sustained.latencies)
      .filter((b) => b.count > 0)
      .map((b) => [b.label, b.count, `${b.percent} %`]),
  );
  printTable('hub memory (RSS, MB)', [
    ['idle after start-up', idleMb],
    ['peak during sustained', sustainedPeakMb],
    ['peak during sustained + volume', rss.peakMb],
    [`after ${placed} orders`, afterMb],
  ]);
  console.log(`  kitchen tickets printed during the run: ${kitchenPrinter.jobs()}`);
  printTable('status codes (sustained)', Object.entries(sustained.statusCounts));
  for (const e of [...sustained.sampleErrors, ...(volume?.sampleErrors ?? [])].slice(0, 5)) {
    console.log(`  error sample: ${e}`);
  }

  // Orders answered per second from the first due time to the last answer: a hub that falls
  // behind stretches the phase and so answers fewer than the offered rate.
  const ordersPerSec = rate(sustained.okPerSec);
  const result = {
    benchmark: 'orders',
    machine: m,
    config,
    floor: {
      rps: rate(floor.okPerSec),
      p50: floorLatency.p50,
      p95: floorLatency.p95,
      p99: floorLatency.p99,
    },
    capacity: {
      ordersPerSec: rate(capacity.okPerSec),
      p50: capacityLatency.p50,
      p99: capacityLatency.p99,
    },
    orders: {
      offeredPerSec: config.rate,
      ordersPerSec,
      p50: orderLatency.p50,
      p95: orderLatency.p95,
      p99: orderLatency.p99,
      max: orderLatency.max,
      errors: sustained.errors,
      statusCounts: sustained.statusCounts,
    },
    rss: { peakMb: rss.peakMb, after100kMb: afterMb },
    targets: {
      // 1 % allowance for the load generator's timer granularity over the schedule.
      ordersPerSec: {
        ...target(ordersPerSec, TARGETS.ordersPerSec, 'min'),
        met: ordersPerSec >= TARGETS.ordersPerSec * 0.99 && config.rate >= TARGETS.ordersPerSec,
      },
      p99Ms: target(orderLatency.p99, TARGETS.p99Ms, 'max'),
      rssAfter100kMb: target(afterMb, TARGETS.rssAfter100kMb, 'max'),
    },
  };

  const orderPhases = [warmup, capacity, sustained, ...(volume ? [volume] : [])];
  const attempted = orderPhases.reduce((n, r) => n + r.completed, 0);
  const failed = orderPhases.reduce((n, r) => n + r.errors, 0);
  const errorRate = attempted > 0 ? failed / attempted : 0;
  const tooManyErrors = errorRate > MAX_ERROR_RATE;
  if (tooManyErrors) console.error(`\nbenchmark failed: ${failed} of ${attempted} orders failed`);
  console.log('');
  printResult(result);
  return tooManyErrors ? 1 : 0;
}

await runBenchmark(main);
