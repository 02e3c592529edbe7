import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AnyEvent,
  type CorrelationId,
  EVENT_PAYLOAD_SCHEMAS,
  type EventPayloads,
  type EventType,
  makeEvent,
  type StoreId,
} from '@pos/contracts';
import type { WirePayloads } from '@pos/contracts/event-samples';
import { createLogger, openSqlite } from '@pos/kit';
import mqtt, { type MqttClient } from 'mqtt';
import { BusClient } from '../bus/client.js';
import { hubConfigFromEnv } from '../config.js';
import { type Hub, startHub } from '../hub.js';
import type { OrderDirectory } from '../ports.js';
import type { StaffRole } from '../staff/sessions.js';
import { type InventoryModule, type InventoryModuleOptions, inventoryModule } from './module.js';
import type { InventorySeed } from './seed-types.js';

// Test support for the inventory module: a small seed of its own (the demo data is someone
// else's and may change), a real hub on free ports in a temp directory, an external MQTT
// client that records every event on the bus, and a bus client that publishes order events
// the way the order service would.

export const STORE = 'store-test';

export function smallSeed(): InventorySeed {
  return {
    suppliers: [{ id: 'acme-meats', name: 'Acme Meats', leadTimeDays: 2 }],
    ingredients: [
      { id: 'bun', name: 'Bun', unit: 'each', onHand: 10, reorderPoint: 3, parLevel: 20 },
      {
        id: 'patty',
        name: 'Beef patty',
        unit: 'each',
        onHand: 10,
        reorderPoint: 2,
        parLevel: 20,
        supplierId: 'acme-meats',
      },
      {
        id: 'cheese',
        name: 'Cheddar slice',
        unit: 'each',
        onHand: 5,
        reorderPoint: 1,
        parLevel: 10,
      },
      {
        id: 'potato',
        name: 'Potatoes',
        unit: 'g',
        onHand: 1000,
        reorderPoint: 200,
        parLevel: 5000,
      },
    ],
    recipes: [
      {
        kind: 'item',
        menuItemId: 'burger',
        lines: [
          { ingredientId: 'bun', quantity: 1 },
          { ingredientId: 'patty', quantity: 1 },
        ],
      },
      {
        kind: 'variant',
        menuItemId: 'burger',
        variantId: 'double',
        lines: [
          { ingredientId: 'bun', quantity: 1 },
          { ingredientId: 'patty', quantity: 2 },
        ],
      },
      {
        kind: 'modifier',
        modifierId: 'extra-cheese',
        lines: [{ ingredientId: 'cheese', quantity: 1 }],
      },
      { kind: 'item', menuItemId: 'fries', lines: [{ ingredientId: 'potato', quantity: 150 }] },
    ],
  };
}

export interface TestHub {
  hub: Hub;
  inventory: InventoryModule;
  dir: string;
  /** Every event seen on the bus by an outside client, in arrival order. */
  seen: AnyEvent[];
  bus: BusClient;
  token(roles: StaffRole[]): Promise<string>;
  api(
    method: string,
    path: string,
    opts?: { token?: string | undefined; body?: unknown },
    // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies by shape in `expect`
  ): Promise<{ status: number; body: any }>;
  publish<T extends EventType>(type: T, payload: WirePayloads[T]): Promise<AnyEvent>;
  /** A look at the inventory database from outside the module. */
  sql<T>(query: string, ...params: unknown[]): T[];
  /** Stop the hub; the directory stays for a restart unless `remove`. */
  stop(remove?: boolean): Promise<void>;
}

export async function startTestHub(
  opts: {
    dir?: string;
    clock?: () => number;
    orders?: OrderDirectory;
    module?: Partial<InventoryModuleOptions>;
  } = {},
): Promise<TestHub> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'pos-inventory-'));
  const config = hubConfigFromEnv({
    STORE_ID: STORE,
    HUB_HOST: '127.0.0.1',
    HUB_PORT: '0',
    MQTT_PORT: '0',
    POS_DATA_DIR: dir,
  });
  const logger = createLogger({ service: 'inventory-test', level: 'silent' });
  const inventory = inventoryModule({
    seed: smallSeed,
    orders: () => opts.orders,
    ...opts.module,
  });
  const hub = await startHub(config, [inventory], {
    logger,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  const seen: AnyEvent[] = [];
  const watcher: MqttClient = await mqtt.connectAsync(hub.mqttUrl, {
    clientId: `watcher-${randomUUID().slice(0, 8)}`,
  });
  watcher.on('message', (_topic, payload) => seen.push(JSON.parse(payload.toString()) as AnyEvent));
  await watcher.subscribeAsync(`pos/${STORE}/events/#`, { qos: 1 });
  const bus = await BusClient.connect({
    url: hub.mqttUrl,
    storeId: STORE,
    clientId: `order-service-${randomUUID().slice(0, 8)}`,
    logger,
    credentials: hub.broker.internalCredentials,
  });
  // A second connection to the module's file: the test looks, as an auditor would, never writes.
  const db = openSqlite({ path: join(config.dataDir, 'inventory.db') });

  return {
    hub,
    inventory,
    dir,
    seen,
    bus,
    async token(roles) {
      return (await hub.sessions.issue({ userId: randomUUID(), name: 'M', roles })).token;
    },
    async api(method, path, o = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      const res = await fetch(`${hub.url}${path}`, {
        method,
        headers,
        ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    async publish(type, payload) {
      const schema = EVENT_PAYLOAD_SCHEMAS[type];
      const event = makeEvent(type, schema.parse(payload) as EventPayloads[typeof type], {
        correlationId: randomUUID() as CorrelationId,
        source: 'order-service',
        storeId: STORE as StoreId,
      }) as AnyEvent;
      await bus.publishEvent(event);
      return event;
    },
    sql(query, ...params) {
      return db.prepare(query).all(...params) as never;
    },
    async stop(remove = false) {
      db.close();
      await watcher.endAsync(true);
      await bus.close();
      await hub.stop();
      if (remove) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function eventually(check: () => boolean | Promise<boolean>, ms = 10_000) {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** An order line as the order service puts it on `order.created.v1`. */
export function orderLine(
  menuItemId: string,
  quantity: number,
  extra: { variantId?: string; modifierIds?: string[]; orderItemId?: string } = {},
) {
  return {
    orderItemId: extra.orderItemId ?? randomUUID(),
    menuItemId,
    name: menuItemId,
    categoryId: 'mains',
    ...(extra.variantId ? { variant: { variantId: extra.variantId, name: extra.variantId } } : {}),
    modifiers: (extra.modifierIds ?? []).map((m) => ({
      modifierId: m,
      groupId: 'extras',
      name: m,
      priceDeltaCents: 0,
    })),
    quantity,
    unitPriceCents: 100,
    lineTotalCents: 100 * quantity,
    stationId: 'grill',
    allergens: [],
  };
}

export function createdPayload(orderId: string, items: ReturnType<typeof orderLine>[]) {
  return {
    orderId,
    orderNumber: 1,
    businessDate: '2026-01-14',
    orderType: 'takeout' as const,
    source: 'terminal' as const,
    currency: 'USD',
    items,
    subtotalCents: 0,
    discountCents: 0,
    taxCents: 0,
    serviceChargeCents: 0,
    totalCents: 0,
  };
}
