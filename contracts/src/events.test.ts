import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { EVENT_SAMPLES, sampleEnvelope } from './event-samples.js';
import { EVENT_PAYLOAD_SCHEMAS, EVENT_TYPES, type EventType, parseEvent } from './index.js';

// Every event type has a valid sample and at least one hand-written broken variant; on top of
// that, generic checks walk each sample: drop each required field, give each field the wrong
// type, make each amount fractional — each must be rejected with the failing path reported.

const REMOVE = Symbol('remove');
type Change = readonly [path: string, value: unknown];
type Broken = { why: string; changes: readonly Change[]; path: string };

type Json = Record<string, unknown>;

function clone(value: unknown): Json {
  return structuredClone(value) as Json;
}

/** Set (or with REMOVE delete) the value at a dotted path such as `items.0.quantity`. */
function change(target: Json, path: string, value: unknown): Json {
  const keys = path.split('.');
  const last = keys.pop()!;
  let node: Json = target;
  for (const key of keys) node = node[key] as Json;
  if (value === REMOVE) delete node[last];
  else node[last] = value;
  return target;
}

function issuesFor(type: string, payload: unknown) {
  const result = parseEvent(sampleEnvelope(type, payload));
  return result.ok ? [] : result.issues;
}

function expectRejectedAt(type: string, payload: unknown, path: string) {
  const issues = issuesFor(type, payload);
  expect(issues.length, `${type} accepted a payload broken at ${path}`).toBeGreaterThan(0);
  expect(issues.map((i) => i.path)).toContain(`Payload.${path}`);
}

