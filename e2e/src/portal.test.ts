import type { Cloud } from '@pos/cloud-services/cloud';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser.js';
import { callJson, ONE_BURGER_DRAFT, startCloudAsOwner } from './cloud-harness.js';

// The manager portal in headless Chromium, through the gateway: sign in, change a price in the
// draft, publish, and see the new version listed; change the menu's structure and see it in the
// published version; preview what publishing would change; find a loyalty customer and set up
// the programme; edit notification templates. Outcomes are read back through the API.

let cloud: Cloud;
let browser: Browser;
let owner: string;

const OWNER = { email: 'owner@portal.example', password: 'owner password 1' };

beforeAll(async () => {
  ({ cloud, token: owner } = await startCloudAsOwner(OWNER, 'portal-test'));
  const draft = await callJson(
    'PUT',
    `${cloud.urls.gateway}/api/v1/menu/draft`,
    owner,
    ONE_BURGER_DRAFT,
  );
  expect(draft.status).toBe(200);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await cloud?.stop();
});

/** Call the gateway as the owner and return the JSON answer. */
async function asOwner<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${cloud.urls.gateway}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${owner}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(res.ok, `${method} ${path}: ${res.status}`).toBe(true);
  return (await res.json()) as T;
}

/** A fresh page signed in as the owner, on the portal page `hash` (the menu by default). */
async function signIn(hash = '', prepare?: (page: Page) => Promise<void>): Promise<Page> {
  const page = await browser.newPage();
  // A step that cannot happen fails with its selector named, well before the test's own timeout.
  page.setDefaultTimeout(10_000);
  await prepare?.(page);
  await page.goto(`${cloud.urls.gateway}/portal/${hash}`);
  await page.fill('input[name="email"]', OWNER.email);
  await page.fill('input[name="password"]', OWNER.password);
  await page.click('button[type="submit"]');
  await page.waitForSelector(`[data-page="${hash.slice(1) || 'menu'}"] section`);
  return page;
}

interface Draft {
  categories: { id: string; name: string; color?: string; sortOrder: number }[];
  modifierGroups: {
    id: string;
    name: string;
    minChoices: number;
    maxChoices: number;
    modifiers: { name: string; priceDeltaCents: number }[];
  }[];
  items: {
    id: string;
    name: string;
    categoryId: string;
    priceCents: number;
    modifierGroupIds: string[];
    imageUrl?: string;
  }[];
}

