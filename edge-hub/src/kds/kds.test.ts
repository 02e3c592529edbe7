import { uuidv7 } from '@pos/contracts';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiClient,
  eventually,
  moduleOf,
  PINS,
  startTestHub,
  type TestHub,
} from '../testing/hub-harness.js';
import type { TicketView } from './kds-service.js';
import type { KdsModule } from './module.js';
import { KDS_SOCKET_PATH, type KdsDelta, SCREEN_REFUSED } from './realtime.js';

// The kitchen display through the real bus and socket.io: orders placed through the hub API
// become station tickets and an expo view, bumps reach the order service, coursing holds and
// fires, voids strike through, and a screen that reconnects gets the whole state again.

let t: TestHub;
let cashier: ApiClient;
let cook: ApiClient;

beforeAll(async () => {
  t = await startTestHub({
    kds: { thresholds: { cold: { lateAfterMs: 300 } }, lateCheckEveryMs: 100 },
  });
  cashier = await t.as(PINS.cashier);
  cook = await t.as(PINS.cook);
});

afterAll(async () => {
  await t?.stop();
});

/** A kitchen screen: the current tickets of one station, kept by state + deltas. */
class Screen {
  readonly socket: Socket;
  tickets = new Map<string, TicketView>();
  version = -1;
  states = 0;

  constructor(
    readonly station: string,
    token = cook.token,
  ) {
    this.socket = io(t.hub.url, {
      path: KDS_SOCKET_PATH,
      transports: ['websocket'],
      auth: { token },
    });
    this.socket.on('connect', () => this.socket.emit('subscribe', { station }));
    this.socket.on('state', (s: { version: number; tickets: TicketView[] }) => {
      this.states += 1;
      this.version = s.version;
      this.tickets = new Map(s.tickets.map((x) => [x.id, x]));
    });
    this.socket.on('delta', (d: KdsDelta) => {
      if (d.version <= this.version) return;
      this.version = d.version;
      for (const x of d.tickets) this.tickets.set(x.id, x);
      for (const id of d.removed) this.tickets.delete(id);
    });
  }

  of(orderId: string): TicketView | undefined {
    return [...this.tickets.values()].find((x) => x.orderId === orderId);
  }

  close() {
    this.socket.close();
  }
}

