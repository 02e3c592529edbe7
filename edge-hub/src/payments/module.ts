import { type EventType, uuidv7 } from '@pos/contracts';
import type { CardReader, ReceiptTender } from '@pos/hardware';
import { idempotency, idempotencySchema, SqliteIdempotencyStore } from '@pos/kit';
import type { HubContext, HubModule } from '../hub.js';
import { businessDate } from '../orders/business-day.js';
import { principalOf } from '../orders/module.js';
import type { OrderLedger } from '../ports.js';
import type { Printing } from '../printing/module.js';
import { ServiceStore } from '../service-store.js';
import type { Approvals } from '../staff/staff-service.js';
import { OfflineForwarder } from './offline-forwarder.js';
import { paymentPolicyFromEnv } from './payment-config.js';
import { type PaymentEffects, type PaymentPolicy, PaymentService } from './payment-service.js';
import { type PaymentRow, PaymentStore, paymentSchema, SETTLED_STATES } from './payment-store.js';
import { readersFromEnv } from './readers.js';
import { ReportService } from './reports.js';
import { paymentRoutes } from './routes.js';
import { shiftRoutes } from './shift-routes.js';
import { ShiftService } from './shifts.js';

export interface PaymentModuleOptions {
  orders: () => OrderLedger;
  approvals: () => Approvals;
  printing: () => Printing | undefined;
  staffName: (userId: string) => string;
  /** Menu category names for reports. */
  categoryName: (categoryId: string) => string;
  /** The card readers (default: from the environment, see `readersFromEnv`). */
  readers?: (ctx: HubContext) => CardReader[];
  policy?: Partial<Omit<PaymentPolicy, 'offline'>> & {
    offline?: Partial<PaymentPolicy['offline']>;
  };
  /** How often waiting offline payments are forwarded and overdue ones checked. Default 15 s. */
  forwardEveryMs?: number;
}

export interface PaymentModule extends HubModule {
  service(): PaymentService;
  forwarder(): OfflineForwarder;
  readers(): ReadonlyMap<string, CardReader>;
  /** Card payments taken offline: the caps in force, or set new ones (the store's config). */
  offlineCaps(caps?: OfflineCaps): OfflineCaps;
}

export type OfflineCaps = Pick<
  PaymentPolicy['offline'],
  'perTransactionCapCents' | 'totalCapCents'
>;

const CONSUMER = 'payments';
const ORDER_EVENTS = ['order.cancelled.v1'] as const satisfies readonly EventType[];

export function paymentModule(options: PaymentModuleOptions): PaymentModule {
  let service: PaymentService | undefined;
  let forwarder: OfflineForwarder | undefined;
  let readers: Map<string, CardReader> | undefined;
  let policy: PaymentPolicy | undefined;
  const running = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the payment module has not started');
    return value;
  };
  return {
    name: 'payments',
    service: () => running(service),
    forwarder: () => running(forwarder),
    readers: () => running(readers),
    offlineCaps(caps) {
      const { offline } = running(policy);
      // Read by every payment as it is taken, so new caps hold from the next one.
      if (caps) Object.assign(offline, caps);
      return {
        perTransactionCapCents: offline.perTransactionCapCents,
        totalCapCents: offline.totalCapCents,
      };
    },
    subscribe(subscriptions) {
      subscriptions.add(CONSUMER, ORDER_EVENTS);
    },
    async start(ctx) {
      const base = paymentPolicyFromEnv();
      const inForce: PaymentPolicy = {
        ...base,
        ...options.policy,
        offline: { ...base.offline, ...options.policy?.offline },
      };
      policy = inForce;
      const store = await ServiceStore.open(ctx, {
        name: 'payments',
        synchronous: 'FULL',
        schemas: [paymentSchema, idempotencySchema],
      });
      // Shift changes write their events to the service's outbox in the same transaction.
      const rows = new PaymentStore(store.db, (type, payload) => {
        store.emit(type, payload);
      });
      const readerList = (options.readers ?? ((c) => readersFromEnv(c)))(ctx);
      const readerMap = new Map(readerList.map((r) => [r.id, r]));
      await Promise.all(readerList.map((r) => r.connect()));
      const day = (ms: number) =>
        businessDate(ms, ctx.config.timeZone, ctx.config.businessDayStartHour);
      const svc = new PaymentService({
        store,
        rows,
        orders: options.orders,
        approvals: options.approvals,
        readers: readerMap,
        policy: inForce,
        clock: ctx.clock,
        businessDate: day,
        effects: receiptEffects(rows, options),
        logger: ctx.logger.child({ module: 'payments' }),
      });
      const fwd = new OfflineForwarder({
        store,
        rows,
        readers: readerMap,
        clock: ctx.clock,
        deadlineMs: inForce.offline.deadlineMs,
        logger: ctx.logger.child({ module: 'payments', part: 'store-and-forward' }),
      });
      const interrupted = await svc.recoverInterrupted();
      if (interrupted > 0) {
        ctx.logger.warn({ interrupted }, 'card payments interrupted by a restart were released');
      }
      await store.consume(
        CONSUMER,
        ORDER_EVENTS,
        () => {},
        (event) => {
          if (event.EventType !== 'order.cancelled.v1') return;
          svc
            .cancelInFlight(event.Payload.orderId)
            .catch((err) => ctx.logger.warn({ err }, 'could not stop a card payment in progress'));
        },
      );
      service = svc;
      forwarder = fwd;
      readers = readerMap;

      // Forward when a reader says the processor is back, and on a timer in any case.
      const unsubscribe = readerList.map((r) =>
        r.onStatus((status) => {
          if (status.state === 'idle') void fwd.forward();
        }),
      );
      let capturing = false;
      const tick = () => {
        try {
          fwd.checkOverdue();
        } catch (err) {
          ctx.logger.error({ err }, 'checking overdue offline payments failed');
        }
        if (rows.pendingOffline().length > 0) {
          fwd.forward().catch((err) => ctx.logger.error({ err }, 'forwarding payments failed'));
        }
        // Tips not added in time: capture what was authorised, so the money is not lost.
        const cutoff = ctx.clock() - inForce.captureAfterMs;
        const due = rows
          .paymentsInState('authorised')
          .some((p) => !p.offline && p.createdAt <= cutoff);
        if (due && !capturing) {
          capturing = true;
          svc
            .captureAuthorised(inForce.captureAfterMs)
            .then((outcome) =>
              ctx.logger.info(outcome, 'captured card payments left without a tip'),
            )
            .catch((err) => ctx.logger.error({ err }, 'capturing card payments failed'))
            .finally(() => {
              capturing = false;
            });
        }
      };
      tick();
      const timer = setInterval(tick, options.forwardEveryMs ?? 15_000);
      timer.unref();

      const router = ctx.secureRouter();
      const keys = new SqliteIdempotencyStore(store.db);
      keys.releaseUnfinished();
      for (const path of [
        '/api/v1/payments',
        '/api/v1/shifts',
        '/api/v1/reports',
        '/api/v1/card-readers',
      ]) {
        router.router.use(
          path,
          idempotency({
            store: keys,
            required: true,
            principal: (req) => principalOf(req.get('authorization')),
          }),
        );
      }
      paymentRoutes(router, svc, fwd, readerMap);
      const shifts = new ShiftService({
        rows,
        transaction: (fn) => store.transaction(fn),
        clock: ctx.clock,
        businessDate: day,
      });
      const reports = new ReportService({
        rows,
        transaction: (fn) => store.transaction(fn),
        clock: ctx.clock,
        sales: (date) => options.orders().daySales(date),
        staffName: options.staffName,
        categoryName: options.categoryName,
        storeName: () => options.printing()?.config.store.name ?? 'Store',
        currency: () => 'USD',
        businessDate: day,
      });
      shiftRoutes(router, {
        shifts,
        reports,
        print: (bytesOf, reference) =>
          options.printing()?.printDocument(bytesOf, 'report', reference),
        kickDrawer: (reason, by) => {
          try {
            options.printing()?.kickDrawer(reason, by);
          } catch (err) {
            ctx.logger.error({ err }, 'could not open the cash drawer');
          }
        },
        approvals: options.approvals(),
      });
      return {
        routes: (app) => app.use(router.router),
        readiness: () => store.db.prepare('SELECT 1').get(),
        async close() {
          clearInterval(timer);
          for (const off of unsubscribe) off();
          service = undefined;
          forwarder = undefined;
          await Promise.all(readerList.map((r) => r.close()));
          await store.close();
        },
      };
    },
  };
}

