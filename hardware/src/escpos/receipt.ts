import type { Cents, OrderType } from '@pos/contracts';
import { EscPosDocument, type LayoutOptions } from './document.js';
import { dateTime, money, percent, signedMoney } from './format.js';

export interface ReceiptStore {
  name: string;
  addressLines: readonly string[];
  phone?: string;
  taxId?: string;
}

export interface ReceiptModifier {
  name: string;
  /** Per unit; 0 prints no amount. */
  priceDeltaCents: Cents;
}

export interface ReceiptLine {
  quantity: number;
  name: string;
  variant?: string;
  modifiers: readonly ReceiptModifier[];
  lineTotalCents: Cents;
  /** Discount on this line, as a positive amount. */
  discountCents?: Cents;
}

export interface ReceiptTaxLine {
  name: string;
  rateBasisPoints: number;
  amountCents: Cents;
}

export interface ReceiptTender {
  kind: 'cash' | 'card';
  amountCents: Cents;
  tenderedCents?: Cents;
  changeCents?: Cents;
  /** Brand and last four digits are all a receipt ever shows of a card. */
  card?: { brand: string; last4: string };
}

export interface ReceiptData {
  store: ReceiptStore;
  orderNumber: string | number;
  orderId: string;
  type: OrderType | (string & {});
  table?: string;
  cashier: string;
  /** ISO-8601 instant. */
  printedAt: string;
  currency: string;
  lines: readonly ReceiptLine[];
  subtotalCents: Cents;
  /** Order-level discount, as a positive amount. */
  discountCents: Cents;
  taxLines: readonly ReceiptTaxLine[];
  serviceChargeCents: Cents;
  totalCents: Cents;
  tenders: readonly ReceiptTender[];
  tipCents?: Cents;
  /** Print "Tip: ____" and "Total: ____" to fill in (card slips). */
  tipLine?: boolean;
  footer: readonly string[];
  /** Printed as a QR code (or a CODE128 barcode): the order ID. */
  qr?: string;
}

export interface ReceiptOptions extends LayoutOptions {
  /** How `qr` is printed; code128 is for printers without QR support. Default qr. */
  code?: 'qr' | 'code128' | 'none';
  /** Kick this drawer pin before printing (cash sales). */
  openDrawer?: 2 | 5;
}

const ORDER_TYPE_LABELS: Record<string, string> = {
  'dine-in': 'Dine in',
  takeout: 'Takeout',
  pickup: 'Pickup',
};

export function orderTypeLabel(type: string): string {
  return ORDER_TYPE_LABELS[type] ?? type;
}

/** Customer receipt: header, items, totals, tenders, footer, QR of the order ID, cut. */
export function buildReceipt(data: ReceiptData, options: ReceiptOptions): Buffer {
  const doc = new EscPosDocument(options);
  const locale = options.locale;
  const amount = (cents: Cents) => money(cents, data.currency, locale);
  const minus = (cents: Cents) => `-${amount(cents)}`;

  if (options.openDrawer) doc.drawerKick(options.openDrawer);
  header(doc, data.store);

  doc.bold(true).row(`Order #${data.orderNumber}`, dateTime(data.printedAt, options.timeZone));
  doc.bold(false).paragraph(`Cashier: ${data.cashier}`);
  const where = data.table ? ` - Table ${data.table}` : '';
  doc.paragraph(`${orderTypeLabel(data.type)}${where}`).rule();

  for (const line of data.lines) {
    const prefix = `${line.quantity} x `;
    const name = line.variant ? `${line.name} (${line.variant})` : line.name;
    doc.row(prefix + name, amount(line.lineTotalCents), 0, prefix.length);
    const indent = prefix.length;
    for (const modifier of line.modifiers) {
      const delta =
        modifier.priceDeltaCents === 0
          ? ''
          : signedMoney(modifier.priceDeltaCents, data.currency, locale);
      doc.row(`+ ${modifier.name}`, delta, indent, indent + 2);
    }
    if (line.discountCents) doc.row('Discount', minus(line.discountCents), indent);
  }
  doc.rule();

  doc.row('Subtotal', amount(data.subtotalCents));
  if (data.discountCents) doc.row('Discount', minus(data.discountCents));
  for (const tax of data.taxLines) {
    doc.row(`${tax.name} ${percent(tax.rateBasisPoints)}`, amount(tax.amountCents));
  }
  if (data.serviceChargeCents) doc.row('Service charge', amount(data.serviceChargeCents));
  doc.bold(true).size('tall').row('TOTAL', amount(data.totalCents));
  doc.size('normal').bold(false).rule();

  tenders(doc, data, amount);
  if (data.tipCents) doc.row('Tip', amount(data.tipCents));
  if (data.tipLine) {
    doc.feed(1).line(writeIn('Tip:', doc.width)).feed(1).line(writeIn('Total:', doc.width));
  }

  if (data.footer.length > 0) {
    doc.rule().align('center');
    for (const text of data.footer) doc.paragraph(text);
    doc.align('left');
  }
  if (data.qr) printCode(doc, data, options.code ?? 'qr');
  return doc.feed(1).cut().toBuffer();
}

function header(doc: EscPosDocument, store: ReceiptStore): void {
  doc.align('center').bold(true).size('tall').paragraph(store.name);
  doc.size('normal').bold(false);
  for (const line of store.addressLines) doc.paragraph(line);
  if (store.phone) doc.paragraph(`Tel ${store.phone}`);
  if (store.taxId) doc.paragraph(`Tax ID ${store.taxId}`);
  doc.align('left').rule('=');
}

function tenders(doc: EscPosDocument, data: ReceiptData, amount: (c: Cents) => string): void {
  for (const tender of data.tenders) {
    if (tender.kind === 'card') {
      const last4 = (tender.card?.last4 ?? '').replace(/\D/g, '').slice(-4);
      const label = tender.card ? `${tender.card.brand} **** ${last4}` : 'Card';
      doc.row(label, amount(tender.amountCents));
      continue;
    }
    doc.row('Cash', amount(tender.amountCents));
    if (tender.tenderedCents !== undefined) doc.row('Tendered', amount(tender.tenderedCents), 2);
    if (tender.changeCents !== undefined) doc.row('Change', amount(tender.changeCents), 2);
  }
}

function writeIn(label: string, width: number): string {
  return `${label.padEnd(7)}${'_'.repeat(Math.max(4, Math.min(20, width - 8)))}`;
}

function printCode(doc: EscPosDocument, data: ReceiptData, code: 'qr' | 'code128' | 'none'): void {
  if (code === 'none' || !data.qr) return;
  doc.feed(1).align('center');
  if (code === 'qr') doc.qr(data.qr, doc.columns >= 42 ? 6 : 5);
  else if (!doc.code128(data.qr) && !doc.code128(String(data.orderNumber))) doc.paragraph(data.qr);
  doc.align('left');
}
