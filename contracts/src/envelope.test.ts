import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { EVENT_SAMPLES, SAMPLE_IDS, sampleEnvelope } from './event-samples.js';
import {
  type AnyEvent,
  type Cents,
  CorrelationId,
  EVENT_TYPE_PATTERN,
  EVENT_TYPES,
  EventContractError,
  EventId,
  type EventOf,
  EventType,
  envelopeSchema,
  isEventType,
  makeEvent,
  OrderCreatedV1,
  type OrderReadyV1,
  PaymentCompletedV1,
  parseEvent,
  StoreId,
  type Timestamp,
  withSequence,
} from './index.js';

const at = '2026-01-14T10:30:00.000Z' as Timestamp;
const orderReady = sampleEnvelope('order.ready.v1', EVENT_SAMPLES['order.ready.v1']);

function pathsOf(input: unknown): string[] {
  const result = parseEvent(input);
  return result.ok ? [] : result.issues.map((i) => i.path);
}

describe('EVENT_TYPES', () => {
  it('lists every event the seed names, as {service}.{event}.v1', () => {
    expect([...EVENT_TYPES].sort()).toEqual(
      [
        ...[
          'created',
          'confirmed',
          'preparing',
          'ready',
          'pickedup',
          'cancelled',
          'modified',
          // Beyond the seed: a paid-first order's failed payment (saga compensation, §7.4).
          'paymentfailed',
          // Beyond the seed: an online order the store's hub could not take (§10).
          'onlinerejected',
        ].map((e) => `order.${e}.v1`),
        // Beyond the seed: an online order paid for, on its way to the store (§10), and one the
        // cloud withdrew because the store did not receive it in time.
        'online.orderpaid.v1',
        'online.orderwithdrawn.v1',
        // Beyond the seed: a card tip adjusted after authorisation; a receipt asked for by email.
        ...[
          'initiated',
          'completed',
          'failed',
          'refundprocessed',
          'tipadjusted',
          'receiptrequested',
          // Beyond the seed: the cash drawer's shifts, carried up for the owner's reports.
          'shiftopened',
          'cashmovement',
          'shiftclosed',
        ].map((e) => `payment.${e}.v1`),
        ...['levelchanged', 'lowstockalert', 'received', 'adjusted'].map(
          (e) => `inventory.${e}.v1`,
        ),
        ...[
          'itemcreated',
          'itemupdated',
          'pricechanged',
          'itemavailabilitychanged',
          'published',
        ].map((e) => `menu.${e}.v1`),
        'kds.preparationtimeexceeded.v1',
        // Beyond the seed: the earning rules, for hubs to estimate points offline.
        ...['pointsearned', 'pointsredeemed', 'tierupgraded', 'rewardredeemed', 'ruleschanged'].map(
          (e) => `loyalty.${e}.v1`,
        ),
        'auth.usercreated.v1',
        'auth.userrolechanged.v1',
        // Beyond the seed: a code for a customer to prove their email.
        'auth.emailverificationrequested.v1',
        // Beyond the seed: a store's whole roster, for its hub's offline sign-in.
        'auth.rosterchanged.v1',
        ...['sent', 'delivered', 'failed'].map((e) => `notification.${e}.v1`),
      ].sort(),
    );
    for (const type of EVENT_TYPES) expect(type).toMatch(EVENT_TYPE_PATTERN);
  });

  it('backs isEventType and the EventType schema', () => {
    expect(isEventType('order.created.v1')).toBe(true);
    expect(isEventType('order.exploded.v1')).toBe(false);
    expect(isEventType('toString')).toBe(false);
    expect(EventType.safeParse('payment.failed.v1').success).toBe(true);
    expect(EventType.safeParse('payment.failed.v2').success).toBe(false);
  });
});

