import { createHash } from 'node:crypto';
import { type PaymentFailureReason, uuidv7 } from '@pos/contracts';
import {
  type CardReader,
  type CollectResult,
  contractEntryMode,
  isStoreAndForwardReader,
} from '@pos/hardware';
import { AppError, type FieldError, type Logger } from '@pos/kit';
import type { OrderLedger, PayableLine, PayableOrder } from '../ports.js';
import type { ServiceStore } from '../service-store.js';
import { type Actor, managerApproval, ONLINE_ACTOR, ONLINE_TAKER } from '../staff/approval.js';
import type { Approvals } from '../staff/staff-service.js';
import type { PaymentInput, RefundInput, TipInput, VoidInput } from './payment-input.js';
import {
  type PaymentRow,
  type PaymentStore,
  type RefundRow,
  SETTLED_STATES,
  type Split,
  type Tender,
} from './payment-store.js';
import { categoryAmounts, roundCash, splitShare, splitsOverlap } from './split.js';

export interface OfflinePolicy {
  /** Largest card payment (with tip) taken while the processor is unreachable. */
  perTransactionCapCents: number;
  /** Most the store may hold in card payments not yet forwarded. */
  totalCapCents: number;
  /** Offline payments not forwarded within this long raise an alert. Default 72 h. */
  deadlineMs: number;
}

export interface PaymentPolicy {
  offline: OfflinePolicy;
  /** Cash is rounded to this many cents when it settles the check (1 = no rounding). */
  cashRoundingCents: 1 | 5 | 10;
  /** Card payments authorised for a tip to be added are captured anyway after this long. */
  captureAfterMs: number;
}

export const DEFAULT_PAYMENT_POLICY: PaymentPolicy = {
  offline: {
    perTransactionCapCents: 10_000,
    totalCapCents: 100_000,
    deadlineMs: 72 * 60 * 60 * 1000,
  },
  cashRoundingCents: 1,
  captureAfterMs: 6 * 60 * 60 * 1000,
};

/** What happens once a payment is taken: receipt, drawer. Failures here never undo a payment. */
export interface PaymentEffects {
  paid(payment: PaymentRow, order: PayableOrder, options: { printReceipt: boolean }): void;
  /** Print the receipt again, with the tenders taken so far (no drawer). */
  reprint(order: PayableOrder, by: string): boolean;
  refunded(refund: RefundRow, payment: PaymentRow): void;
}

export interface PaymentDeps {
  store: ServiceStore;
  rows: PaymentStore;
  orders: () => OrderLedger;
  approvals: () => Approvals;
  readers: ReadonlyMap<string, CardReader>;
  policy: PaymentPolicy;
  clock: () => number;
  businessDate: (epochMs: number) => string;
  effects: PaymentEffects;
  logger: Logger;
}

/** An online order's payment, taken in the cloud (seed §10): the hub only records it. */
export interface OnlinePaymentRecord {
  paymentId: string;
  orderId: string;
  amountCents: number;
  currency: string;
  /** The processor's reference (the PaymentIntent id). */
  intentId: string;
  card?: { brand: string; last4: string } | undefined;
}

/** What a payment's amounts are checked from (a terminal's request, or an online payment). */
type PlanInput = Pick<PaymentInput, 'amountCents' | 'tipCents' | 'tenderedCents' | 'split'> & {
  tender: Tender;
  currency?: string | undefined;
};

interface Plan {
  amount: number;
  tip: number;
  rounding: number;
  lines: readonly PayableLine[];
  balance: number;
}

/** Orders that can no longer take money. */
const UNPAYABLE = new Set(['CANCELLED', 'INVENTORY_UNAVAILABLE']);

const DECLINE_TEXT: Record<string, string> = {
  declined: 'The card was declined. Ask for another card or another way to pay.',
  'insufficient-funds': 'The card has insufficient funds. Ask for another card.',
  'expired-card': 'The card has expired. Ask for another card.',
  timeout: 'The reader timed out waiting for the card.',
  cancelled: 'The payment was cancelled.',
  'card-removed': 'The card was removed too early. Try again and leave it in.',
  'reader-unavailable': 'The card reader is not available.',
  'processor-unavailable':
    'The card processor is unreachable and this reader cannot take cards offline. Take cash.',
  error: 'The card reader reported an error.',
};

/**
 * The payment service (seed §1.6): cash and card tenders, split checks, tips, voids and
 * refunds, and card payments taken offline within limits. Every payment is written with its
 * event in one transaction; the order service hears of it through the bus.
 */
