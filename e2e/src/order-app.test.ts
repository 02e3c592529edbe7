import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cloud, startCloud } from '@pos/cloud-services/cloud';
import { makeEvent, uuidv7 } from '@pos/contracts';
import { createLogger } from '@pos/kit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchChromium } from './browser.js';
import { ANY_PORTS, callJson } from './cloud-harness.js';

// The guests' ordering app (seed §10) at /order/ on the gateway, in headless Chromium at a
// phone's size, against a cloud started in-process: the stores (open while their hub pushes,
// "can't take online orders" while it is silent, not-enrolled ones hidden), a store's menu with
// its prices and an item its hub 86'd greyed out, the modifier rules enforced before "Add to
// cart", the cart kept across a reload, a table's QR code making the order dine-in, and
// checkout's own checks on the guest's details before anything is sent.

const OWNER = { email: 'owner@order-app.example', password: 'owner password 1' };
const OPEN = 'quay-street';
const SILENT = 'dock-road';
const UNENROLLED = 'new-town';
const PHONE = { width: 390, height: 844 };
const SHOTS = process.env.ORDER_APP_SHOTS ?? join(tmpdir(), 'pos-order-app-shots');

let cloud: Cloud;
let browser: Browser;
let owner: string;
/** The open store's hub credential: it pushes before each test to stay heard from. */
let hub = '';
let sequence = 0;

/** A menu with sizes, a required sauce (exactly 1), optional extras (up to 2) and a drink. */
function draft(photo: string) {
  return {
    currency: 'USD',
    taxCategories: [{ id: 'food', name: 'Food', rateBasisPoints: 825, inclusive: false }],
    stations: [{ id: 'grill', name: 'Grill' }],
    categories: [
      { id: 'burgers', name: 'Burgers', sortOrder: 1 },
      { id: 'sides', name: 'Sides', sortOrder: 2 },
      { id: 'drinks', name: 'Drinks', sortOrder: 3 },
    ],
    modifierGroups: [
      {
        id: 'sauce',
        name: 'Sauce',
        minChoices: 1,
        maxChoices: 1,
        modifiers: [
          { id: 'ketchup', name: 'Ketchup', priceDeltaCents: 0 },
          { id: 'aioli', name: 'Garlic aioli', priceDeltaCents: 50 },
        ],
      },
      {
        id: 'extras',
        name: 'Extras',
        minChoices: 0,
        maxChoices: 2,
        modifiers: [
          { id: 'cheese', name: 'Cheese', priceDeltaCents: 100 },
          { id: 'bacon', name: 'Bacon', priceDeltaCents: 200 },
          { id: 'egg', name: 'Fried egg', priceDeltaCents: 150 },
        ],
      },
    ],
    items: [
      {
        id: 'burger',
        name: 'Quay burger',
        description: 'Beef patty, <b>brioche</b> bun',
        categoryId: 'burgers',
        priceCents: 1250,
        variants: [],
        modifierGroupIds: ['sauce', 'extras'],
        taxCategoryId: 'food',
        stationId: 'grill',
        imageUrl: photo,
        allergens: [],
        available: true,
      },
      {
        id: 'fries',
        name: 'Fries',
        categoryId: 'sides',
        priceCents: 400,
        variants: [
          { id: 'small', name: 'Small', priceCents: 400 },
          { id: 'large', name: 'Large', priceCents: 550 },
        ],
        modifierGroupIds: [],
        taxCategoryId: 'food',
        stationId: 'grill',
        allergens: [],
        available: true,
      },
      {
        id: 'shake',
        name: 'Milkshake',
        categoryId: 'drinks',
        priceCents: 600,
        variants: [],
        modifierGroupIds: [],
        taxCategoryId: 'food',
        stationId: 'grill',
        allergens: [],
        available: true,
      },
    ],
  };
}

/** The owner's access token (the auth service creates the owner moments after it starts). */
async function signIn(): Promise<string> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const res = await callJson('POST', `${cloud.urls.gateway}/api/v1/auth/login`, '', OWNER);
    if (res.status === 200) return res.body.accessToken;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the owner could not sign in');
}

