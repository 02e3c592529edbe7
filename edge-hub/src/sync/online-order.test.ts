import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { type CartLineInput, priceCart } from '@pos/contracts';
import { demoPrintingConfig, startVirtualPrinter, type VirtualPrinter } from '@pos/hardware';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MenuModule } from '../menu/module.js';
import type { OrderModule } from '../orders/module.js';
import type { PaymentModule } from '../payments/module.js';
import {
  type ApiClient,
  eventually,
  moduleOf,
  PINS,
  startTestHub,
  type TestHub,
} from '../testing/hub-harness.js';
import type { ChangeApplier } from './appliers.js';
import {
  type OnlineOrderTargets,
  onlineOrderApplier,
  onlineWithdrawalApplier,
} from './online-order-applier.js';

// Online orders from the change feed (topic `online-order`) on a real hub: created through the
// order path (kitchen ticket, KDS), paid with tender `online` so they are confirmed as any paid
// order, refused with `order.onlinerejected.v1` when the store cannot take them, and applied
// once however often the feed delivers them.

let t: TestHub;
let receipt: VirtualPrinter;
let kitchen: VirtualPrinter;
let cashier: ApiClient;
let manager: ApiClient;
let cook: ApiClient;

beforeAll(async () => {
  receipt = await startVirtualPrinter({ port: 0, name: 'receipt', codePage: 'PC858' });
  kitchen = await startVirtualPrinter({ port: 0, name: 'kitchen', codePage: 'PC858' });
  t = await startTestHub({
    printing: { initialConfig: () => demoPrintingConfig('127.0.0.1', receipt.port, kitchen.port) },
  });
  await signIn();
  // The float in the drawer: online payments must leave what the drawer should hold alone.
  const shift = await cashier.post(
    '/api/v1/shifts',
    { openingFloatCents: 20_000 },
    { 'idempotency-key': randomUUID() },
  );
  expect(shift.status, JSON.stringify(shift.body)).toBe(201);
});
afterAll(async () => {
  await t?.stop();
  await receipt?.close();
  await kitchen?.close();
});

async function signIn() {
  cashier = await t.as(PINS.cashier);
  manager = await t.as(PINS.manager);
  cook = await t.as(PINS.cook);
}

/** The applier as `hubModules` registers it, over the running hub's modules. */
const targets = (): OnlineOrderTargets => ({
  orders: () => moduleOf<OrderModule>(t, 'orders').service(),
  payments: () => moduleOf<PaymentModule>(t, 'payments').service(),
});
const apply = (payload: unknown, applier: ChangeApplier = onlineOrderApplier(targets())) =>
  applier(payload, { replay: false });

const burger: CartLineInput = {
  menuItemId: 'burger-classic',
  modifierIds: ['mod-burger-medium-rare'],
  quantity: 2,
  notes: 'no pickles',
};
const soda: CartLineInput = { menuItemId: 'drink-ginger-beer', modifierIds: [], quantity: 1 };

/** An `online.orderpaid.v1` priced as the cloud prices it, from the hub's own menu. */
function paidOrder(items: CartLineInput[], extra: Record<string, unknown> = {}) {
  const menu = moduleOf<MenuModule>(t, 'menu').service().current();
  const orderType = (extra.orderType as 'pickup' | 'dine-in' | undefined) ?? 'pickup';
  const discount = extra.discount as
    | { kind: 'amount'; amountCents: number; reason: string }
    | undefined;
  const priced = priceCart(
    menu,
    { orderType, items },
    {
      at: Date.now(),
      timeZone: 'America/Chicago',
      unavailableItemIds: [],
      orderDiscount: discount,
    },
  );
  if (!priced.ok) throw new Error(`cart not priced: ${JSON.stringify(priced.errors)}`);
  return {
    orderId: randomUUID(),
    storeId: 'store-1',
    orderType,
    customer: { name: 'Grace Hopper', email: 'grace@example.com' },
    items,
    menuVersion: priced.menuVersion,
    currency: priced.currency,
    subtotalCents: priced.subtotalCents,
    taxCents: priced.taxCents,
    totalCents: priced.totalCents,
    payment: {
      paymentId: randomUUID(),
      intentId: `pi_${randomUUID().replaceAll('-', '')}`,
      amountCents: priced.totalCents,
      currency: priced.currency,
      card: { brand: 'visa', last4: '4242' },
    },
    placedAt: new Date().toISOString(),
    ...extra,
  };
}

function outbox(file: 'orders' | 'payments', orderId: string) {
  const db = new Database(join(t.dir, 'hub', `${file}.db`), { readonly: true });
  try {
    const rows = db.prepare('SELECT event_type, envelope FROM outbox ORDER BY seq').all() as {
      event_type: string;
      envelope: string;
    }[];
    return rows
      .map((r) => ({ type: r.event_type, payload: JSON.parse(r.envelope).Payload }))
      .filter((e) => e.payload.orderId === orderId);
  } finally {
    db.close();
  }
}

