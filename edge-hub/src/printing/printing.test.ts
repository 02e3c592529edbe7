import { randomUUID } from 'node:crypto';
import { cents } from '@pos/contracts';
import { demoPrintingConfig, startVirtualPrinter, type VirtualPrinter } from '@pos/hardware';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiClient,
  eventually,
  PINS,
  startTestHub,
  type TestHub,
} from '../testing/hub-harness.js';
import type { PrintingModule } from './module.js';

let receipt: VirtualPrinter;
let kitchen: VirtualPrinter;
let t: TestHub;
let cashier: ApiClient;
let manager: ApiClient;

beforeAll(async () => {
  receipt = await startVirtualPrinter({ port: 0, name: 'receipt', codePage: 'PC858' });
  kitchen = await startVirtualPrinter({ port: 0, name: 'kitchen', codePage: 'PC858' });
  t = await startTestHub({
    printing: { initialConfig: () => demoPrintingConfig('127.0.0.1', receipt.port, kitchen.port) },
  });
  cashier = await t.as(PINS.cashier);
  manager = await t.as(PINS.manager);
  // A delivery, so that a hundred more burgers can be made.
  const items = (await manager.get('/api/v1/inventory/items')).body.items as {
    ingredientId: string;
  }[];
  for (const { ingredientId } of items) {
    await manager.post('/api/v1/inventory/stock-in', { ingredientId, quantity: 1_000_000 });
  }
});

afterAll(async () => {
  await t.stop();
  await receipt.close();
  await kitchen.close();
});

const burger = {
  menuItemId: 'burger-classic',
  modifierIds: ['mod-burger-medium-rare', 'mod-bacon'],
  quantity: 2,
  seat: 1,
  notes: 'no salt',
};
const wings = {
  menuItemId: 'starter-wings',
  variantId: '12pc',
  modifierIds: ['mod-wings-buffalo'],
  quantity: 1,
  seat: 2,
};

/** A ticket's own order number line, so "#4" is never confused with table T4. */
const forOrder = (text: string, n: number) => text.includes(`#${n}\n`);

async function order(items: unknown[], extra: Record<string, unknown> = {}) {
  const res = await cashier.post('/api/v1/orders', {
    id: randomUUID(),
    type: 'dine-in',
    tableId: 'T4',
    guests: 2,
    items,
    ...extra,
  });
  expect(res.status).toBe(201);
  return res.body as { id: string; number: number; items: { id: string }[] };
}

