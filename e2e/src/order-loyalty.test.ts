import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestIdp, type TestIdp } from '@pos/cloud-services/auth/test-idp';
import { type Cloud, startCloud } from '@pos/cloud-services/cloud';
import { makeEvent, uuidv7 } from '@pos/contracts';
import { createLogger } from '@pos/kit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser.js';
import { ANY_PORTS, callJson, ONE_BURGER_DRAFT } from './cloud-harness.js';
import { type Mailbox, startMailbox } from './mailbox.js';
import { freePort } from './ports.js';

// The guest's loyalty dashboard in the ordering app (seed §10), in headless Chromium at a
// phone's size against a cloud started in-process: a guest creates an account in the app, a
// store's payment for their email reaches loyalty over sync and the cloud bus (twice, earning
// once), the account page shows balance, tier and progress, a double-clicked Redeem spends once,
// and a second guest sees neither the first's account nor the staff's routes.

const OWNER = { email: 'owner@order-loyalty.example', password: 'owner password 1' };
const STORE = 'harbour-lane';
const PHONE = { width: 390, height: 844 };
const SHOTS = process.env.ORDER_APP_SHOTS ?? join(tmpdir(), 'pos-order-app-shots');
const ANA = { name: 'Ana Lima', email: 'ana@order-loyalty.example', password: 'ana password 1' };
const CLEO = { name: 'Cleo Park', email: 'cleo@order-loyalty.example' };
const BO = { name: 'Bo Chen', email: 'bo@order-loyalty.example', password: 'bo password 12' };

let cloud: Cloud;
let idp: TestIdp;
let mailbox: Mailbox;
let browser: Browser;
let owner: string;
let hub = '';
let sequence = 0;

async function signIn(who: { email: string; password: string }): Promise<string> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const res = await callJson('POST', `${cloud.urls.gateway}/api/v1/auth/login`, '', {
      email: who.email,
      password: who.password,
    });
    if (res.status === 200) return res.body.accessToken;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${who.email} could not sign in`);
}

/** The store's hub pushes events up; sync fans them out on the cloud bus to loyalty. */
async function push(events: unknown[]) {
  const res = await callJson('POST', `${cloud.urls.sync}/api/v1/sync/push`, hub, { events });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

function payment(email: string, amountCents: number) {
  return {
    ...makeEvent(
      'payment.completed.v1',
      {
        paymentId: uuidv7(),
        orderId: uuidv7(),
        tender: 'card',
        amountCents,
        tipCents: 0,
        currency: 'USD',
        card: { brand: 'visa', last4: '4242', offline: false },
        customer: { email },
        categoryAmounts: [{ categoryId: 'burgers', amountCents }],
        completedAt: new Date().toISOString(),
      } as never,
      { source: 'payments-service', correlationId: uuidv7() as never, storeId: STORE as never },
    ),
    Sequence: ++sequence,
  };
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // The loyalty service checks a guest's own token against the auth service's keys, so auth
  // gets a port known before it starts.
  const [authPort, gatewayPort] = [await freePort(), await freePort()];
  // A social sign-in provider that sends guests back to the app's account page.
  const back = `http://127.0.0.1:${gatewayPort}/order/account/`;
  // Where the confirmation codes arrive.
  mailbox = await startMailbox();
  idp = await startTestIdp([back], {
    cleo: { email: CLEO.email, email_verified: true, name: CLEO.name },
  });
  cloud = await startCloud({
    env: {
      AUTH_OWNER_EMAIL: OWNER.email,
      AUTH_OWNER_PASSWORD: OWNER.password,
      AUTH_URL: `http://127.0.0.1:${authPort}`,
      SMTP_URL: mailbox.url,
      NOTIFY_EVERY_MS: '100',
      OIDC_PROVIDERS: JSON.stringify([
        {
          name: 'harbour-id',
          label: 'Harbour ID',
          issuer: idp.issuer,
          clientId: idp.clientId,
          clientSecret: idp.clientSecret,
          redirectUri: back,
        },
      ]),
    },
    ports: { ...ANY_PORTS, auth: authPort, gateway: gatewayPort },
    logger: createLogger({ service: 'order-loyalty-test', level: 'silent' }),
  });
  owner = await signIn(OWNER);
  const created = await callJson('POST', `${cloud.urls.gateway}/api/v1/sync/stores`, owner, {
    storeId: STORE,
    name: 'Harbour Lane',
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const enrolled = await callJson('POST', `${cloud.urls.sync}/api/v1/sync/enrol`, '', {
    code: created.body.enrolmentCode,
  });
  expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(201);
  hub = enrolled.body.credential;
  const saved = await callJson('PUT', `${cloud.urls.gateway}/api/v1/menu/draft`, owner, {
    ...ONE_BURGER_DRAFT,
  });
  expect(saved.status, JSON.stringify(saved.body)).toBeLessThan(300);
  const published = await callJson('POST', `${cloud.urls.gateway}/api/v1/menu/publish`, owner, {
    storeIds: [STORE],
  });
  expect(published.status, JSON.stringify(published.body)).toBeLessThan(300);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await cloud?.stop();
  await idp?.close();
  await mailbox?.close();
});

