import type { Cents } from '@pos/contracts';
import { EscPosDocument, type LayoutOptions } from './document.js';
import { dateTime, money, percent } from './format.js';

export interface CountedAmount {
  count: number;
  amountCents: Cents;
}

export interface ShiftReportData {
  /** X: a mid-shift read, nothing is reset. Z: the end-of-day close. */
  kind: 'X' | 'Z';
  storeName: string;
  /** YYYY-MM-DD, the trading day. */
  businessDate: string;
  /** ISO-8601 instants. */
  periodStart: string;
  periodEnd: string;
  printedAt: string;
  /** Z reports are numbered consecutively. */
  reportNumber?: number;
  terminal?: string;
  printedBy?: string;
  currency: string;
  grossSalesCents: Cents;
  netSalesCents: Cents;
  salesByCategory: readonly { name: string; quantity: number; amountCents: Cents }[];
  tenders: readonly { name: string; count: number; amountCents: Cents }[];
  taxes: readonly { name: string; rateBasisPoints: number; amountCents: Cents }[];
  discounts: CountedAmount;
  voids: CountedAmount;
  refunds: CountedAmount;
  serviceChargeCents?: Cents;
  tipsByEmployee: readonly { employee: string; amountCents: Cents }[];
  cashDrawer: {
    openingFloatCents: Cents;
    expectedCents: Cents;
    /** Absent on an X report taken before the drawer is counted. */
    countedCents?: Cents;
  };
  counts: { orders: number; guests?: number; itemsSold?: number; drawerOpens?: number };
}

export type ShiftReportOptions = LayoutOptions;

/** X or Z report: sales by category and tender, tax, adjustments, tips, drawer, counts. */
export function buildShiftReport(data: ShiftReportData, options: ShiftReportOptions): Buffer {
  const doc = new EscPosDocument(options);
  const amount = (cents: Cents) => money(cents, data.currency, options.locale);
  const zone = options.timeZone;

  doc.align('center').bold(true).size('large').line(`${data.kind} REPORT`);
  doc.size('normal').paragraph(data.storeName).bold(false);
  if (data.kind === 'Z' && data.reportNumber !== undefined) doc.line(`Z #${data.reportNumber}`);
  doc.align('left').rule('=');
  doc.row('Business date', data.businessDate);
  doc.row('From', dateTime(data.periodStart, zone));
  doc.row('To', dateTime(data.periodEnd, zone));
  doc.row('Printed', dateTime(data.printedAt, zone));
  if (data.terminal) doc.row('Terminal', data.terminal);
  if (data.printedBy) doc.row('By', data.printedBy);

  section(doc, 'SALES');
  doc.row('Gross sales', amount(data.grossSalesCents));
  doc.row(`Discounts (${data.discounts.count})`, `-${amount(data.discounts.amountCents)}`);
  doc.row(`Refunds (${data.refunds.count})`, `-${amount(data.refunds.amountCents)}`);
  doc.bold(true).row('Net sales', amount(data.netSalesCents)).bold(false);
  doc.row(`Voids (${data.voids.count})`, amount(data.voids.amountCents));
  if (data.serviceChargeCents) doc.row('Service charge', amount(data.serviceChargeCents));

  section(doc, 'BY CATEGORY');
  for (const category of data.salesByCategory) {
    doc.row(`${category.quantity} x ${category.name}`, amount(category.amountCents), 0, 2);
  }
  section(doc, 'BY TENDER');
  for (const tender of data.tenders) {
    doc.row(`${tender.name} (${tender.count})`, amount(tender.amountCents), 0, 2);
  }
  section(doc, 'TAX');
  for (const tax of data.taxes) {
    doc.row(`${tax.name} ${percent(tax.rateBasisPoints)}`, amount(tax.amountCents), 0, 2);
  }
  section(doc, 'TIPS');
  let tips = 0;
  for (const tip of data.tipsByEmployee) {
    tips += tip.amountCents;
    doc.row(tip.employee, amount(tip.amountCents), 0, 2);
  }
  doc
    .bold(true)
    .row('Total tips', amount(tips as Cents))
    .bold(false);

  section(doc, 'CASH DRAWER');
  const drawer = data.cashDrawer;
  doc.row('Opening float', amount(drawer.openingFloatCents));
  doc.row('Expected', amount(drawer.expectedCents));
  if (drawer.countedCents === undefined) {
    doc.row('Counted', 'not counted');
  } else {
    const difference = (drawer.countedCents - drawer.expectedCents) as Cents;
    doc.row('Counted', amount(drawer.countedCents));
    const sign = difference > 0 ? '+' : difference < 0 ? '-' : '';
    doc
      .bold(true)
      .row('Difference', `${sign}${amount(Math.abs(difference) as Cents)}`)
      .bold(false);
  }

  section(doc, 'COUNTS');
  doc.row('Orders', String(data.counts.orders));
  if (data.counts.guests !== undefined) doc.row('Guests', String(data.counts.guests));
  if (data.counts.itemsSold !== undefined) doc.row('Items sold', String(data.counts.itemsSold));
  if (data.counts.drawerOpens !== undefined) {
    doc.row('Drawer opens', String(data.counts.drawerOpens));
  }
  doc.rule('=');
  if (data.kind === 'Z') doc.align('center').paragraph('END OF DAY - TOTALS RESET').align('left');
  return doc.feed(1).cut().toBuffer();
}

function section(doc: EscPosDocument, title: string): void {
  doc.rule().bold(true).line(title).bold(false);
}