export class PaymentService {
  /** Orders with a payment under way: a second one racing it is refused. */
  readonly #busy = new Set<string>();
  /** Payments being taken right now, by ID: a retry of one waits for its outcome. */
  readonly #taking = new Map<string, Promise<PaymentRow>>();

  constructor(private readonly d: PaymentDeps) {}

  get rows(): PaymentStore {
    return this.d.rows;
  }

  get policy(): PaymentPolicy {
    return this.d.policy;
  }

  reader(id?: string): CardReader {
    if (id !== undefined) {
      const reader = this.d.readers.get(id);
      if (!reader) throw new AppError('not-found', `Card reader ${id} was not found`);
      return reader;
    }
    const first = this.d.readers.values().next();
    if (first.done) throw new AppError('conflict', 'No card reader is set up on this hub');
    return first.value;
  }

  get(id: string): PaymentRow {
    const payment = this.d.rows.payment(id);
    if (!payment) throw new AppError('not-found', `Payment ${id} was not found`);
    return payment;
  }

  /** The order's balance and its payments (for the terminal's pay screen). */
  balance(orderId: string) {
    const order = this.#order(orderId);
    const payments = this.d.rows.paymentsOfOrder(orderId);
    const paid = paidOf(payments);
    const seats = [...new Set(order.lines.map((l) => l.seat).filter((s) => s !== null))]
      .sort((a, b) => (a as number) - (b as number))
      .map((seat) => {
        const share = splitShare(order, { by: 'seat', seat: seat as number });
        const settled = payments.some(
          (p) =>
            SETTLED_STATES.includes(p.status) &&
            p.split?.by === 'seat' &&
            p.split.seat === (seat as number),
        );
        return { seat, dueCents: share.ok ? share.amountCents : 0, paid: settled };
      });
    return { order, payments, paidCents: paid, balanceCents: order.totalCents - paid, seats };
  }

  /** Take a payment. Resolves once it is on disk with its event (or failed and recorded). */
  async process(
    input: PaymentInput,
    actor: Actor,
  ): Promise<{ payment: PaymentRow; created: boolean }> {
    const paymentId = input.paymentId ?? uuidv7();
    const fingerprint = fingerprintOf({ ...input, paymentId, approval: undefined });
    const existing = this.d.rows.payment(paymentId);
    if (existing) {
      if (existing.fingerprint !== fingerprint || existing.orderId !== input.orderId) {
        throw new AppError('conflict', 'A payment with this id already exists for something else');
      }
      // The terminal lost the answer while the card was still being read and sent the payment
      // again: it gets the outcome once there is one, never "pending" taken for an approval.
      const taking = this.#taking.get(paymentId);
      if (taking) {
        await taking.catch(() => undefined);
        return { payment: this.d.rows.payment(paymentId) ?? existing, created: false };
      }
      return { payment: existing, created: false };
    }
    if (this.#busy.has(input.orderId)) {
      throw new AppError('conflict', 'Another payment is being taken for this order; wait for it', {
        extra: { orderId: input.orderId },
      });
    }
    this.#busy.add(input.orderId);
    try {
      const order = this.#order(input.orderId);
      const plan = this.#plan(order, input);
      const payment = this.#newPayment(
        paymentId,
        order,
        input,
        plan,
        actor.staff.userId,
        fingerprint,
      );
      if (input.tender === 'cash')
        return { payment: await this.#cash(payment, order, input), created: true };
      const taking = this.#card(payment, order, input, actor);
      this.#taking.set(paymentId, taking);
      return { payment: await taking, created: true };
    } finally {
      this.#busy.delete(input.orderId);
      this.#taking.delete(paymentId);
    }
  }