const BROKEN: { [T in EventType]: readonly Broken[] } = {
  'order.created.v1': [
    { why: 'quantity 0', changes: [['items.0.quantity', 0]], path: 'items.0.quantity' },
    { why: 'quantity 1000', changes: [['items.0.quantity', 1000]], path: 'items.0.quantity' },
    {
      why: 'float price',
      changes: [['items.0.unitPriceCents', 12.5]],
      path: 'items.0.unitPriceCents',
    },
    { why: 'no items', changes: [['items', []]], path: 'items' },
    { why: 'blank name', changes: [['items.0.name', '  ']], path: 'items.0.name' },
    { why: 'no station', changes: [['items.0.stationId', REMOVE]], path: 'items.0.stationId' },
    { why: 'seat 0', changes: [['items.0.seat', 0]], path: 'items.0.seat' },
    { why: 'course 0', changes: [['items.0.course', 0]], path: 'items.0.course' },
    { why: 'bad date', changes: [['businessDate', '14/01/2026']], path: 'businessDate' },
    { why: 'bad order type', changes: [['orderType', 'delivery']], path: 'orderType' },
    { why: 'negative total', changes: [['totalCents', -1]], path: 'totalCents' },
    { why: 'bad email', changes: [['customer.email', 'ada']], path: 'customer.email' },
    { why: 'lowercase currency', changes: [['currency', 'usd']], path: 'currency' },
  ],
  'order.confirmed.v1': [
    { why: 'seed-style id', changes: [['orderId', 'ORD-001']], path: 'orderId' },
    { why: 'no time', changes: [['confirmedAt', REMOVE]], path: 'confirmedAt' },
  ],
  'order.preparing.v1': [{ why: 'bad time', changes: [['at', 'yesterday']], path: 'at' }],
  'order.ready.v1': [{ why: 'empty station', changes: [['stationId', '']], path: 'stationId' }],
  'order.pickedup.v1': [
    { why: 'numeric user', changes: [['completedBy', 42]], path: 'completedBy' },
  ],
  'order.onlinerejected.v1': [
    { why: 'unknown reason', changes: [['reason', 'because']], path: 'reason' },
    { why: 'no message', changes: [['message', ' ']], path: 'message' },
  ],
  'online.orderpaid.v1': [
    { why: 'no items', changes: [['items', []]], path: 'items' },
    { why: 'quantity 100', changes: [['items.0.quantity', 100]], path: 'items.0.quantity' },
    { why: 'takeout', changes: [['orderType', 'takeout']], path: 'orderType' },
    { why: 'dine-in without a table', changes: [['orderType', 'dine-in']], path: 'tableId' },
    {
      why: 'payment short of the total',
      changes: [['payment.amountCents', 100]],
      path: 'payment.amountCents',
    },
    { why: 'free order', changes: [['totalCents', 0]], path: 'totalCents' },
    {
      why: 'card number',
      changes: [['payment.card.last4', '4242424242424242']],
      path: 'payment.card.last4',
    },
  ],
  'online.orderwithdrawn.v1': [
    { why: 'another reason', changes: [['reason', 'sold-out']], path: 'reason' },
    { why: 'no store', changes: [['storeId', REMOVE]], path: 'storeId' },
  ],
  'order.cancelled.v1': [
    { why: 'empty reason', changes: [['reason', '']], path: 'reason' },
    { why: 'no reason', changes: [['reason', REMOVE]], path: 'reason' },
  ],
  'order.paymentfailed.v1': [
    { why: 'no payment', changes: [['paymentId', REMOVE]], path: 'paymentId' },
    { why: 'payment id not a UUID', changes: [['paymentId', 'p-1']], path: 'paymentId' },
  ],
  'order.modified.v1': [
    {
      why: 'nothing changed',
      changes: [
        ['added', []],
        ['voided', []],
      ],
      path: 'added',
    },
    { why: 'void qty 0', changes: [['voided.0.quantity', 0]], path: 'voided.0.quantity' },
    {
      why: 'string flag',
      changes: [['voided.0.wasSentToKitchen', 'yes']],
      path: 'voided.0.wasSentToKitchen',
    },
    { why: 'added qty 1000', changes: [['added.0.quantity', 1000]], path: 'added.0.quantity' },
    { why: 'no author', changes: [['modifiedBy', REMOVE]], path: 'modifiedBy' },
  ],
  'payment.initiated.v1': [
    { why: 'zero amount', changes: [['amountCents', 0]], path: 'amountCents' },
    { why: 'negative tip', changes: [['tipCents', -100]], path: 'tipCents' },
    { why: 'unknown tender', changes: [['tender', 'bitcoin']], path: 'tender' },
  ],
  'payment.completed.v1': [
    { why: 'full PAN', changes: [['card.last4', '4242424242424242']], path: 'card.last4' },
    { why: 'letters in last4', changes: [['card.last4', '42a2']], path: 'card.last4' },
    { why: '3 digits', changes: [['card.last4', '424']], path: 'card.last4' },
    {
      why: 'float category amount',
      changes: [['categoryAmounts.0.amountCents', 10.5]],
      path: 'categoryAmounts.0.amountCents',
    },
    { why: 'cash with a card', changes: [['tender', 'cash']], path: 'card' },
    { why: 'no categories', changes: [['categoryAmounts', REMOVE]], path: 'categoryAmounts' },
  ],
  'payment.failed.v1': [
    { why: 'open reason', changes: [['reason', 'bad-luck']], path: 'reason' },
    { why: 'string amount', changes: [['amountCents', '3410']], path: 'amountCents' },
  ],
  'payment.refundprocessed.v1': [
    { why: 'no approver', changes: [['approvedBy', REMOVE]], path: 'approvedBy' },
    { why: 'negative refund', changes: [['amountCents', -450]], path: 'amountCents' },
  ],
  'payment.tipadjusted.v1': [
    { why: 'negative tip', changes: [['tipCents', -1]], path: 'tipCents' },
    { why: 'no adjuster', changes: [['adjustedBy', REMOVE]], path: 'adjustedBy' },
  ],
  'payment.receiptrequested.v1': [
    { why: 'not an email', changes: [['email', 'ada at example']], path: 'email' },
    { why: 'no order', changes: [['orderId', REMOVE]], path: 'orderId' },
  ],
  'payment.shiftopened.v1': [
    { why: 'negative float', changes: [['openingFloatCents', -1]], path: 'openingFloatCents' },
    { why: 'opener not a UUID', changes: [['openedBy', 'u-sam']], path: 'openedBy' },
    { why: 'bad business date', changes: [['businessDate', '14/01/2026']], path: 'businessDate' },
  ],
  'payment.cashmovement.v1': [
    { why: 'zero amount', changes: [['amountCents', 0]], path: 'amountCents' },
    { why: 'unknown kind', changes: [['kind', 'float']], path: 'kind' },
    { why: 'blank reason', changes: [['reason', '  ']], path: 'reason' },
    { why: 'no one', changes: [['by', REMOVE]], path: 'by' },
    { why: 'shift id not a UUID', changes: [['shiftId', 'shift-1']], path: 'shiftId' },
  ],
  'payment.shiftclosed.v1': [
    {
      why: 'difference not counted − expected',
      changes: [['differenceCents', 425]],
      path: 'differenceCents',
    },
    { why: 'count not adding up', changes: [['countedCents', 20_000]], path: 'countedCents' },
    {
      why: 'expected not adding up',
      changes: [['expectedCents', 20_000]],
      path: 'expectedCents',
    },
    {
      why: 'denomination counted twice',
      changes: [['counted.1.denominationCents', 10_000]],
      path: 'counted.1.denominationCents',
    },
    { why: 'negative pieces', changes: [['counted.0.count', -2]], path: 'counted.0.count' },
    { why: 'negative count', changes: [['countedCents', -1]], path: 'countedCents' },
    { why: 'no closer', changes: [['closedBy', REMOVE]], path: 'closedBy' },
  ],
  'inventory.levelchanged.v1': [
    { why: 'fractional level', changes: [['current', 1.5]], path: 'current' },
    { why: 'unknown reason', changes: [['reason', 'eaten']], path: 'reason' },
    { why: 'unknown unit', changes: [['unit', 'kg']], path: 'unit' },
  ],
  'inventory.lowstockalert.v1': [
    { why: 'empty name', changes: [['name', '']], path: 'name' },
    { why: 'negative reorder point', changes: [['reorderPoint', -1]], path: 'reorderPoint' },
  ],
  'inventory.received.v1': [
    { why: 'nothing received', changes: [['quantity', 0]], path: 'quantity' },
    { why: 'cost without currency', changes: [['currency', REMOVE]], path: 'currency' },
    { why: 'float cost', changes: [['costCents', 18.75]], path: 'costCents' },
  ],
  'inventory.adjusted.v1': [
    { why: 'zero delta', changes: [['delta', 0]], path: 'delta' },
    { why: 'fractional delta', changes: [['delta', 0.5]], path: 'delta' },
  ],
  'menu.itemcreated.v1': [
    { why: 'negative price', changes: [['priceCents', -1]], path: 'priceCents' },
    { why: 'empty name', changes: [['name', '']], path: 'name' },
  ],
  'menu.itemupdated.v1': [
    { why: 'string flag', changes: [['available', 'yes']], path: 'available' },
    { why: 'float price', changes: [['priceCents', 12.5]], path: 'priceCents' },
  ],
  'menu.pricechanged.v1': [
    { why: 'float price', changes: [['currentCents', 14.5]], path: 'currentCents' },
    { why: 'no currency', changes: [['currency', REMOVE]], path: 'currency' },
  ],
  'menu.itemavailabilitychanged.v1': [
    { why: 'no flag', changes: [['available', REMOVE]], path: 'available' },
  ],
  'menu.published.v1': [
    { why: 'version 0', changes: [['menuVersion', 0]], path: 'menuVersion' },
    { why: 'fractional version', changes: [['menuVersion', 1.5]], path: 'menuVersion' },
    { why: 'no stores', changes: [['storeIds', []]], path: 'storeIds' },
  ],
  'kds.preparationtimeexceeded.v1': [
    { why: 'not exceeded', changes: [['elapsedSeconds', 500]], path: 'elapsedSeconds' },
    { why: 'zero threshold', changes: [['thresholdSeconds', 0]], path: 'thresholdSeconds' },
    { why: 'bad ticket id', changes: [['ticketId', 'T-1']], path: 'ticketId' },
  ],
  'loyalty.pointsearned.v1': [
    { why: 'zero points', changes: [['points', 0]], path: 'points' },
    { why: 'fractional points', changes: [['points', 1.5]], path: 'points' },
    { why: 'negative balance', changes: [['balance', -1]], path: 'balance' },
  ],
  'loyalty.pointsredeemed.v1': [
    { why: 'no reason', changes: [['reason', REMOVE]], path: 'reason' },
  ],
  'loyalty.tierupgraded.v1': [
    { why: 'same tier', changes: [['toTier', 'silver']], path: 'toTier' },
  ],
  'loyalty.rewardredeemed.v1': [
    { why: 'empty reward', changes: [['rewardId', '']], path: 'rewardId' },
  ],
  'loyalty.ruleschanged.v1': [
    { why: 'version 0', changes: [['version', 0]], path: 'version' },
    { why: 'no base tier', changes: [['tiers.0.minLifetimePoints', 10]], path: 'tiers' },
    { why: 'no tiers', changes: [['tiers', []]], path: 'tiers' },
    {
      why: 'fractional multiplier',
      changes: [['multipliers.0.multiplierBp', 1.5]],
      path: 'multipliers.0.multiplierBp',
    },
    {
      why: 'promotion ending before it starts',
      changes: [['promotions.0.endsAt', '2026-01-19T00:00:00.000Z']],
      path: 'promotions.0.endsAt',
    },
    {
      why: 'promotion that takes points away',
      changes: [['promotions.0.multiplierBp', 5_000]],
      path: 'promotions.0.multiplierBp',
    },
    { why: 'other rounding', changes: [['earning.rounding', 'up']], path: 'earning.rounding' },
  ],
  'auth.usercreated.v1': [
    { why: 'unknown role', changes: [['roles', ['admin']]], path: 'roles.0' },
    { why: 'no role', changes: [['roles', []]], path: 'roles' },
    { why: 'bad email', changes: [['email', 'sam']], path: 'email' },
  ],
  'auth.emailverificationrequested.v1': [
    { why: 'a short code', changes: [['code', '123']], path: 'code' },
    { why: 'bad email', changes: [['email', 'sam']], path: 'email' },
  ],
  'auth.userrolechanged.v1': [
    { why: 'repeated role', changes: [['roles', ['cashier', 'cashier']]], path: 'roles' },
    { why: 'no author', changes: [['changedBy', REMOVE]], path: 'changedBy' },
  ],
  'auth.rosterchanged.v1': [
    { why: 'no store', changes: [['storeId', REMOVE]], path: 'storeId' },
    { why: 'customer role', changes: [['staff.0.roles', ['customer']]], path: 'staff.0.roles.0' },
    { why: 'plain PIN', changes: [['staff.0.pinHash', '1234']], path: 'staff.0.pinHash' },
  ],
  'notification.sent.v1': [
    { why: 'unknown channel', changes: [['channel', 'fax']], path: 'channel' },
    { why: 'no attempt', changes: [['attempts', 0]], path: 'attempts' },
  ],
  'notification.delivered.v1': [
    { why: 'empty recipient', changes: [['recipient', '']], path: 'recipient' },
  ],
  'notification.failed.v1': [
    { why: 'fractional attempts', changes: [['attempts', 1.5]], path: 'attempts' },
    { why: 'bad id', changes: [['notificationId', 'n-1']], path: 'notificationId' },
  ],
};

