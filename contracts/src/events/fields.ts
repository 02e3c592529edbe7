import { z } from 'zod';

// Field schemas shared by several event payloads. Payload field names are camelCase; only the
// envelope uses the seed's PascalCase (seed §5.3).

/** A name shown to people: a menu item, an ingredient, a modifier. */
export const DisplayName = z.string().trim().min(1, { message: 'must not be empty' }).max(200);

/** A free-text reason a person gave (a void, a refund, an adjustment). */
export const Reason = z.string().trim().min(1, { message: 'a reason is required' }).max(500);

/** A count of items on an order line: whole, at least 1, at most 999. */
export const LineQuantity = z
  .number()
  .int({ message: 'quantity must be a whole number' })
  .min(1, { message: 'quantity must be at least 1' })
  .max(999, { message: 'quantity must be at most 999' });

export const PositiveInt = z.number().int().min(1);
export const NonNegativeInt = z.number().int().min(0);

export const Email = z.email({ message: 'must be an email address' }).max(254);

/** A phone number as typed (digits, spaces, `+`, `-`, parentheses); E.164 is preferred. */
export const Phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9 ()-]{3,32}$/, { message: 'must be a phone number' });

/** A lowercase machine name (`order-ready`, `visa`). */
export const Slug = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, { message: 'must be a lowercase identifier' });
