import { OnlineOrderPaidV1, OnlineOrderWithdrawnV1, OrderId } from '@pos/contracts';
import { CreateOrderInput } from '../orders/order-input.js';
import type { OnlineIntake, OrderService } from '../orders/order-service.js';
import type { PaymentService } from '../payments/payment-service.js';
import type { ChangeApplier } from './appliers.js';

export interface OnlineOrderTargets {
  orders: () => OrderService;
  payments: () => PaymentService;
}

/**
 * An online order paid in the cloud (topic `online-order`, payload `online.orderpaid.v1`):
 * created through the hub's own order path, then its payment recorded as paid (tender
 * `online`), which confirms it through the bus like any paid order. A refusal is answered with
 * `order.onlinerejected.v1` (the cloud refunds the guest).
 *
 * Re-delivery (a crash before the feed cursor moved) has one effect: the order id finds the
 * order (or its refusal) and the payment id the payment, so an order whose payment was not yet
 * recorded ends paid, and nothing is created or refused twice.
 */
export function onlineOrderApplier(targets: OnlineOrderTargets): ChangeApplier {
  return async (payload) => {
    const parsed = OnlineOrderPaidV1.safeParse(payload);
    if (!parsed.success) {
      // The cloud checked it with the same contract: a fault. The guest is still told (and
      // refunded) when the order id can be read.
      await refuseUnreadable(targets.orders(), payload, parsed.error.issues);
      throw new Error(`online order not valid: ${parsed.error.message}`);
    }
    const paid = parsed.data;
    const intake = await intakeOf(targets.orders(), paid);
    if (!intake.ok) return;
    await targets.payments().recordOnline({
      paymentId: paid.payment.paymentId,
      orderId: intake.order.id,
      amountCents: paid.payment.amountCents,
      currency: paid.payment.currency,
      intentId: paid.payment.intentId,
      card: paid.payment.card,
    });
  };
}

/**
 * An online order the cloud withdrew (topic `online-withdrawn`): it gave up waiting for this
 * store to receive it and refunded the guest. An order the hub has is refunded in its books and
 * cancelled, so the kitchen drops it; one it never got is refused, so it is never created if it
 * turns up later. Repeating it changes nothing.
 */
export function onlineWithdrawalApplier(targets: OnlineOrderTargets): ChangeApplier {
  return async (payload) => {
    const withdrawn = OnlineOrderWithdrawnV1.parse(payload);
    const orders = targets.orders();
    if (!orders.exists(withdrawn.orderId)) {
      await orders.refuseOnline(withdrawn.orderId, {
        reason: 'withdrawn',
        message: withdrawn.message,
        fields: [],
      });
      return;
    }
    const reason = 'Online order withdrawn: not received in time, refunded online';
    await targets.payments().recordWithdrawnOnline(withdrawn.orderId, reason);
    await orders.cancelWithdrawnOnline(withdrawn.orderId, reason);
  };
}

/** The order as the order path takes it: checked with its own schema, then created. */
async function intakeOf(orders: OrderService, paid: OnlineOrderPaidV1): Promise<OnlineIntake> {
  const input = CreateOrderInput.safeParse({
    id: paid.orderId,
    type: paid.orderType,
    ...(paid.tableId ? { tableId: paid.tableId } : {}),
    ...(Object.keys(paid.customer).length > 0 ? { customer: paid.customer } : {}),
    ...(paid.discount ? { discount: paid.discount } : {}),
    items: paid.items.map((i) => ({
      menuItemId: i.menuItemId,
      ...(i.variantId ? { variantId: i.variantId } : {}),
      modifierIds: i.modifierIds,
      quantity: i.quantity,
      ...(i.notes ? { notes: i.notes } : {}),
    })),
  });
  if (!input.success) {
    return orders.refuseOnline(paid.orderId, {
      reason: 'invalid',
      message: 'The order does not fit the store',
      fields: fieldsOf(input.error.issues),
    });
  }
  return orders.createOnline(input.data, {
    totalCents: paid.totalCents,
    currency: paid.currency,
  });
}

async function refuseUnreadable(
  orders: OrderService,
  payload: unknown,
  issues: readonly { path: PropertyKey[]; message: string }[],
): Promise<void> {
  const id = OrderId.safeParse((payload as { orderId?: unknown } | null)?.orderId);
  if (!id.success) return;
  await orders.refuseOnline(id.data, {
    reason: 'invalid',
    message: 'The order could not be read by the store',
    fields: fieldsOf(issues),
  });
}

function fieldsOf(issues: readonly { path: PropertyKey[]; message: string }[]) {
  return issues.map((i) => ({ field: i.path.map(String).join('.'), message: i.message }));
}
