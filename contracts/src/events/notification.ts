import { z } from 'zod';
import { NotificationId } from '../ids.js';
import { PositiveInt, Slug } from './fields.js';

// Events of the cloud notification service (seed §1.9): the delivery log as events.

export const NotificationChannel = z.enum(['email', 'sms', 'push', 'in-app']);
export type NotificationChannel = z.infer<typeof NotificationChannel>;

const notificationFields = {
  notificationId: NotificationId,
  channel: NotificationChannel,
  /** Template key, e.g. `order-ready`. */
  template: Slug,
  /** Address on the channel: an email, a phone number, a device token or a user id. */
  recipient: z.string().trim().min(1, { message: 'recipient must not be empty' }).max(320),
  /** Delivery attempts made so far, including this one. */
  attempts: PositiveInt,
};

export const NotificationSentV1 = z.object(notificationFields);
export type NotificationSentV1 = z.infer<typeof NotificationSentV1>;

export const NotificationDeliveredV1 = z.object(notificationFields);
export type NotificationDeliveredV1 = z.infer<typeof NotificationDeliveredV1>;

export const NotificationFailedV1 = z.object({
  ...notificationFields,
  /** Provider's error text, when it gave one. */
  error: z.string().max(1000).optional(),
});
export type NotificationFailedV1 = z.infer<typeof NotificationFailedV1>;

export const notificationEvents = {
  'notification.sent.v1': NotificationSentV1,
  'notification.delivered.v1': NotificationDeliveredV1,
  'notification.failed.v1': NotificationFailedV1,
} as const;