  /**
   * Record an online order's payment as paid (tender `online`): no drawer, no reader and no
   * receipt. `payment.completed.v1` confirms the order through the bus as any paid order.
   * Idempotent on the payment id, so a re-delivered online order is paid once.
   */
  async recordOnline(
    input: OnlinePaymentRecord,
  ): Promise<{ payment: PaymentRow; created: boolean }> {
    const fingerprint = fingerprintOf({ online: input });
    const existing = this.d.rows.payment(input.paymentId);
    if (existing) {
      if (existing.fingerprint !== fingerprint || existing.orderId !== input.orderId) {
        throw new AppError('conflict', 'A payment with this id already exists for something else');
      }
      return { payment: existing, created: false };
    }
    const order = this.#order(input.orderId);
    const taken: PlanInput = {
      tender: 'online',
      amountCents: input.amountCents,
      currency: input.currency,
    };
    const plan = this.#plan(order, taken);
    const now = this.d.clock();
    const payment: PaymentRow = {
      ...this.#newPayment(input.paymentId, order, taken, plan, ONLINE_TAKER, fingerprint),
      status: 'captured',
      cardBrand: input.card?.brand ?? null,
      cardLast4: input.card?.last4 ?? null,
      processorRef: input.intentId,
      serverId: null,
      completedAt: now,
    };
    const written = await this.d.store.commitSoon(() => {
      // A second delivery racing the first finds the first one's payment.
      const raced = this.d.rows.payment(payment.id);
      if (raced) return { payment: raced, created: false };
      this.d.rows.insertPayment(payment);
      this.#emitInitiated(payment);
      this.#emitCompleted(payment, customerOf(order));
      return { payment, created: true };
    });
    return written;
  }