/** Paths of every numeric `…Cents` field in a sample, e.g. `items.1.lineTotalCents`. */
function centsPaths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    if (key.endsWith('Cents') && typeof child === 'number') return [path];
    return centsPaths(child, path);
  });
}

function fieldSchemas(type: EventType): Record<string, z.ZodType> {
  return EVENT_PAYLOAD_SCHEMAS[type].shape as Record<string, z.ZodType>;
}

function isOptional(type: EventType, key: string): boolean {
  return fieldSchemas(type)[key]?.safeParse(undefined).success ?? true;
}

/** A value of the wrong JSON type for whatever is there. */
function wrongType(value: unknown): unknown {
  if (typeof value === 'string') return 12;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return 'true';
  if (Array.isArray(value)) return { 0: value[0] };
  return 'not an object';
}

describe('event payload tables', () => {
  it('has a sample for every event type and nothing else', () => {
    expect(Object.keys(EVENT_SAMPLES).sort()).toEqual([...EVENT_TYPES].sort());
  });

  it('has at least one broken variant for every event type', () => {
    expect(Object.keys(BROKEN).sort()).toEqual([...EVENT_TYPES].sort());
    for (const type of EVENT_TYPES) expect(BROKEN[type]?.length, type).toBeGreaterThan(0);
  });
});