describe('parseEvent: envelope', () => {
  it('accepts a full envelope and normalises UUIDs to lower case', () => {
    const result = parseEvent({ ...orderReady, EventId: SAMPLE_IDS.event.toUpperCase() });
    expect(result.ok && result.event.EventId).toBe(SAMPLE_IDS.event);
  });

  it('accepts an envelope without StoreId and Sequence (cloud-born events)', () => {
    const { StoreId: _s, Sequence: _q, ...cloud } = orderReady;
    expect(pathsOf(cloud)).toEqual([]);
  });

  it.each([
    ['EventId', 'not-a-uuid'],
    ['EventId', 'ORD-001'],
    ['CorrelationId', '550e8400-e29b-41d4-a716'],
    ['Timestamp', 'yesterday'],
    ['Timestamp', '2026-13-01T00:00:00Z'],
    ['Timestamp', '2026-01-14'],
    ['Source', ''],
    ['StoreId', ''],
    ['Sequence', 0],
    ['Sequence', -1],
    ['Sequence', 1.5],
    ['Sequence', 2 ** 53],
    ['Sequence', '1'],
    ['Payload', undefined],
  ])('rejects %s = %j', (field, value) => {
    expect(pathsOf({ ...orderReady, [field]: value })).toContain(field);
  });

  it.each([
    'Order.Created.v1',
    'order.created',
    'order.created.v0',
    'order.created.V1',
    'order_created_v1',
    'order.created.v1.extra',
    '',
    42,
    undefined,
  ])('rejects the EventType format %j', (type) => {
    expect(pathsOf({ ...orderReady, EventType: type })).toEqual(['EventType']);
  });

  it('rejects an unknown EventType and still reports envelope problems', () => {
    const result = parseEvent({ ...orderReady, EventType: 'order.exploded.v1', EventId: 'x' });
    expect(result).toEqual({
      ok: false,
      issues: [
        { path: 'EventId', message: 'EventId must be a UUID' },
        { path: 'EventType', message: 'unknown event type "order.exploded.v1"' },
      ],
    });
  });

  it.each([null, 'order.created.v1', 42, []])('rejects a non-object %j', (input) => {
    const result = parseEvent(input);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.issues).toEqual([expect.objectContaining({ path: '' })]);
  });

  it('reports envelope and payload problems together', () => {
    const broken = { ...orderReady, CorrelationId: 'nope', Payload: { at: 'soon' } };
    expect(pathsOf(broken)).toEqual(['CorrelationId', 'Payload.orderId', 'Payload.at']);
  });

  it('strips unknown envelope keys', () => {
    const result = parseEvent({ ...orderReady, Priority: 'high' });
    expect(result.ok && 'Priority' in result.event).toBe(false);
  });

  it('narrows the payload by EventType', () => {
    const result = parseEvent(
      sampleEnvelope('payment.completed.v1', EVENT_SAMPLES['payment.completed.v1']),
    );
    if (!result.ok || result.event.EventType !== 'payment.completed.v1') {
      throw new Error('expected a payment.completed.v1 event');
    }
    expectTypeOf(result.event.Payload.amountCents).toEqualTypeOf<Cents>();
    expect(result.event.Payload.card?.last4).toBe('4242');
  });
});

describe('envelopeSchema', () => {
  it('builds an envelope for any payload schema', () => {
    const schema = envelopeSchema('test.pinged.v1', z.object({ n: z.number() }));
    const parsed = schema.parse({ ...orderReady, EventType: 'test.pinged.v1', Payload: { n: 1 } });
    expect(parsed.Payload.n).toBe(1);
    expect(schema.safeParse({ ...orderReady, Payload: { n: 1 } }).success).toBe(false);
  });

  it('refuses a malformed type name', () => {
    expect(() => envelopeSchema('Pinged', z.object({}))).toThrow(TypeError);
  });

  it('infers the same type as EventOf', () => {
    const schema = envelopeSchema('order.ready.v1', z.object({}) as unknown as typeof OrderReadyV1);
    expectTypeOf<z.infer<typeof schema>>().toEqualTypeOf<EventOf<'order.ready.v1'>>();
  });
});

