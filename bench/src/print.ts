/**
 * `npm run bench:print`: how long a receipt takes from being asked for to its last byte at the
 * printer, over 200 receipts (target p99 ≤ 300 ms).
 *
 * A real hub process (production build) prints to a network printer on TCP, here a null
 * printer in this process that notes when each job's last byte arrived. Each receipt is for
 * a new order paid in cash (the order is rung up untimed first), and payments are taken one
 * at a time, so each time is its own: `POST /api/v1/payments/process` writing the payment and
 * its events to disk, the hub building the ESC/POS receipt with the tender and the drawer
 * kick, the print queue taking it, the status check, and the TCP transfer.
 *
 * Environment: BENCH_RECEIPTS (200), BENCH_HUB_NODE_ARGS (flags for the hub's node).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { onCleanup, runBenchmark } from './lib/cleanup.js';
import { HttpClient } from './lib/http.js';
import { startHub } from './lib/hub.js';
import { startNullPrinter } from './lib/null-printer.js';
import { newOrderRequest, signIn, stockForOrders } from './lib/pos-api.js';
import { machine, printResult, printTable, target } from './lib/report.js';
import { LatencySamples, summarize } from './lib/stats.js';

const TARGET_P99_MS = 300;
const WARMUP = 20;

async function main(): Promise<number> {
  const receipts = Number(process.env.BENCH_RECEIPTS ?? 200);
  if (!Number.isInteger(receipts) || receipts < 1)
    throw new Error('BENCH_RECEIPTS must be a positive integer');
  const m = machine();
  console.log(`bench:print — ${m.cpus} × ${m.cpuModel}, Node ${m.node}; ${receipts} receipts`);

  let arrived: ((at: number) => void) | null = null;
  const receiptPrinter = await startNullPrinter((at) => arrived?.(at));
  const kitchenPrinter = await startNullPrinter();
  onCleanup(() => receiptPrinter.close());
  onCleanup(() => kitchenPrinter.close());
  const hub = await startHub({
    nodeArgs: (process.env.BENCH_HUB_NODE_ARGS ?? '').split(/\s+/).filter(Boolean),
    env: {
      RECEIPT_PRINTER_PORT: String(receiptPrinter.port),
      KITCHEN_PRINTER_PORT: String(kitchenPrinter.port),
    },
  });
  const client = new HttpClient(hub.url, 4);
  await signIn(client);
  await stockForOrders(client, WARMUP + receipts + 10);
  const key = () => ({ 'idempotency-key': randomUUID() });
  const shift = await client.request({
    method: 'POST',
    path: '/api/v1/shifts',
    json: { openingFloatCents: 20_000 },
    headers: key(),
  });
  if (shift.status !== 201) throw new Error(`opening a shift answered ${shift.status}`);

  const samples = new LatencySamples();
  for (let i = 0; i < WARMUP + receipts; i++) {
    const created = await client.json<{ id: string }>({ ...newOrderRequest(), method: 'POST' });
    const landed = new Promise<number>((resolve) => {
      arrived = resolve;
    });
    const started = performance.now();
    const res = await client.request({
      method: 'POST',
      path: '/api/v1/payments/process',
      json: { orderId: created.id, tender: 'cash' },
      headers: key(),
    });
    if (res.status !== 201) throw new Error(`cash payment answered ${res.status}: ${res.body}`);
    const at = await Promise.race([
      landed,
      new Promise<number>((_, reject) =>
        setTimeout(() => reject(new Error('receipt did not arrive within 10 s')), 10_000),
      ),
    ]);
    if (i >= WARMUP) samples.add(at - started);
  }
  arrived = null;
  const s = summarize(samples);
  printTable('cash payment accepted → last receipt byte at the printer (ms)', [
    ['receipts', 'p50', 'p95', 'p99', 'max', 'mean'],
    [s.count, s.p50, s.p95, s.p99, s.max, s.mean],
  ]);
  printResult({
    benchmark: 'print',
    machine: m,
    config: { receipts, trigger: 'POST /api/v1/payments/process (cash)' },
    latencyMs: { p50: s.p50, p95: s.p95, p99: s.p99, max: s.max },
    targets: { p99Ms: target(s.p99, TARGET_P99_MS, 'max') },
  });
  return 0;
}

await runBenchmark(main);
