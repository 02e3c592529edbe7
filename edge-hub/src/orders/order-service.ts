import { createHash } from 'node:crypto';
import {
  type AnyEvent,
  type OnlineRejectionReason,
  type ResolvedLine,
  resolveLines,
  uuidv7,
} from '@pos/contracts';
import { AppError, type FieldError } from '@pos/kit';
import type {
  InventoryPort,
  MenuCatalog,
  OrderDirectory,
  ReservationLine,
  ReserveResult,
} from '../ports.js';
import type { ServiceStore } from '../service-store.js';
import { type Actor, managerApproval, ONLINE_ACTOR } from '../staff/approval.js';
import type { Approvals } from '../staff/staff-service.js';
import { businessDate } from './business-day.js';
import type {
  CreateOrderInput,
  DiscountInput,
  ItemInput,
  ModifyOrderInput,
} from './order-input.js';
import { repriceOrder, searchText } from './order-pricing.js';
import type { ItemRecord, OrderRecord, OrderStore } from './order-store.js';
import { canCancel, canModify, type OrderStatus, transition } from './status.js';

export interface OrderPolicy {
  timeZone: string;
  businessDayStartHour: number;
  /** Largest percentage discount a cashier may give without a manager. */
  cashierDiscountLimitBasisPoints: number;
  /** Service charge added to dine-in parties of at least `minGuests` (auto-gratuity). */
  autoGratuity: { basisPoints: number; minGuests: number } | null;
}

export interface OrderDeps {
  store: ServiceStore;
  orders: OrderStore;
  menu: () => MenuCatalog;
  inventory: () => InventoryPort;
  approvals: () => Approvals;
  policy: OrderPolicy;
  clock: () => number;
  /** Fault injection for the saga tests: runs just before the order transaction commits. */
  beforeCommit?: (step: 'create' | 'modify') => void;
}

const STATUS_EVENT = {
  PREPARING: 'order.preparing.v1',
  READY: 'order.ready.v1',
  PICKED_UP: 'order.pickedup.v1',
  COMPLETED: 'order.pickedup.v1',
} as const;

export type { Actor };

/** What became of an online order: taken (or found, when re-delivered), or refused. */
export type OnlineIntake =
  | { ok: true; order: OrderRecord; created: boolean }
  | {
      ok: false;
      reason: OnlineRejectionReason;
      message: string;
      fields: FieldError[];
      /** False when it had been refused before: no second `order.onlinerejected.v1`. */
      published: boolean;
    };

export type OnlineRefusal = Omit<Extract<OnlineIntake, { ok: false }>, 'ok' | 'published'>;

export class OrderService implements OrderDirectory {
  constructor(private readonly d: OrderDeps) {}

  exists(orderId: string, reservationId?: string): boolean {
    if (!this.d.orders.exists(orderId)) return false;
    if (reservationId === undefined || reservationId === orderId) return true;
    return this.d.orders.modification(reservationId)?.order_id === orderId;
  }

  get(orderId: string): OrderRecord {
    const order = this.d.orders.get(orderId);
    if (!order) throw new AppError('not-found', `Order ${orderId} was not found`);
    return order;
  }

  /**
   * The order saga (seed §5.5, §7.4): check the lines against the menu, reserve the stock,
   * then write the order and its `order.created.v1` in one transaction. If the write fails,
   * the reservation is released; if the hub dies in between, inventory finds the reservation
   * without an order at restart and releases it.
   */
  async create(
    input: CreateOrderInput,
    actor: Actor,
  ): Promise<{ order: OrderRecord; created: boolean }> {
    const fingerprint = fingerprintOf({ ...input, approval: undefined });
    const existing = this.d.orders.get(input.id);
    if (existing) return { order: this.#sameOrConflict(existing, fingerprint), created: false };
    if (input.tableId && !this.d.orders.table(input.tableId)) {
      throw invalid([{ field: 'tableId', message: `unknown table ${input.tableId}` }]);
    }
    const lines = this.#resolve(input.items, 'items');
    const approvedBy = await this.#approveDiscounts(
      actor,
      input.discount,
      input.items,
      input.approval,
    );
    const now = this.d.clock();
    const order = this.#newOrder(input, lines, actor.staff.userId, 'terminal', now, fingerprint);
    if (input.expectedTotalCents !== undefined && input.expectedTotalCents !== order.totalCents) {
      throw new AppError(
        'conflict',
        'Prices changed since the order was rung up; check the new total',
        {
          extra: { totalCents: order.totalCents, expectedTotalCents: input.expectedTotalCents },
        },
      );
    }
    await this.#reserve(input.id, input.id, lines);
    const created = await this.#insertNew(
      order,
      approvedBy ? `discount approved by ${approvedBy}` : null,
    );
    // The record written is the record answered: no second read on the hot path.
    return created
      ? { order, created }
      : { order: this.#sameOrConflict(this.get(order.id), fingerprint), created };
  }