/** The open store's hub pushes (its heartbeat), with any events it has. */
async function push(events: unknown[] = []) {
  const res = await callJson('POST', `${cloud.urls.sync}/api/v1/sync/push`, hub, { events });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

const eightySix = (menuItemId: string) => ({
  ...makeEvent(
    'menu.itemavailabilitychanged.v1',
    { menuItemId, available: false, reason: 'Sold out today' } as never,
    { source: 'menu-service', correlationId: uuidv7() as never, storeId: OPEN as never },
  ),
  Sequence: ++sequence,
});

/** A store in the sync service, and its hub's credential when it enrols. */
async function store(storeId: string, name: string, enrol: boolean): Promise<string> {
  const created = await callJson('POST', `${cloud.urls.gateway}/api/v1/sync/stores`, owner, {
    storeId,
    name,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  if (!enrol) return '';
  const enrolled = await callJson('POST', `${cloud.urls.sync}/api/v1/sync/enrol`, '', {
    code: created.body.enrolmentCode,
  });
  expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(201);
  return enrolled.body.credential;
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // Every service on a free port, the online ordering service too.
  const ports = ANY_PORTS;
  cloud = await startCloud({
    env: { AUTH_OWNER_EMAIL: OWNER.email, AUTH_OWNER_PASSWORD: OWNER.password },
    ports,
    logger: createLogger({ service: 'order-app-test', level: 'silent' }),
  });
  owner = await signIn();
  hub = await store(OPEN, 'Quay Street', true);
  await store(SILENT, 'Dock Road', true);
  await store(UNENROLLED, 'New Town', false);
  const saved = await callJson(
    'PUT',
    `${cloud.urls.gateway}/api/v1/menu/draft`,
    owner,
    draft(`${cloud.urls.gateway}/order/icon.svg`),
  );
  expect(saved.status, JSON.stringify(saved.body)).toBeLessThan(300);
  const published = await callJson('POST', `${cloud.urls.gateway}/api/v1/menu/publish`, owner, {
    storeIds: [OPEN, SILENT],
  });
  expect(published.status, JSON.stringify(published.body)).toBeLessThan(300);
  await push([eightySix('shake')]);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await cloud?.stop();
});

beforeEach(async () => {
  await push();
});

/** A phone-sized page in a fresh context (empty storage), in US English. */
/** A large fries in the cart, through checkout as a guest, up to the payment form. */
async function checkoutLargeFries(page: Page, guest: { name: string; email: string }) {
  await page.goto(`${cloud.urls.gateway}/order/?store=${OPEN}`);
  await page.click('[data-item="fries"] button');
  await page.check('dialog input[value="large"]');
  await page.click('dialog button[type="submit"]');
  await page.click('#cart-bar a');
  await page.click('text=Go to checkout');
  await page.fill('#f-name', guest.name);
  await page.fill('#f-email', guest.email);
  await page.click('text=Continue to payment');
}

async function phone(): Promise<Page> {
  const context = await browser.newContext({
    viewport: PHONE,
    isMobile: true,
    hasTouch: true,
    locale: 'en-US',
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  (page as Page & { errors: string[] }).errors = errors;
  return page;
}

const pageErrors = (page: Page) => (page as Page & { errors: string[] }).errors;
const text = async (page: Page, selector: string) => (await page.textContent(selector))?.trim();
const shot = (page: Page, name: string) =>
  page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: false });

describe('ordering app', () => {
  it('is served with a strict content security policy', async () => {
    const res = await fetch(`${cloud.urls.gateway}/order/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\son[a-z]+=/);
    const track = await fetch(`${cloud.urls.gateway}/order/track/?id=x`);
    expect(track.status).toBe(200);
    expect(track.headers.get('content-security-policy')).toBe(csp);
  });

  it('lists the stores: open while the hub is heard from, not otherwise; not-enrolled hidden', async () => {
    const page = await phone();
    await page.goto(`${cloud.urls.gateway}/order/`);
    await page.waitForSelector(`[data-store="${OPEN}"]`);
    expect(await text(page, `[data-store="${OPEN}"] .name`)).toBe('Quay Street');
    expect(await text(page, `[data-store="${OPEN}"] [data-col="state"]`)).toBe(
      'Open for online orders',
    );
    expect(await text(page, `[data-store="${SILENT}"] [data-col="state"]`)).toBe(
      "This store can't take online orders right now",
    );
    expect(await page.$(`[data-store="${UNENROLLED}"]`)).toBeNull();
    await shot(page, '1-stores');

    // The silent store's menu can be read, but nothing can be ordered there.
    await page.click(`[data-store="${SILENT}"] a`);
    await page.waitForSelector('[data-testid="closed"]');
    expect(new URL(page.url()).search).toBe(`?store=${SILENT}`);
    await page.goBack();
    await page.waitForSelector(`[data-store="${OPEN}"]`);
    expect(pageErrors(page)).toEqual([]);
    await page.context().close();
  });

  it('takes no orders outside the opening hours, and says when the store opens', async () => {
    const config = `${cloud.urls.gateway}/api/v1/sync/stores/${OPEN}/config`;
    const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
    const opens = Date.now() + 2 * 3_600_000;
    const set = await callJson('PUT', config, owner, {
      hours: { timeZone: 'UTC', open: [{ from: hhmm(opens), to: hhmm(opens + 3_600_000) }] },
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    const page = await phone();
    try {
      await page.goto(`${cloud.urls.gateway}/order/`);
      await page.waitForSelector(`[data-store="${OPEN}"].closed`);
      expect(await text(page, `[data-store="${OPEN}"] [data-col="state"]`)).toMatch(
        /^Closed now · opens (\w{3} )?\d\d:\d\d$/,
      );
      await page.click(`[data-store="${OPEN}"] a`);
      await page.waitForSelector('[data-testid="closed"]');
      expect(await text(page, '[data-testid="hours"]')).toBe(
        `Open ${hhmm(opens)}–${hhmm(opens + 3_600_000)}`,
      );
      expect(await text(page, '[data-testid="closed"]')).toMatch(
        /^Closed now · opens .*once it opens\.$/,
      );
      // The cloud refuses an order sent anyway, saying why.
      const res = await fetch(`${cloud.urls.gateway}/api/v1/online/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
        body: JSON.stringify({
          storeId: OPEN,
          orderType: 'pickup',
          customer: { name: 'Night Owl', email: 'owl@example.com' },
          items: [{ menuItemId: 'fries', modifierIds: [], quantity: 1 }],
        }),
      });
      const refused = { status: res.status, body: await res.json() };
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ reason: 'store-closed', storeReason: 'closed' });
      expect(pageErrors(page)).toEqual([]);
    } finally {
      await page.context().close();
      expect((await callJson('PUT', config, owner, {})).status).toBe(200);
    }
  });

  it("shows the menu with prices in the menu's currency and the 86'd item greyed out", async () => {
    const page = await phone();
    await page.goto(`${cloud.urls.gateway}/order/`);
    await page.click(`[data-store="${OPEN}"] a`);
    await page.waitForSelector('[data-item="burger"]');
    expect(await text(page, 'h1')).toBe('Quay Street');
    expect(await page.$('[data-testid="closed"]')).toBeNull();
    expect(await text(page, '[data-item="burger"] .price')).toBe('$12.50');
    expect(await text(page, '[data-item="fries"] .price')).toBe('from $4.00');
    // Text from the API is text: the markup in the description is shown, not obeyed.
    expect(await text(page, '[data-item="burger"] .description')).toBe(
      'Beef patty, <b>brioche</b> bun',
    );
    expect(await page.$('[data-item="burger"] b')).toBeNull();
    expect(await page.getAttribute('[data-item="burger"] img', 'src')).toBe(
      `${cloud.urls.gateway}/order/icon.svg`,
    );
    // The milkshake is sold out: greyed, with the reason, and not a button.
    expect(await page.getAttribute('[data-item="shake"]', 'class')).toContain('off');
    expect(await text(page, '[data-item="shake"] .unavailable')).toBe('Sold out today');
    expect(await page.$('[data-item="shake"] button')).toBeNull();
    expect(await page.getAttribute('[data-item="shake"] .item-body', 'aria-disabled')).toBe('true');
    expect(await page.$$eval('nav.categories a', (as) => as.map((a) => a.textContent))).toEqual([
      'Burgers',
      'Sides',
      'Drinks',
    ]);
    expect(await text(page, 'main')).not.toContain('undefined');
    await shot(page, '2-menu');
    expect(pageErrors(page)).toEqual([]);
    await page.context().close();
  });

  it('enforces the modifier rules before adding to the cart', async () => {
    const page = await phone();
    await page.goto(`${cloud.urls.gateway}/order/?store=${OPEN}`);
    await page.click('[data-item="burger"] button');
    await page.waitForSelector('dialog[open]');
    expect(await text(page, 'dialog [data-group="sauce"] legend small')).toBe('Required, choose 1');
    expect(await text(page, 'dialog [data-group="extras"] legend small')).toBe('Optional, up to 2');
    // No sauce: refused beside the sauce, focus on its first choice, nothing in the cart.
    await page.click('dialog button[type="submit"]');
    expect(await text(page, 'dialog [data-group="sauce"] .field-error')).toBe('Please choose one');
    expect(await page.getAttribute('dialog [data-group="sauce"]', 'aria-invalid')).toBe('true');
    expect(await page.evaluate('document.activeElement.value')).toBe('ketchup');
    expect(await page.isVisible('dialog[open]')).toBe(true);
    expect(await page.isVisible('#cart-bar')).toBe(false);

    // Two extras at most: the third is disabled until one is taken off.
    await page.check('dialog input[value="cheese"]');
    await page.check('dialog input[value="bacon"]');
    expect(await page.isDisabled('dialog input[value="egg"]')).toBe(true);
    await page.uncheck('dialog input[value="bacon"]');
    expect(await page.isDisabled('dialog input[value="egg"]')).toBe(false);
    await page.check('dialog input[value="egg"]');

    // A sauce clears the error; the price follows the choices and the quantity.
    await page.check('dialog input[value="aioli"]');
    expect(await page.$('dialog [data-group="sauce"] .field-error')).toBeNull();
    await page.click('dialog [aria-label="One more"]');
    // (12.50 + 0.50 + 1.00 + 1.50) × 2
    expect(await text(page, 'dialog button[type="submit"] .total')).toBe('$31.00');
    await shot(page, '3-item');
    await page.click('dialog button[type="submit"]');
    await page.waitForSelector('dialog', { state: 'detached' });
    expect(await text(page, '#cart-bar .cart-link')).toBe('View cart · 2 items$31.00');
    await shot(page, '3b-menu-with-cart');

    // The sold-out drink has no way in; Escape closes a dialog without adding.
    await page.click('[data-item="fries"] button');
    await page.waitForSelector('dialog[open]');
    expect(await page.isChecked('dialog input[value="small"]')).toBe(true);
    await page.keyboard.press('Escape');
    await page.waitForSelector('dialog', { state: 'detached' });
    expect(await text(page, '[data-testid="cart-count"]')).toBe('View cart · 2 items');
    expect(pageErrors(page)).toEqual([]);
    await page.context().close();
  });

  it('keeps the cart across a reload, with quantities, removal and notes', async () => {
    const page = await phone();
    await page.goto(`${cloud.urls.gateway}/order/?store=${OPEN}`);
    await page.click('[data-item="fries"] button');
    await page.check('dialog input[value="large"]');
    await page.click('dialog button[type="submit"]');
    await page.click('[data-item="burger"] button');
    await page.check('dialog input[value="ketchup"]');
    await page.click('dialog button[type="submit"]');
    await page.click('#cart-bar a');
    await page.waitForSelector('.cart-line');
    expect(new URL(page.url()).search).toBe(`?store=${OPEN}&view=cart`);
    expect(await page.$$eval('.cart-line .name', (n) => n.map((x) => x.textContent))).toEqual([
      'FriesLarge',
      'Quay burgerKetchup',
    ]);
    expect(await text(page, '[data-total="estimate"]')).toBe('$18.00');

    await page.click('[aria-label="One more Fries"]');
    await page.click('[aria-label="One more Fries"]');
    await page.fill('.cart-line:nth-child(2) .notes input', 'No pickles');
    await page.press('.cart-line:nth-child(2) .notes input', 'Tab');
    expect(await text(page, '[data-total="estimate"]')).toBe('$29.00');
    await page.reload();
    await page.waitForSelector('.cart-line');
    expect(await page.inputValue('.cart-line:nth-child(1) input.qty')).toBe('3');
    expect(await page.inputValue('.cart-line:nth-child(2) .notes input')).toBe('No pickles');
    expect(await text(page, '[data-total="estimate"]')).toBe('$29.00');
    expect(await text(page, '.where')).toBe('Pickup at Quay Street');
    await shot(page, '4-cart');

    // Typed quantities stay within 1–99; the minus stops at 1.
    await page.fill('.cart-line:nth-child(1) input.qty', '150');
    await page.press('.cart-line:nth-child(1) input.qty', 'Tab');
    expect(await page.inputValue('.cart-line:nth-child(1) input.qty')).toBe('99');
    await page.fill('.cart-line:nth-child(1) input.qty', '1');
    await page.press('.cart-line:nth-child(1) input.qty', 'Tab');
    expect(await page.isDisabled('[aria-label="One fewer Fries"]')).toBe(true);

    await page.click('.cart-line:nth-child(1) button.link');
    expect(await page.$$eval('.cart-line', (n) => n.length)).toBe(1);
    await page.reload();
    await page.waitForSelector('.cart-line');
    expect(await page.$$eval('.cart-line', (n) => n.length)).toBe(1);
    expect(await text(page, '[data-total="estimate"]')).toBe('$12.50');
    expect(pageErrors(page)).toEqual([]);
    await page.context().close();
  });

  it('makes the order dine-in at the table whose QR code was scanned', async () => {
    const page = await phone();
    await page.goto(`${cloud.urls.gateway}/order/?store=${OPEN}&table=T12`);
    await page.waitForSelector('[data-item="burger"]');
    // The table is kept with the cart, not in the address.
    expect(new URL(page.url()).search).toBe(`?store=${OPEN}`);
    expect(await text(page, '.where')).toBe('Dine in · table T12');
    await page.click('[data-item="fries"] button');
    await page.click('dialog button[type="submit"]');
    await page.click('#cart-bar a');
    await page.waitForSelector('.cart-line');
    expect(await page.isChecked('input[name="orderType"][value="dine-in"]')).toBe(true);
    expect(await text(page, 'fieldset.order-type')).toContain('Dine in at table T12');
    expect(pageErrors(page)).toEqual([]);
    await page.context().close();
  });

  it("checks the guest's details in the page before placing the order", async () => {
    const page = await phone();
    const placed: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/v1/online/orders')) placed.push(r.method());
    });
    await page.goto(`${cloud.urls.gateway}/order/?store=${OPEN}`);
    await page.click('[data-item="fries"] button');
    await page.click('dialog button[type="submit"]');
    await page.click('#cart-bar a');
    await page.click('text=Go to checkout');
    await page.waitForSelector('form.details');
    expect(new URL(page.url()).search).toBe(`?store=${OPEN}&view=checkout`);
    expect(await text(page, 'ul.summary')).toBe('1 × Fries$4.00');

    // Nothing filled in: a name, and a phone or an email, are asked for beside their fields.
    await page.click('text=Continue to payment');
    expect(await text(page, 'label:has(#f-name) + .field-error')).toBe('Enter your name');
    expect(await page.getAttribute('#f-name', 'aria-invalid')).toBe('true');
    expect(await text(page, 'label:has(#f-phone) + .field-error')).toBe(
      'Enter a phone number or an email address so the store can reach you',
    );
    expect(await page.evaluate('document.activeElement.id')).toBe('f-name');
    await shot(page, '5-checkout');

    // A bad email is named; a good one clears both.
    await page.fill('#f-name', 'Ana');
    await page.fill('#f-email', 'ana@');
    await page.click('text=Continue to payment');
    expect(await page.$('label:has(#f-name) + .field-error')).toBeNull();
    expect(await text(page, 'label:has(#f-email) + .field-error')).toBe(
      'Enter an email address, e.g. ana@example.com',
    );
    await page.fill('#f-email', '');
    await page.fill('#f-phone', '12');
    await page.click('text=Continue to payment');
    expect(await text(page, 'label:has(#f-phone) + .field-error')).toBe(
      'Enter a phone number, e.g. +1 555 010 9999',
    );
    expect(placed).toEqual([]);
    expect(pageErrors(page)).toEqual([]);
    await page.context().close();
  });

  it('places the order, pays by card (a decline, then a good card) and follows it', async () => {
    // The order service answers under the gateway (not the gateway's own 404).
    const probe = await callJson('GET', `${cloud.urls.gateway}/api/v1/online/orders/x`, '');
    expect(probe.status).not.toBe(404);

    const page = await phone();
    const calls: { method: string; url: string; key?: string; auth: boolean }[] = [];
    page.on('request', (r) => {
      if (!r.url().includes('/api/v1/online/orders')) return;
      const headers = r.headers();
      calls.push({
        method: r.method(),
        url: r.url(),
        ...(headers['idempotency-key'] ? { key: headers['idempotency-key'] } : {}),
        auth: Boolean(headers.authorization),
      });
    });
    await checkoutLargeFries(page, { name: 'Ana', email: 'ana@example.com' });

    // The server's lines and totals: 5.50 and 8.25 % tax.
    await page.waitForSelector('form.pay');
    expect(await text(page, 'ul.summary.server')).toBe('1 × Fries (Large)$5.50');
    expect(await text(page, '[data-total="subtotal"]')).toBe('$5.50');
    expect(await text(page, '[data-total="tax"]')).toBe('$0.45');
    expect(await text(page, '[data-total="total"]')).toBe('$5.95');
    expect(await text(page, '[data-testid="pay"]')).toBe('Pay $5.95');
    expect(await text(page, 'form.pay .fine')).toBe(
      'Test cards: 4242 4242 4242 4242 approves; 4000 0000 0000 0002 is declined',
    );
    await shot(page, '6-pay');
    const placed = calls.filter((c) => c.method === 'POST' && c.url.endsWith('/orders'));
    expect(placed).toHaveLength(1);
    expect(placed[0]?.key).toMatch(/^[0-9a-f-]{36}$/);

    // Declined: said so, and another card may be tried.
    await page.fill('#f-card', '4000 0000 0000 0002');
    await page.click('[data-testid="pay"]');
    await page.waitForSelector('form.pay .notice.error');
    expect(await text(page, 'form.pay .message')).toMatch(/Please try another card\.$/);
    await shot(page, '6b-declined');

    // A double click pays once, then the tracking page follows the order.
    await page.fill('#f-card', '4242 4242 4242 4242');
    await page.dblclick('[data-testid="pay"]');
    await page.waitForURL(/\/order\/track\/\?id=/);
    const orderId = new URL(page.url()).searchParams.get('id') ?? '';
    expect(orderId).toMatch(/^[0-9a-f-]{36}$/);
    expect(new URL(page.url()).search).toBe(`?id=${orderId}`);
    await page.waitForSelector('[data-testid="status"][data-status="paid"]');
    expect(await text(page, '[data-testid="status"]')).toBe(
      'Paid. Sending your order to the store…',
    );
    await page.waitForSelector('[data-testid="connection"]:has-text("Live")');
    await shot(page, '8-track');
    const payments = calls.filter((c) => c.url.endsWith('/payment'));
    expect(payments).toHaveLength(2);
    expect(payments.every((c) => c.auth && c.key)).toBe(true);
    expect(new Set(payments.map((c) => c.key)).size).toBe(2);
    // The access token went in headers only: no address carried it.
    expect(calls.every((c) => !/token/i.test(c.url))).toBe(true);
    expect(calls.some((c) => c.url.endsWith(`/orders/${orderId}/events`) && c.auth)).toBe(true);

    // Paid: the cart is empty again.
    await page.goto(`${cloud.urls.gateway}/order/?store=${OPEN}`);
    await page.waitForSelector('[data-item="fries"]');
    expect(await page.isHidden('#cart-bar')).toBe(true);
    await page.context().close();
  });

  it('pays with a card that asks for 3-D Secure, through the bank check window', async () => {
    const page = await phone();
    await checkoutLargeFries(page, { name: 'Ada', email: 'ada@example.com' });
    await page.waitForSelector('form.pay');
    await page.fill('#f-card', '4000 0027 6000 3184');
    const [bank] = await Promise.all([
      page.waitForEvent('popup'),
      page.click('[data-testid="pay"]'),
    ]);
    await bank.waitForSelector('text=Confirm your payment');
    expect(await bank.textContent('main')).toContain('$5.95');
    await bank.click('text=Approve');
    // The check's window closes itself; the order page asks how it went, and it is paid.
    await page.waitForURL(/\/order\/track\/\?id=/, { timeout: 15_000 });
    await page.waitForSelector('[data-testid="status"][data-status="paid"]');
    await page.context().close();
  });

  it('works at desktop size too', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${cloud.urls.gateway}/order/?store=${OPEN}`);
    await page.waitForSelector('[data-item="burger"]');
    const columns = await page.evaluate(
      "getComputedStyle(document.querySelector('ul.items')).gridTemplateColumns",
    );
    expect(String(columns).split(' ')).toHaveLength(2);
    // The keyboard reaches an item and opens it.
    await page.focus('[data-item="burger"] button');
    await page.keyboard.press('Enter');
    await page.waitForSelector('dialog[open]');
    expect(await page.evaluate("document.activeElement.closest('dialog') !== null")).toBe(true);
    await page.screenshot({ path: `${SHOTS}/desktop-menu.png` });
    await context.close();
  });
});