async function order(items: unknown[]) {
  const res = await cashier.post('/api/v1/orders', {
    id: uuidv7(),
    type: 'dine-in',
    tableId: 'T7',
    guests: 2,
    items,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; number: number; items: { id: string }[] };
}

const burger = {
  menuItemId: 'burger-classic',
  modifierIds: ['mod-burger-medium-rare'],
  quantity: 2,
};
const calamari = { menuItemId: 'starter-calamari', modifierIds: [], quantity: 1 };
const caesar = { menuItemId: 'salad-caesar', modifierIds: [], quantity: 1 };

describe('kitchen display', () => {
  it('splits an order into station tickets and an expo view; bumps move the order', async () => {
    const grill = new Screen('grill');
    const fryer = new Screen('fryer');
    const expo = new Screen('expo');
    try {
      await eventually(() => grill.states > 0 && fryer.states > 0 && expo.states > 0);
      const o = await order([burger, calamari]);
      await eventually(() => !!grill.of(o.id) && !!fryer.of(o.id) && !!expo.of(o.id));
      const g = grill.of(o.id) as TicketView;
      expect(g.items.map((i) => i.name)).toEqual(['Classic Cheeseburger']);
      expect(g.items[0]?.modifiers).toContain('Medium rare');
      expect(fryer.of(o.id)?.items.map((i) => i.name)).toEqual(['Crispy Calamari']);
      expect(expo.of(o.id)?.stations?.map((s) => [s.id, s.done])).toEqual([
        ['fryer', false],
        ['grill', false],
      ]);
      const allDay = (await cook.get('/api/v1/kds/stations/grill/tickets')).body.allDay;
      expect(allDay).toContainEqual({ name: 'Classic Cheeseburger', quantity: expect.any(Number) });

      // First bump: the kitchen has started, and the order service hears it.
      const item = await cook.post(`/api/v1/kds/items/${g.items[0]?.id}/bump`, {});
      expect(item.status).toBe(200);
      await eventually(
        async () => (await cashier.get(`/api/v1/orders/${o.id}`)).body.status === 'PREPARING',
      );
      await eventually(() => !grill.of(o.id)); // its only item done: the ticket is bumped
      await eventually(() => expo.of(o.id)?.stations?.find((s) => s.id === 'grill')?.done === true);
      const again = await cook.post(`/api/v1/kds/tickets/${g.id}/bump`, {});
      expect(again.status).toBe(409);

      // The fryer finishes: the order is ready everywhere.
      const f = fryer.of(o.id) as TicketView;
      expect((await cook.post(`/api/v1/kds/tickets/${f.id}/bump`, {})).status).toBe(200);
      await eventually(() => expo.of(o.id)?.status === 'ready');
      await eventually(
        async () => (await cashier.get(`/api/v1/orders/${o.id}`)).body.status === 'READY',
      );

      // Recall brings the grill ticket back where it was; the expo serves the order.
      expect((await cook.post('/api/v1/kds/stations/grill/recall', {})).status).toBe(200);
      await eventually(() => !!grill.of(o.id));
      expect((await cook.post(`/api/v1/kds/tickets/${g.id}/bump`, {})).status).toBe(200);
      await eventually(() => expo.of(o.id)?.status === 'ready');
      expect((await cook.post(`/api/v1/kds/orders/${o.id}/serve`, {})).status).toBe(200);
      await eventually(() => !expo.of(o.id));
    } finally {
      grill.close();
      fryer.close();
      expo.close();
    }
  });

  it('holds later courses until fired, strikes voids through, shows cancellations until seen', async () => {
    const grill = new Screen('grill');
    const cold = new Screen('cold');
    try {
      await eventually(() => grill.states > 0 && cold.states > 0);
      const o = await order([caesar, { ...burger, course: 2 }]);
      await eventually(() => !!cold.of(o.id));
      expect(grill.of(o.id)).toBeUndefined();
      expect(cold.of(o.id)?.heldCourses).toEqual([2]);
      const early = await cook.post(`/api/v1/kds/orders/${o.id}/fire`, { course: 1 });
      expect(early.status).toBe(409);
      expect((await cashier.post(`/api/v1/kds/orders/${o.id}/fire`, { course: 2 })).status).toBe(
        200,
      );
      await eventually(() => !!grill.of(o.id));
      expect(grill.of(o.id)?.flashUntil).toBeGreaterThan(0);

      const burgerLine = o.items[1]?.id as string;
      const voided = await cashier.put(`/api/v1/orders/${o.id}`, {
        modificationId: uuidv7(),
        void: [{ orderItemId: burgerLine, quantity: 1, reason: 'guest changed mind' }],
        approval: { managerPin: PINS.manager },
      });
      expect(voided.status, JSON.stringify(voided.body)).toBe(200);
      await eventually(() => grill.of(o.id)?.items[0]?.voidedQuantity === 1);

      // The cold station's alarm is at 300 ms here: the preparation-time event is published.
      await eventually(
        () =>
          (
            moduleOf<KdsModule>(t, 'kds')
              .service()
              .rows.db.prepare(
                `SELECT COUNT(*) AS n FROM kds_tickets WHERE order_id = ? AND station_id = 'cold' AND late_alerted = 1`,
              )
              .get(o.id) as { n: number }
          ).n === 1,
      );

      const cancelled = await cashier.post(`/api/v1/orders/${o.id}/cancel`, {
        reason: 'guest left',
        approval: { managerPin: PINS.manager },
      });
      expect(cancelled.status).toBe(200);
      await eventually(() => grill.of(o.id)?.status === 'cancelled');
      expect((await cook.post(`/api/v1/kds/tickets/${grill.of(o.id)?.id}/bump`, {})).status).toBe(
        409,
      );
      expect((await cook.post(`/api/v1/kds/orders/${o.id}/acknowledge`, {})).status).toBe(200);
      await eventually(() => !grill.of(o.id) && !cold.of(o.id));
    } finally {
      grill.close();
      cold.close();
    }
  });

  it('a screen that lost its connection gets every ticket once on reconnect', async () => {
    const grill = new Screen('grill');
    try {
      await eventually(() => grill.states === 1);
      grill.socket.disconnect();
      const a = await order([burger]);
      const b = await order([burger]);
      grill.socket.connect();
      await eventually(() => grill.states === 2 && !!grill.of(a.id) && !!grill.of(b.id));
      const numbers = [...grill.tickets.values()].map((x) => x.number);
      expect(new Set(numbers).size).toBe(numbers.length);
    } finally {
      grill.close();
    }
  });

  it('lets only signed-in staff watch the kitchen', async () => {
    const refusal = (token?: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = io(t.hub.url, {
          path: KDS_SOCKET_PATH,
          transports: ['websocket'],
          reconnection: false,
          ...(token === undefined ? {} : { auth: { token } }),
        });
        socket.on('connect', () => {
          socket.close();
          reject(new Error('connected'));
        });
        socket.on('connect_error', (err) => {
          socket.close();
          resolve(err.message);
        });
      });
    expect(await refusal()).toBe(SCREEN_REFUSED);
    expect(await refusal('not-a-session')).toBe(SCREEN_REFUSED);
    const screen = new Screen('grill');
    await eventually(() => screen.states > 0);
    screen.socket.close();
  });

  it('refuses bad requests and keeps running', async () => {
    const o = await order([burger]);
    expect((await cook.post(`/api/v1/kds/tickets/${uuidv7()}/bump`, {})).status).toBe(404);
    expect((await cook.post('/api/v1/kds/tickets/nope/bump', {})).status).toBe(400);
    const skip = await cook.post(`/api/v1/kds/orders/${o.id}/status`, { status: 'READY' });
    expect(skip.status).toBe(409);
    expect(skip.body.detail).toMatch(/must be preparing/);
    expect(
      (await cook.post(`/api/v1/kds/orders/${o.id}/status`, { status: 'SERVED' })).status,
    ).toBe(400);
    expect(
      (await cook.post(`/api/v1/kds/orders/${o.id}/status`, { status: 'PREPARING' })).status,
    ).toBe(200);
    expect((await cook.post(`/api/v1/kds/orders/${o.id}/status`, { status: 'READY' })).status).toBe(
      200,
    );
    expect((await cashier.post(`/api/v1/kds/items/${o.items[0]?.id}/bump`, {})).status).toBe(403);
    expect((await cook.get('/api/v1/kds/stations/nowhere/tickets')).status).toBe(404);

    // A broken event on the bus goes to the dead letters; the KDS keeps taking orders.
    const kds = moduleOf<KdsModule>(t, 'kds').service();
    await new Promise<void>((resolve, reject) =>
      t.hub.broker.aedes.publish(
        {
          cmd: 'publish',
          topic: `pos/${t.hub.config.storeId}/events/order.created.v1`,
          payload: Buffer.from('{"EventType":"order.created.v1","Payload":{"orderId":42}}'),
          qos: 1,
          dup: false,
          retain: false,
        },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
    await eventually(
      () =>
        (
          kds.rows.db
            .prepare(`SELECT COUNT(*) AS n FROM dead_letter WHERE consumer = 'kds'`)
            .get() as { n: number }
        ).n === 1,
    );
    const after = await order([burger]);
    const grill = (await cook.get('/api/v1/kds/stations/grill/tickets')).body
      .tickets as TicketView[];
    expect(grill.some((x) => x.orderId === after.id)).toBe(true);

    const metrics = (await cook.get('/api/v1/kds/metrics')).body;
    expect(
      metrics.stations.find((s: { stationId: string }) => s.stationId === 'grill'),
    ).toMatchObject({
      count: expect.any(Number),
      averageSeconds: expect.any(Number),
      p90Seconds: expect.any(Number),
    });
    expect(metrics.ticketsPerHour).toBeGreaterThan(0);
  });
});
