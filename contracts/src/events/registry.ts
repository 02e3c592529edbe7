import { z } from 'zod';
import { authEvents } from './auth.js';
import { inventoryEvents } from './inventory.js';
import { kdsEvents } from './kds.js';
import { loyaltyEvents } from './loyalty.js';
import { menuEvents } from './menu.js';
import { notificationEvents } from './notification.js';
import { onlineEvents } from './online.js';
import { orderEvents } from './order.js';
import { paymentEvents } from './payment.js';

/**
 * Every event type in the system and the schema of its payload. Adding an event means adding
 * it to its service's map; a new version of an event is a new entry (`….v2`) beside the old
 * one, which stays until no producer or stored outbox row can still emit it.
 */
export const EVENT_PAYLOAD_SCHEMAS = {
  ...orderEvents,
  ...paymentEvents,
  ...inventoryEvents,
  ...menuEvents,
  ...kdsEvents,
  ...loyaltyEvents,
  ...authEvents,
  ...notificationEvents,
  ...onlineEvents,
} as const;

/** The name of every event, e.g. `'order.created.v1'`. */
export type EventType = keyof typeof EVENT_PAYLOAD_SCHEMAS;

/** Event name → payload type, as a consumer receives it after validation. */
export type EventPayloads = {
  [T in EventType]: z.infer<(typeof EVENT_PAYLOAD_SCHEMAS)[T]>;
};

/** Event name → payload as a producer writes it (before parsing fills defaults and brands). */
export type EventPayloadInputs = {
  [T in EventType]: z.input<(typeof EVENT_PAYLOAD_SCHEMAS)[T]>;
};

export const EVENT_TYPES: readonly EventType[] = Object.freeze(
  Object.keys(EVENT_PAYLOAD_SCHEMAS) as EventType[],
);

/** Any registered event type, as a schema. */
export const EventType = z.enum(EVENT_TYPES as [EventType, ...EventType[]]);

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && Object.hasOwn(EVENT_PAYLOAD_SCHEMAS, value);
}
