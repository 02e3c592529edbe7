import { OrderCustomer, OrderId, OrderItemId, OrderType } from '@pos/contracts';
import { z } from 'zod';
import { ORDER_STATUSES } from './status.js';

// Request bodies of the order API. Unknown keys are refused (`strict`), so a client that
// sends a price or a total of its own learns at once that the hub prices every order itself.

const Ref = z.string().trim().min(1).max(64);
const Reason = z.string().trim().min(1, { message: 'a reason is required' }).max(500);
const Notes = z.string().trim().max(500);

export const DiscountInput = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('percent'),
      basisPoints: z.number().int().min(1).max(10_000),
      reason: Reason,
    })
    .strict(),
  z
    .object({
      kind: z.literal('amount'),
      amountCents: z
        .number()
        .int({ message: 'amount must be a whole number of cents' })
        .min(1, { message: 'amount must be greater than zero' })
        .max(100_000_000),
      reason: Reason,
    })
    .strict(),
]);
export type DiscountInput = z.infer<typeof DiscountInput>;

export const ItemInput = z
  .object({
    /** The terminal's own line ID, so a resent line is recognised; made here when absent. */
    id: OrderItemId.optional(),
    menuItemId: Ref,
    variantId: Ref.optional(),
    modifierIds: z.array(Ref).max(50).default([]),
    quantity: z
      .number()
      .int({ message: 'quantity must be a whole number' })
      .min(1, { message: 'quantity must be at least 1' })
      .max(999, { message: 'quantity must be at most 999' }),
    notes: Notes.optional(),
    seat: z.number().int().min(1).max(99).optional(),
    course: z.number().int().min(1).max(9).default(1),
    discount: DiscountInput.optional(),
  })
  .strict();
export type ItemInput = z.infer<typeof ItemInput>;

export const Approval = z
  .object({ managerPin: z.string().regex(/^[0-9]{4,8}$/, { message: 'a PIN is 4 to 8 digits' }) })
  .strict();

export const CreateOrderInput = z
  .object({
    /** Chosen by the terminal (UUID): a retried request finds the order instead of a twin. */
    id: OrderId,
    type: OrderType,
    tableId: Ref.optional(),
    guests: z.number().int().min(1).max(99).optional(),
    customer: OrderCustomer.strict().optional(),
    items: z.array(ItemInput).min(1, { message: 'an order needs at least one item' }).max(200),
    discount: DiscountInput.optional(),
    notes: Notes.optional(),
    approval: Approval.optional(),
    /** What the terminal showed; a mismatch (stale prices) is refused rather than charged. */
    expectedTotalCents: z.number().int().min(0).optional(),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.type === 'dine-in' && !o.tableId) {
      ctx.addIssue({ code: 'custom', path: ['tableId'], message: 'a dine-in order needs a table' });
    }
    const ids = o.items.flatMap((i) => (i.id ? [i.id] : []));
    if (new Set(ids).size !== ids.length) {
      ctx.addIssue({ code: 'custom', path: ['items'], message: 'item ids must be unique' });
    }
  });
export type CreateOrderInput = z.infer<typeof CreateOrderInput>;

export const VoidInput = z
  .object({
    orderItemId: OrderItemId,
    /** How many to void; all that remain when absent. */
    quantity: z.number().int().min(1).max(999).optional(),
    reason: Reason,
  })
  .strict();

export const ModifyOrderInput = z
  .object({
    /** Chosen by the terminal (UUID): the same modification sent twice applies once. */
    modificationId: z.uuid(),
    add: z.array(ItemInput).max(200).default([]),
    void: z.array(VoidInput).max(200).default([]),
    tableId: Ref.nullable().optional(),
    guests: z.number().int().min(1).max(99).nullable().optional(),
    notes: Notes.nullable().optional(),
    /** Set the order discount, or remove it with null. */
    discount: DiscountInput.nullable().optional(),
    approval: Approval.optional(),
    /** The version the terminal changed; a newer one on the hub means someone else did too. */
    expectedVersion: z.number().int().min(1).optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    const changes =
      m.add.length +
      m.void.length +
      [m.tableId, m.guests, m.notes, m.discount].filter((v) => v !== undefined).length;
    if (changes === 0) ctx.addIssue({ code: 'custom', path: [], message: 'nothing to change' });
  });
export type ModifyOrderInput = z.infer<typeof ModifyOrderInput>;

export const CancelInput = z.object({ reason: Reason, approval: Approval.optional() }).strict();

/** Statuses a cashier (or the expo) may set by hand; the rest follow payments and the KDS. */
export const ManualStatus = z.enum(['PREPARING', 'READY', 'PICKED_UP', 'COMPLETED']);

export const StatusInput = z.object({ status: ManualStatus }).strict();

const statusList = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim().toUpperCase()))
  .pipe(z.array(z.enum(ORDER_STATUSES)).min(1));

export const SearchQuery = z
  .object({
    status: statusList.optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    tableId: Ref.optional(),
    q: z.string().trim().min(1).max(100).optional(),
    businessDate: z.iso.date().optional(),
    cursor: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();
export type SearchQuery = z.infer<typeof SearchQuery>;

export const OrderParams = z.object({ id: OrderId });
