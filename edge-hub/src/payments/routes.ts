import { type CardReader, SimulatedReader } from '@pos/hardware';
import { AppError, handle } from '@pos/kit';
import { type SecureRouter, staffOf } from '../staff/access.js';
import { attemptSource } from '../staff/module.js';
import type { OfflineForwarder } from './offline-forwarder.js';
import {
  OrderQuery,
  PaymentInput,
  PaymentParams,
  ReaderParams,
  ReceiptInput,
  RefundInput,
  SimulateInput,
  TipInput,
  VoidInput,
} from './payment-input.js';
import type { PaymentService } from './payment-service.js';
import type { PaymentRow, PaymentStore, RefundRow } from './payment-store.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function refundView(r: RefundRow) {
  return {
    kind: r.kind,
    id: r.id,
    paymentId: r.paymentId,
    orderId: r.orderId,
    tender: r.tender,
    amountCents: r.amountCents,
    currency: r.currency,
    reason: r.reason,
    requestedBy: r.requestedBy,
    approvedBy: r.approvedBy,
    createdAt: iso(r.createdAt),
  };
}

export function paymentView(p: PaymentRow, rows: PaymentStore) {
  const offline = p.offline ? rows.offline(p.id) : undefined;
  return {
    kind: 'payment' as const,
    id: p.id,
    orderId: p.orderId,
    businessDate: p.businessDate,
    tender: p.tender,
    status: p.status,
    amountCents: p.amountCents,
    tipCents: p.tipCents,
    currency: p.currency,
    ...(p.tender === 'cash'
      ? {
          tenderedCents: p.tenderedCents,
          changeCents: p.changeCents,
          roundingCents: p.roundingCents,
        }
      : {}),
    split: p.split,
    card:
      p.cardBrand && p.cardLast4
        ? { brand: p.cardBrand, last4: p.cardLast4, entryMode: p.cardEntryMode, offline: p.offline }
        : null,
    ...(offline
      ? {
          offline: {
            status: offline.status,
            storedAt: iso(offline.storedAt),
            forwardedAt: iso(offline.forwardedAt),
            declineReason: offline.declineReason,
          },
        }
      : {}),
    // Paid in the cloud: the processor's reference (a PaymentIntent id) for staff to quote.
    ...(p.tender === 'online' ? { intentId: p.processorRef } : {}),
    authCode: p.authCode,
    refundedCents: p.refundedCents,
    refunds: rows.refundsOfPayment(p.id).map(refundView),
    failure: p.failureReason ? { reason: p.failureReason, message: p.failureMessage } : null,
    overrideBy: p.overrideBy,
    takenBy: p.takenBy,
    createdAt: iso(p.createdAt),
    completedAt: iso(p.completedAt),
  };
}

function readerView(reader: CardReader, pendingOffline: number) {
  return {
    id: reader.id,
    kind: reader.kind,
    capabilities: reader.capabilities,
    status: {
      ...reader.status(),
      lastSeenAt: iso(reader.status().lastSeenAt),
    },
    pendingOffline,
    simulated: reader instanceof SimulatedReader,
  };
}

