/**
 * What the printers should have printed for the orders in the ledger, against what they did:
 * every kitchen ticket and every receipt exactly once. Kept apart from the run so that it can be
 * tested without a hub.
 */
import { type PrintTally, ticketKey } from './printers.js';
import type { OrderRecord } from './tills.js';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

interface Comparison {
  expected: number;
  missing: string[];
  duplicated: string[];
  unexpected: string[];
}

/** Keys expected `n` times each against what was counted. */
function compare(expected: Map<string, number>, counted: Map<string, number>): Comparison {
  const missing: string[] = [];
  const duplicated: string[] = [];
  let total = 0;
  for (const [key, n] of expected) {
    total += n;
    const got = counted.get(key) ?? 0;
    if (got < n) missing.push(key);
    if (got > n) duplicated.push(key);
  }
  const unexpected = [...counted.keys()].filter((k) => !expected.has(k));
  return { expected: total, missing, duplicated, unexpected };
}

function describe(what: string, c: Comparison, printed: number): Check {
  const ok = c.missing.length === 0 && c.duplicated.length === 0 && c.unexpected.length === 0;
  const parts = [`${printed} of ${c.expected} ${what} printed`];
  if (c.missing.length)
    parts.push(`missing ${c.missing.length} (${c.missing.slice(0, 3).join(', ')})`);
  if (c.duplicated.length)
    parts.push(`printed twice ${c.duplicated.length} (${c.duplicated.slice(0, 3).join(', ')})`);
  if (c.unexpected.length)
    parts.push(`not ordered ${c.unexpected.length} (${c.unexpected.slice(0, 3).join(', ')})`);
  return { name: `each ${what.replace(/s$/, '')} printed once`, ok, detail: parts.join('; ') };
}

/**
 * Kitchen tickets: one per station with a printer for the lines rung in, and an ADD-ON one per
 * such station for the lines added. Receipts: one per paid order (each is paid in one go).
 */
export function printChecks(
  orders: Iterable<OrderRecord>,
  printedStations: ReadonlySet<string>,
  tally: PrintTally,
): Check[] {
  const tickets = new Map<string, number>();
  const receipts = new Map<string, number>();
  const add = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  for (const order of orders) {
    for (const s of order.stations)
      if (printedStations.has(s)) add(tickets, ticketKey('new', order.number, s));
    for (const s of order.addOnStations)
      if (printedStations.has(s)) add(tickets, ticketKey('add-on', order.number, s));
    if (order.paid) add(receipts, order.id);
  }
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  return [
    describe('kitchen tickets', compare(tickets, tally.kitchen), sum(tally.kitchen)),
    describe('receipts', compare(receipts, tally.receipts), sum(tally.receipts)),
  ];
}