  /**
   * The cloud withdrew an online order it had already refunded (the hub got it too late): its
   * online payments are recorded as refunded here so the books balance. The cloud gives nothing
   * back twice: the card was refunded in full when the order was withdrawn. Idempotent: a
   * payment already refunded in full is left as it is.
   */
  async recordWithdrawnOnline(orderId: string, reason: string): Promise<RefundRow[]> {
    const done: RefundRow[] = [];
    for (const payment of this.d.rows.paymentsOfOrder(orderId)) {
      if (payment.tender !== 'online' || !SETTLED_STATES.includes(payment.status)) continue;
      const left =
        payment.amountCents + payment.tipCents + payment.roundingCents - payment.refundedCents;
      if (left <= 0) continue;
      done.push(
        await this.#recordRefund(payment, {
          kind: 'refund',
          refundId: uuidv7(),
          amountCents: left,
          reason,
          actor: ONLINE_ACTOR,
          approvedBy: ONLINE_ACTOR.staff.userId,
          processorRef: payment.processorRef,
          fingerprint: fingerprintOf({ withdrawn: payment.id }),
        }),
      );
    }
    return done;
  }

  /** Add or change the tip on an authorised card payment, then capture it. */
  async adjustTip(paymentId: string, input: TipInput, actor: Actor): Promise<PaymentRow> {
    const payment = this.get(paymentId);
    if (payment.tender !== 'card') throw new AppError('conflict', 'Only card tips can be adjusted');
    if (payment.status !== 'authorised' || payment.offline) {
      throw new AppError(
        'conflict',
        payment.offline
          ? 'A card payment taken offline carries its tip already'
          : `A ${payment.status} payment's tip can no longer be changed`,
      );
    }
    const reader = this.reader(payment.readerId ?? undefined);
    const capture = await reader.capture?.({
      paymentId,
      processorRef: payment.processorRef ?? '',
      amountCents: (payment.amountCents + input.tipCents) as never,
    });
    if (capture?.outcome !== 'captured') {
      const reason = capture?.outcome === 'failed' ? capture.reason : 'not-capturable';
      if (reason === 'processor-unavailable') {
        throw new AppError('unavailable', 'The card processor is unreachable; try again shortly');
      }
      throw new AppError('conflict', `The processor would not take this tip (${reason})`);
    }
    const now = this.d.clock();
    return this.d.store.commitSoon(() => {
      const current = this.get(paymentId);
      const previous = current.tipCents;
      current.tipCents = input.tipCents;
      current.status = 'captured';
      current.updatedAt = now;
      this.d.rows.updatePayment(current);
      this.d.store.emit('payment.tipadjusted.v1', {
        paymentId,
        orderId: current.orderId,
        previousTipCents: previous,
        tipCents: input.tipCents,
        currency: current.currency,
        adjustedBy: actor.staff.userId,
        at: new Date(now).toISOString(),
      });
      return current;
    });
  }

  /** Capture authorised card payments (the end-of-day batch): tips left as they are. */
  async captureAuthorised(olderThanMs = 0): Promise<{ captured: number; failed: number }> {
    let captured = 0;
    let failed = 0;
    const cutoff = this.d.clock() - olderThanMs;
    for (const p of this.d.rows.paymentsInState('authorised')) {
      if (p.offline || p.tender !== 'card' || p.createdAt > cutoff) continue;
      const reader = this.d.readers.get(p.readerId ?? '');
      const result = await reader?.capture?.({
        paymentId: p.id,
        processorRef: p.processorRef ?? '',
        amountCents: (p.amountCents + p.tipCents) as never,
      });
      if (result?.outcome === 'captured') {
        await this.d.store.commitSoon(() => {
          const current = this.get(p.id);
          if (current.status !== 'authorised') return;
          current.status = 'captured';
          current.updatedAt = this.d.clock();
          this.d.rows.updatePayment(current);
        });
        captured += 1;
      } else {
        failed += 1;
      }
    }
    return { captured, failed };
  }

  /** Release a payment before capture: the card hold goes, or the cash goes back. Manager. */
  async void(paymentId: string, input: VoidInput, actor: Actor): Promise<RefundRow> {
    const payment = this.#refundable(paymentId);
    if (payment.tender === 'online') {
      throw new AppError(
        'conflict',
        'An online payment was taken in the cloud and cannot be voided; refund it instead',
      );
    }
    const approvedBy = await this.#manager(actor, input.approval, 'voiding a payment');
    if (payment.tender === 'card' && payment.status === 'captured') {
      throw new AppError('conflict', 'The card payment is already captured; refund it instead');
    }
    if (payment.refundedCents > 0) {
      throw new AppError('conflict', 'Part of this payment was refunded; refund the rest instead');
    }
    if (payment.tender === 'card' && !payment.offline) {
      const reader = this.reader(payment.readerId ?? undefined);
      const result = await reader.void?.({ paymentId, processorRef: payment.processorRef ?? '' });
      if (result?.outcome === 'failed' && result.reason === 'already-captured') {
        throw new AppError('conflict', 'The card payment is already captured; refund it instead');
      }
      if (result?.outcome === 'failed' && result.reason === 'processor-unavailable') {
        throw new AppError('unavailable', 'The card processor is unreachable; try again shortly');
      }
    }
    if (payment.tender === 'card' && payment.offline) {
      const offline = this.d.rows.offline(paymentId);
      if (offline && offline.status !== 'pending') {
        throw new AppError('conflict', 'This offline payment was already forwarded; refund it');
      }
    }
    if (payment.tender === 'cash') this.#openShiftFor('hand the cash back');
    const amount = payment.amountCents + payment.tipCents + payment.roundingCents;
    return this.#recordRefund(payment, {
      kind: 'void',
      refundId: input.refundId ?? uuidv7(),
      amountCents: amount,
      reason: input.reason,
      actor,
      approvedBy: approvedBy ?? actor.staff.userId,
      processorRef: null,
      fingerprint: fingerprintOf({ void: paymentId, ...input, approval: undefined }),
    });
  }

  /** Give money back to the payment's own tender. Manager. */
  async refund(paymentId: string, input: RefundInput, actor: Actor): Promise<RefundRow> {
    const refundId = input.refundId ?? uuidv7();
    const fingerprint = fingerprintOf({
      refund: paymentId,
      ...input,
      refundId,
      approval: undefined,
    });
    const earlier = this.d.rows.refund(refundId);
    if (earlier) {
      if (earlier.fingerprint === fingerprint) return earlier;
      throw new AppError('conflict', 'A refund with this id already exists for something else');
    }
    const payment = this.#refundable(paymentId);
    const collected = payment.amountCents + payment.tipCents + payment.roundingCents;
    const left = collected - payment.refundedCents;
    const amount = input.amountCents ?? left;
    if (left <= 0) throw new AppError('conflict', 'This payment has been refunded in full');
    if (amount > left) {
      throw invalid([
        { field: 'amountCents', message: `at most ${left} cents of this payment can be refunded` },
      ]);
    }
    if (payment.tender === 'card') {
      if (payment.status === 'authorised') {
        throw new AppError(
          'conflict',
          payment.offline
            ? 'This card payment was taken offline and is not settled yet; void it instead'
            : 'This card payment is not captured yet; void it instead',
        );
      }
    }
    const approvedBy = await this.#manager(actor, input.approval, 'a refund');
    let processorRef: string | null = null;
    if (payment.tender === 'cash') {
      this.#openShiftFor('pay the refund out of the drawer');
    } else if (payment.tender === 'online') {
      // The cloud refunds the card on `payment.refundprocessed.v1` (tender `online`).
    } else {
      const reader = this.reader(payment.readerId ?? undefined);
      if (!reader.refund) throw new AppError('conflict', 'This card reader cannot refund');
      const result = await reader.refund({
        paymentId,
        refundId,
        processorRef: payment.processorRef ?? '',
        amountCents: amount as never,
      });
      if (result.outcome !== 'refunded') {
        if (result.reason === 'processor-unavailable') {
          throw new AppError(
            'unavailable',
            'The card processor is unreachable; refund when it is back, or in cash',
          );
        }
        throw new AppError('conflict', `The processor refused the refund (${result.reason})`);
      }
      processorRef = result.refundRef;
    }
    return this.#recordRefund(payment, {
      kind: 'refund',
      refundId,
      amountCents: amount,
      reason: input.reason,
      actor,
      approvedBy: approvedBy ?? actor.staff.userId,
      processorRef,
      fingerprint,
    });
  }

  /** Print the order's receipt again, with its tenders. */
  reprintReceipt(orderId: string, actor: Actor): void {
    const order = this.#order(orderId);
    if (!this.d.effects.reprint(order, actor.staff.userId)) {
      throw new AppError(
        'conflict',
        'No receipt printer is set up, or the order has not reached it',
      );
    }
  }

  /**
   * Queue the receipt for email: the request waits in this module's outbox until the cloud link
   * carries it to the notification service, so it is never lost while the internet is down.
   */
  async emailReceipt(orderId: string, email: string, actor: Actor): Promise<void> {
    this.#order(orderId);
    const now = this.d.clock();
    await this.d.store.commitSoon(() => {
      this.d.store.emit('payment.receiptrequested.v1', {
        orderId,
        email,
        requestedBy: actor.staff.userId,
        at: new Date(now).toISOString(),
      });
    });
  }

  /** A payment left `pending` by a hub that stopped mid-collect: release it and say so. */
  async recoverInterrupted(): Promise<number> {
    const stuck = this.d.rows.paymentsInState('pending');
    for (const p of stuck) {
      const reader = this.d.readers.get(p.readerId ?? '');
      try {
        await reader?.cancel(p.id);
      } catch (err) {
        this.d.logger.warn({ err, paymentId: p.id }, 'could not cancel an interrupted payment');
      }
      await this.d.store.commitSoon(() =>
        this.#fail(this.get(p.id), 'error', 'The hub restarted while the card was being read'),
      );
    }
    return stuck.length;
  }

  /** Stop waiting for a card on an order that was cancelled. */
  async cancelInFlight(orderId: string): Promise<void> {
    for (const p of this.d.rows.paymentsOfOrder(orderId)) {
      if (p.status !== 'pending') continue;
      await this.d.readers.get(p.readerId ?? '')?.cancel(p.id);
    }
  }

  // ---- internals -------------------------------------------------------------------------

  #order(orderId: string): PayableOrder {
    const order = this.d.orders().payable(orderId);
    if (!order) throw new AppError('not-found', `Order ${orderId} was not found`);
    return order;
  }

  /** Checks the amounts against the order; returns what this payment covers. */
  #plan(order: PayableOrder, input: PlanInput): Plan {
    if (UNPAYABLE.has(order.status)) {
      throw new AppError(
        'conflict',
        `A ${order.status.toLowerCase().replace('_', ' ')} order cannot be paid`,
      );
    }
    const errors: FieldError[] = [];
    if (input.currency !== undefined && input.currency !== order.currency) {
      errors.push({ field: 'currency', message: `this order is in ${order.currency}` });
    }
    const payments = this.d.rows.paymentsOfOrder(order.id);
    if (payments.some((p) => p.status === 'pending')) {
      throw new AppError('conflict', 'Another payment is being taken for this order; wait for it');
    }
    const balance = order.totalCents - paidOf(payments);
    if (balance <= 0) throw new AppError('conflict', 'This order is already paid in full');

    let amount = input.amountCents;
    let lines: readonly PayableLine[] = order.lines;
    if (input.split) {
      const split = input.split;
      const share = splitShare(order, split);
      if (!share.ok) throw invalid([...errors, ...share.errors]);
      const taken = payments.find(
        (p) => SETTLED_STATES.includes(p.status) && p.split && splitsOverlap(p.split, split),
      );
      if (taken) throw new AppError('conflict', `${describeSplit(split)} is already paid`);
      lines = share.lines;
      const due = Math.min(share.amountCents, balance);
      if (amount !== undefined && amount !== due) {
        errors.push({ field: 'amountCents', message: `${describeSplit(split)} owes ${due} cents` });
      }
      amount = due;
    }
    if (amount === undefined) amount = balance;
    if (amount > balance) {
      errors.push({ field: 'amountCents', message: `only ${balance} cents are owed` });
    }
    const tip = input.tipCents ?? 0;
    let rounding = 0;
    if (input.tender === 'cash') {
      // Rounding applies to the cash that settles the check, so the order is paid exactly.
      if (amount === balance)
        rounding = roundCash(amount + tip, this.d.policy.cashRoundingCents) - (amount + tip);
      const due = amount + tip + rounding;
      const tendered = input.tenderedCents ?? due;
      if (tendered < due) {
        errors.push({ field: 'tenderedCents', message: `at least ${due} cents must be tendered` });
      }
    } else if (input.tenderedCents !== undefined) {
      errors.push({ field: 'tenderedCents', message: 'only cash is tendered' });
    }
    if (errors.length > 0) throw invalid(errors);
    return { amount, tip, rounding, lines, balance };
  }

  #newPayment(
    id: string,
    order: PayableOrder,
    input: PlanInput,
    plan: Plan,
    takenBy: string,
    fingerprint: string,
  ): PaymentRow {
    const now = this.d.clock();
    const due = plan.amount + plan.tip + plan.rounding;
    const tendered = input.tender === 'cash' ? (input.tenderedCents ?? due) : null;
    return {
      id,
      orderId: order.id,
      businessDate: this.d.businessDate(now),
      tender: input.tender,
      status: 'pending',
      amountCents: plan.amount,
      tipCents: plan.tip,
      currency: order.currency,
      tenderedCents: tendered,
      changeCents: tendered === null ? null : tendered - due,
      roundingCents: plan.rounding,
      split: input.split ?? null,
      categoryAmounts: categoryAmounts(order, plan.lines, plan.amount),
      cardBrand: null,
      cardLast4: null,
      cardEntryMode: null,
      offline: false,
      readerId: null,
      processorRef: null,
      authCode: null,
      refundedCents: 0,
      failureReason: null,
      failureMessage: null,
      overrideBy: null,
      takenBy,
      serverId: order.createdBy ?? takenBy,
      shiftId: this.d.rows.openShift()?.id ?? null,
      fingerprint,
      createdAt: now,
      completedAt: null,
      updatedAt: now,
    };
  }

  async #cash(payment: PaymentRow, order: PayableOrder, input: PaymentInput): Promise<PaymentRow> {
    this.#openShiftFor('take cash');
    payment.status = 'completed';
    payment.completedAt = payment.createdAt;
    const written = await this.d.store.commitSoon(() => {
      this.d.rows.insertPayment(payment);
      this.#emitInitiated(payment);
      this.#emitCompleted(payment, input.customer ?? customerOf(order));
      return payment;
    });
    this.#effects(() =>
      this.d.effects.paid(written, order, { printReceipt: input.receipt !== 'none' }),
    );
    return written;
  }

  async #card(
    payment: PaymentRow,
    order: PayableOrder,
    input: PaymentInput,
    actor: Actor,
  ): Promise<PaymentRow> {
    const reader = this.reader(input.readerId);
    payment.readerId = reader.id;
    const state = reader.status().state;
    if (state === 'disconnected' || state === 'error') {
      throw new AppError('conflict', `Card reader ${reader.id} is not available (${state})`, {
        extra: { reader: reader.status() },
      });
    }
    // Offline: the processor is unreachable. A reader that can store and forward may take the
    // card within the store's limits; over them, a manager decides or another tender is used.
    // The limits are checked even when the reader looks online: the processor may drop mid-way.
    const offlineNow = state === 'offline';
    let offlineAllowed = false;
    if (isStoreAndForwardReader(reader)) {
      const total = payment.amountCents + payment.tipCents;
      const outstanding = this.d.rows.outstandingOfflineCents();
      const { perTransactionCapCents, totalCapCents } = this.d.policy.offline;
      offlineAllowed = total <= perTransactionCapCents && outstanding + total <= totalCapCents;
      if (offlineNow && !offlineAllowed && input.approval === undefined) {
        await this.d.store.commitSoon(() => {
          this.d.rows.insertPayment(payment);
          this.#emitInitiated(payment);
          this.#fail(payment, 'offline-limit-exceeded', 'Over the offline card limit');
        });
        throw new AppError(
          'conflict',
          `The card processor is unreachable and ${centsText(total)} is over the offline card limit: a manager may approve it, or take another tender`,
          {
            extra: {
              paymentId: payment.id,
              needsApproval: true,
              reason: 'offline-limit-exceeded',
              perTransactionCapCents,
              totalCapCents,
              outstandingCents: outstanding,
            },
          },
        );
      }
      if (offlineNow && !offlineAllowed) {
        payment.overrideBy =
          (await this.#manager(actor, input.approval, 'an offline card payment over the limit')) ??
          actor.staff.userId;
        offlineAllowed = true;
      }
    }

    await this.d.store.commitSoon(() => {
      this.d.rows.insertPayment(payment);
      this.#emitInitiated(payment);
    });
    let result: CollectResult;
    try {
      result = await reader.collect({
        paymentId: payment.id,
        amountCents: payment.amountCents as never,
        tipCents: payment.tipCents as never,
        currency: payment.currency as never,
        offlineAllowed,
      });
    } catch (err) {
      this.d.logger.error({ err, paymentId: payment.id }, 'card reader failed');
      result = { outcome: 'failed', reason: 'error', message: 'card reader error' };
    }

    const now = this.d.clock();
    if (result.outcome === 'approved' || result.outcome === 'stored-offline') {
      const card = result.card;
      payment.cardBrand = card.brand;
      payment.cardLast4 = card.last4;
      payment.cardEntryMode = contractEntryMode(card.entryMode);
      payment.completedAt = now;
      payment.updatedAt = now;
      if (result.outcome === 'approved') {
        payment.processorRef = result.processorRef;
        payment.authCode = result.authCode ?? null;
        payment.status = result.captured ? 'captured' : 'authorised';
        if (!result.captured && !input.tipAdjustable && reader.capture) {
          const capture = await reader.capture({
            paymentId: payment.id,
            processorRef: result.processorRef,
            amountCents: (payment.amountCents + payment.tipCents) as never,
          });
          // Not captured now (processor hiccup): it stays authorised, the batch captures it.
          if (capture.outcome === 'captured') payment.status = 'captured';
        }
      } else {
        payment.offline = true;
        payment.status = 'authorised';
      }
      const blob = result.outcome === 'stored-offline' ? result.blob : null;
      const written = await this.d.store.commitSoon(() => {
        this.d.rows.updatePayment(payment);
        if (blob !== null) this.d.rows.insertOffline(payment.id, reader.id, blob, now);
        this.#emitCompleted(payment, input.customer ?? customerOf(order));
        return payment;
      });
      if (blob !== null) {
        this.d.logger.warn(
          { paymentId: payment.id, orderId: order.id, amountCents: payment.amountCents },
          'card payment taken offline; it will be forwarded when the processor is back',
        );
      }
      this.#effects(() =>
        this.d.effects.paid(written, order, { printReceipt: input.receipt !== 'none' }),
      );
      return written;
    }
    const reason = failureReason(result);
    return this.d.store.commitSoon(() =>
      this.#fail(payment, reason, DECLINE_TEXT[result.reason] ?? result.message),
    );
  }

  #fail(payment: PaymentRow, reason: PaymentFailureReason, message: string): PaymentRow {
    const now = this.d.clock();
    payment.status = 'failed';
    payment.failureReason = reason;
    payment.failureMessage = message;
    payment.updatedAt = now;
    this.d.rows.updatePayment(payment);
    this.d.store.emit('payment.failed.v1', {
      paymentId: payment.id,
      orderId: payment.orderId,
      tender: payment.tender,
      amountCents: payment.amountCents,
      currency: payment.currency,
      reason,
      message,
    });
    return payment;
  }

  #emitInitiated(payment: PaymentRow): void {
    this.d.store.emit('payment.initiated.v1', {
      paymentId: payment.id,
      orderId: payment.orderId,
      tender: payment.tender,
      amountCents: payment.amountCents,
      tipCents: payment.tipCents,
      currency: payment.currency,
    });
  }

  #emitCompleted(payment: PaymentRow, customer: PaymentInput['customer'] | undefined): void {
    this.d.store.emit('payment.completed.v1', {
      paymentId: payment.id,
      orderId: payment.orderId,
      tender: payment.tender,
      amountCents: payment.amountCents,
      tipCents: payment.tipCents,
      currency: payment.currency,
      ...(payment.tender === 'card' && payment.cardBrand && payment.cardLast4
        ? {
            card: {
              brand: payment.cardBrand,
              last4: payment.cardLast4,
              ...(payment.cardEntryMode
                ? {
                    entryMode: payment.cardEntryMode as 'chip' | 'contactless' | 'swipe' | 'manual',
                  }
                : {}),
              offline: payment.offline,
            },
          }
        : {}),
      ...(customer ? { customer } : {}),
      categoryAmounts: payment.categoryAmounts,
      completedAt: new Date(payment.completedAt ?? payment.updatedAt).toISOString(),
    });
  }

  #refundable(paymentId: string): PaymentRow {
    const payment = this.d.rows.payment(paymentId);
    if (!payment) {
      if (this.d.rows.refund(paymentId)) {
        throw new AppError('conflict', 'That is a refund; a refund cannot be refunded or voided');
      }
      throw new AppError('not-found', `Payment ${paymentId} was not found`);
    }
    if (!SETTLED_STATES.includes(payment.status)) {
      throw new AppError('conflict', `A ${payment.status} payment took no money to give back`);
    }
    return payment;
  }

  async #recordRefund(
    payment: PaymentRow,
    r: {
      kind: 'refund' | 'void';
      refundId: string;
      amountCents: number;
      reason: string;
      actor: Actor;
      approvedBy: string;
      processorRef: string | null;
      fingerprint: string;
    },
  ): Promise<RefundRow> {
    const now = this.d.clock();
    const refund: RefundRow = {
      id: r.refundId,
      paymentId: payment.id,
      orderId: payment.orderId,
      businessDate: this.d.businessDate(now),
      tender: payment.tender,
      kind: r.kind,
      amountCents: r.amountCents,
      currency: payment.currency,
      reason: r.reason,
      requestedBy: r.actor.staff.userId,
      approvedBy: r.approvedBy,
      processorRef: r.processorRef,
      shiftId: this.d.rows.openShift()?.id ?? null,
      fingerprint: r.fingerprint,
      createdAt: now,
    };
    const written = await this.d.store.commitSoon(() => {
      const current = this.get(payment.id);
      if (!SETTLED_STATES.includes(current.status)) {
        throw new AppError('conflict', 'The payment changed meanwhile; reload it');
      }
      if (r.kind === 'void') {
        current.status = 'voided';
        if (current.offline) this.d.rows.setOfflineOutcome(current.id, 'voided', now);
      } else {
        current.refundedCents += r.amountCents;
      }
      current.updatedAt = now;
      this.d.rows.updatePayment(current);
      this.d.rows.insertRefund(refund);
      this.d.store.emit('payment.refundprocessed.v1', {
        refundId: refund.id,
        paymentId: payment.id,
        orderId: payment.orderId,
        amountCents: refund.amountCents,
        currency: payment.currency,
        reason: r.kind === 'void' ? `voided: ${r.reason}` : r.reason,
        approvedBy: r.approvedBy,
        tender: payment.tender,
        voided: r.kind === 'void',
      });
      return { refund, payment: current };
    });
    this.#effects(() => this.d.effects.refunded(written.refund, written.payment));
    return written.refund;
  }

  #openShiftFor(what: string): void {
    if (!this.d.rows.openShift()) {
      throw new AppError('conflict', `Open a shift (count the float into the drawer) to ${what}`);
    }
  }

  async #manager(actor: Actor, approval: { managerPin: string } | undefined, what: string) {
    return managerApproval(this.d.approvals(), actor, approval, what);
  }

  #effects(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.d.logger.error({ err }, 'receipt or drawer after a payment failed; the payment stands');
    }
  }
}