describe.each(EVENT_TYPES)('%s', (type) => {
  const sample = EVENT_SAMPLES[type];

  it('accepts the sample inside a full envelope', () => {
    expect(sample, `no sample for ${type}`).toBeDefined();
    const result = parseEvent(sampleEnvelope(type, sample));
    expect(result.ok ? [] : result.issues).toEqual([]);
    expect(result).toMatchObject({ ok: true, event: { EventType: type } });
  });

  it.each(BROKEN[type] ?? [])('rejects $why at $path', ({ changes, path }) => {
    const payload = clone(sample);
    for (const [at, value] of changes) change(payload, at, value);
    expectRejectedAt(type, payload, path);
  });

  it('rejects the payload without each required field', () => {
    const required = Object.keys(sample).filter((key) => !isOptional(type, key));
    expect(required.length).toBeGreaterThan(0);
    for (const key of required) expectRejectedAt(type, change(clone(sample), key, REMOVE), key);
  });

  it('accepts the payload with every optional field left out', () => {
    const minimal = clone(sample);
    for (const key of Object.keys(minimal)) if (isOptional(type, key)) delete minimal[key];
    expect(issuesFor(type, minimal)).toEqual([]);
  });

  it('rejects a wrongly typed value in each field', () => {
    for (const [key, value] of Object.entries(sample)) {
      expectRejectedAt(type, change(clone(sample), key, wrongType(value)), key);
    }
  });

  it('rejects fractional cents in each amount', () => {
    for (const path of centsPaths(sample)) {
      const payload = clone(sample);
      const amount = path.split('.').reduce<unknown>((node, key) => (node as Json)[key], payload);
      expectRejectedAt(type, change(payload, path, (amount as number) + 0.5), path);
    }
  });

  it('ignores unknown payload keys (forward compatibility)', () => {
    const result = parseEvent(sampleEnvelope(type, { ...sample, addedInV1_1: 'x' }));
    expect(result.ok && 'addedInV1_1' in result.event.Payload).toBe(false);
    expect(result.ok).toBe(true);
  });
});