describe('makeEvent', () => {
  const ctx = {
    correlationId: CorrelationId.parse(SAMPLE_IDS.correlation),
    source: 'order-service',
    storeId: StoreId.parse('downtown'),
  };
  const created = OrderCreatedV1.parse(EVENT_SAMPLES['order.created.v1']);

  it('builds a valid event that survives a JSON round trip', () => {
    const event = makeEvent('order.created.v1', created, ctx);
    expect(event.EventId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(Date.parse(event.Timestamp)).not.toBeNaN();
    expect(event).toMatchObject({ EventType: 'order.created.v1', Source: 'order-service' });
    expect(event.StoreId).toBe('downtown');
    expect(event.Sequence).toBeUndefined();

    const back = parseEvent(JSON.parse(JSON.stringify(event)));
    expect(back).toStrictEqual({ ok: true, event });
  });

  it('uses a given EventId and Timestamp and leaves out an absent StoreId', () => {
    const event = makeEvent('order.created.v1', created, {
      correlationId: ctx.correlationId,
      source: 'order-service',
      eventId: EventId.parse(SAMPLE_IDS.event),
      timestamp: at,
    });
    expect(event.EventId).toBe(SAMPLE_IDS.event);
    expect(event.Timestamp).toBe('2026-01-14T10:30:00.000Z');
    expect('StoreId' in event).toBe(false);
  });

  it('generates a fresh EventId each time', () => {
    const a = makeEvent('order.created.v1', created, ctx);
    const b = makeEvent('order.created.v1', created, ctx);
    expect(a.EventId).not.toBe(b.EventId);
  });

  it('throws EventContractError on what the type system cannot catch', () => {
    const fractional = { ...created, totalCents: 34.1 as Cents };
    const attempt = () => makeEvent('order.created.v1', fractional, ctx);
    expect(attempt).toThrow(EventContractError);
    try {
      attempt();
    } catch (error) {
      expect(error).toMatchObject({
        code: 'invalid-event',
        issues: [{ path: 'Payload.totalCents', message: 'amount must be a whole number of cents' }],
      });
    }
  });

  it('throws on an unregistered type', () => {
    const attempt = () => makeEvent('order.exploded.v1' as 'order.ready.v1', {} as never, ctx);
    expect(attempt).toThrow(expect.objectContaining({ code: 'unknown-event-type' }));
  });

  it('type-checks the payload against EventPayloads', () => {
    const payment = PaymentCompletedV1.parse(EVENT_SAMPLES['payment.completed.v1']);
    // Compile-time only: these calls are never made.
    const wrongPayload = () =>
      // @ts-expect-error a payment payload is not an order.created.v1 payload
      makeEvent('order.created.v1', payment, ctx);
    const unbrandedId = () =>
      // @ts-expect-error a plain string is not an OrderId
      makeEvent('order.ready.v1', { orderId: SAMPLE_IDS.order, at }, ctx);
    expect([wrongPayload, unbrandedId]).toHaveLength(2);
    expectTypeOf(makeEvent<'payment.completed.v1'>).returns.toEqualTypeOf<
      EventOf<'payment.completed.v1'>
    >();
  });
});

describe('withSequence', () => {
  const event = parseEvent(orderReady);
  if (!event.ok) throw new Error('sample must parse');

  it('stamps a positive Sequence without touching the original', () => {
    const { Sequence: _, ...unsequenced } = event.event;
    const stamped = withSequence(unsequenced as AnyEvent, 17);
    expect(stamped.Sequence).toBe(17);
    expect('Sequence' in unsequenced).toBe(false);
    expect(parseEvent(stamped).ok).toBe(true);
  });

  it.each([0, -3, 1.5, Number.NaN])('rejects Sequence %s', (sequence) => {
    expect(() => withSequence(event.event, sequence)).toThrow(EventContractError);
  });
});