  /**
   * An online order, paid in the cloud (seed §10): the same saga as `create` — the hub's own
   * menu, availability and stock holds, `order.created.v1`, kitchen routing — with no cashier.
   * A refusal is an outcome, not a fault: it is recorded with its `order.onlinerejected.v1` in
   * one transaction, and a re-delivered order finds its first answer (order or refusal) again.
   */
  async createOnline(
    input: CreateOrderInput,
    expected: { totalCents: number; currency: string },
  ): Promise<OnlineIntake> {
    const refused = this.d.orders.onlineRejection(input.id);
    if (refused) {
      return {
        ok: false,
        reason: refused.reason as OnlineRejectionReason,
        message: refused.message,
        fields: [],
        published: false,
      };
    }
    const fingerprint = fingerprintOf({ ...input, approval: undefined });
    const existing = this.d.orders.get(input.id);
    if (existing) {
      if (existing.fingerprint === fingerprint)
        return { ok: true, order: existing, created: false };
      return this.refuseOnline(input.id, {
        reason: 'invalid',
        message: 'The store already has another order with this id',
        fields: [{ field: 'orderId', message: 'already used for another order' }],
      });
    }
    const refusal = this.#checkOnline(input);
    if (refusal) return this.refuseOnline(input.id, refusal);
    const menu = this.d.menu();
    const resolved = resolveLines(
      menu.current(),
      (id) => menu.isAvailable(id),
      input.items.map((i) => ({ ...i, id: i.id ?? uuidv7() })),
      'items',
    );
    if (!resolved.ok) {
      const unavailable = resolved.status === 409;
      return this.refuseOnline(input.id, {
        reason: unavailable ? 'unavailable' : 'invalid',
        message: unavailable
          ? resolved.errors.map((e) => e.message).join('; ')
          : "The order does not match the store's menu",
        fields: resolved.errors,
      });
    }
    const now = this.d.clock();
    const order = this.#newOrder(input, resolved.lines, null, 'online', now, fingerprint);
    if (order.totalCents !== expected.totalCents || order.currency !== expected.currency) {
      return this.refuseOnline(input.id, {
        reason: 'total-mismatch',
        message: "The store's prices changed since the order was placed",
        fields: [
          {
            field: 'totalCents',
            message: `the store's total is ${order.totalCents} ${order.currency}, not ${expected.totalCents} ${expected.currency}`,
          },
        ],
      });
    }
    const held = await this.#hold(input.id, input.id, resolved.lines);
    if (!held.ok) {
      const names = [...new Set(held.shortages.map((s) => s.ingredientName))].join(', ');
      return this.refuseOnline(input.id, {
        reason: 'unavailable',
        message: `Not enough stock: ${names}`,
        fields: input.items.flatMap((item, i) =>
          held.shortages.some((s) => s.menuItemId === item.menuItemId)
            ? [{ field: `items.${i}.menuItemId`, message: 'not enough stock' }]
            : [],
        ),
      });
    }
    const created = await this.#insertNew(order, 'online order');
    if (created) return { ok: true, order, created };
    const found = this.get(order.id);
    return found.fingerprint === fingerprint
      ? { ok: true, order: found, created: false }
      : this.refuseOnline(input.id, {
          reason: 'invalid',
          message: 'The store already has another order with this id',
          fields: [{ field: 'orderId', message: 'already used for another order' }],
        });
  }

