/**
 * `npm run screenshots`: pictures of the main screens for the README (`docs/screenshots/`),
 * taken in headless Chromium against a hub with demo data, a few orders and a shift.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { uuidv7 } from '@pos/contracts';
import { PINS, startTestHub } from '@pos/edge-hub/testing/hub-harness';
import { SimulatedReader } from '@pos/hardware';
import { chromium, type Page } from 'playwright-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(root, 'docs/screenshots');
mkdirSync(out, { recursive: true });
for (const script of ['build-terminal.ts', 'build-kds.ts']) {
  execFileSync(process.execPath, ['--import', 'tsx', `scripts/${script}`], {
    cwd: root,
    stdio: 'inherit',
  });
}

const t = await startTestHub({
  payments: {
    readers: () => [
      new SimulatedReader({ id: 'sim-1', latencyMs: 50, defaultCard: '4242424242424242' }),
    ],
  },
});
const cashier = await t.as(PINS.cashier);
await cashier.post(
  '/api/v1/shifts',
  { openingFloatCents: 20_000 },
  { 'idempotency-key': uuidv7() },
);
const order = (tableId: string, items: unknown[]) =>
  cashier.post('/api/v1/orders', { id: uuidv7(), type: 'dine-in', tableId, guests: 2, items });
await order('T2', [
  {
    menuItemId: 'burger-classic',
    modifierIds: ['mod-burger-medium-rare', 'mod-bacon'],
    quantity: 1,
    seat: 1,
    notes: 'no pickles',
  },
  { menuItemId: 'starter-calamari', modifierIds: [], quantity: 1, seat: 2 },
  { menuItemId: 'drink-ginger-beer', modifierIds: [], quantity: 2, seat: 2 },
]);
await order('T4', [
  { menuItemId: 'burger-classic', modifierIds: ['mod-burger-medium'], quantity: 2, course: 2 },
]);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-background-networking'],
});
const shot = (page: Page, name: string) => page.screenshot({ path: resolve(out, `${name}.png`) });

const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
await page.goto(`${t.hub.url}/terminal/`);
await page.waitForSelector('[data-testid="login"]');
await shot(page, 'terminal-login');
for (const d of PINS.cashier) await page.click(`[data-pin-key="${d}"]`);
await page.click('[data-pin-key="OK"]');
await page.click('[data-tab="tables"]');
await page.waitForSelector('[data-table="T2"][data-status="ordered"]');
await shot(page, 'terminal-floor');
await page.click('[data-table="T9"]');
await page.click('nav.categories button:has-text("Burgers")');
await page.click('[data-item="burger-classic"]');
await page.click('[data-modifier="mod-burger-medium-rare"]');
await shot(page, 'terminal-modifiers');
await page.click('[data-modifier="mod-bacon"]');
await page.click('[data-testid="add-item"]');
await page.click('[data-seat="2"]');
await page.click('nav.categories button:has-text("Drinks")');
await page.click('[data-item="drink-ginger-beer"]');
await page.click('[data-item="drink-sparkling-water"]');
await shot(page, 'terminal-order');
await page.click('[data-testid="send"]');
await page.click('[data-testid="pay"]');
await page.click('[data-split-seat="1"]');
await page.click('[data-tender="cash"]');
await shot(page, 'terminal-payment');

const kds = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
await kds.goto(`${t.hub.url}/kds/`);
for (const d of PINS.cook) await kds.click(`[data-key="${d}"]`);
await kds.click('[data-key="ok"]');
await kds.click('[data-station="grill"]');
await kds.waitForSelector('[data-testid="ticket"]');
await shot(kds, 'kds-grill');

await browser.close();
await t.stop();
console.log(`screenshots in ${out}`);
