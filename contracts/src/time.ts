import { z } from 'zod';
import type { Brand } from './brand.js';

/** An ISO-8601 UTC instant as written on the wire (`2026-01-14T10:30:00.000Z`). */
export type Timestamp = Brand<string, 'Timestamp'>;

export const Timestamp = z
  .string()
  .datetime({ offset: true, message: 'must be an ISO-8601 date-time' })
  .transform((s) => s as Timestamp);

export function nowTimestamp(clock: () => number = Date.now): Timestamp {
  return new Date(clock()).toISOString() as Timestamp;
}

/** The hub's clock in epoch milliseconds. Screens never age tickets with their own clocks. */
export type HubTime = Brand<number, 'HubTime'>;

/**
 * The trading day an order belongs to (`YYYY-MM-DD`), in the store's local calendar. It is not
 * derived from the UTC timestamp: a bar's 01:00 sale belongs to the previous business day.
 */
export type BusinessDate = Brand<string, 'BusinessDate'>;

export const BusinessDate = z.iso
  .date({ message: 'must be a date as YYYY-MM-DD' })
  .transform((s) => s as BusinessDate);