/** What the order has been paid: settled payments, less voids (a refund leaves it paid). */
export function paidOf(payments: readonly PaymentRow[]): number {
  return payments
    .filter((p) => SETTLED_STATES.includes(p.status))
    .reduce((sum, p) => sum + p.amountCents, 0);
}

function failureReason(result: Exclude<CollectResult, { outcome: 'approved' | 'stored-offline' }>) {
  return result.reason as PaymentFailureReason;
}

function customerOf(order: PayableOrder) {
  const c = order.customer;
  if (!c) return undefined;
  const out: { customerId?: string; phone?: string; email?: string } = {};
  if (c.customerId) out.customerId = c.customerId;
  if (c.phone) out.phone = c.phone;
  if (c.email) out.email = c.email;
  return Object.keys(out).length > 0 ? (out as never) : undefined;
}

function describeSplit(split: Split): string {
  if (split.by === 'seat') return `Seat ${split.seat}`;
  if (split.by === 'equal') return `Part ${split.part} of ${split.parts}`;
  return split.orderItemIds.length === 1 ? 'That item' : 'One of those items';
}

function centsText(amount: number): string {
  return `${(amount / 100).toFixed(2)}`;
}

function invalid(errors: FieldError[]): AppError {
  const fields = [...new Set(errors.map((e) => e.field))].join(', ');
  return new AppError('validation', `Invalid ${fields}`, { errors });
}

function fingerprintOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}
