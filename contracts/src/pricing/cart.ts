import { z } from 'zod';
import {
  describeSchedule,
  localClock,
  type MenuDocument,
  type MenuItem,
  scheduleOpen,
} from '../menu.js';
import { type Cents, type Currency, cents } from '../money.js';
import {
  type FieldError,
  type RequestedLine,
  type ResolvedModifier,
  resolveLines,
} from './order-lines.js';
import { priceOrder } from './pricing.js';

// An online guest's cart, priced in the cloud from the store's published menu exactly as the
// hub will price the order it becomes: the same `resolveLines` and `priceOrder`, no discount
// and no service charge (auto-gratuity needs a dine-in party size, which a cart does not have).
// The browser sends only what it wants; a price or a total is not a field of the cart, and the
// schema refuses unknown keys, so a tampered price cannot get in.

export const CART_MAX_LINES = 100;
export const CART_MAX_QUANTITY = 99;
export const CART_MAX_NOTES = 200;

const Ref = z.string().trim().min(1).max(64);

export const CartLineInput = z
  .object({
    menuItemId: Ref,
    variantId: Ref.optional(),
    modifierIds: z.array(Ref).max(50).default([]),
    quantity: z
      .number()
      .int({ message: 'quantity must be a whole number' })
      .min(1, { message: 'quantity must be at least 1' })
      .max(CART_MAX_QUANTITY, { message: `quantity must be at most ${CART_MAX_QUANTITY}` }),
    notes: z
      .string()
      .trim()
      .max(CART_MAX_NOTES, { message: `notes must be at most ${CART_MAX_NOTES} characters` })
      .optional(),
  })
  .strict();
export type CartLineInput = z.input<typeof CartLineInput>;

/** Online orders are collected or eaten in; delivery is not offered. */
export const CartOrderType = z.enum(['pickup', 'dine-in']);
export type CartOrderType = z.infer<typeof CartOrderType>;

export const CartInput = z
  .object({
    orderType: CartOrderType,
    items: z
      .array(CartLineInput)
      .min(1, { message: 'a cart needs at least one item' })
      .max(CART_MAX_LINES, { message: `a cart holds at most ${CART_MAX_LINES} lines` }),
  })
  .strict();
/** What the browser sends (before defaults); `priceCart` validates it again itself. */
export type CartInput = z.input<typeof CartInput>;

export interface PriceCartOptions {
  /** When the order is placed, epoch ms: the categories' and items' serving windows apply. */
  at: number;
  /** The store's IANA time zone, in which the serving windows are written. */
  timeZone: string;
  /** Items 86'd at the store (the hub's availability overlay as last synced). */
  unavailableItemIds?: Iterable<string> | undefined;
  /**
   * An amount off the whole order (a loyalty reward), priced as the hub prices an order
   * discount: shared over the lines, never more than they come to.
   */
  orderDiscount?: { kind: 'amount'; amountCents: number; reason: string } | undefined;
}

/** A cart line as the store prices it. */
export interface PricedCartLine {
  menuItemId: string;
  name: string;
  variant?: { variantId: string; name: string } | undefined;
  modifiers: ResolvedModifier[];
  quantity: number;
  notes?: string | undefined;
  /** Item or variant price plus the modifiers' deltas. */
  unitPriceCents: Cents;
  allergens: string[];
  taxCents: Cents;
  /** unit price × quantity, plus the tax when it is added on top. */
  totalCents: Cents;
}

export type CartPricing =
  | {
      ok: true;
      orderType: CartOrderType;
      menuVersion: number;
      currency: Currency;
      lines: PricedCartLine[];
      subtotalCents: Cents;
      /** The order discount as it applied (0 without one). */
      discountCents: Cents;
      taxCents: Cents;
      totalCents: Cents;
    }
  | {
      ok: false;
      /** `invalid`: the cart itself is wrong; `unavailable`: only items the store cannot serve now. */
      reason: 'invalid' | 'unavailable';
      errors: FieldError[];
    };

/**
 * Price an online cart from the store's published menu. Every wrong field is reported at once,
 * named by its path in the cart (`items.2.modifierIds`); nothing is thrown for a bad cart.
 */