/** After a payment: the receipt (with the drawer kicked for cash); after a cash refund, the drawer. */
function receiptEffects(rows: PaymentStore, options: PaymentModuleOptions): PaymentEffects {
  return {
    paid(payment, order, { printReceipt }) {
      const printing = options.printing();
      if (!printing) return;
      const cashier = options.staffName(payment.takenBy);
      const openDrawer =
        payment.tender === 'cash'
          ? { reason: `cash sale #${order.number}`, by: payment.takenBy }
          : undefined;
      if (!printReceipt) {
        if (openDrawer) printing.kickDrawer(openDrawer.reason, openDrawer.by);
        return;
      }
      const tenders = rows
        .paymentsOfOrder(payment.orderId)
        .filter((p) => SETTLED_STATES.includes(p.status))
        .map(tenderOf);
      const tips = rows
        .paymentsOfOrder(payment.orderId)
        .filter((p) => SETTLED_STATES.includes(p.status))
        .reduce((sum, p) => sum + p.tipCents, 0);
      printing.printReceipt({
        orderId: payment.orderId,
        jobKey: `receipt:${payment.id}`,
        cashier,
        tenders,
        tipCents: tips,
        tipLine: payment.tender === 'card' && payment.status === 'authorised' && !payment.offline,
        ...(openDrawer ? { openDrawer } : {}),
        whenOrderArrives: true,
      });
    },
    reprint(order, by) {
      const printing = options.printing();
      if (!printing) return false;
      const settled = rows
        .paymentsOfOrder(order.id)
        .filter((p) => SETTLED_STATES.includes(p.status));
      const job = printing.printReceipt({
        orderId: order.id,
        jobKey: `reprint:${order.id}:${uuidv7()}`,
        cashier: options.staffName(by),
        tenders: settled.map(tenderOf),
        tipCents: settled.reduce((sum, p) => sum + p.tipCents, 0),
      });
      return job !== undefined;
    },
    refunded(refund) {
      if (refund.tender !== 'cash') return;
      options.printing()?.kickDrawer(`cash ${refund.kind}: ${refund.reason}`, refund.requestedBy);
    },
  };
}

function tenderOf(p: PaymentRow): ReceiptTender {
  if (p.tender === 'cash') {
    return {
      kind: 'cash',
      amountCents: (p.amountCents + p.roundingCents) as never,
      ...(p.tenderedCents !== null ? { tenderedCents: p.tenderedCents as never } : {}),
      ...(p.changeCents !== null ? { changeCents: p.changeCents as never } : {}),
    };
  }
  return {
    kind: 'card',
    amountCents: p.amountCents as never,
    ...(p.cardBrand && p.cardLast4 ? { card: { brand: p.cardBrand, last4: p.cardLast4 } } : {}),
  };
}