const orderOf = async (id: string) => cashier.get(`/api/v1/orders/${id}`);
const paymentsOf = async (id: string) =>
  (await cashier.get(`/api/v1/payments?orderId=${id}`)).body.payments as {
    id: string;
    tender: string;
    status: string;
    amountCents: number;
    card: { brand: string; last4: string } | null;
    intentId?: string;
  }[];

async function waitPaid(id: string) {
  await eventually(async () => {
    const o = (await orderOf(id)).body;
    return o.paymentStatus === 'PAID' && o.status === 'CONFIRMED';
  });
}

describe('an online order from the feed', () => {
  it('is created with source online, printed, shown on the KDS, paid and confirmed', async () => {
    const paid = paidOrder([burger, soda]);
    kitchen.clear();
    await apply(paid);
    await waitPaid(paid.orderId);
    const order = (await orderOf(paid.orderId)).body;
    expect(order).toMatchObject({
      id: paid.orderId,
      source: 'online',
      type: 'pickup',
      status: 'CONFIRMED',
      paymentStatus: 'PAID',
      totalCents: paid.totalCents,
      customer: { name: 'Grace Hopper', email: 'grace@example.com' },
      createdBy: null,
    });

    const payments = await paymentsOf(paid.orderId);
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({
      id: paid.payment.paymentId,
      tender: 'online',
      status: 'captured',
      amountCents: paid.totalCents,
      card: { brand: 'visa', last4: '4242' },
      intentId: paid.payment.intentId,
    });

    await eventually(() => kitchen.jobs().some((j) => j.text.includes(`#${order.number}`)));
    const ticket = kitchen.jobs().find((j) => j.text.includes(`#${order.number}`));
    expect(ticket?.text).toContain('Cheeseburger');
    expect(ticket?.text).toContain('NOTE: no pickles');
    // No receipt and no drawer for a payment taken in the cloud.
    expect(receipt.jobs().some((j) => j.text.includes(`Order #${order.number}`))).toBe(false);

    await eventually(async () => {
      const tickets = (await cook.get('/api/v1/kds/stations/grill/tickets')).body.tickets as {
        orderId: string;
      }[];
      return tickets.some((x) => x.orderId === paid.orderId);
    });

    const events = outbox('payments', paid.orderId);
    expect(events.find((e) => e.type === 'payment.completed.v1')?.payload).toMatchObject({
      paymentId: paid.payment.paymentId,
      tender: 'online',
      amountCents: paid.totalCents,
      customer: { email: 'grace@example.com' },
    });
    expect(outbox('orders', paid.orderId).map((e) => e.type)).toEqual([
      'order.created.v1',
      'order.confirmed.v1',
    ]);
    const created = outbox('orders', paid.orderId)[0]?.payload;
    expect(created.source).toBe('online');
    expect(created.createdBy).toBeUndefined();

    const x = await manager.get('/api/v1/reports/x');
    expect(x.status, JSON.stringify(x.body)).toBe(200);
    const online = x.body.money.tenders.find((l: { tender: string }) => l.tender === 'online');
    expect(online).toMatchObject({ name: 'Online' });
    expect(online.count).toBeGreaterThanOrEqual(1);
    expect(online.amountCents).toBeGreaterThanOrEqual(paid.totalCents);
    expect(x.body.cashDrawer).toMatchObject({ openingFloatCents: 20_000, expectedCents: 20_000 });
  });

  it('takes a loyalty reward as the same amount off, priced as the cloud priced it', async () => {
    const discount = { kind: 'amount', amountCents: 500, reason: 'Reward: $5 off' } as const;
    const paid = paidOrder([burger, soda], {
      discount,
      reward: { rewardId: 'five-off', points: 50 },
    });
    const full = paidOrder([burger, soda]);
    expect(paid.totalCents).toBeLessThan(full.totalCents);
    await apply(paid);
    await waitPaid(paid.orderId);
    const order = (await orderOf(paid.orderId)).body;
    expect(order).toMatchObject({
      totalCents: paid.totalCents,
      discount: { kind: 'amount', amountCents: 500, reason: 'Reward: $5 off' },
      paymentStatus: 'PAID',
    });
  });

  it('takes a dine-in order to its table', async () => {
    const paid = paidOrder([soda], { orderType: 'dine-in', tableId: 'T4' });
    await apply(paid);
    await waitPaid(paid.orderId);
    expect((await orderOf(paid.orderId)).body).toMatchObject({ type: 'dine-in', tableId: 'T4' });
  });

  it('applied twice makes one order and one payment', async () => {
    const paid = paidOrder([soda]);
    await apply(paid);
    await apply(paid);
    await waitPaid(paid.orderId);
    await apply(paid);
    expect(await paymentsOf(paid.orderId)).toHaveLength(1);
    const orders = outbox('orders', paid.orderId).map((e) => e.type);
    expect(orders.filter((type) => type === 'order.created.v1')).toHaveLength(1);
    expect(
      outbox('payments', paid.orderId).filter((e) => e.type === 'payment.completed.v1'),
    ).toHaveLength(1);
  });

  it('ends paid when the hub stopped between the order and its payment', async () => {
    const paid = paidOrder([burger]);
    const crashing = onlineOrderApplier({
      orders: targets().orders,
      payments: () => {
        throw new Error('injected: the hub stopped here');
      },
    });
    await expect(apply(paid, crashing)).rejects.toThrow(/injected/);
    expect((await orderOf(paid.orderId)).body.paymentStatus).toBe('UNPAID');
    await t.restart();
    await signIn();
    await apply(paid);
    await waitPaid(paid.orderId);
    expect(await paymentsOf(paid.orderId)).toHaveLength(1);
    expect(
      outbox('orders', paid.orderId).filter((e) => e.type === 'order.created.v1'),
    ).toHaveLength(1);
  });
});

