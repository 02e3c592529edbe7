import { randomUUID } from 'node:crypto';
import type { Cloud } from '@pos/cloud-services/cloud';
import type { SyncModule } from '@pos/edge-hub/sync/module';
import {
  type ApiClient,
  eventually,
  moduleOf,
  PINS,
  signIn,
  startTestHub,
  type TestHub,
} from '@pos/edge-hub/testing/hub-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Unpluggable } from './browser.js';
import { callJson, startCloudAsOwner } from './cloud-harness.js';

// What comes down the change feed besides menus, through every cloud service in one process
// and a real hub: the store's roster as managers keep it in the cloud (staff sign in at the
// hub with the PINs set there, online or not; someone who leaves is signed out) and the
// store's config (offline card caps, tax rates, printers), kept across a hub restart.

const OWNER = { email: 'owner@down.example', password: 'owner password 1' };
const STORE = 'pier-road';

let cloud: Cloud;
let owner: string;
let link: Unpluggable;
let hub: TestHub;

const cloudCall = (method: string, url: string, body?: unknown) =>
  callJson(method, url, owner, body);
/** The hub's answer to a PIN: 200 with a token, or 401. */
const login = async (pin: string) =>
  (
    await fetch(`${hub.hub.url}/api/v1/staff/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pin }),
    })
  ).status;
/**
 * Wait for the hub to apply `count` more changes from the feed. (Polling with PINs instead
 * would trip the hub's lock-out after five wrong ones.)
 */
const changesApplied = async (count: number, action: () => Promise<void>) => {
  const cursor = () => moduleOf<SyncModule>(hub, 'sync').client().status().changeCursor;
  const from = cursor();
  await action();
  await eventually(async () => cursor() >= from + count);
};
const addStaff = async (displayName: string, role: string, pin: string) => {
  const res = await cloudCall('POST', `${cloud.urls.auth}/api/v1/auth/users`, {
    email: `${displayName.split(' ')[0]?.toLowerCase()}@down.example`,
    displayName,
    roles: [role],
    storeIds: [STORE],
    pin,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.userId as string;
};

beforeAll(async () => {
  ({ cloud, token: owner } = await startCloudAsOwner(OWNER, 'sync-down-e2e'));
  const url = new URL(cloud.urls.sync);
  link = await Unpluggable.start({ host: url.hostname, port: Number(url.port) });
  hub = await startTestHub({
    env: { STORE_ID: STORE },
    sync: { client: { backoff: { minMs: 50, maxMs: 400 }, heartbeatMs: 500, longPollMs: 2_000 } },
  });
  const store = await cloudCall('POST', `${cloud.urls.sync}/api/v1/sync/stores`, {
    storeId: STORE,
    name: 'Pier Road',
  });
  expect(store.status).toBe(201);
  const manager = await hub.as(PINS.manager);
  const enrolled = await manager.post('/api/v1/sync/enrol', {
    cloudUrl: link.url,
    code: store.body.enrolmentCode,
  });
  expect(enrolled.status).toBe(201);
});

afterAll(async () => {
  await hub?.stop();
  await link?.close();
  await cloud?.stop();
});

describe('roster and store config from the cloud', () => {
  let rosa: string;
  let tom: string;

  it('replaces the hub roster with the one kept in the cloud, and signs out who is not on it', async () => {
    // A demo cashier is signed in before the cloud has a roster for the store.
    const demoCashier = await hub.as(PINS.cashier);
    expect((await demoCashier.get('/api/v1/staff/me')).status).toBe(200);

    await changesApplied(2, async () => {
      rosa = await addStaff('Rosa Diaz', 'manager', '7777');
      tom = await addStaff('Tom Hale', 'cashier', '3456');
    });
    expect(await login('3456')).toBe(200);
    expect(await login('7777')).toBe(200);
    expect(await login(PINS.cashier)).toBe(401);
    expect((await demoCashier.get('/api/v1/staff/me')).status).toBe(401);

    const rosaAtHub = await hub.as('7777');
    const staff = await rosaAtHub.get('/api/v1/staff');
    expect(
      staff.body.staff.map((m: { name: string; roles: string[] }) => [m.name, m.roles]),
    ).toEqual([
      ['Rosa Diaz', ['manager']],
      ['Tom Hale', ['cashier']],
    ]);
    expect(staff.body.staff.map((m: { id: string }) => m.id)).toEqual([rosa, tom]);
  });

  it('signs staff in offline with the roster it holds, and applies what changed meanwhile on reconnect', async () => {
    const tomAtHub = await hub.as('3456');
    link.cut();
    await eventually(
      async () => (await tomAtHub.get('/api/v1/sync/status')).body.state === 'offline',
    );
    expect(await login('3456')).toBe(200);
    expect(await login('7777')).toBe(200);

    // Meanwhile in the cloud: Tom leaves, Rosa picks a new PIN.
    const gone = await cloudCall('PATCH', `${cloud.urls.auth}/api/v1/auth/users/${tom}`, {
      active: false,
    });
    expect(gone.status).toBe(200);
    const newPin = await cloudCall('PATCH', `${cloud.urls.auth}/api/v1/auth/users/${rosa}`, {
      pin: '8080',
    });
    expect(newPin.status).toBe(200);
    expect(await login('3456')).toBe(200); // the hub has not heard yet

    await changesApplied(2, async () => link.restore());
    expect(await login('8080')).toBe(200);
    expect(await login('7777')).toBe(401);
    expect(await login('3456')).toBe(401);
    // Tom's session ends with him leaving the roster.
    expect((await tomAtHub.get('/api/v1/staff/me')).status).toBe(401);
  });

  it("applies the store's offline card caps, tax rates and printers, and keeps them across a restart", async () => {
    const rosaAtHub = await hub.as('8080');
    const before = await rosaAtHub.get('/api/v1/payments/offline');
    expect(before.body.perTransactionCapCents).toBe(10_000);
    const printing = (await rosaAtHub.get('/api/v1/printing/config')).body;
    const config = {
      offlineCard: { perTransactionCapCents: 4_000, totalCapCents: 25_000 },
      taxRates: [{ taxCategoryId: 'food', rateBasisPoints: 1_000 }],
      printing: { ...printing, store: { ...printing.store, name: 'Pier Road Burgers' } },
    };
    const saved = await cloudCall(
      'PUT',
      `${cloud.urls.sync}/api/v1/sync/stores/${STORE}/config`,
      config,
    );
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);

    await eventually(
      async () =>
        (await rosaAtHub.get('/api/v1/payments/offline')).body.perTransactionCapCents === 4_000,
    );
    const placeFries = async (client: ApiClient) => {
      const placed = await client.post('/api/v1/orders', {
        id: randomUUID(),
        type: 'takeout',
        items: [{ menuItemId: 'side-fries', quantity: 1 }],
      });
      expect(placed.status, JSON.stringify(placed.body)).toBe(201);
      return placed.body as { subtotalCents: number; taxCents: number };
    };
    await eventually(
      async () =>
        (await rosaAtHub.get('/api/v1/printing/config')).body.store.name === 'Pier Road Burgers',
    );
    const order = await placeFries(rosaAtHub);
    expect(order.taxCents).toBe(Math.round(order.subtotalCents * 0.1));
    const menu = await rosaAtHub.get('/api/v1/menu');
    expect(
      menu.body.taxCategories.find((t: { id: string }) => t.id === 'food').rateBasisPoints,
    ).toBe(1_000);

    // Caps and rates live in memory: the hub applies the config it holds again at start.
    await hub.restart();
    const again = await hub.as('8080');
    const offline = await again.get('/api/v1/payments/offline');
    expect([offline.body.perTransactionCapCents, offline.body.totalCapCents]).toEqual([
      4_000, 25_000,
    ]);
    const afterRestart = await placeFries(again);
    expect(afterRestart.taxCents).toBe(Math.round(afterRestart.subtotalCents * 0.1));
    expect((await again.get('/api/v1/printing/config')).body.store.name).toBe('Pier Road Burgers');
    expect(await signIn(hub.hub.url, '8080')).toBeTruthy();
  });
});