export function priceCart(
  menu: MenuDocument,
  cart: CartInput,
  options: PriceCartOptions,
): CartPricing {
  const parsed = CartInput.safeParse(cart);
  if (!parsed.success) {
    return { ok: false, reason: 'invalid', errors: issuesToFieldErrors(parsed.error.issues) };
  }
  const { orderType, items } = parsed.data;
  const unavailable = unavailableReasons(menu, options);
  const requested: RequestedLine[] = items.map((line, index) => ({
    id: String(index),
    menuItemId: line.menuItemId,
    variantId: line.variantId,
    modifierIds: line.modifierIds,
    quantity: line.quantity,
    notes: line.notes,
    course: 1,
  }));
  const resolved = resolveLines(menu, (id) => !unavailable.has(id), requested);
  if (!resolved.ok) {
    const errors = resolved.errors.map((e) => explainUnavailable(e, items, unavailable));
    return { ok: false, reason: resolved.status === 409 ? 'unavailable' : 'invalid', errors };
  }

  // The hub's `repriceOrder` prices an order's lines with exactly these inputs.
  const priced = priceOrder({
    lines: resolved.lines.map((l) => ({
      key: l.id,
      unitPriceCents: l.unitPriceCents,
      quantity: l.quantity,
      taxRateBasisPoints: l.taxRateBasisPoints,
      taxInclusive: l.taxInclusive,
    })),
    orderDiscount: options.orderDiscount,
  });
  const lines = resolved.lines.map((l, i): PricedCartLine => {
    const figures = priced.lines[i];
    if (figures?.key !== l.id) throw new Error(`priced line ${i} does not match its cart line`);
    return {
      menuItemId: l.menuItemId,
      name: l.name,
      variant: l.variant,
      modifiers: l.modifiers,
      quantity: l.quantity,
      notes: l.notes,
      unitPriceCents: cents(l.unitPriceCents),
      allergens: l.allergens,
      taxCents: figures.taxCents,
      totalCents: figures.totalCents,
    };
  });
  return {
    ok: true,
    orderType,
    menuVersion: menu.version,
    currency: menu.currency,
    lines,
    subtotalCents: priced.subtotalCents,
    discountCents: priced.discountCents,
    taxCents: priced.taxCents,
    totalCents: priced.totalCents,
  };
}

/**
 * Why each unservable item cannot be ordered now, by item id. The same rules as the hub's menu
 * replica: off in this version, 86'd, or outside its category's or its own serving windows.
 */
function unavailableReasons(menu: MenuDocument, options: PriceCartOptions): Map<string, string> {
  const eightySixed = new Set(options.unavailableItemIds ?? []);
  const categories = new Map(menu.categories.map((c) => [c.id as string, c]));
  let clock: { weekday: number; minutes: number } | undefined;
  const reasons = new Map<string, string>();
  const reasonFor = (item: MenuItem): string | undefined => {
    if (!item.available || eightySixed.has(item.id)) return `${item.name} is sold out`;
    for (const schedule of [categories.get(item.categoryId)?.availableAt, item.availableAt]) {
      if (!schedule?.length) continue;
      clock ??= localClock(options.at, options.timeZone);
      if (!scheduleOpen(schedule, clock)) {
        return `${item.name} is served ${describeSchedule(schedule)}`;
      }
    }
    return undefined;
  };
  for (const item of menu.items) {
    const reason = reasonFor(item);
    if (reason !== undefined) reasons.set(item.id, reason);
  }
  return reasons;
}

/** `resolveLines` only knows an item is off; tell the guest why (sold out, or when served). */
function explainUnavailable(
  error: FieldError,
  items: readonly { menuItemId: string }[],
  reasons: ReadonlyMap<string, string>,
): FieldError {
  const match = /^items\.(\d+)\.menuItemId$/.exec(error.field);
  const menuItemId = match ? items[Number(match[1])]?.menuItemId : undefined;
  const reason = menuItemId === undefined ? undefined : reasons.get(menuItemId);
  return reason === undefined ? error : { field: error.field, message: reason };
}

function issuesToFieldErrors(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  return issues.flatMap((issue) => {
    const field = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: field ? `${field}.${key}` : key,
        message: 'is not a field of a cart; the store sets every price',
      }));
    }
    return [{ field, message: issue.message }];
  });
}
