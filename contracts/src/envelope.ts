import { z } from 'zod';
import {
  EVENT_PAYLOAD_SCHEMAS,
  EVENT_TYPES,
  type EventPayloads,
  type EventType,
} from './events/registry.js';
import { CorrelationId, EventId, StoreId } from './ids.js';
import { nowTimestamp, Timestamp } from './time.js';
import { uuidv7 } from './uuid7.js';

// The event envelope of seed §5.3. Envelope fields keep the seed's PascalCase (`EventId`,
// `EventType`, …) so the wire format matches the spec; payload fields are camelCase like the
// rest of the code base (`orderId`, `amountCents`). `StoreId` and `Sequence` are additions for
// the edge (ARCHITECTURE "Events"): `Sequence` is assigned, per store and without gaps, when an
// event leaves the hub, and the cloud uses it to apply sync batches in order exactly once.
//
// Unknown keys are stripped, not rejected, so an older consumer still accepts an event from a
// newer producer that added optional fields; required fields are always checked.

/** `{service}.{event}.v{n}`, all lowercase, e.g. `order.created.v1` (seed §5.2). */
export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9]*\.[a-z][a-z0-9]*\.v[1-9][0-9]*$/;

export const EventTypeName = z.string().regex(EVENT_TYPE_PATTERN, {
  message: 'EventType must look like {service}.{event}.v{n}',
});

// The registry (EVENT_TYPES, EventType, EventPayloads, …) is part of this module's API.
export * from './events/registry.js';

/** Position of an event in its store's stream: 1, 2, 3, … */
export const EventSequence = z
  .number()
  .int({ message: 'Sequence must be a whole number' })
  .min(1, { message: 'Sequence must be positive' })
  .max(Number.MAX_SAFE_INTEGER);

/** The producing service, e.g. `order-service`. */
export const EventSource = z
  .string()
  .trim()
  .min(1, { message: 'Source must not be empty' })
  .max(100);

export type EventEnvelope<T extends string = string, P = unknown> = {
  EventId: EventId;
  EventType: T;
  Timestamp: Timestamp;
  CorrelationId: CorrelationId;
  Source: string;
  StoreId?: StoreId | undefined;
  Sequence?: number | undefined;
  Payload: P;
};

/** The envelope of one event type with its payload. */
export type EventOf<T extends EventType> = EventEnvelope<T, EventPayloads[T]>;

/** Any event, discriminated by `EventType`. */
export type AnyEvent = { [T in EventType]: EventOf<T> }[EventType];

// Seed §5.3 order, so a parsed event serialises the way the spec shows it.
function envelopeObject<E extends z.ZodType, P extends z.ZodType>(eventType: E, payload: P) {
  return z.object({
    EventId,
    EventType: eventType,
    Timestamp,
    CorrelationId,
    Source: EventSource,
    StoreId: StoreId.optional(),
    Sequence: EventSequence.optional(),
    Payload: payload,
  });
}

/** The envelope schema for one event type and its payload schema. */
export function envelopeSchema<T extends string, P extends z.ZodType>(type: T, payload: P) {
  if (!EVENT_TYPE_PATTERN.test(type)) throw new TypeError(`not an event type name: ${type}`);
  return envelopeObject(z.literal(type), payload);
}

/** An envelope whose type is not (or not yet) known: used only to report what is wrong. */
const untypedEnvelope = envelopeObject(EventTypeName, z.looseObject({}));

// Built once; parseEvent only looks a schema up.
const typedEnvelopes: ReadonlyMap<string, z.ZodType> = new Map(
  EVENT_TYPES.map((type) => [type, envelopeSchema(type, EVENT_PAYLOAD_SCHEMAS[type])]),
);

/** One validation problem; `path` is dotted from the envelope root (`Payload.items.0.quantity`). */
export type EventIssue = { path: string; message: string };

export type ParseEventResult = { ok: true; event: AnyEvent } | { ok: false; issues: EventIssue[] };

function toIssues(error: z.ZodError): EventIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

function eventTypeOf(input: unknown): unknown {
  return typeof input === 'object' && input !== null
    ? (input as Record<string, unknown>).EventType
    : undefined;
}

/**
 * Validate an event from the wire: the envelope and the payload of its registered type.
 * Invalid input is an expected outcome here (a consumer dead-letters it), so it is returned,
 * not thrown.
 */
export function parseEvent(input: unknown): ParseEventResult {
  const type = eventTypeOf(input);
  const typed = typeof type === 'string' ? typedEnvelopes.get(type) : undefined;
  if (typed) {
    const result = typed.safeParse(input);
    if (result.success) return { ok: true, event: result.data as AnyEvent };
    return { ok: false, issues: toIssues(result.error) };
  }
  const result = untypedEnvelope.safeParse(input);
  const issues = result.success ? [] : toIssues(result.error);
  if (typeof type === 'string' && EVENT_TYPE_PATTERN.test(type)) {
    issues.push({ path: 'EventType', message: `unknown event type "${type}"` });
  }
  return { ok: false, issues };
}

export type EventContractErrorCode = 'invalid-event' | 'unknown-event-type' | 'invalid-sequence';

/** A producer built an event that breaks its contract: a bug, not an expected outcome. */
export class EventContractError extends Error {
  override readonly name = 'EventContractError';
  constructor(
    readonly code: EventContractErrorCode,
    message: string,
    readonly issues: readonly EventIssue[] = [],
  ) {
    super(message);
  }
}

export type EventContext = {
  correlationId: CorrelationId;
  /** The producing service, e.g. `order-service`. */
  source: string;
  storeId?: StoreId;
  /** Given when the ID was fixed earlier (an outbox row written before publishing). */
  eventId?: EventId;
  timestamp?: Timestamp;
};

/**
 * Build a validated envelope. The payload type is checked at compile time through
 * `EventPayloads`; what types cannot say (whole cents, ranges, formats) is checked at run time
 * and a violation throws `EventContractError`.
 */
export function makeEvent<T extends EventType>(
  type: T,
  payload: EventPayloads[T],
  ctx: EventContext,
): EventOf<T> {
  const schema = typedEnvelopes.get(type);
  if (!schema) throw new EventContractError('unknown-event-type', `unknown event type "${type}"`);
  const candidate: Record<string, unknown> = {
    EventId: ctx.eventId ?? uuidv7(),
    EventType: type,
    Timestamp: ctx.timestamp ?? nowTimestamp(),
    CorrelationId: ctx.correlationId,
    Source: ctx.source,
    Payload: payload,
  };
  if (ctx.storeId !== undefined) candidate.StoreId = ctx.storeId;
  const result = schema.safeParse(candidate);
  if (!result.success) {
    const issues = toIssues(result.error);
    const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    throw new EventContractError('invalid-event', `invalid ${type} event: ${summary}`, issues);
  }
  return result.data as EventOf<T>;
}

/** Stamp the store sequence on an event as it leaves the hub (done by the outbox relay). */
export function withSequence<E extends AnyEvent>(event: E, sequence: number): E {
  if (!EventSequence.safeParse(sequence).success) {
    throw new EventContractError('invalid-sequence', `not a valid Sequence: ${sequence}`);
  }
  return { ...event, Sequence: sequence };
}
