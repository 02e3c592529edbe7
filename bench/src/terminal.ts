/**
 * `npm run bench:terminal`: the cashier terminal in headless Chromium (Debian's, as in the
 * browser tests) against the production hub.
 *
 * - JS shipped: the gzipped size of every script the terminal loads (target ≤ 300 KB).
 * - First load: a fresh browser context (empty cache) opening the hub's terminal until the PIN
 *   pad is on screen, 10 times (target ≤ 1.5 s; the worst is reported).
 * - Tap to cart: ringing up a 60-item order, each tap of an item until its cart line is on the
 *   next painted frame, timed in the page (target p99 ≤ 50 ms).
 *
 * Environment: CHROMIUM_PATH (/usr/bin/chromium), BENCH_LOADS (10), BENCH_ITEMS (60).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Page } from 'playwright-core';
import { onCleanup, runBenchmark } from './lib/cleanup.js';
import { REPO_ROOT, startHub } from './lib/hub.js';
import { machine, printResult, printTable, target } from './lib/report.js';
import { LatencySamples, summarize } from './lib/stats.js';

const TARGET_JS_KB = 300;
const TARGET_LOAD_MS = 1_500;
const TARGET_TAP_P99_MS = 50;

async function signIn(page: Page, pin: string) {
  for (const d of pin) await page.click(`[data-pin-key="${d}"]`);
  await page.click('[data-pin-key="OK"]');
  await page.waitForSelector('[data-testid="who"]');
}

/**
 * The in-page timer, as source text: tsx adds helpers to compiled functions that do not exist in
 * the page, so the browser gets plain JavaScript. Resolves with ms from the tap until the cart
 * has `lines` lines on a painted frame.
 */
const TAP_AND_TIME = `({ selector, lines }) => new Promise((resolve) => {
  const count = () => document.querySelectorAll('[data-testid="cart-line"]').length;
  const start = performance.now();
  const done = () => requestAnimationFrame(() => resolve(performance.now() - start));
  const observer = new MutationObserver(() => {
    if (count() >= lines) { observer.disconnect(); done(); }
  });
  observer.observe(document.body, { childList: true, subtree: true });
  document.querySelector(selector).click();
  if (count() >= lines) { observer.disconnect(); done(); }
})`;

function tapAndTime(page: Page, selector: string, lines: number): Promise<number> {
  return page.evaluate(
    `(${TAP_AND_TIME})(${JSON.stringify({ selector, lines })})`,
  ) as Promise<number>;
}

const MENU_ITEMS = `(async () => {
  const res = await fetch('/api/v1/menu', {
    headers: { authorization: 'Bearer ' + localStorage.getItem('pos.token') },
  });
  const menu = await res.json();
  return menu.items
    .filter((i) => i.variants.length === 0 && i.modifierGroupIds.length === 0)
    .map((i) => ({ id: i.id, category: menu.categories.find((c) => c.id === i.categoryId).name }));
})()`;

async function main(): Promise<number> {
  const loads = Number(process.env.BENCH_LOADS ?? 10);
  const itemCount = Number(process.env.BENCH_ITEMS ?? 60);
  const m = machine();
  console.log(`bench:terminal — ${m.cpus} × ${m.cpuModel}, Node ${m.node}`);
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build-terminal.ts'], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  });

  // JS shipped, gzipped.
  const assets = join(REPO_ROOT, 'terminal/dist/assets');
  const scripts = readdirSync(assets).filter((f) => f.endsWith('.js'));
  const jsKb =
    scripts.reduce((sum, f) => sum + gzipSync(readFileSync(join(assets, f))).length, 0) / 1024;

  const hub = await startHub();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-background-networking'],
  });
  onCleanup(() => browser.close());

  // First load with an empty cache, each in a new context.
  const loadTimes = new LatencySamples();
  for (let i = 0; i < loads; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const started = Date.now();
    await page.goto(`${hub.url}/terminal/`);
    await page.waitForSelector('[data-testid="login"] [data-pin-key="1"]');
    loadTimes.add(Date.now() - started);
    await context.close();
  }

  // Tap to cart line, over a 60-item order.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${hub.url}/terminal/`);
  await signIn(page, '1234');
  await page.waitForSelector('[data-item]');
  const simple = (await page.evaluate(MENU_ITEMS)) as { id: string; category: string }[];
  if (simple.length === 0) throw new Error('no menu item adds without choices');
  const taps = new LatencySamples();
  for (let i = 0; i < itemCount; i++) {
    // Each tap makes a new line: a new seat/course pair, then the next item.
    const seat = (i % 6) + 1;
    const course = (Math.floor(i / 6) % 3) + 1;
    const item = simple[Math.floor(i / 18) % simple.length] as { id: string; category: string };
    await page.click(`[data-seat="${seat}"]`);
    await page.click(`[data-course="${course}"]`);
    await page.click(`nav.categories button:has-text("${item.category}")`);
    taps.add(await tapAndTime(page, `[data-item="${item.id}"]`, i + 1));
  }
  const lines = await page.locator('[data-testid="cart-line"]').count();
  if (lines !== itemCount) throw new Error(`expected ${itemCount} cart lines, saw ${lines}`);
  await context.close();

  const load = summarize(loadTimes);
  const tap = summarize(taps);
  printTable('cashier terminal in Chromium', [
    ['measure', 'count', 'p50', 'p99', 'max'],
    ['first load → PIN pad (ms)', load.count, load.p50, load.p99, load.max],
    ['tap item → cart line painted (ms)', tap.count, tap.p50, tap.p99, tap.max],
  ]);
  console.log(`JS shipped: ${jsKb.toFixed(1)} KB gzipped (${scripts.length} file(s))`);
  const targets = {
    jsKb: target(jsKb, TARGET_JS_KB, 'max'),
    firstLoadMs: target(load.max, TARGET_LOAD_MS, 'max'),
    tapP99Ms: target(tap.p99, TARGET_TAP_P99_MS, 'max'),
  };
  printResult({
    benchmark: 'terminal',
    machine: m,
    config: { loads, items: itemCount, viewport: '1280x800' },
    jsKbGzipped: Number(jsKb.toFixed(1)),
    firstLoadMs: { p50: load.p50, max: load.max },
    tapToCartMs: { p50: tap.p50, p99: tap.p99, max: tap.max },
    targets,
  });
  await hub.stop();
  return Object.values(targets).every((t) => t.met) ? 0 : 1;
}

await runBenchmark(main);