async function phone(): Promise<Page & { errors: string[] }> {
  const context = await browser.newContext({
    viewport: PHONE,
    isMobile: true,
    hasTouch: true,
    locale: 'en-US',
  });
  const page = (await context.newPage()) as Page & { errors: string[] };
  page.setDefaultTimeout(10_000);
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') page.errors.push(m.text());
  });
  return page;
}

const text = async (page: Page, selector: string) => (await page.textContent(selector))?.trim();
const shot = (page: Page, name: string, fullPage = false) =>
  page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage });
/** The access token the app keeps in this tab's sessionStorage. */
const tokenOf = (page: Page): Promise<string> =>
  page.evaluate("JSON.parse(sessionStorage.getItem('order.session') ?? '{}').accessToken");
const me = (token: string) => callJson('GET', `${cloud.urls.gateway}/api/v1/loyalty/me`, token);

async function until(check: () => Promise<boolean>, what: string) {
  const end = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what}: not in time`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function createAccount(page: Page, who: typeof ANA) {
  await page.goto(`${cloud.urls.gateway}/order/`);
  await page.click('#account-link');
  await page.waitForURL(/\/order\/account\/$/);
  await page.click('[data-action="show-register"]');
  await page.fill('#a-displayName', who.name);
  await page.fill('#a-email', who.email);
  await page.fill('#a-password', who.password);
  await page.click('button[type="submit"]');
  // The points are the email's: first the code sent to it.
  await page.waitForSelector('#a-code');
  await page.fill('#a-code', await mailbox.codeFor(who.email));
  await page.click('button[type="submit"]');
  await page.waitForSelector('[data-testid="balance"]');
}

describe('the guest loyalty dashboard', () => {
  let ana: Page & { errors: string[] };
  let anaToken = '';

  it('creates an account in the app, and shows an empty account with the way to Silver', async () => {
    ana = await phone();
    await page404Free(ana);
    await createAccount(ana, ANA);
    expect(await text(ana, 'h1')).toBe('Your rewards');
    expect(await text(ana, '[data-testid="balance"]')).toBe('0');
    expect(await text(ana, '[data-testid="tier"]')).toBe('Member');
    expect(await text(ana, '[data-testid="to-next"]')).toBe('500 points to Silver');
    expect(await text(ana, '[data-testid="history-empty"]')).toBe('No visits yet.');
    anaToken = await tokenOf(ana);
    expect(anaToken).toMatch(/^ey/);
    // The token is never in an address.
    expect(ana.url()).not.toContain(anaToken.slice(0, 20));
    // Back on the ordering app, the header knows the guest.
    await ana.goto(`${cloud.urls.gateway}/order/`);
    await ana.waitForSelector('#app:not([aria-busy])');
    await ana.waitForFunction(
      "document.getElementById('account-link')?.textContent === 'Your rewards'",
    );
    await shot(ana, 'account-4-order-app-signed-in');
  });

  it('counts a payment for their email once, even delivered twice, with tier and progress', async () => {
    const paid = payment(ANA.email, 25_000); // $250: 250 points, half way to Silver
    await push([paid]);
    await push([paid]); // the hub retried its push
    await push([{ ...paid, Sequence: ++sequence }]); // and the same event again, later
    await until(async () => (await me(anaToken)).body?.pointsBalance === 250, 'points earned');
    await new Promise((r) => setTimeout(r, 300));
    await ana.goto(`${cloud.urls.gateway}/order/account/`);
    await ana.waitForSelector('[data-testid="history"]');
    expect(await text(ana, '[data-testid="balance"]')).toBe('250');
    expect(await text(ana, '[data-testid="tier"]')).toBe('Member');
    expect(await text(ana, '[data-testid="to-next"]')).toBe('250 points to Silver');
    expect(await ana.getAttribute('[data-testid="progress"]', 'value')).toBe('50');
    const rows = await ana.$$eval('[data-testid="history"] li', (lis) =>
      lis.map((li) => li.textContent),
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain('Points for your visit');
    expect(rows[0]).toContain(
      `Ref. ${(paid.Payload as { paymentId: string }).paymentId.slice(-8).toUpperCase()}`,
    );
    expect(rows[0]).toContain('+250');
    // Affordable rewards can be redeemed; the dessert needs more points.
    expect(await ana.isEnabled('[data-reward="free-coffee"] button')).toBe(true);
    expect(await ana.isDisabled('[data-reward="free-dessert"] button')).toBe(true);
    expect(await text(ana, '[data-reward="free-dessert"] small')).toBe(
      '400 points · 150 points more needed',
    );
    await shot(ana, 'account-1-points');
    await shot(ana, 'account-1-points-full', true);
  });

  it('redeems once when Redeem is double-clicked', async () => {
    await ana.dblclick('[data-reward="free-coffee"] button');
    await ana.waitForSelector('.notice.ok');
    expect(await text(ana, '.notice.ok')).toBe(
      'A coffee on the house redeemed — show this screen at the counter. 100 points left.',
    );
    expect(await text(ana, '[data-testid="balance"]')).toBe('100');
    await new Promise((r) => setTimeout(r, 300));
    const after = await me(anaToken);
    expect(after.body.pointsBalance).toBe(100);
    expect(after.body.history.map((h: { kind: string }) => h.kind)).toEqual(['redeem', 'earn']);
    // Now short for another coffee.
    expect(await ana.isDisabled('[data-reward="free-coffee"] button')).toBe(true);
    const history = await ana.$$eval('[data-testid="history"] li', (lis) =>
      lis.map((li) => li.textContent),
    );
    expect(history[0]).toContain('Redeemed: A coffee on the house');
    expect(history[0]).toContain('−150');
    await shot(ana, 'account-2-redeemed');
    await shot(ana, 'account-2-redeemed-full', true);
    expect(ana.errors).toEqual([]);
  });

  it("fills a signed-in guest's name and email in at checkout", async () => {
    await push([]); // the hub is heard from: the store takes orders
    await ana.goto(`${cloud.urls.gateway}/order/?store=${STORE}`);
    await ana.click('[data-item="burger"] button');
    await ana.click('dialog button[type="submit"]');
    await ana.click('#cart-bar a');
    await ana.click('text=Go to checkout');
    await ana.waitForSelector('#f-email');
    expect(await ana.inputValue('#f-name')).toBe(ANA.name);
    expect(await ana.inputValue('#f-email')).toBe(ANA.email);
    await ana.goto(`${cloud.urls.gateway}/order/account/`);
    await ana.waitForSelector('[data-testid="balance"]');
  });

  it('signs out and back in', async () => {
    await ana.click('[data-action="sign-out"]');
    await ana.waitForSelector('#a-email');
    expect(await ana.evaluate("sessionStorage.getItem('order.session')")).toBeNull();
    await shot(ana, 'account-0-sign-in');
    await ana.fill('#a-email', ANA.email);
    await ana.fill('#a-password', 'not the password');
    await ana.click('button[type="submit"]');
    await ana.waitForSelector('.notice.error');
    expect(await text(ana, '.notice.error')).toBe('The email or password is not right');
    await ana.fill('#a-password', ANA.password);
    await ana.click('button[type="submit"]');
    await ana.waitForSelector('[data-testid="balance"]');
    expect(await text(ana, '[data-testid="balance"]')).toBe('100');
    anaToken = await tokenOf(ana);
  });

  it('signs a guest in with a social provider, the code never left in the address', async () => {
    const cleo = await phone();
    await cleo.goto(`${cloud.urls.gateway}/order/account/`);
    expect(await text(cleo, '[data-provider="harbour-id"]')).toBe('Continue with Harbour ID');
    await cleo.click('[data-provider="harbour-id"]');
    // Off to the provider, which signs Cleo in and sends her back with a code.
    await cleo.waitForSelector('[data-testid="balance"]');
    expect(new URL(cleo.url()).search).toBe('');
    expect(await text(cleo, '[data-testid="balance"]')).toBe('0');
    const token = await tokenOf(cleo);
    const account = await me(token);
    expect(account.status).toBe(200);
    expect(account.body).toMatchObject({ email: CLEO.email, pointsBalance: 0 });
    // Her payments earn points like anyone's.
    await push([payment(CLEO.email, 4_200)]);
    await until(async () => (await me(token)).body?.pointsBalance === 42, 'points earned');
    expect(cleo.errors).toEqual([]);
    await cleo.context().close();
  });

  it("keeps a second guest out of the first's account and the staff routes", async () => {
    const bo = await phone();
    await createAccount(bo, BO);
    expect(await text(bo, '[data-testid="balance"]')).toBe('0');
    const boToken = await tokenOf(bo);
    expect((await me(boToken)).body.email).toBe(BO.email);
    const anaAccount = (await me(anaToken)).body;
    const gw = cloud.urls.gateway;
    const refused = [
      await callJson(
        'GET',
        `${gw}/api/v1/loyalty/accounts?email=${encodeURIComponent(ANA.email)}`,
        boToken,
      ),
      await callJson('GET', `${gw}/api/v1/loyalty/accounts/${anaAccount.customerId}`, boToken),
      await callJson(
        'GET',
        `${gw}/api/v1/loyalty/accounts/${anaAccount.customerId}/transactions`,
        boToken,
      ),
      await callJson('POST', `${gw}/api/v1/loyalty/rewards/redeem`, boToken, {
        customerId: anaAccount.customerId,
        rewardId: 'free-coffee',
      }),
      await callJson('POST', `${gw}/api/v1/loyalty/points/add`, boToken, {
        customerId: boToken && (await me(boToken)).body.customerId,
        points: 1000,
        reason: 'self-service',
      }),
      await callJson('PUT', `${gw}/api/v1/loyalty/rewards/free-coffee`, boToken, {
        name: 'Free',
        pointsCost: 0,
      }),
    ];
    expect(refused.map((r) => r.status)).toEqual([403, 403, 403, 403, 403, 403]);
    // Staff never use the guest's routes either.
    expect((await me(owner)).status).toBe(403);
    expect((await me('')).status).toBe(401);
    expect((await me(anaToken)).body.pointsBalance).toBe(100);

    // A guest signed in but not (yet) in the programme is told how to start.
    const cy = { name: 'Cy', email: 'cy@order-loyalty.example', password: 'cy password 123' };
    expect(
      (
        await callJson('POST', `${gw}/api/v1/auth/register`, '', {
          email: cy.email,
          password: cy.password,
          displayName: cy.name,
        })
      ).status,
    ).toBe(201);
    // Until Cy shows the email is hers, she sees no points at all (it could be anyone's).
    const unconfirmed = await me(await signIn(cy));
    expect(unconfirmed.status).toBe(403);
    expect(unconfirmed.body.reason).toBe('email-not-verified');
    const code = await mailbox.codeFor(cy.email);
    const wrong = await callJson('POST', `${gw}/api/v1/auth/email/confirm`, await signIn(cy), {
      code: code === '000000' ? '111111' : '000000',
    });
    expect(wrong.status).toBe(400);
    const confirmed = await callJson('POST', `${gw}/api/v1/auth/email/confirm`, await signIn(cy), {
      code,
    });
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    const cyToken = await signIn(cy);
    const none = await me(cyToken);
    expect(none.status).toBe(404);
    expect(none.body.detail).toBe('No points yet — order with this email to start earning');
    await bo.click('[data-action="sign-out"]');
    await bo.waitForSelector('#a-email');
    await bo.fill('#a-email', cy.email);
    await bo.fill('#a-password', cy.password);
    await bo.click('button[type="submit"]');
    await bo.waitForSelector('[data-testid="no-points"]');
    expect(await text(bo, '[data-testid="no-points"]')).toBe(
      'No points yet — order with this email to start earning',
    );
    await shot(bo, 'account-3-no-points');
    await bo.click('[data-action="join"]');
    await bo.waitForSelector('[data-testid="balance"]');
    // Chromium logs the API's 404 ("no points yet") as a failed load; nothing else went wrong.
    expect(bo.errors.filter((e) => !/status of 404/.test(e))).toEqual([]);
    await bo.context().close();
  });

  it('spends points on a reward at checkout: the amount off, charged and held once', async () => {
    const saved = await callJson(
      'PUT',
      `${cloud.urls.gateway}/api/v1/loyalty/rewards/five-off`,
      owner,
      {
        name: '$5 off',
        pointsCost: 50,
        discountCents: 500,
        active: true,
      },
    );
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    ana.errors.length = 0; // the wrong password earlier was meant to fail
    const before = (await me(anaToken)).body.pointsBalance as number;
    await push([]);
    await ana.goto(`${cloud.urls.gateway}/order/?store=${STORE}`);
    await ana.click('[data-item="burger"] button');
    await ana.click('dialog button[type="submit"]');
    await ana.click('#cart-bar a');
    await ana.click('text=Go to checkout');
    await ana.waitForSelector('[data-testid="rewards"]:not([hidden])');
    expect(await text(ana, '[data-testid="rewards"] label:has(input[value="five-off"])')).toBe(
      '$5 off: $5.00 off (50 points)',
    );
    await ana.check('input[name="reward"][value="five-off"]');
    await ana.dblclick('text=Continue to payment');
    await ana.waitForSelector('[data-total="discount"]');
    expect(await text(ana, '[data-total="discount"]')).toBe('−$5.00');
    const subtotal = Number((await text(ana, '[data-total="subtotal"]'))?.replace(/[^0-9.]/g, ''));
    const tax = Number((await text(ana, '[data-total="tax"]'))?.replace(/[^0-9.]/g, ''));
    const total = Number((await text(ana, '[data-total="total"]'))?.replace(/[^0-9.]/g, ''));
    expect(total).toBeCloseTo(subtotal - 5 + tax, 2);
    // The points are held as the order is placed (a double click places it once).
    expect((await me(anaToken)).body.pointsBalance).toBe(before - 50);
    await ana.fill('#f-card', '4242 4242 4242 4242');
    await ana.click('[data-testid="pay"]');
    await ana.waitForURL(/\/order\/track\//);
    // Paid: spent, not given back.
    await new Promise((r) => setTimeout(r, 500));
    const after = (await me(anaToken)).body;
    expect(after.pointsBalance).toBe(before - 50);
    expect(after.history.filter((h: { points: number }) => h.points === -50)).toHaveLength(1);
    expect(ana.errors).toEqual([]);
    await ana.goto(`${cloud.urls.gateway}/order/account/`);
    await ana.waitForSelector('[data-testid="balance"]');
  });
});

/** The account page loads without errors before anyone signs in. */
async function page404Free(page: Page & { errors: string[] }) {
  const res = await page.goto(`${cloud.urls.gateway}/order/account/`);
  expect(res?.status()).toBe(200);
  await page.waitForSelector('#a-email');
  expect(await text(page, 'h1')).toBe('Sign in');
  expect(page.errors).toEqual([]);
}