describe('kitchen tickets and receipts', () => {
  it('prints a kitchen ticket per station, grouped by seat, with modifiers and allergies', async () => {
    kitchen.clear();
    const o = await order([burger, wings]);
    const jobs = await kitchen.waitForJobs(2, 10_000);
    const grill = jobs.find((j) => j.text.includes('GRILL'));
    const fryer = jobs.find((j) => j.text.includes('FRYER'));
    expect(forOrder(grill?.text ?? '', o.number)).toBe(true);
    expect(grill?.text).toContain('SEAT 1');
    expect(grill?.text).toMatch(/2 x Classic\s+Cheeseburger/);
    expect(grill?.text).toContain('Medium rare');
    expect(grill?.text).toContain('no salt');
    expect(grill?.text).toMatch(/ALLERG/i);
    expect(grill?.commands).toEqual(expect.arrayContaining(['init', 'cut']));
    expect(fryer?.text).toContain('SEAT 2');
    expect(fryer?.text).toContain('Wings');
  });

  it('prints ADD-ON and VOID tickets for changes', async () => {
    const o = await order([burger]);
    await eventually(() => kitchen.jobs().some((j) => forOrder(j.text, o.number)));
    kitchen.clear();
    const add = await cashier.put(`/api/v1/orders/${o.id}`, {
      modificationId: randomUUID(),
      add: [{ menuItemId: 'side-onion-rings', quantity: 1, seat: 1 }],
    });
    expect(add.status).toBe(200);
    const [addOn] = await kitchen.waitForJobs(1, 10_000);
    expect(addOn?.text).toContain('ADD-ON');
    expect(forOrder(addOn?.text ?? '', o.number)).toBe(true);
    expect(addOn?.text).toContain('Onion Rings');
    kitchen.clear();
    const voided = await cashier.put(`/api/v1/orders/${o.id}`, {
      modificationId: randomUUID(),
      void: [{ orderItemId: o.items[0]?.id, quantity: 1, reason: 'guest changed mind' }],
      approval: { managerPin: PINS.manager },
    });
    expect(voided.status).toBe(200);
    const [voidTicket] = await kitchen.waitForJobs(1, 10_000);
    expect(voidTicket?.text).toContain('VOID');
    expect(voidTicket?.text).toMatch(/Classic\s+Cheeseburger/);
  });

  it('prints a guest check with totals and a QR code at the receipt printer', async () => {
    const o = await order([burger, wings]);
    await eventually(
      async () => (await cashier.post(`/api/v1/orders/${o.id}/receipt`, {})).status === 202,
    );
    const jobs = await receipt.waitForJobs(1, 10_000);
    const check = jobs.find(
      (j) => j.text.includes(o.id.slice(0, 8)) || j.text.includes(`${o.number}`),
    );
    expect(check?.text).toMatch(/Harbour Street Kitchen/i);
    expect(check?.text).toMatch(/Classic\s+Cheeseburger/);
    expect(check?.text).toMatch(/TOTAL/i);
    expect(check?.commands).toEqual(expect.arrayContaining(['init', 'qr', 'cut']));
  });

  it('prints a receipt asked for before its order reached the printers once the order does', async () => {
    // A cash payment taken the moment the order was sent: its receipt request reaches the
    // printers before the order's own event does.
    const printing = (t.modules.find((m) => m.name === 'printing') as PrintingModule).printing();
    receipt.clear();
    const id = randomUUID();
    printing.printReceipt({
      orderId: id,
      jobKey: `receipt:${randomUUID()}`,
      cashier: 'Sam',
      tenders: [{ kind: 'cash', amountCents: cents(5_000), tenderedCents: cents(5_000) }],
      openDrawer: { reason: 'cash sale', by: 'sam' },
      whenOrderArrives: true,
    });
    // The drawer opens at once, for the change.
    await eventually(() => receipt.jobs().some((j) => j.commands.includes('drawer:pin2')));
    expect(receipt.jobs().some((j) => /TOTAL/i.test(j.text))).toBe(false);
    const o = await order([burger], { id });
    await eventually(() => receipt.jobs().some((j) => j.text.includes(`Order #${o.number}`)));
    const receipts = receipt.jobs().filter((j) => /TOTAL/i.test(j.text));
    expect(receipts).toHaveLength(1);
    expect(receipts[0]?.text).toMatch(/Classic\s+Cheeseburger/);
    expect(receipts[0]?.commands).not.toContain('drawer:pin2');
  });

  it('opens the drawer for a manager only, and logs it', async () => {
    receipt.clear();
    expect(
      (await cashier.post('/api/v1/drawer/open', { reason: 'change for a fifty' })).status,
    ).toBe(403);
    expect(
      (await manager.post('/api/v1/drawer/open', { reason: 'change for a fifty' })).status,
    ).toBe(202);
    await eventually(() =>
      receipt.jobs({ includeUnprinted: true }).some((j) => j.commands.includes('drawer:pin2')),
    );
    const log = await manager.get('/api/v1/drawer/log');
    expect(log.body.openings[0]).toMatchObject({
      printerId: 'receipt',
      reason: 'change for a fifty',
    });
    expect((await cashier.get('/api/v1/drawer/log')).status).toBe(403);
  });
});

describe('a printer that is down', () => {
  it('keeps 100 tickets queued across a hub restart, shows it offline, and prints each once, in order, when it is back', async () => {
    await kitchen.setState('offline');
    kitchen.clear();
    const numbers: number[] = [];
    for (let i = 0; i < 100; i++)
      numbers.push((await order([{ ...burger, seat: undefined, notes: undefined }])).number);
    await eventually(async () => {
      const res = await cashier.get('/api/v1/printers');
      const k = res.body.printers.find((p: { id: string }) => p.id === 'kitchen');
      return k.state === 'offline' && k.queued === 100;
    }, 15_000);
    const queued = await cashier.get('/api/v1/print-jobs?printerId=kitchen');
    expect(queued.body.jobs).toHaveLength(100);

    await t.restart();
    cashier = await t.as(PINS.cashier);
    manager = await t.as(PINS.manager);
    await kitchen.setState('online');
    const jobs = await kitchen.waitForJobs(100, 60_000);
    const printedNumbers = jobs.map((j) => numbers.find((n) => forOrder(j.text, n)));
    expect(printedNumbers).toEqual(numbers);
    await new Promise((r) => setTimeout(r, 300));
    expect(kitchen.jobs()).toHaveLength(100);
  });

  it('reads paper-out from the printer and shows it', async () => {
    await receipt.setState('paper-out');
    await cashier.post('/api/v1/printers/receipt/test', {});
    await eventually(async () => {
      const res = await cashier.get('/api/v1/printers');
      return (
        res.body.printers.find((p: { id: string }) => p.id === 'receipt').state === 'paper-out'
      );
    }, 15_000);
    await receipt.setState('online');
    await eventually(async () => {
      const res = await cashier.get('/api/v1/printers');
      return res.body.printers.find((p: { id: string }) => p.id === 'receipt').queued === 0;
    }, 30_000);
  });

  it('refuses a printing setup with bad values, naming them', async () => {
    const config = (await manager.get('/api/v1/printing/config')).body;
    const bad = {
      ...config,
      receiptPrinterId: 'ghost',
      printers: [{ ...config.printers[0], width: 40 }],
    };
    const res = await manager.put('/api/v1/printing/config', bad);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain('printers.0.width');
    expect((await cashier.put('/api/v1/printing/config', config)).status).toBe(403);
  });
});
