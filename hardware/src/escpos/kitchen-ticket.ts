import type { OrderType } from '@pos/contracts';
import { EscPosDocument, type LayoutOptions } from './document.js';
import { time } from './format.js';
import { orderTypeLabel } from './receipt.js';

export interface KitchenTicketItem {
  quantity: number;
  name: string;
  variant?: string;
  /** Seat number; items without one are grouped under NO SEAT. */
  seat?: number | null;
  modifiers: readonly string[];
  notes?: string;
  /** Allergens to flag, e.g. ['nuts', 'gluten']. */
  allergies?: readonly string[];
  /** On a VOID ticket every item is void; on others, this marks a single voided item. */
  void?: boolean;
}

export interface KitchenTicketData {
  /** new: a fresh order; add-on: items added later; void: items taken off. */
  kind: 'new' | 'add-on' | 'void';
  orderNumber: string | number;
  type: OrderType | (string & {});
  table?: string;
  course?: number | string;
  station: string;
  server?: string;
  /** ISO-8601 instant. */
  printedAt: string;
  items: readonly KitchenTicketItem[];
  notes?: string;
}

export type KitchenTicketOptions = LayoutOptions;

/**
 * A kitchen ticket: large order number, where it goes, items grouped by seat, modifiers and
 * notes indented, allergies printed white on black. ESC/POS has no strike-through, so voided
 * items are marked by a VOID prefix on inverted text.
 */
export function buildKitchenTicket(data: KitchenTicketData, options: KitchenTicketOptions): Buffer {
  const doc = new EscPosDocument(options);

  doc.align('center');
  if (data.kind !== 'new') {
    const title = data.kind === 'void' ? 'VOID' : 'ADD-ON';
    doc.invert(true).bold(true).size('large').line(` ${title} `);
    doc.size('normal').bold(false).invert(false);
  }
  doc.bold(true).size('large').paragraph(`#${data.orderNumber}`);
  const where = data.table ? ` - TABLE ${data.table}` : '';
  doc.size('tall').paragraph(`${orderTypeLabel(data.type).toUpperCase()}${where}`);
  doc.size('normal').bold(false);
  if (data.course !== undefined) {
    const course = typeof data.course === 'number' ? `COURSE ${data.course}` : data.course;
    doc.paragraph(course.toUpperCase());
  }
  doc.align('left');
  doc.row(data.station.toUpperCase(), time(data.printedAt, options.timeZone));
  if (data.server) doc.paragraph(`Server: ${data.server}`);
  doc.rule('=');

  const groups = bySeat(data.items);
  const showSeats = groups.some((g) => g.seat !== undefined);
  for (const group of groups) {
    if (showSeats) {
      doc
        .bold(true)
        .underline(true)
        .line(group.seat === undefined ? 'NO SEAT' : `SEAT ${group.seat}`);
      doc.underline(false).bold(false);
    }
    for (const item of group.items)
      printItem(doc, item, data.kind === 'void' || item.void === true);
  }

  if (data.notes) {
    doc.rule().bold(true).paragraph(`NOTE: ${data.notes}`, 0, 6).bold(false);
  }
  doc.rule();
  doc.row(data.station.toUpperCase(), time(data.printedAt, options.timeZone));
  return doc.feed(1).cut().toBuffer();
}

function printItem(doc: EscPosDocument, item: KitchenTicketItem, isVoid: boolean): void {
  const name = item.variant ? `${item.name} (${item.variant})` : item.name;
  const prefix = `${isVoid ? 'VOID ' : ''}${item.quantity} x `;
  doc.bold(true).size('large');
  if (isVoid) doc.invert(true);
  doc.paragraph(prefix + name, 0, 2);
  if (isVoid) doc.invert(false);
  doc.size('normal').bold(false);
  for (const modifier of item.modifiers) doc.paragraph(`- ${modifier}`, 3, 5);
  if (item.notes) doc.paragraph(`NOTE: ${item.notes}`, 3, 9);
  if (item.allergies && item.allergies.length > 0) {
    // White on black and bold, so it cannot be missed on a busy pass.
    doc
      .invert(true)
      .bold(true)
      .paragraph(`!! ALLERGY: ${item.allergies.join(', ')}`, 0, 3);
    doc.bold(false).invert(false);
  }
  doc.feed(1);
}

interface SeatGroup {
  seat: number | undefined;
  items: KitchenTicketItem[];
}

/** Seats in ascending order, NO SEAT last, items in their original order within a seat. */
function bySeat(items: readonly KitchenTicketItem[]): SeatGroup[] {
  const groups = new Map<number | undefined, KitchenTicketItem[]>();
  for (const item of items) {
    const seat = typeof item.seat === 'number' ? item.seat : undefined;
    const group = groups.get(seat);
    if (group) group.push(item);
    else groups.set(seat, [item]);
  }
  return [...groups.entries()]
    .map(([seat, grouped]) => ({ seat, items: grouped }))
    .sort((a, b) => (a.seat ?? Number.POSITIVE_INFINITY) - (b.seat ?? Number.POSITIVE_INFINITY));
}