  /** Add and void items, change table, guests, notes or the order discount. */
  async modify(orderId: string, input: ModifyOrderInput, actor: Actor): Promise<OrderRecord> {
    const order = this.get(orderId);
    const fingerprint = fingerprintOf({ ...input, approval: undefined });
    const previous = this.d.orders.modification(input.modificationId);
    if (previous) {
      if (previous.order_id === orderId && previous.fingerprint === fingerprint) return order;
      throw new AppError('conflict', 'This modification id was already used for another change');
    }
    if (!canModify(order.status)) {
      throw new AppError(
        'conflict',
        `A ${order.status.toLowerCase().replace('_', ' ')} order cannot be changed`,
      );
    }
    if (input.expectedVersion !== undefined && input.expectedVersion !== order.version) {
      throw new AppError('conflict', 'The order was changed on another terminal; reload it', {
        extra: { version: order.version },
      });
    }
    if (input.tableId && !this.d.orders.table(input.tableId)) {
      throw invalid([{ field: 'tableId', message: `unknown table ${input.tableId}` }]);
    }
    const added = input.add.length > 0 ? this.#resolve(input.add, 'add') : [];
    const voids = this.#checkVoids(order, input.void);
    const needsManager =
      voids.some((v) => v.item.sentAt !== null) ||
      (input.discount != null && this.#discountNeedsManager(input.discount)) ||
      input.add.some((i) => i.discount && this.#discountNeedsManager(i.discount));
    const approvedBy = needsManager
      ? await this.#approve(actor, input.approval, 'this void or discount')
      : null;

    const now = this.d.clock();
    if (added.length > 0) await this.#reserve(input.modificationId, orderId, added);
    try {
      return await this.d.store.commitSoon(() => {
        const current = this.get(orderId);
        if (current.version !== order.version) {
          throw new AppError('conflict', 'The order was changed on another terminal; reload it');
        }
        const voided = voids.map((v) => {
          const item = current.items.find((i) => i.id === v.item.id) as ItemRecord;
          item.voidedQuantity += v.quantity;
          const wasSent = item.sentAt !== null;
          this.d.orders.recordVoid({
            orderId,
            orderItemId: item.id,
            quantity: v.quantity,
            reason: v.reason,
            voidedBy: actor.staff.userId,
            approvedBy,
            wasSent,
            at: now,
          });
          return {
            orderItemId: item.id,
            quantity: v.quantity,
            reason: v.reason,
            voidedBy: actor.staff.userId,
            ...(approvedBy ? { approvedBy } : {}),
            wasSentToKitchen: wasSent,
          };
        });
        const newItems = added.map((line, k) =>
          itemRecord(line, current.items.length + k, now, actor.staff.userId, input.modificationId),
        );
        current.items.push(...newItems);
        for (const item of newItems) this.d.orders.insertItem(orderId, item);
        if (input.tableId !== undefined) current.tableId = input.tableId;
        if (input.guests !== undefined) current.guests = input.guests;
        if (input.notes !== undefined) current.notes = input.notes;
        if (input.discount !== undefined) current.discount = input.discount;
        current.serviceChargeBp = this.#serviceCharge(current.type, current.guests);
        repriceOrder(current);
        current.version += 1;
        current.updatedAt = now;
        if (current.status === 'READY' && newItems.length > 0) {
          this.#setStatus(current, 'PREPARING', actor.staff.userId, 'items added', now);
        }
        this.d.orders.update(current, searchText(current));
        this.d.orders.recordModification(
          input.modificationId,
          orderId,
          fingerprint,
          now,
          actor.staff.userId,
        );
        const details =
          input.tableId !== undefined || input.guests !== undefined || input.discount !== undefined
            ? {
                tableId: input.tableId,
                guests: input.guests,
                discountChanged: input.discount !== undefined,
              }
            : undefined;
        this.d.store.emit('order.modified.v1', {
          orderId,
          added: newItems.map(lineItem),
          voided,
          currency: current.currency,
          ...totalsOf(current),
          ...(details ? { details } : {}),
          modifiedBy: actor.staff.userId,
          at: new Date(now).toISOString(),
        });
        this.d.beforeCommit?.('modify');
        return this.get(orderId);
      });
    } catch (err) {
      if (added.length > 0 && !this.d.orders.modification(input.modificationId)) {
        this.d.inventory().release(input.modificationId);
      }
      throw err;
    }
  }

  async cancel(orderId: string, reason: string, actor: Actor, approval?: { managerPin: string }) {
    const order = this.get(orderId);
    if (!canCancel(order.status)) {
      throw new AppError('illegal-transition', transitionReason(order.status, 'CANCELLED'));
    }
    if (order.paymentStatus === 'PAID' || order.paymentStatus === 'PARTIALLY_PAID') {
      throw new AppError('conflict', 'This order has payments; refund them before cancelling');
    }
    const sent = order.items.some((i) => i.sentAt !== null);
    const approvedBy = sent
      ? await this.#approve(actor, approval, 'cancelling an order the kitchen has')
      : null;
    const now = this.d.clock();
    return this.d.store.transaction(() => {
      const current = this.get(orderId);
      this.#setStatus(
        current,
        'CANCELLED',
        actor.staff.userId,
        approvedBy ? `${reason} (approved by ${approvedBy})` : reason,
        now,
      );
      current.version += 1;
      this.d.orders.update(current, searchText(current));
      this.d.store.emit('order.cancelled.v1', {
        orderId,
        reason,
        cancelledBy: actor.staff.userId,
        at: new Date(now).toISOString(),
      });
      return this.get(orderId);
    });
  }

  /**
   * The cloud withdrew an online order (not received in time; the guest was refunded and told
   * it is off): cancelled here so the kitchen stops, unless it has already been handed over.
   * Its payment must have been recorded as refunded first. Safe to repeat.
   */
  async cancelWithdrawnOnline(orderId: string, message: string): Promise<OrderRecord | undefined> {
    const now = this.d.clock();
    return this.d.store.commitSoon(() => {
      const order = this.d.orders.get(orderId);
      if (order?.source !== 'online' || !canCancel(order.status)) return order;
      this.#setStatus(order, 'CANCELLED', null, message, now);
      order.version += 1;
      order.updatedAt = now;
      this.d.orders.update(order, searchText(order));
      this.d.store.emit('order.cancelled.v1', {
        orderId,
        reason: message,
        cancelledBy: ONLINE_ACTOR.staff.userId,
        at: new Date(now).toISOString(),
      });
      return this.get(orderId);
    });
  }

  /** A status set by hand: the expo marks ready, the cashier hands over or completes. */
  setStatus(
    orderId: string,
    status: keyof typeof STATUS_EVENT,
    actor: Actor,
  ): Promise<OrderRecord> {
    const now = this.d.clock();
    return this.d.store.commitSoon(() => {
      const order = this.get(orderId);
      if (order.status === status) return order;
      this.#setStatus(order, status, actor.staff.userId, null, now);
      order.version += 1;
      this.d.orders.update(order, searchText(order));
      const at = new Date(now).toISOString();
      const type = STATUS_EVENT[status];
      if (type === 'order.pickedup.v1') {
        this.d.store.emit(type, { orderId, at, completedBy: actor.staff.userId });
      } else if (type === 'order.ready.v1') {
        this.d.store.emit(type, { orderId, at });
      } else {
        this.d.store.emit(type, { orderId, at });
      }
      return this.get(orderId);
    });
  }

  /**
   * The order's side of payments (seed §5.5 step 6), applied inside the inbox transaction of the
   * consumed event. A fully paid order waiting for payment is confirmed; a paid-first order whose
   * only payment failed becomes PAYMENT_FAILED and gives its stock back (seed §7.4).
   */
  applyPaymentEvent(event: AnyEvent): void {
    const now = this.d.clock();
    switch (event.EventType) {
      case 'payment.completed.v1': {
        const p = event.Payload;
        if (!this.d.orders.exists(p.orderId)) return;
        this.d.orders.recordPayment(p.paymentId, p.orderId, p.amountCents, now);
        this.#followPayments(p.orderId, p.paymentId, now);
        return;
      }
      case 'payment.refundprocessed.v1': {
        const p = event.Payload;
        if (!this.d.orders.exists(p.orderId)) return;
        this.d.orders.recordRefund(p.paymentId, p.amountCents, p.voided === true);
        this.#followPayments(p.orderId, p.paymentId, now);
        return;
      }
      case 'payment.failed.v1': {
        const p = event.Payload;
        const order = this.d.orders.get(p.orderId);
        // Dine-in checks stay open on a decline: the guest pays another way.
        if (!order || order.type === 'dine-in') return;
        if (order.status !== 'PENDING' || order.paymentStatus !== 'UNPAID') return;
        const reason = `payment ${p.reason.replace('-', ' ')}`;
        this.#setStatus(order, 'PAYMENT_FAILED', null, reason, now);
        order.version += 1;
        this.d.orders.update(order, searchText(order));
        this.d.store.emit('order.paymentfailed.v1', {
          orderId: order.id,
          paymentId: p.paymentId,
          reason,
          at: new Date(now).toISOString(),
        });
        return;
      }
      default:
        return;
    }
  }

  /**
   * The kitchen display's `order.preparing.v1` and `order.ready.v1` move the order (seed §5.5
   * step 8). The KDS has published them already, so nothing is published again here.
   */
  applyKitchenEvent(event: AnyEvent): void {
    if (event.Source !== 'kds-service') return;
    if (event.EventType !== 'order.preparing.v1' && event.EventType !== 'order.ready.v1') return;
    const order = this.d.orders.get(event.Payload.orderId);
    if (!order) return;
    const now = this.d.clock();
    const steps: OrderStatus[] =
      event.EventType === 'order.preparing.v1' ? ['PREPARING'] : ['PREPARING', 'READY'];
    let moved = false;
    for (const to of steps) {
      if (order.status === to) continue;
      if (to === 'PREPARING' && order.status !== 'PENDING' && order.status !== 'CONFIRMED') {
        continue;
      }
      if (!transition(order.status, to).ok) continue;
      this.#setStatus(order, to, null, 'kitchen', now);
      moved = true;
    }
    if (!moved) return;
    order.version += 1;
    this.d.orders.update(order, searchText(order));
  }

  /** Write a new order with its `order.created.v1`; its stock is given back if that fails. */
  async #insertNew(order: OrderRecord, note: string | null): Promise<boolean> {
    try {
      return await this.d.store.commitSoon(() => {
        if (this.d.orders.exists(order.id)) return false;
        order.number = this.d.orders.nextNumber(order.businessDate);
        this.d.orders.insert(order, searchText(order));
        this.d.orders.recordHistory(
          order.id,
          order.createdAt,
          null,
          order.status,
          order.createdBy,
          note,
        );
        this.d.store.emit('order.created.v1', this.#createdPayload(order));
        this.d.beforeCommit?.('create');
        return true;
      });
    } catch (err) {
      if (!this.d.orders.exists(order.id)) this.d.inventory().release(order.id);
      throw err;
    }
  }

  /** What an online order must be before its lines are looked at. */
  #checkOnline(input: CreateOrderInput): OnlineRefusal | undefined {
    if (input.tableId && !this.d.orders.table(input.tableId)) {
      return {
        reason: 'invalid',
        message: "The table is not one of the store's",
        fields: [{ field: 'tableId', message: `unknown table ${input.tableId}` }],
      };
    }
    return undefined;
  }