describe('an online order the store cannot take', () => {
  it("refuses an 86'd item as unavailable, once, keeping nothing", async () => {
    const off = await cashier.post('/api/v1/inventory/availability/drink-ginger-beer', {
      available: false,
      reason: 'out of ginger beer',
    });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    await eventually(
      async () => !(await cashier.get('/api/v1/menu/items/drink-ginger-beer')).body.available,
    );
    try {
      // Priced while it was on sale, as the cloud would have.
      const menuPrice = paidOrder([burger, soda]);
      await apply(menuPrice);
      await apply(menuPrice);
      expect((await orderOf(menuPrice.orderId)).status).toBe(404);
      const rejected = outbox('orders', menuPrice.orderId);
      expect(rejected).toHaveLength(1);
      expect(rejected[0]).toMatchObject({
        type: 'order.onlinerejected.v1',
        payload: {
          orderId: menuPrice.orderId,
          reason: 'unavailable',
          fields: [{ field: 'items.1.menuItemId' }],
        },
      });
      expect(outbox('payments', menuPrice.orderId)).toEqual([]);
    } finally {
      await cashier.post('/api/v1/inventory/availability/drink-ginger-beer', { available: true });
      await eventually(
        async () => (await cashier.get('/api/v1/menu/items/drink-ginger-beer')).body.available,
      );
    }
  });

  it('refuses an order the stock cannot cover as unavailable, holding nothing', async () => {
    const ribeye: CartLineInput = {
      menuItemId: 'main-ribeye',
      modifierIds: ['mod-steak-medium-rare', 'mod-side-mash'],
      quantity: 99,
    };
    const paid = paidOrder([soda, ribeye]);
    await apply(paid);
    expect((await orderOf(paid.orderId)).status).toBe(404);
    expect(outbox('orders', paid.orderId)).toMatchObject([
      {
        type: 'order.onlinerejected.v1',
        payload: { reason: 'unavailable', fields: [{ field: 'items.1.menuItemId' }] },
      },
    ]);
  });

  it('refuses a total that is not the store’s as total-mismatch', async () => {
    const paid = paidOrder([burger]);
    const tampered = {
      ...paid,
      totalCents: paid.totalCents - 100,
      payment: { ...paid.payment, amountCents: paid.totalCents - 100 },
    };
    await apply(tampered);
    expect((await orderOf(paid.orderId)).status).toBe(404);
    expect(outbox('orders', paid.orderId)).toMatchObject([
      { type: 'order.onlinerejected.v1', payload: { reason: 'total-mismatch' } },
    ]);
    expect(outbox('payments', paid.orderId)).toEqual([]);
  });

  it('refuses what its menu does not know, or a table it does not have, as invalid', async () => {
    const unknown = paidOrder([soda]);
    unknown.items = [{ menuItemId: 'unicorn-steak', modifierIds: [], quantity: 1 }];
    await apply(unknown);
    const table = paidOrder([soda], { orderType: 'dine-in', tableId: 'T99' });
    await apply(table);
    for (const [id, field] of [
      [unknown.orderId, 'items.0.menuItemId'],
      [table.orderId, 'tableId'],
    ] as const) {
      expect((await orderOf(id)).status).toBe(404);
      expect(outbox('orders', id)).toMatchObject([
        { type: 'order.onlinerejected.v1', payload: { reason: 'invalid', fields: [{ field }] } },
      ]);
    }
  });

  it('refuses a dine-in order without a table by the contract', async () => {
    const paid = paidOrder([soda], { orderType: 'dine-in' });
    await expect(apply(paid)).rejects.toThrow(/online order not valid/);
    expect((await orderOf(paid.orderId)).status).toBe(404);
    expect(outbox('orders', paid.orderId)).toMatchObject([
      {
        type: 'order.onlinerejected.v1',
        payload: { reason: 'invalid', fields: [{ field: 'tableId' }] },
      },
    ]);
    await expect(apply({ orderId: 'not-an-id' })).rejects.toThrow(/online order not valid/);
  });
});

