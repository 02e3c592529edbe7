import { type Cloud, startCloud } from '@pos/cloud-services/cloud';
import { createLogger } from '@pos/kit';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser.js';

// The manager portal in headless Chromium, through the gateway: sign in, change a price in the
// draft, publish, and see the new version listed.

let cloud: Cloud;
let browser: Browser;
let owner: string;

const OWNER = { email: 'owner@portal.example', password: 'owner password 1' };
const anyPorts = { gateway: 0, auth: 0, menu: 0, loyalty: 0, notification: 0, sync: 0 };

beforeAll(async () => {
  cloud = await startCloud({
    env: { AUTH_OWNER_EMAIL: OWNER.email, AUTH_OWNER_PASSWORD: OWNER.password },
    ports: anyPorts,
    logger: createLogger({ service: 'portal-test', level: 'silent' }),
  });
  for (let i = 0; i < 50 && !owner; i++) {
    const res = await fetch(`${cloud.urls.gateway}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(OWNER),
    });
    if (res.ok) owner = ((await res.json()) as { accessToken: string }).accessToken;
    else await new Promise((r) => setTimeout(r, 100));
  }
  const draft = await fetch(`${cloud.urls.gateway}/api/v1/menu/draft`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${owner}` },
    body: JSON.stringify({
      currency: 'USD',
      taxCategories: [{ id: 'food', name: 'Food', rateBasisPoints: 825, inclusive: false }],
      stations: [{ id: 'grill', name: 'Grill' }],
      categories: [{ id: 'burgers', name: 'Burgers', sortOrder: 1 }],
      modifierGroups: [],
      items: [
        {
          id: 'burger',
          name: 'Burger',
          categoryId: 'burgers',
          priceCents: 1500,
          variants: [],
          modifierGroupIds: [],
          taxCategoryId: 'food',
          stationId: 'grill',
          allergens: [],
          available: true,
        },
      ],
    }),
  });
  expect(draft.status).toBe(200);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await cloud?.stop();
});

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
    const v2 = await fetch(`${cloud.urls.gateway}/api/v1/menu/versions/2`);
    expect(((await v2.json()) as { items: { priceCents: number }[] }).items[0]?.priceCents).toBe(
      1700,
    );
    const v1 = await fetch(`${cloud.urls.gateway}/api/v1/menu/versions/1`);
    expect(((await v1.json()) as { items: { priceCents: number }[] }).items[0]?.priceCents).toBe(
      1650,
    );
    // The draft is for managers only.
    expect((await fetch(`${cloud.urls.gateway}/api/v1/menu/draft`)).status).toBe(401);
    await page.close();
  });
});
