import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Cloud } from '@pos/cloud-services/cloud';
import type { CloudServiceName } from '@pos/cloud-services/config';
import { PINS, startTestHub, type TestHub } from '@pos/edge-hub/testing/hub-harness';
import type { Express } from 'express';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildKitchenDisplay, buildTerminal, launchChromium } from '../browser.js';
import { callJson, ONE_BURGER_DRAFT, startCloudAsOwner } from '../cloud-harness.js';
import { registeredRoutes, samplePath, withExpressApps } from './express-routes.js';

// Every HTML page the hub and the cloud serve carries a Content-Security-Policy that forbids
// framing, `nosniff` and a referrer policy; and the policy does not break the page: each is
// loaded (and the main ones used) in Chromium, with any CSP violation failing the test. The
// pages are found from what the apps register (static mounts and routes answering HTML), so a
// new page is checked without being added here.

// Page-side code below runs in the browser.
declare const document: any;
declare const window: any;

const root = resolve(import.meta.dirname, '../../..');
const OWNER = { email: 'owner@headers.example', password: 'owner password 1' };

/** Where each of the gateway's static mounts takes its files from (see `gateway/*.ts`). */
const GATEWAY_STATIC: Readonly<Record<string, string>> = {
  '/portal': 'cloud-services/portal',
  '/order': 'cloud-services/order-app',
};

/** The portal's pages (`portal.js`); the preview draws category colours as inline styles. */
const PORTAL_PAGES = ['#preview', '#stores', '#staff', '#sales', '#loyalty', '#notifications'];

let cloud: Cloud;
let owner: string;
let cloudApps: Map<CloudServiceName, Express>;
let t: TestHub;
let browser: Browser;

beforeAll(async () => {
  buildTerminal();
  buildKitchenDisplay();
  const found = await withExpressApps(
    () => startCloudAsOwner(OWNER, 'headers-test'),
    (started) => started.cloud.urls,
  );
  ({ cloud, token: owner } = found.started);
  cloudApps = found.apps;
  const draft = await callJson(
    'PUT',
    `${cloud.urls.gateway}/api/v1/menu/draft`,
    owner,
    ONE_BURGER_DRAFT,
  );
  expect(draft.status).toBe(200);
  t = await startTestHub();
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await t?.stop();
  await cloud?.stop();
});

interface HtmlPage {
  url: string;
  headers: Headers;
}

/** Each HTML file under `dir`, as the address the static mount serves it at. */
function htmlFiles(mount: string, dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(resolve(root, dir), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.html')) continue;
    const rel = relative(resolve(root, dir), join(entry.parentPath, entry.name));
    out.push(`${mount}/${rel.replace(/(^|\/)index\.html$/, '$1')}`);
  }
  return out;
}

/** GET each address; those answering HTML are pages. */
async function htmlPages(base: string, paths: Iterable<string>, token?: string) {
  const pages: HtmlPage[] = [];
  for (const path of new Set(paths)) {
    const res = await fetch(`${base}${path}`, {
      redirect: 'manual',
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    await res.body?.cancel();
    if (res.headers.get('content-type')?.startsWith('text/html')) {
      pages.push({ url: `${base}${path}`, headers: res.headers });
    }
  }
  return pages;
}

/** Every GET route and static mount of an app, as addresses to try. */
function candidates(app: Express): string[] {
  return registeredRoutes(app)
    .filter((r) => r.method === 'GET' || r.kind === 'mount')
    .map((r) => (r.kind === 'mount' ? `${r.path}/` : samplePath(r.path)));
}

async function hubPages(): Promise<HtmlPage[]> {
  return htmlPages(t.hub.url, candidates(t.hub.app));
}

async function cloudPages(): Promise<HtmlPage[]> {
  const gateway = cloudApps.get('gateway');
  if (!gateway) throw new Error('the gateway app was not found');
  const mounts = registeredRoutes(gateway).filter((r) => r.kind === 'mount');
  expect([...new Set(mounts.map((m) => m.path))].sort()).toEqual(
    Object.keys(GATEWAY_STATIC).sort(),
  );
  const paths = [
    ...candidates(gateway),
    ...Object.entries(GATEWAY_STATIC).flatMap(([mount, dir]) => htmlFiles(mount, dir)),
  ];
  // Pages a service renders itself are reached through the gateway, as a browser would.
  for (const [name, app] of cloudApps) if (name !== 'gateway') paths.push(...candidates(app));
  return htmlPages(cloud.urls.gateway, paths, owner);
}

function headerProblems(page: HtmlPage): string[] {
  const problems: string[] = [];
  const csp = page.headers.get('content-security-policy') ?? '';
  if (!csp) problems.push('no Content-Security-Policy');
  else {
    if (!/(^|;)\s*frame-ancestors\s+'none'/.test(csp)) problems.push(`no frame-ancestors 'none'`);
    if (!/(^|;)\s*default-src\s/.test(csp)) problems.push('no default-src');
    if (/'unsafe-inline'|'unsafe-eval'/.test(csp)) problems.push('allows unsafe inline or eval');
  }
  if (page.headers.get('x-content-type-options') !== 'nosniff') problems.push('no nosniff');
  if (!page.headers.get('referrer-policy')) problems.push('no Referrer-Policy');
  return problems.map((p) => `${new URL(page.url).pathname}: ${p}`);
}

/**
 * Open `url` in a fresh page, run `use` (sign in, wait for the screen), and return every CSP
 * violation the page reported, from its console and from `securitypolicyviolation` events.
 */
async function cspViolations(url: string, use?: (page: Page) => Promise<void>) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const violations: string[] = [];
  const errors: string[] = [];
  await page.exposeFunction('reportCspViolation', (text: string) => violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e: any) => {
      window.reportCspViolation(
        `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`,
      );
    });
  });
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  try {
    await page.goto(url, { waitUntil: 'load' });
    await use?.(page);
    // Late loads (images, a socket's reconnect) report after the screen is up.
    await page.waitForTimeout(300);
  } finally {
    await context.close();
  }
  return { violations, errors };
}