describe('an online payment at the store', () => {
  it('is refunded by a manager (the cloud refunds the card) and never voided', async () => {
    const paid = paidOrder([soda]);
    await apply(paid);
    await waitPaid(paid.orderId);
    const paymentId = paid.payment.paymentId;
    const key = () => ({ 'idempotency-key': randomUUID() });

    const voided = await manager.post(
      `/api/v1/payments/${paymentId}/void`,
      { reason: 'guest changed mind' },
      key(),
    );
    expect(voided.status).toBe(409);
    expect(voided.body.detail).toMatch(/cannot be voided; refund it instead/);

    const byCashier = await cashier.post(
      `/api/v1/payments/${paymentId}/refund`,
      { reason: 'cold drink' },
      key(),
    );
    expect(byCashier.status).toBe(403);

    const refunded = await manager.post(
      `/api/v1/payments/${paymentId}/refund`,
      { reason: 'cold drink', amountCents: 100 },
      key(),
    );
    expect(refunded.status, JSON.stringify(refunded.body)).toBe(201);
    expect(refunded.body).toMatchObject({ tender: 'online', amountCents: 100 });
    const events = outbox('payments', paid.orderId).filter(
      (e) => e.type === 'payment.refundprocessed.v1',
    );
    expect(events).toHaveLength(1);
    expect(events[0]?.payload).toMatchObject({
      paymentId,
      amountCents: 100,
      tender: 'online',
      voided: false,
    });
    const x = await manager.get('/api/v1/reports/x');
    expect(x.status, JSON.stringify(x.body)).toBe(200);
    expect(x.body.money.refunds.byTender.online.amountCents).toBeGreaterThanOrEqual(100);
    expect(x.body.money.refunds.byTender.cash.amountCents).toBe(0);
  });
});

describe('an online order the cloud withdrew', () => {
  const withdraw = (orderId: string) =>
    apply(
      {
        orderId,
        storeId: 'store-1',
        reason: 'not-received',
        message: 'The store did not receive your order; you have not been charged',
        at: new Date().toISOString(),
      },
      onlineWithdrawalApplier(targets()),
    );

  it('is refunded in the books and cancelled off the kitchen screen when the hub has it', async () => {
    const paid = paidOrder([burger]);
    await apply(paid);
    await waitPaid(paid.orderId);
    const onGrill = async () =>
      (
        (await cook.get('/api/v1/kds/stations/grill/tickets')).body.tickets as {
          orderId: string;
          status: string;
          cancelReason: string | null;
        }[]
      ).find((x) => x.orderId === paid.orderId);
    await eventually(async () => (await onGrill())?.status === 'open');

    await withdraw(paid.orderId);
    await withdraw(paid.orderId);

    await eventually(async () => (await orderOf(paid.orderId)).body.status === 'CANCELLED');
    expect((await orderOf(paid.orderId)).body.paymentStatus).toBe('REFUNDED');
    // The cook sees it called off, with why, until someone in the kitchen clears it.
    await eventually(async () => (await onGrill())?.status === 'cancelled');
    expect((await onGrill())?.cancelReason).toMatch(/withdrawn/);
    const refunds = outbox('payments', paid.orderId).filter(
      (e) => e.type === 'payment.refundprocessed.v1',
    );
    // One refund of the whole payment, however often the withdrawal comes.
    expect(refunds).toHaveLength(1);
    expect(refunds[0]?.payload).toMatchObject({
      paymentId: paid.payment.paymentId,
      amountCents: paid.totalCents,
      tender: 'online',
    });
    expect(
      outbox('orders', paid.orderId).filter((e) => e.type === 'order.cancelled.v1'),
    ).toHaveLength(1);
  });

  it('is refused, and never created if its paid order turns up afterwards', async () => {
    const paid = paidOrder([soda]);
    await withdraw(paid.orderId);
    await apply(paid);
    expect((await orderOf(paid.orderId)).status).toBe(404);
    expect(outbox('payments', paid.orderId)).toHaveLength(0);
    const rejected = outbox('orders', paid.orderId);
    expect(rejected.map((e) => e.type)).toEqual(['order.onlinerejected.v1']);
    expect(rejected[0]?.payload).toMatchObject({ reason: 'withdrawn' });
  });
});