describe('manager portal', () => {
  it('edits a price, publishes, and lists the new version', async () => {
    const page = await browser.newPage();
    await page.goto(`${cloud.urls.gateway}/portal/`);
    await page.fill('input[name="email"]', OWNER.email);
    await page.fill('input[name="password"]', OWNER.password);
    await page.click('button[type="submit"]');
    await page.waitForSelector('[data-price="burger"]');
    await page.fill('[data-price="burger"]', '16.50');
    await page.click('[data-save="burger"]');
    await page.waitForSelector('text=Burger saved to the draft');
    await page.click('[data-testid="publish"]');
    await page.waitForSelector('[data-version="1"]');
    expect(await page.textContent('[data-version="1"]')).toContain('harbour-street');

    await page.fill('[data-price="burger"]', '17.00');
    await page.click('[data-save="burger"]');
    await page.click('[data-testid="publish"]');
    await page.waitForSelector('[data-version="2"]');
    const v2 = await asOwner<{ items: { priceCents: number }[] }>('GET', '/api/v1/menu/versions/2');
    expect(v2.items[0]?.priceCents).toBe(1700);
    const v1 = await asOwner<{ items: { priceCents: number }[] }>('GET', '/api/v1/menu/versions/1');
    expect(v1.items[0]?.priceCents).toBe(1650);
    // The draft and the published history are for managers only.
    expect((await fetch(`${cloud.urls.gateway}/api/v1/menu/draft`)).status).toBe(401);
    expect((await fetch(`${cloud.urls.gateway}/api/v1/menu/versions/1`)).status).toBe(401);
    await page.close();
  });

  it('adds a category and a modifier group, attaches it to an item, and publishes them', async () => {
    const page = await signIn();
    await page.fill('input[name="new-category"]', 'Desserts');
    await page.press('input[name="new-category"]', 'Enter');
    await page.waitForSelector('[data-category="desserts"]');

    await page.fill('input[name="new-group"]', 'Cheese');
    await page.fill('[aria-label="Max choices"]', '2');
    await page.press('input[name="new-group"]', 'Enter');
    // The new group asks for its first modifier straight away.
    await page.waitForSelector('[data-focus="new-mod-cheese"]:focus');
    await page.keyboard.type('Cheddar');
    await page.fill('[aria-label="New modifier price in Cheese"]', '0.75');
    await page.press('[data-focus="new-mod-cheese"]', 'Enter');
    await page.waitForSelector('[data-field="modifierGroups.0.modifiers.0.name"]');

    await page.fill('input[name="new-item"]', 'Brownie');
    await page.selectOption('[aria-label="New item category"]', 'desserts');
    await page.fill('[aria-label="New item price"]', '6.50');
    await page.press('input[name="new-item"]', 'Enter');
    await page.waitForSelector('[data-item-name="brownie"]');
    await page.click('[aria-label="More about Brownie"]');
    const image = `${cloud.urls.gateway}/portal/brownie.jpg`;
    await page.fill('[aria-label="Brownie image URL"]', image);
    await page.press('[aria-label="Brownie image URL"]', 'Tab');
    expect(await page.getAttribute('[data-thumb="brownie"] img', 'src')).toBe(image);

    await page.click('[aria-label="More about Burger"]');
    await page.check('[data-attach="burger:cheese"]');

    // A group allowing fewer choices than it requires is refused, next to the field.
    await page.fill('[data-field="modifierGroups.0.maxChoices"]', '0');
    await page.click('[data-testid="save-draft"]');
    const refusal = await page.waitForSelector(
      '[data-field="modifierGroups.0.maxChoices"][aria-invalid="true"] + .field-error',
    );
    expect(await refusal.textContent()).toMatch(/1/);
    expect(await page.textContent('[data-testid="draft-status"]')).toBe('Unsaved changes');
    await page.fill('[data-field="modifierGroups.0.maxChoices"]', '2');
    await page.keyboard.press('Control+s');
    await page.waitForSelector('[data-testid="draft-status"]:text("All changes saved")');

    const saved = await asOwner<Draft>('GET', '/api/v1/menu/draft');
    expect(saved.categories.find((c) => c.id === 'desserts')).toMatchObject({ name: 'Desserts' });
    expect(saved.modifierGroups).toEqual([
      expect.objectContaining({
        id: 'cheese',
        minChoices: 0,
        maxChoices: 2,
        modifiers: [expect.objectContaining({ name: 'Cheddar', priceDeltaCents: 75 })],
      }),
    ]);
    expect(saved.items.find((i) => i.id === 'burger')?.modifierGroupIds).toEqual(['cheese']);

    const before = await asOwner<{ versions: unknown[] }>('GET', '/api/v1/menu/versions');
    const next = before.versions.length + 1;
    await page.click('[data-testid="publish"]');
    await page.waitForSelector(`[data-version="${next}"]`);
    const published = await asOwner<Draft>('GET', `/api/v1/menu/versions/${next}`);
    expect(published.items.find((i) => i.id === 'brownie')).toMatchObject({
      name: 'Brownie',
      categoryId: 'desserts',
      priceCents: 650,
      imageUrl: image,
    });
    expect(published.items.find((i) => i.id === 'burger')?.modifierGroupIds).toEqual(['cheese']);

    // The version's content, as published.
    await page.click(`[data-view-version="${next}"]`);
    await page.waitForSelector('[data-version-item="brownie"]');
    expect(await page.textContent('[data-version-category="desserts"]')).toContain('Brownie 6.50');
    expect(await page.textContent('[data-version-item="burger"]')).toContain('Cheese');
    expect(await page.textContent('[data-testid="version-diff"]')).toContain('added Brownie');
    await page.close();
  });

  it('previews the draft as the terminal shows it, with the price changes publishing would make', async () => {
    const { versions } = await asOwner<{ versions: { version: number }[] }>(
      'GET',
      '/api/v1/menu/versions',
    );
    const latest = await asOwner<Draft>('GET', `/api/v1/menu/versions/${versions[0]?.version}`);
    const was = latest.items.find((i) => i.id === 'burger')?.priceCents ?? 0;
    const page = await signIn();
    await page.fill('[data-price="burger"]', '18.25');
    await page.click('nav a[href="#preview"]');
    const change = await page.waitForSelector('[data-price-change="burger"]');
    expect(await change.textContent()).toBe(
      `Burger: ${(was / 100).toFixed(2)} → 18.25 (+${((1825 - was) / 100).toFixed(2)})`,
    );
    expect(await page.textContent('[data-testid="added"]')).toBe('none');

    await page.click('[data-tab="burgers"]');
    const tile = await page.waitForSelector('[data-tile="burger"]');
    expect(await tile.textContent()).toContain('18.25');
    expect(await tile.textContent()).toContain('Cheese');
    await tile.click();
    expect(await page.textContent('[data-tile-group="cheese"]')).toMatch(/Cheddar \+0\.75/);
    // Arrow keys move between the category tabs, as on the terminal.
    await page.focus('[data-tab="burgers"]');
    await page.keyboard.press('ArrowRight');
    await page.waitForSelector('[data-tab="desserts"][aria-selected="true"]:focus');
    expect(await page.textContent('[data-tile="brownie"]')).toContain('6.50');
    // The preview changed nothing on the server.
    const draft = await asOwner<Draft>('GET', '/api/v1/menu/draft');
    expect(draft.items.find((i) => i.id === 'burger')?.priceCents).toBe(was);
    await page.close();
  });

  it('finds a loyalty customer by phone and sets up how points are earned', async () => {
    const phone = '+1 555 010 2030';
    const account = await asOwner<{ customerId: string }>('POST', '/api/v1/loyalty/accounts', {
      name: 'Ada Lovelace',
      phone,
    });
    await asOwner('POST', '/api/v1/loyalty/points/add', {
      customerId: account.customerId,
      points: 120,
      reason: 'welcome gift',
    });
    const page = await signIn('#loyalty');
    await page.fill('input[name="lookup"]', '+1 555 999 0000');
    await page.press('input[name="lookup"]', 'Enter');
    const missing = await page.waitForSelector('input[name="lookup"] + .field-error');
    expect(await missing.textContent()).toContain('No account');

    await page.fill('input[name="lookup"]', phone);
    await page.press('input[name="lookup"]', 'Enter');
    await page.waitForSelector('[data-testid="balance"]');
    expect(await page.textContent('[data-testid="balance"]')).toBe('120 points');
    expect(await page.textContent('[data-testid="tier"]')).toBe('Member');
    expect(await page.textContent('[data-testid="ledger"]')).toContain('welcome gift');
    expect(await page.$('input[name="lookup"] + .field-error')).toBeNull();

    await page.fill('[aria-label="Silver points per currency unit"]', '1.3');
    await page.press('[aria-label="Silver points per currency unit"]', 'Enter');
    await page.waitForSelector('text=Silver: 1.3 points per unit');
    await page.fill('[data-multiplier="burgers"]', '2');
    await page.press('[data-multiplier="burgers"]', 'Enter');
    await page.waitForSelector('text=Burgers: points × 2');
    const { tiers } = await asOwner<{ tiers: { tierId: string; earnRateBp: number }[] }>(
      'GET',
      '/api/v1/loyalty/tiers',
    );
    expect(tiers.find((t) => t.tierId === 'silver')?.earnRateBp).toBe(13_000);
    const { multipliers } = await asOwner<{ multipliers: unknown[] }>(
      'GET',
      '/api/v1/loyalty/multipliers',
    );
    expect(multipliers).toContainEqual({ categoryId: 'burgers', multiplierBp: 20_000 });
    await page.close();
  });

  it('edits a notification template and refuses an unknown variable next to the body', async () => {
    const page = await signIn('#notifications');
    const body = '[data-body="order-ready-sms"]';
    await page.fill(body, 'Order #{{orderNumber}} for {{creditCard}}');
    await page.click('[data-save-template="order-ready-sms"]');
    const refusal = await page.waitForSelector(`${body}[aria-invalid="true"] + .field-error`);
    expect(await refusal.textContent()).toBe('{{creditCard}} is not one of orderNumber, name');
    type Templates = { templates: { template: string; channel: string; body: string }[] };
    const sms = async () =>
      (await asOwner<Templates>('GET', '/api/v1/notifications/templates')).templates.find(
        (t) => t.template === 'order-ready' && t.channel === 'sms',
      )?.body;
    expect(await sms()).toBe('Order #{{orderNumber}} is ready to collect.');

    await page.fill(body, 'Order #{{orderNumber}} is ready, ');
    await page.click('[data-template-channel="order-ready-sms"] button.chip:text("{{name}}")');
    await page.keyboard.type('!');
    await page.click('[data-save-template="order-ready-sms"]');
    await page.waitForSelector('text=order-ready (sms) saved');
    expect(await page.$(`${body} + .field-error`)).toBeNull();
    expect(await sms()).toBe('Order #{{orderNumber}} is ready, {{name}}!');
    await page.close();
  });

  it('sends back the fields of the draft it does not edit', async () => {
    // Serving windows, per-store prices and SKUs are not edited in the portal, only kept.
    const weekdays = [{ days: [1, 2, 3, 4, 5], from: '11:00', to: '15:00' }];
    const before = await asOwner<Draft & Record<string, unknown>>('GET', '/api/v1/menu/draft');
    const priceOverrides = [{ storeId: 'harbour-street', itemId: 'burger', priceCents: 1_900 }];
    await asOwner('PUT', '/api/v1/menu/draft', {
      ...before,
      categories: before.categories.map((c) =>
        c.id === 'desserts' ? { ...c, availableAt: weekdays } : c,
      ),
      items: before.items.map((i) =>
        i.id === 'burger' ? { ...i, availableAt: weekdays, sku: 'PLU-100' } : i,
      ),
      priceOverrides,
    });
    const page = await signIn();
    await page.click('[aria-label="More about Burger"]');
    expect(await page.textContent('[data-item="burger"].more')).toContain(
      'Mon,Tue,Wed,Thu,Fri 11:00–15:00',
    );
    await page.fill('[aria-label="Burger description"]', 'Flame grilled');
    await page.fill('[data-category-name="desserts"]', 'Sweets');
    await page.click('[data-focus="up-desserts"]');
    await page.click('[data-testid="save-draft"]');
    await page.waitForSelector('[data-testid="draft-status"]:text("All changes saved")');

    const saved = await asOwner<Draft & Record<string, unknown>>('GET', '/api/v1/menu/draft');
    expect(Object.keys(saved).sort()).toEqual(Object.keys(before).sort());
    expect(saved.priceOverrides).toEqual(priceOverrides);
    expect(saved.items.find((i) => i.id === 'burger')).toMatchObject({
      description: 'Flame grilled',
      availableAt: weekdays,
      sku: 'PLU-100',
      modifierGroupIds: ['cheese'],
    });
    expect(saved.categories.map((c) => [c.id, c.name, c.sortOrder])).toEqual([
      ['desserts', 'Sweets', 1],
      ['burgers', 'Burgers', 2],
    ]);
    expect(saved.categories[0]).toMatchObject({ availableAt: weekdays });
    await page.close();
  });
});
