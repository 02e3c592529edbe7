import { type CardReader, isStoreAndForwardReader } from '@pos/hardware';
import { AppError, type Logger } from '@pos/kit';
import type { ServiceStore } from '../service-store.js';
import type { OfflineRow, PaymentStore } from './payment-store.js';

export interface ForwardOutcome {
  approved: number;
  declined: number;
  invalid: number;
  /** Left waiting: the processor is still unreachable, or the reader is missing. */
  waiting: number;
}

export interface OfflineAlert {
  kind: 'declined-after-forward' | 'unreadable' | 'overdue';
  paymentId: string;
  orderId: string;
  amountCents: number;
  tipCents: number;
  currency: string;
  storedAt: string;
  message: string;
}

/**
 * Store-and-forward: card payments taken while the processor was unreachable are sent to it,
 * oldest first, once it is back. A decline after the guest has left is the merchant's loss, as
 * on every offline POS: the payment is flagged for a manager with its order and amount. One
 * pass at a time; a pass stops at the first sign the processor is still down.
 */
export class OfflineForwarder {
  #running: Promise<ForwardOutcome> | undefined;

  constructor(
    private readonly d: {
      store: ServiceStore;
      rows: PaymentStore;
      readers: ReadonlyMap<string, CardReader>;
      clock: () => number;
      deadlineMs: number;
      logger: Logger;
    },
  ) {}

  /** Forward what is waiting; joins a pass already running. */
  forward(): Promise<ForwardOutcome> {
    this.#running ??= this.#pass()
      .catch((err): ForwardOutcome => {
        // A pass that broke off leaves the rest pending for the next one.
        this.d.logger.error({ err }, 'forwarding offline payments stopped');
        return {
          approved: 0,
          declined: 0,
          invalid: 0,
          waiting: this.d.rows.pendingOffline().length,
        };
      })
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }

  /** Pending payments past the deadline are logged once each; all alerts are listed. */
  alerts(): OfflineAlert[] {
    const now = this.d.clock();
    const alerts: OfflineAlert[] = [];
    for (const row of this.d.rows.offlineRows(500)) {
      const payment = this.d.rows.payment(row.paymentId);
      if (!payment || row.acknowledgedAt !== null) continue;
      const base = {
        paymentId: row.paymentId,
        orderId: payment.orderId,
        amountCents: payment.amountCents,
        tipCents: payment.tipCents,
        currency: payment.currency,
        storedAt: new Date(row.storedAt).toISOString(),
      };
      if (row.status === 'declined') {
        alerts.push({
          ...base,
          kind: 'declined-after-forward',
          message: `Declined when forwarded (${row.declineReason ?? 'declined'}); the guest was not charged`,
        });
      } else if (row.status === 'invalid') {
        alerts.push({
          ...base,
          kind: 'unreadable',
          message: 'The processor could not read this stored payment; it was not charged',
        });
      } else if (row.status === 'pending' && now - row.storedAt > this.d.deadlineMs) {
        alerts.push({
          ...base,
          kind: 'overdue',
          message: 'Taken offline and still not forwarded; the card may no longer be charged',
        });
      }
    }
    return alerts;
  }

  /** A manager has seen a flagged payment (declined, unreadable or overdue): it leaves the list. */
  acknowledge(paymentId: string, by: string): void {
    const row = this.d.rows.offline(paymentId);
    if (!row) throw new AppError('not-found', `No offline payment ${paymentId}`);
    const overdue = row.status === 'pending' && this.d.clock() - row.storedAt > this.d.deadlineMs;
    if (row.status !== 'declined' && row.status !== 'invalid' && !overdue) {
      throw new AppError('conflict', 'Only a flagged offline payment is acknowledged');
    }
    this.d.store.transaction(() => this.d.rows.acknowledgeOffline(paymentId, by, this.d.clock()));
  }

  /** Log each newly overdue payment once (the alert stays listed until acknowledged). */
  checkOverdue(): number {
    const now = this.d.clock();
    let fresh = 0;
    for (const row of this.d.rows.pendingOffline()) {
      if (now - row.storedAt <= this.d.deadlineMs || row.overdueAlertedAt !== null) continue;
      const payment = this.d.rows.payment(row.paymentId);
      this.d.logger.error(
        {
          paymentId: row.paymentId,
          orderId: payment?.orderId,
          amountCents: payment?.amountCents,
          storedAt: new Date(row.storedAt).toISOString(),
        },
        'offline card payment not forwarded before the deadline',
      );
      this.d.store.transaction(() => this.d.rows.markOverdueAlerted(row.paymentId, now));
      fresh += 1;
    }
    return fresh;
  }

  async #pass(): Promise<ForwardOutcome> {
    const outcome: ForwardOutcome = { approved: 0, declined: 0, invalid: 0, waiting: 0 };
    const pending = this.d.rows.pendingOffline();
    for (let i = 0; i < pending.length; i++) {
      const row = pending[i] as OfflineRow;
      const reader = this.d.readers.get(row.readerId);
      if (!reader || !isStoreAndForwardReader(reader)) {
        outcome.waiting += 1;
        continue;
      }
      let result: Awaited<ReturnType<typeof reader.forward>>;
      try {
        result = await reader.forward(row.blob);
      } catch (err) {
        this.d.logger.error({ err, paymentId: row.paymentId }, 'forwarding a payment failed');
        outcome.waiting += pending.length - i;
        return outcome;
      }
      const now = this.d.clock();
      if (result.outcome === 'failed' && result.reason !== 'invalid-blob') {
        await this.d.store.commitSoon(() =>
          this.d.rows.noteForwardAttempt(row.paymentId, result.message),
        );
        outcome.waiting += pending.length - i;
        return outcome;
      }
      if (result.outcome === 'approved') {
        let captured = result.captured;
        if (!captured && reader.capture) {
          const capture = await reader.capture({
            paymentId: row.paymentId,
            processorRef: result.processorRef,
          });
          captured = capture.outcome === 'captured';
        }
        await this.d.store.commitSoon(() => {
          const payment = this.d.rows.payment(row.paymentId);
          this.d.rows.setOfflineOutcome(row.paymentId, 'approved', now);
          if (payment) {
            payment.processorRef = result.processorRef;
            payment.authCode = result.authCode ?? null;
            if (payment.status === 'authorised' && captured) payment.status = 'captured';
            payment.updatedAt = now;
            this.d.rows.updatePayment(payment);
          }
        });
        outcome.approved += 1;
        continue;
      }
      const declined = result.outcome === 'declined';
      await this.d.store.commitSoon(() =>
        this.d.rows.setOfflineOutcome(row.paymentId, declined ? 'declined' : 'invalid', now, {
          ...(declined ? { declineReason: result.reason } : { lastError: result.message }),
        }),
      );
      const payment = this.d.rows.payment(row.paymentId);
      this.d.logger.error(
        {
          paymentId: row.paymentId,
          orderId: payment?.orderId,
          amountCents: payment?.amountCents,
          reason: result.reason,
        },
        declined
          ? 'offline card payment declined when forwarded; flagged for the manager'
          : 'offline card payment could not be read by the processor; flagged for the manager',
      );
      if (declined) outcome.declined += 1;
      else outcome.invalid += 1;
    }
    return outcome;
  }
}