/** Seed §1.6 endpoints plus tips, voids, the offline queue and card reader status. */
export function paymentRoutes(
  router: SecureRouter,
  service: PaymentService,
  forwarder: OfflineForwarder,
  readers: ReadonlyMap<string, CardReader>,
): SecureRouter {
  const rows = service.rows;
  const actor = (req: Parameters<typeof staffOf>[0] & { ip?: string | undefined }) => ({
    staff: staffOf(req),
    source: attemptSource(req),
  });

  router.post(
    '/api/v1/payments/process',
    ['cashier'],
    handle({ body: PaymentInput }, async ({ body }, req, res) => {
      const { payment, created } = await service.process(body, actor(req));
      res.status(created ? 201 : 200).location(`/api/v1/payments/${payment.id}`);
      return paymentView(payment, rows);
    }),
  );
  router.get(
    '/api/v1/payments/methods',
    ['cashier'],
    handle({}, () => {
      const pending = rows.pendingOffline();
      const shift = rows.openShift();
      return {
        methods: [
          {
            tender: 'cash',
            available: shift !== undefined,
            ...(shift ? {} : { unavailableReason: 'Open a shift to take cash' }),
            roundingCents: service.policy.cashRoundingCents,
          },
          {
            tender: 'card',
            available: [...readers.values()].some(
              (r) => !['disconnected', 'error'].includes(r.status().state),
            ),
            readers: [...readers.values()].map((r) =>
              readerView(r, pending.filter((p) => p.readerId === r.id).length),
            ),
            offline: {
              perTransactionCapCents: service.policy.offline.perTransactionCapCents,
              totalCapCents: service.policy.offline.totalCapCents,
              outstandingCents: rows.outstandingOfflineCents(),
            },
          },
        ],
      };
    }),
  );
  router.get(
    '/api/v1/payments',
    ['cashier'],
    handle({ query: OrderQuery }, ({ query }) => {
      const balance = service.balance(query.orderId);
      return {
        orderId: query.orderId,
        currency: balance.order.currency,
        totalCents: balance.order.totalCents,
        paidCents: balance.paidCents,
        balanceCents: balance.balanceCents,
        seats: balance.seats,
        payments: balance.payments.map((p) => paymentView(p, rows)),
      };
    }),
  );
  router.get(
    '/api/v1/payments/offline',
    ['manager'],
    handle({}, () => ({
      outstandingCents: rows.outstandingOfflineCents(),
      perTransactionCapCents: service.policy.offline.perTransactionCapCents,
      totalCapCents: service.policy.offline.totalCapCents,
      alerts: forwarder.alerts(),
      payments: rows.offlineRows(200).map((o) => {
        const p = rows.payment(o.paymentId);
        return {
          paymentId: o.paymentId,
          orderId: p?.orderId,
          amountCents: p?.amountCents,
          tipCents: p?.tipCents,
          card: p?.cardBrand ? { brand: p.cardBrand, last4: p.cardLast4 } : null,
          status: o.status,
          storedAt: iso(o.storedAt),
          forwardedAt: iso(o.forwardedAt),
          attempts: o.attempts,
          declineReason: o.declineReason,
          acknowledgedBy: o.acknowledgedBy,
        };
      }),
    })),
  );
  router.post(
    '/api/v1/payments/offline/forward',
    ['manager'],
    handle({}, async () => forwarder.forward()),
  );
  router.post(
    '/api/v1/payments/offline/:id/acknowledge',
    ['manager'],
    handle({ params: PaymentParams }, ({ params }, req) => {
      forwarder.acknowledge(params.id, staffOf(req).userId);
      return paymentView(service.get(params.id), rows);
    }),
  );
  router.post(
    '/api/v1/payments/capture',
    ['manager'],
    handle({}, async () => service.captureAuthorised()),
  );
  router.get(
    '/api/v1/payments/:id',
    ['cashier'],
    handle({ params: PaymentParams }, ({ params }) => {
      const payment = rows.payment(params.id);
      if (payment) return paymentView(payment, rows);
      const refund = rows.refund(params.id);
      if (refund) return refundView(refund);
      throw new AppError('not-found', `Transaction ${params.id} was not found`);
    }),
  );
  router.post(
    '/api/v1/payments/:id/refund',
    ['cashier'],
    handle({ params: PaymentParams, body: RefundInput }, async ({ params, body }, req, res) => {
      const refund = await service.refund(params.id, body, actor(req));
      res.status(201).location(`/api/v1/payments/${refund.id}`);
      return refundView(refund);
    }),
  );
  router.post(
    '/api/v1/payments/:id/void',
    ['cashier'],
    handle({ params: PaymentParams, body: VoidInput }, async ({ params, body }, req, res) => {
      const refund = await service.void(params.id, body, actor(req));
      res.status(201).location(`/api/v1/payments/${refund.id}`);
      return refundView(refund);
    }),
  );
  router.post(
    '/api/v1/payments/:id/tip',
    ['cashier'],
    handle({ params: PaymentParams, body: TipInput }, async ({ params, body }, req) =>
      paymentView(await service.adjustTip(params.id, body, actor(req)), rows),
    ),
  );

  router.post(
    '/api/v1/payments/receipts',
    ['cashier'],
    handle({ body: ReceiptInput }, async ({ body }, req, res) => {
      if (body.email) await service.emailReceipt(body.orderId, body.email, actor(req));
      else service.reprintReceipt(body.orderId, actor(req));
      res.status(202);
      return { orderId: body.orderId, queued: body.email ? 'email' : 'printer' };
    }),
  );
  router.get(
    '/api/v1/card-readers',
    ['cashier'],
    handle({}, () => {
      const pending = rows.pendingOffline();
      return {
        readers: [...readers.values()].map((r) =>
          readerView(r, pending.filter((p) => p.readerId === r.id).length),
        ),
      };
    }),
  );
  router.post(
    '/api/v1/card-readers/:id/simulate',
    ['cashier'],
    handle({ params: ReaderParams, body: SimulateInput }, async ({ params, body }) => {
      const reader = readers.get(params.id);
      if (!reader) throw new AppError('not-found', `Card reader ${params.id} was not found`);
      if (!(reader instanceof SimulatedReader)) {
        throw new AppError('conflict', 'Only a simulated reader takes test cards');
      }
      if (body.card !== undefined) {
        try {
          reader.presentCard(body.card, body.entryMode);
        } catch {
          // The number is never echoed: it might be a real card typed by mistake.
          throw new AppError('validation', 'Not a test card', {
            errors: [{ field: 'card', message: 'not one of the simulator test cards' }],
          });
        }
      }
      if (body.processorReachable !== undefined) {
        reader.setProcessorReachable(body.processorReachable);
        if (body.processorReachable) void forwarder.forward();
      }
      return readerView(reader, rows.pendingOffline().length);
    }),
  );
  return router;
}
