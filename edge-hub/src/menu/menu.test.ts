import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CorrelationId,
  type MenuDocument,
  type MenuItemId,
  makeEvent,
  type StoreId,
} from '@pos/contracts';
import { createLogger } from '@pos/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BusClient } from '../bus/client.js';
import { Subscriptions } from '../bus/wiring.js';
import { hubConfigFromEnv } from '../config.js';
import { demoMenu } from '../demo/menu.js';
import { type Hub, startHub } from '../hub.js';
import type { MenuChange } from './menu-service.js';
import { MENU_AVAILABILITY_CONSUMER, type MenuModule, menuModule } from './module.js';

const logger = createLogger({ service: 'menu-hub-test', level: 'silent' });
const STORE = 'store-menu';
let dir: string;
let hub: Hub;
let menu: MenuModule;
let token: string;
let bus: BusClient;

async function start(initialMenu?: () => MenuDocument): Promise<void> {
  const config = hubConfigFromEnv({
    STORE_ID: STORE,
    HUB_HOST: '127.0.0.1',
    HUB_PORT: '0',
    MQTT_PORT: '0',
    POS_DATA_DIR: dir,
    LOG_LEVEL: 'silent',
  });
  menu = menuModule(initialMenu ? { initialMenu } : {});
  hub = await startHub(config, [menu], { logger });
  token = (
    await hub.sessions.issue({ userId: crypto.randomUUID(), name: 'Test', roles: ['cashier'] })
  ).token;
  bus = await BusClient.connect({
    url: hub.mqttUrl,
    storeId: STORE,
    clientId: `inventory-${crypto.randomUUID().slice(0, 6)}`,
    logger,
    credentials: hub.broker.internalCredentials,
  });
}

async function stop(): Promise<void> {
  await bus.close();
  await hub.stop();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pos-menu-'));
  await start();
});

afterAll(async () => {
  await stop();
  rmSync(dir, { recursive: true, force: true });
});

function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${hub.url}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
}

