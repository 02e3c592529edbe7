import type { Browser, Page } from 'playwright-core';

// The cashier terminal and the kitchen display in Chromium, as the fault scenarios drive them:
// signed in on the keypad like staff do, with page errors collected for the test to check.

export interface Screen {
  page: Page;
  errors: Error[];
}

async function newScreen(browser: Browser, clockOffsetMs: number): Promise<Screen> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors: Error[] = [];
  page.on('pageerror', (err) => errors.push(err));
  if (clockOffsetMs !== 0) await page.addInitScript(skewClock, clockOffsetMs);
  return { page, errors };
}

/** The terminal at `baseUrl`, signed in with `pin`. */
export async function openTerminal(
  browser: Browser,
  baseUrl: string,
  pin: string,
  clockOffsetMs = 0,
): Promise<Screen> {
  const screen = await newScreen(browser, clockOffsetMs);
  const { page } = screen;
  await page.goto(`${baseUrl}/`);
  // Other test runs on this machine rebuild the terminal into the folder the hub serves; a
  // page that loaded in the middle of that is loaded once more.
  try {
    await page.waitForSelector('[data-testid="login"]', { timeout: 15_000 });
  } catch {
    await page.reload();
    await page.waitForSelector('[data-testid="login"]');
  }
  for (const d of pin) await page.click(`[data-pin-key="${d}"]`);
  await page.click('[data-pin-key="OK"]');
  await page.waitForSelector('[data-testid="who"]');
  return screen;
}

/** A kitchen screen at `baseUrl` for `station`, signed in with the cook's PIN. */
export async function openKitchenScreen(
  browser: Browser,
  baseUrl: string,
  station: string,
  clockOffsetMs = 0,
): Promise<Screen> {
  const screen = await newScreen(browser, clockOffsetMs);
  const { page } = screen;
  await page.goto(`${baseUrl}/kds/`);
  for (const digit of '5555') await page.click(`[data-key="${digit}"]`);
  await page.click('[data-key="ok"]');
  await page.click(`[data-station="${station}"]`);
  await page.waitForSelector('[data-testid="connection"].live');
  return screen;
}

/** On the terminal: a table's new order with these drinks, sent to the kitchen. */
export async function sendTableOrder(page: Page, table: string, items: string[]): Promise<void> {
  await page.click('[data-tab="tables"]');
  await page.click(`[data-table="${table}"]`);
  for (const item of items) {
    await page.click('nav.categories button:has-text("Drinks")');
    await page.click(`[data-item="${item}"]`);
  }
  await page.waitForSelector('[data-testid="cart-line"]');
  await page.click('[data-testid="send"]');
  await page.waitForSelector('[data-testid="open-order"]');
}

/** The ID of the order the terminal has open (it chose it when the cart started). */
export function openOrderId(page: Page): Promise<string> {
  return page.evaluate(() => {
    const stored = (globalThis as { localStorage?: { getItem(k: string): string | null } })
      .localStorage;
    return (JSON.parse(stored?.getItem('pos.state') ?? '{}') as { openOrderId: string })
      .openOrderId;
  });
}

/**
 * Runs in the page before its own scripts: the screen's clock is `offsetMs` off. Every way a
 * page reads the wall clock (`Date.now()`, `new Date()`, `Date()`) is shifted; timers and
 * `performance.now()` are not, as on a device whose clock was set wrong.
 */
function skewClock(offsetMs: number): void {
  const Real = Date;
  const realNow = Real.now.bind(Real);
  const Skewed = function (this: unknown, ...args: unknown[]) {
    if (!new.target) return new Real(realNow() + offsetMs).toString();
    if (args.length === 0) return new Real(realNow() + offsetMs);
    return new (Real as unknown as new (...a: unknown[]) => Date)(...args);
  } as unknown as DateConstructor;
  Object.setPrototypeOf(Skewed, Real);
  Object.defineProperty(Skewed, 'prototype', { value: Real.prototype });
  Skewed.now = () => realNow() + offsetMs;
  (globalThis as { Date: DateConstructor }).Date = Skewed;
}