  /**
   * Refuse an online order: the refusal is recorded with its `order.onlinerejected.v1`, once (a
   * second refusal of the same order is silent). An order the hub holds is never refused.
   */
  async refuseOnline(orderId: string, refusal: OnlineRefusal): Promise<OnlineIntake> {
    const now = this.d.clock();
    const published = await this.d.store.commitSoon(() => {
      if (this.d.orders.exists(orderId)) return false;
      if (!this.d.orders.recordOnlineRejection(orderId, refusal.reason, refusal.message, now)) {
        return false;
      }
      this.d.store.emit('order.onlinerejected.v1', {
        orderId,
        reason: refusal.reason,
        message: refusal.message.slice(0, 500),
        fields: refusal.fields.slice(0, 50),
        at: new Date(now).toISOString(),
      });
      return true;
    });
    return { ok: false, ...refusal, published };
  }

  #followPayments(orderId: string, paymentId: string, now: number): void {
    const order = this.get(orderId);
    const { paidCents, refundedCents } = this.d.orders.paymentTotals(orderId);
    const paymentStatus =
      paidCents > 0 && refundedCents >= paidCents
        ? 'REFUNDED'
        : paidCents >= order.totalCents && paidCents > 0
          ? 'PAID'
          : paidCents > 0
            ? 'PARTIALLY_PAID'
            : 'UNPAID';
    const confirm =
      paymentStatus === 'PAID' && (order.status === 'PENDING' || order.status === 'PAYMENT_FAILED');
    if (paymentStatus === order.paymentStatus && !confirm) return;
    order.paymentStatus = paymentStatus;
    if (confirm) {
      this.#setStatus(order, 'CONFIRMED', null, 'paid', now);
      this.d.store.emit('order.confirmed.v1', {
        orderId,
        paymentId,
        confirmedAt: new Date(now).toISOString(),
      });
    }
    order.version += 1;
    order.updatedAt = now;
    this.d.orders.update(order, searchText(order));
  }

  #setStatus(
    order: OrderRecord,
    to: OrderStatus,
    by: string | null,
    reason: string | null,
    now: number,
  ) {
    const result = transition(order.status, to);
    if (!result.ok)
      throw new AppError('illegal-transition', result.reason, { extra: { status: order.status } });
    this.d.orders.recordHistory(order.id, now, order.status, to, by, reason);
    order.status = to;
    order.updatedAt = now;
  }

  #sameOrConflict(existing: OrderRecord, fingerprint: string): OrderRecord {
    if (existing.fingerprint === fingerprint) return existing;
    throw new AppError('conflict', 'An order with this id already exists with different content');
  }

  #resolve(items: readonly ItemInput[], path: string): ResolvedLine[] {
    const menu = this.d.menu();
    const result = resolveLines(
      menu.current(),
      (id) => menu.isAvailable(id),
      items.map((i) => ({ ...i, id: i.id ?? uuidv7() })),
      path,
    );
    if (result.ok) return result.lines;
    if (result.status === 409) {
      throw new AppError('conflict', result.errors.map((e) => e.message).join('; '), {
        errors: result.errors,
      });
    }
    throw invalid(result.errors);
  }

  #hold(
    reservationId: string,
    orderId: string,
    lines: readonly ResolvedLine[],
  ): Promise<ReserveResult> {
    const reservation: ReservationLine[] = lines.map((l) => ({
      menuItemId: l.menuItemId,
      variantId: l.variant?.variantId,
      modifierIds: l.modifiers.map((m) => m.modifierId),
      quantity: l.quantity,
    }));
    return this.d.inventory().reserve({ reservationId, orderId, lines: reservation });
  }

  async #reserve(
    reservationId: string,
    orderId: string,
    lines: readonly ResolvedLine[],
  ): Promise<void> {
    const result = await this.#hold(reservationId, orderId, lines);
    if (!result.ok) {
      const names = [...new Set(result.shortages.map((s) => s.ingredientName))].join(', ');
      throw new AppError('conflict', `Not enough stock: ${names}`, {
        extra: { shortages: result.shortages },
      });
    }
  }

  #checkVoids(order: OrderRecord, voids: ModifyOrderInput['void']) {
    const errors: FieldError[] = [];
    const checked = voids.flatMap((v, i) => {
      const item = order.items.find((it) => it.id === v.orderItemId);
      if (!item) {
        errors.push({ field: `void.${i}.orderItemId`, message: 'no such item on this order' });
        return [];
      }
      const remaining = item.quantity - item.voidedQuantity;
      const quantity = v.quantity ?? remaining;
      if (quantity > remaining || remaining === 0) {
        errors.push({
          field: `void.${i}.quantity`,
          message: `only ${remaining} of ${item.line.name} left to void`,
        });
        return [];
      }
      return [{ item, quantity, reason: v.reason }];
    });
    if (new Set(voids.map((v) => v.orderItemId)).size !== voids.length) {
      errors.push({ field: 'void', message: 'each item may be voided once per change' });
    }
    if (errors.length > 0) throw invalid(errors);
    return checked;
  }

  #discountNeedsManager(discount: DiscountInput): boolean {
    return (
      discount.kind === 'amount' ||
      discount.basisPoints > this.d.policy.cashierDiscountLimitBasisPoints
    );
  }

  async #approveDiscounts(
    actor: Actor,
    discount: DiscountInput | undefined,
    items: readonly ItemInput[],
    approval?: { managerPin: string },
  ) {
    const needs =
      (discount && this.#discountNeedsManager(discount)) ||
      items.some((i) => i.discount && this.#discountNeedsManager(i.discount));
    return needs ? this.#approve(actor, approval, 'this discount') : null;
  }

  #approve(actor: Actor, approval: { managerPin: string } | undefined, what: string) {
    return managerApproval(this.d.approvals(), actor, approval, what);
  }

  #serviceCharge(type: string, guests: number | null): number {
    const rule = this.d.policy.autoGratuity;
    return rule && type === 'dine-in' && (guests ?? 0) >= rule.minGuests ? rule.basisPoints : 0;
  }

  #newOrder(
    input: CreateOrderInput,
    lines: ResolvedLine[],
    createdBy: string | null,
    source: OrderRecord['source'],
    now: number,
    fingerprint: string,
  ): OrderRecord {
    const menu = this.d.menu().current();
    const order: OrderRecord = {
      id: input.id,
      number: 0,
      businessDate: businessDate(now, this.d.policy.timeZone, this.d.policy.businessDayStartHour),
      type: input.type,
      source,
      status: 'PENDING',
      paymentStatus: 'UNPAID',
      tableId: input.tableId ?? null,
      guests: input.guests ?? null,
      customer: input.customer ? (input.customer as Record<string, string>) : null,
      notes: input.notes ?? null,
      discount: input.discount ?? null,
      serviceChargeBp: this.#serviceCharge(input.type, input.guests ?? null),
      currency: menu.currency,
      subtotalCents: 0,
      discountCents: 0,
      taxCents: 0,
      serviceChargeCents: 0,
      totalCents: 0,
      createdBy,
      createdAt: now,
      updatedAt: now,
      version: 1,
      fingerprint,
      items: lines.map((line, i) => itemRecord(line, i, now, createdBy, null)),
    };
    repriceOrder(order);
    return order;
  }

  #createdPayload(order: OrderRecord) {
    return {
      orderId: order.id,
      orderNumber: order.number,
      businessDate: order.businessDate,
      orderType: order.type,
      source: order.source,
      ...(order.tableId ? { tableId: order.tableId } : {}),
      ...(order.guests ? { guests: order.guests } : {}),
      ...(order.createdBy ? { createdBy: order.createdBy } : {}),
      ...(order.customer ? { customer: order.customer } : {}),
      currency: order.currency,
      items: order.items.map(lineItem),
      ...totalsOf(order),
    };
  }
}