describe('security headers on every web page', () => {
  it('every HTML page the hub serves (terminal, kitchen display) forbids framing and sniffing', async () => {
    const pages = await hubPages();
    const paths = pages.map((p) => new URL(p.url).pathname);
    expect(paths).toEqual(expect.arrayContaining(['/terminal/', '/kds/']));
    expect(pages.flatMap(headerProblems)).toEqual([]);
  });

  it('every HTML page the cloud serves (portal, ordering app, API docs, 3-D Secure check) forbids framing and sniffing', async () => {
    const pages = await cloudPages();
    const paths = pages.map((p) => new URL(p.url).pathname);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/portal/',
        '/order/',
        '/order/account/',
        '/order/track/',
        '/api/v1/docs',
        '/api/v1/online/orders/challenge/x',
      ]),
    );
    expect(pages.flatMap(headerProblems)).toEqual([]);
  });
});

describe('the policies do not break the pages (no CSP violation in Chromium)', () => {
  it('every HTML page loads without a CSP violation', async () => {
    const pages = [...(await hubPages()), ...(await cloudPages())];
    const found: string[] = [];
    for (const page of pages) {
      const { violations, errors } = await cspViolations(page.url);
      for (const v of [...violations, ...errors]) found.push(`${new URL(page.url).pathname}: ${v}`);
    }
    expect(found).toEqual([]);
  }, 120_000);

  it('the cashier terminal signs in and shows its order screen', async () => {
    const { violations, errors } = await cspViolations(`${t.hub.url}/terminal/`, async (page) => {
      await page.waitForSelector('[data-testid="login"]');
      for (const d of PINS.cashier) await page.click(`[data-pin-key="${d}"]`);
      await page.click('[data-pin-key="OK"]');
      await page.waitForSelector('[data-testid="who"]');
    });
    expect([...violations, ...errors]).toEqual([]);
  }, 60_000);

  it('the kitchen display signs in and goes live over its WebSocket', async () => {
    const { violations, errors } = await cspViolations(`${t.hub.url}/kds/`, async (page) => {
      for (const digit of PINS.cook) await page.click(`[data-key="${digit}"]`);
      await page.click('[data-key="ok"]');
      await page.click('[data-station="grill"]');
      await page.waitForSelector('[data-testid="connection"].live');
    });
    expect([...violations, ...errors]).toEqual([]);
  }, 60_000);

  it('the manager portal signs in and draws each of its pages', async () => {
    const { violations, errors } = await cspViolations(
      `${cloud.urls.gateway}/portal/`,
      async (page) => {
        await page.fill('input[name="email"]', OWNER.email);
        await page.fill('input[name="password"]', OWNER.password);
        await page.click('button[type="submit"]');
        await page.waitForSelector('[data-page="menu"] section');
        for (const hash of PORTAL_PAGES) {
          await page.goto(`${cloud.urls.gateway}/portal/${hash}`);
          await page.waitForSelector(`[data-page="${hash.slice(1)}"]`);
          await page.waitForLoadState('networkidle');
        }
      },
    );
    expect([...violations, ...errors]).toEqual([]);
  }, 60_000);

  it('the API docs page lists the operations', async () => {
    const { violations, errors } = await cspViolations(
      `${cloud.urls.gateway}/api/v1/docs`,
      async (page) => {
        await page.waitForSelector('#ops tr');
      },
    );
    expect([...violations, ...errors]).toEqual([]);
  }, 60_000);
});
