import {
  AvailabilityWindow,
  CorrelationId,
  EventId,
  EventTypeName,
  isTimeZone,
  StoreId,
  Timestamp,
} from '@pos/contracts';
import { PrintingConfig } from '@pos/hardware/config/printer-config';
import { z } from 'zod';

// The wire format between a hub and the cloud sync service (ARCHITECTURE "Sync").
//
// Up: `POST /api/v1/sync/push` carries a store's events in `Sequence` order. The cloud applies
// those after its `lastSequence`, skips those it has, and refuses a batch that starts beyond
// `lastSequence + 1` (409 with its position, from which the hub sends again).
// Down: `GET /api/v1/sync/changes?after=` is the store's change feed (menu versions, …) by cursor,
// held open up to `waitMs` when there is nothing new.
// Every call but enrolment carries `Authorization: Bearer <storeId>.<secret>`.

/** The most events and bytes a hub puts in one batch (the server's body limit is above both). */
export const MAX_BATCH_EVENTS = 500;
export const MAX_BATCH_BYTES = 1_000_000;

/** An event as a hub sends it: the envelope is checked here, the payload by its contract. */
export const SyncedEvent = z.object({
  EventId,
  EventType: EventTypeName,
  Timestamp,
  CorrelationId,
  Source: z.string().min(1).max(100),
  StoreId: StoreId.optional(),
  Sequence: z.number().int().min(1),
  Payload: z.unknown(),
});
export type SyncedEvent = z.infer<typeof SyncedEvent>;

/** What the hub says of itself with each push, for the portal's store list. */
export const HubState = z
  .object({
    menuVersion: z.number().int().min(0).optional(),
    pendingEvents: z.number().int().min(0).optional(),
    oldestPendingAt: Timestamp.optional(),
    hubVersion: z.string().max(40).optional(),
  })
  .strict();
export type HubState = z.infer<typeof HubState>;

export const PushRequest = z
  .object({
    events: z.array(SyncedEvent).max(MAX_BATCH_EVENTS * 2),
    state: HubState.optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    body.events.forEach((e, i) => {
      const previous = body.events[i - 1];
      if (previous && e.Sequence !== previous.Sequence + 1) {
        ctx.addIssue({
          code: 'custom',
          path: ['events', i, 'Sequence'],
          message: `must follow ${previous.Sequence} without a gap`,
        });
      }
    });
  });
export type PushRequest = z.infer<typeof PushRequest>;

export interface PushResponse {
  /** The store's position in the cloud after this batch: everything up to it is applied. */
  lastSequence: number;
  applied: number;
  skipped: number;
}

/** 409 body when a batch starts beyond the cloud's position. */
export interface GapProblem {
  lastSequence: number;
}

export const CHANGE_TOPICS = [
  'menu',
  'staff',
  'loyalty',
  'store-config',
  'online-order',
  'online-withdrawn',
] as const;
export type ChangeTopic = (typeof CHANGE_TOPICS)[number];

export interface Change {
  cursor: number;
  topic: ChangeTopic;
  payload: unknown;
  createdAt: string;
}

export interface ChangesResponse {
  changes: Change[];
  /** Ask for changes after this next time. */
  cursor: number;
}

export interface EnrolResponse {
  storeId: string;
  name: string;
  /** `<storeId>.<secret>`: kept by the hub, shown once, revocable in the cloud. */
  credential: string;
}

const CapCents = z.number().int().min(0).max(10_000_000);

/**
 * When the store is open, in its own time zone: online orders are taken only then (the till
 * takes orders whenever staff are there). Windows past midnight belong to the day they start.
 */
export const StoreHours = z
  .object({
    timeZone: z
      .string()
      .max(64)
      .refine(isTimeZone, { message: 'an IANA time zone, like America/Chicago' }),
    open: z.array(AvailabilityWindow).min(1).max(28),
  })
  .strict();
export type StoreHours = z.infer<typeof StoreHours>;

/**
 * A store's configuration as managers set it in the cloud and its hub applies it: limits on
 * card payments taken offline, tax rates over those of the menu's tax categories, its
 * printers (where tickets and receipts go, the receipt header) and its opening hours. A part
 * left out is left as the hub has it.
 */
export const StoreConfig = z
  .object({
    offlineCard: z
      .object({ perTransactionCapCents: CapCents, totalCapCents: CapCents })
      .strict()
      .refine((c) => c.perTransactionCapCents <= c.totalCapCents, {
        path: ['perTransactionCapCents'],
        message: 'must not exceed the total cap',
      })
      .optional(),
    taxRates: z
      .array(
        z
          .object({
            taxCategoryId: z
              .string()
              .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'a tax category id' }),
            /** 825 = 8.25 %. */
            rateBasisPoints: z.number().int().min(0).max(10_000),
          })
          .strict(),
      )
      .max(50)
      .superRefine((rates, ctx) => {
        const seen = new Set<string>();
        rates.forEach((r, i) => {
          if (seen.has(r.taxCategoryId))
            ctx.addIssue({ code: 'custom', path: [i, 'taxCategoryId'], message: 'given twice' });
          seen.add(r.taxCategoryId);
        });
      })
      .optional(),
    printing: PrintingConfig.optional(),
    hours: StoreHours.optional(),
  })
  .strict();
export type StoreConfig = z.infer<typeof StoreConfig>;