async function json<T = Record<string, unknown>>(path: string): Promise<T> {
  const res = await get(path);
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

type ItemList = { version: number; count: number; items: { id: string; available: boolean }[] };

async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

function availabilityEvent(menuItemId: string, available: boolean, reason?: string) {
  return makeEvent(
    'menu.itemavailabilitychanged.v1',
    { menuItemId: menuItemId as MenuItemId, available, ...(reason ? { reason } : {}) },
    {
      correlationId: crypto.randomUUID() as CorrelationId,
      source: 'inventory-service',
      storeId: STORE as StoreId,
    },
  );
}

const itemAvailable = async (id: string) =>
  (await json<ItemList>('/api/v1/menu/items')).items.find((i) => i.id === id)?.available;

describe('menu replica in the hub', () => {
  it('keeps the availability events for its consumer from the first event on', () => {
    const subscriptions = new Subscriptions();
    menuModule().subscribe?.(subscriptions);
    expect(subscriptions.consumersOf('menu.itemavailabilitychanged.v1')).toEqual([
      MENU_AVAILABILITY_CONSUMER,
    ]);
  });

  it('declares every route for cashiers and cooks', () => {
    const menuRoutes = hub.routes.filter((r) => r.path.startsWith('/api/v1/menu'));
    expect(menuRoutes.map((r) => r.path).sort()).toEqual([
      '/api/v1/menu',
      '/api/v1/menu/categories',
      '/api/v1/menu/items',
      '/api/v1/menu/items/:id',
    ]);
    for (const r of menuRoutes) expect(r.access).toEqual(['cashier', 'cook']);
  });

  it('serves the demo menu at first start, with an ETag that answers 304', async () => {
    const res = await get('/api/v1/menu');
    expect(res.status).toBe(200);
    const etag = res.headers.get('etag');
    expect(etag).toMatch(/^"menu-1-\d+-0"$/);
    const body = (await res.json()) as { version: number; currency: string; items: unknown[] };
    expect(body).toMatchObject({ version: 1, currency: 'USD', overlayRevision: 0 });
    expect(body.items).toHaveLength(demoMenu().items.length);
    expect(menu.service().isAvailable('burger-classic')).toBe(true);

    const again = await get('/api/v1/menu', { 'if-none-match': `W/${etag}` });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect((await get('/api/v1/menu', { 'if-none-match': '"menu-0-0"' })).status).toBe(200);
  });

  it('asks for a token, and lets a cook or a manager read too', async () => {
    const anonymous = await fetch(`${hub.url}/api/v1/menu/items`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain('application/problem+json');
    for (const roles of [['cook'], ['manager']] as const) {
      const other = await hub.sessions.issue({
        userId: crypto.randomUUID(),
        name: 'X',
        roles: [...roles],
      });
      const res = await fetch(`${hub.url}/api/v1/menu/categories`, {
        headers: { authorization: `Bearer ${other.token}` },
      });
      expect(res.status, roles.join()).toBe(200);
    }
  });

  it('lists items with their category, tax and station, filtered and searched', async () => {
    const pizza = await json<ItemList & { items: Record<string, unknown>[] }>(
      '/api/v1/menu/items?categoryId=pizza',
    );
    expect(pizza.count).toBe(6);
    expect(pizza.items[0]).toMatchObject({
      id: 'pizza-margherita',
      available: true,
      category: { id: 'pizza', name: 'Pizza', color: '#f2a541' },
      taxCategory: { id: 'food', inclusive: false },
      station: { id: 'pizza', name: 'Pizza Oven' },
      variants: [{ id: '10in' }, { id: '14in' }],
    });
    const wine = await json<ItemList>('/api/v1/menu/items?q=cabernet');
    expect(wine.items.map((i) => i.id)).toEqual(['wine-cabernet']);
    const scanned = await json<ItemList>('/api/v1/menu/items?q=2004200000219');
    expect(scanned.items.map((i) => i.id)).toEqual(['drink-ginger-beer']);
    const off = await json<ItemList>('/api/v1/menu/items?available=false');
    expect(off.items.map((i) => i.id)).toEqual(['dessert-pumpkin-pie']);
    const all = await json<ItemList>('/api/v1/menu/items?q=');
    expect(all.count).toBe(demoMenu().items.length);
  });

  it('answers 400 naming every bad query field', async () => {
    const res = await get('/api/v1/menu/items?available=maybe&colour=red&categoryId=bad%20id');
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { errors: { field: string }[] };
    expect(problem.errors.map((e) => e.field).sort()).toEqual([
      'query',
      'query.available',
      'query.categoryId',
    ]);
    const unknown = await get('/api/v1/menu/items?categoryId=breakfast');
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ errors: [{ field: 'query.categoryId' }] });
    expect((await get('/api/v1/menu/items?available=true&available=false')).status).toBe(400);
  });

  it('shows one item with its modifier groups, and 404 for an unknown one', async () => {
    const burger = await json<{ modifierGroups: { id: string; minChoices: number }[] }>(
      '/api/v1/menu/items/burger-classic',
    );
    expect(burger).toMatchObject({ id: 'burger-classic', version: 1, sku: '2004200000073' });
    expect(burger.modifierGroups.map((g) => g.id)).toEqual([
      'grp-burger-doneness',
      'grp-burger-addons',
      'grp-remove',
    ]);
    const missing = await get('/api/v1/menu/items/burger-deluxe');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ status: 404, type: 'urn:pos:problem:not-found' });
  });

  it('counts items per category in menu order', async () => {
    const { categories } = await json<{
      categories: { id: string; itemCount: number; availableCount: number }[];
    }>('/api/v1/menu/categories');
    expect(categories[0]?.id).toBe('starters');
    expect(categories.reduce((n, c) => n + c.itemCount, 0)).toBe(demoMenu().items.length);
    expect(categories.find((c) => c.id === 'desserts')).toMatchObject({
      itemCount: 6,
      availableCount: 5,
    });
  });

  it('86s an item from a bus event, once, however often the event is delivered', async () => {
    const changes: MenuChange[] = [];
    const stopListening = menu.service().onChange((c) => changes.push(c));
    const before = await get('/api/v1/menu');
    const etag = before.headers.get('etag') as string;

    const event = availabilityEvent('sandwich-lobster-roll', false, 'lobster meat ran out');
    await bus.publishEvent(event);
    await eventually(async () => (await itemAvailable('sandwich-lobster-roll')) === false);
    expect(menu.service().isAvailable('sandwich-lobster-roll')).toBe(false);
    const revision = menu.service().overlayRevision();

    // The same event again (a redelivery), then another one to know the first has been seen.
    await bus.publishEvent(event);
    await bus.publishEvent(availabilityEvent('main-ribeye', false, 'last steak sold'));
    await eventually(async () => (await itemAvailable('main-ribeye')) === false);
    await menu.settle();
    expect(menu.service().overlayRevision()).toBe(revision + 1);
    expect(changes.map((c) => c.kind === 'availability' && c.menuItemId)).toEqual([
      'sandwich-lobster-roll',
      'main-ribeye',
    ]);
    stopListening();

    // A terminal holding the old ETag now gets the new menu with the item marked off.
    const after = await get('/api/v1/menu', { 'if-none-match': etag });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).toMatch(new RegExp(`^"menu-1-\\d+-${revision + 1}"$`));
    const body = (await after.json()) as { items: Record<string, unknown>[] };
    expect(body.items.find((i) => i.id === 'sandwich-lobster-roll')).toMatchObject({
      available: false,
      unavailableReason: 'lobster meat ran out',
    });
  });

  it('survives a restart with its menu and 86 list, without applying the initial menu again', async () => {
    menu.service().applyVersion({ ...demoMenu(), version: 2 });
    const versions = menu.service().versions();
    const etag = menu.service().etag();
    await stop();
    let initialCalls = 0;
    await start(() => {
      initialCalls += 1;
      return demoMenu();
    });
    expect(initialCalls).toBe(0);
    expect(menu.service().versions()).toEqual(versions);
    expect(menu.service().version()).toBe(2);
    expect(menu.service().etag()).toBe(etag);
    expect(await itemAvailable('sandwich-lobster-roll')).toBe(false);
    expect(await itemAvailable('burger-classic')).toBe(true);

    await bus.publishEvent(availabilityEvent('sandwich-lobster-roll', true));
    await eventually(async () => (await itemAvailable('sandwich-lobster-roll')) === true);
  });
});