function itemRecord(
  line: ResolvedLine,
  position: number,
  now: number,
  by: string | null,
  modificationId: string | null,
): ItemRecord {
  const { id, quantity, ...snapshot } = line;
  return {
    id,
    position,
    line: snapshot,
    quantity,
    voidedQuantity: 0,
    grossCents: 0,
    discountCents: 0,
    taxCents: 0,
    totalCents: 0,
    sentAt: now,
    addedBy: by,
    modificationId,
  };
}

/** An item as the order events carry it (contracts' OrderLineItem). */
function lineItem(item: ItemRecord) {
  const l = item.line;
  return {
    orderItemId: item.id,
    menuItemId: l.menuItemId,
    name: l.name,
    categoryId: l.categoryId,
    ...(l.variant ? { variant: l.variant } : {}),
    modifiers: l.modifiers,
    quantity: item.quantity - item.voidedQuantity,
    unitPriceCents: l.unitPriceCents,
    lineTotalCents: item.totalCents,
    ...(l.notes ? { notes: l.notes } : {}),
    ...(l.seat ? { seat: l.seat } : {}),
    course: l.course,
    stationId: l.stationId,
    allergens: l.allergens,
    taxRateBasisPoints: l.taxRateBasisPoints,
    taxCents: item.taxCents,
  };
}

function totalsOf(order: OrderRecord) {
  return {
    subtotalCents: order.subtotalCents,
    discountCents: order.discountCents,
    taxCents: order.taxCents,
    serviceChargeCents: order.serviceChargeCents,
    totalCents: order.totalCents,
  };
}

function transitionReason(from: OrderStatus, to: OrderStatus): string {
  const result = transition(from, to);
  return result.ok ? '' : result.reason;
}

function invalid(errors: FieldError[]): AppError {
  const fields = [...new Set(errors.map((e) => e.field))].join(', ');
  return new AppError('validation', `Invalid ${fields}`, { errors });
}

function fingerprintOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}
