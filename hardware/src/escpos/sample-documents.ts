import { type Cents, cents } from '@pos/contracts';
import type { KitchenTicketData } from './kitchen-ticket.js';
import type { ReceiptData } from './receipt.js';
import type { ShiftReportData } from './shift-report.js';

/** Documents for tests and demos, with accented names and a name long enough to wrap. */

export const LONG_ITEM_NAME =
  'Slow-roasted heritage pork belly with caramelised apple, crackling and cider jus';

export function sampleReceipt(overrides: Partial<ReceiptData> = {}): ReceiptData {
  return {
    store: {
      name: 'Harbour Street Kitchen',
      addressLines: ['12 Harbour Street', 'Portsmouth PO1 2AB'],
      phone: '023 9200 0000',
      taxId: 'GB 123 4567 89',
    },
    orderNumber: 1042,
    orderId: '01948d2e-7c1a-7b3e-9f10-3c2b1a0d9e8f',
    type: 'dine-in',
    table: 'T4',
    cashier: 'Zoë Müller',
    printedAt: '2026-01-14T10:30:00.000Z',
    currency: 'EUR',
    lines: [
      {
        quantity: 2,
        name: 'Café au lait',
        variant: 'Large',
        modifiers: [{ name: 'Oat milk', priceDeltaCents: cents(50) }],
        lineTotalCents: cents(900),
      },
      {
        quantity: 1,
        name: 'Crème brûlée',
        modifiers: [],
        lineTotalCents: cents(750),
        discountCents: cents(150),
      },
      {
        quantity: 1,
        name: 'Jalapeño poppers',
        modifiers: [{ name: 'Extra dip', priceDeltaCents: cents(0) }],
        lineTotalCents: cents(650),
      },
      { quantity: 1, name: LONG_ITEM_NAME, modifiers: [], lineTotalCents: cents(2450) },
    ],
    subtotalCents: cents(4750),
    discountCents: cents(150),
    taxLines: [{ name: 'VAT', rateBasisPoints: 2000, amountCents: cents(767) }],
    serviceChargeCents: cents(0),
    totalCents: cents(4600),
    tenders: [
      {
        kind: 'cash',
        amountCents: cents(2000),
        tenderedCents: cents(2000),
        changeCents: cents(0),
      },
      {
        kind: 'card',
        amountCents: cents(2600),
        card: { brand: 'Visa', last4: '4242' },
      },
    ],
    tipLine: true,
    footer: ['Merci et à bientôt!', 'Thank you for dining with us'],
    qr: '01948d2e-7c1a-7b3e-9f10-3c2b1a0d9e8f',
    ...overrides,
  };
}

export function sampleKitchenTicket(overrides: Partial<KitchenTicketData> = {}): KitchenTicketData {
  return {
    kind: 'new',
    orderNumber: 1042,
    type: 'dine-in',
    table: 'T4',
    course: 1,
    station: 'Grill',
    server: 'Sam Patel',
    printedAt: '2026-01-14T10:31:00.000Z',
    items: [
      {
        quantity: 1,
        name: 'Cheeseburger',
        seat: 2,
        modifiers: ['Medium rare', 'No onions'],
        allergies: ['gluten'],
      },
      { quantity: 2, name: 'Jalapeño poppers', seat: 1, modifiers: [], allergies: ['nuts'] },
      { quantity: 1, name: LONG_ITEM_NAME, modifiers: ['Sauce on the side'], notes: 'Birthday' },
    ],
    notes: 'Guest at seat 1 has a severe nut allergy',
    ...overrides,
  };
}

const c = (n: number): Cents => cents(n);

export function sampleShiftReport(overrides: Partial<ShiftReportData> = {}): ShiftReportData {
  return {
    kind: 'Z',
    storeName: 'Harbour Street Kitchen',
    businessDate: '2026-01-14',
    periodStart: '2026-01-14T07:00:00.000Z',
    periodEnd: '2026-01-14T23:00:00.000Z',
    printedAt: '2026-01-14T23:05:00.000Z',
    reportNumber: 118,
    terminal: 'Till 1',
    printedBy: 'Marcus Reed',
    currency: 'USD',
    grossSalesCents: c(312_450),
    netSalesCents: c(301_200),
    salesByCategory: [
      { name: 'Mains', quantity: 84, amountCents: c(180_300) },
      { name: 'Crêpes & desserts', quantity: 40, amountCents: c(32_000) },
      { name: 'Drinks', quantity: 150, amountCents: c(100_150) },
    ],
    tenders: [
      { name: 'Cash', count: 31, amountCents: c(61_000) },
      { name: 'Card', count: 92, amountCents: c(240_200) },
    ],
    taxes: [
      { name: 'Food', rateBasisPoints: 825, amountCents: c(17_100) },
      { name: 'Alcohol', rateBasisPoints: 1025, amountCents: c(6_420) },
    ],
    discounts: { count: 7, amountCents: c(6_250) },
    voids: { count: 3, amountCents: c(4_100) },
    refunds: { count: 1, amountCents: c(5_000) },
    tipsByEmployee: [
      { employee: 'Sam Patel', amountCents: c(9_800) },
      { employee: 'Jess López', amountCents: c(11_250) },
    ],
    cashDrawer: { openingFloatCents: c(20_000), expectedCents: c(81_000), countedCents: c(80_850) },
    counts: { orders: 123, guests: 260, itemsSold: 274, drawerOpens: 35 },
    ...overrides,
  };
}
