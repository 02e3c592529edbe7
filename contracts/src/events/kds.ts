import { z } from 'zod';
import { OrderId, StationId, TicketId } from '../ids.js';
import { NonNegativeInt, PositiveInt } from './fields.js';

// Events of the kitchen display module (seed §1.7). Its "Preparing" and "Ready" are the order
// events `order.preparing.v1` and `order.ready.v1` (seed §5.5), published with the KDS as
// `Source`; only the ageing alarm is its own.

export const KdsPreparationTimeExceededV1 = z
  .object({
    orderId: OrderId,
    stationId: StationId,
    ticketId: TicketId,
    /** Measured on the hub's clock, never a screen's. */
    elapsedSeconds: NonNegativeInt,
    thresholdSeconds: PositiveInt,
  })
  .refine((p) => p.elapsedSeconds >= p.thresholdSeconds, {
    message: 'elapsedSeconds must reach thresholdSeconds',
    path: ['elapsedSeconds'],
  });
export type KdsPreparationTimeExceededV1 = z.infer<typeof KdsPreparationTimeExceededV1>;

export const kdsEvents = {
  'kds.preparationtimeexceeded.v1': KdsPreparationTimeExceededV1,
} as const;
