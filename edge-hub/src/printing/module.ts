import { randomUUID } from 'node:crypto';
import type { Cents, OrderCreatedV1, OrderModifiedV1 } from '@pos/contracts';
import {
  buildKitchenTicket,
  buildReceipt,
  demoPrintingConfig,
  drawerKickBytes,
  type LayoutOptions,
  type PrinterConfig,
  type PrinterSettings,
  PrintingConfig,
  type PrintJob,
  PrintQueue,
  PrintStore,
  parseStatusReply,
  printQueueSchema,
  type ReceiptTender,
  SerialTransport,
  statusRequestBytes,
  TcpTransport,
} from '@pos/hardware';
import type { HubContext, HubModule } from '../hub.js';
import { ServiceStore } from '../service-store.js';
import { PrintingStore, printingSchema } from './printing-store.js';
import { printingRoutes } from './routes.js';
import {
  applyModification,
  copyFromCreated,
  kitchenTickets,
  type OrderCopy,
  receiptData,
} from './tickets.js';

const CONSUMER = 'printing';
const EVENTS = ['order.created.v1', 'order.modified.v1'] as const;

export interface PrintingModuleOptions {
  /** The store's printers when none are saved yet (default: the demo printers from env). */
  initialConfig?: () => PrintingConfig;
  /** Display names of kitchen stations (from the menu in force). */
  stationName?: (stationId: string) => string;
}

export interface PrintingModule extends HubModule {
  printing(): Printing;
}

/** The running printing service: queue, configuration and layouts. */
/** A guest receipt to print (see `Printing.printReceipt`). */
export interface ReceiptRequest {
  orderId: string;
  jobKey: string;
  cashier: string;
  tenders: ReceiptTender[];
  tipCents?: number;
  tipLine?: boolean;
  openDrawer?: { reason: string; by: string };
  printerId?: string;
  /** When the order has not reached the printers yet, print it once it does. */
  whenOrderArrives?: boolean;
}

/** How long a payment's receipt waits for its order to reach the printers. */
const RECEIPT_WAIT_MS = 60_000;

export class Printing {
  queue: PrintQueue;
  readonly #waitingForOrder = new Map<
    string,
    { request: ReceiptRequest; timer: NodeJS.Timeout }[]
  >();

  constructor(
    readonly ctx: HubContext,
    readonly store: ServiceStore,
    readonly rows: PrintingStore,
    public config: PrintingConfig,
    readonly stationName: (id: string) => string,
  ) {
    this.queue = this.#newQueue(config);
  }

  layout(printerId: string): LayoutOptions | undefined {
    const p = this.config.printers.find((x) => x.id === printerId);
    return p
      ? {
          commandSet: p.commandSet,
          width: p.width,
          codePage: p.codePage,
          timeZone: this.ctx.config.timeZone,
        }
      : undefined;
  }

  /** Replace the configuration; jobs already queued stay queued (and visible). */
  async reconfigure(config: PrintingConfig, by: string): Promise<void> {
    this.rows.saveConfig(JSON.stringify(config), this.ctx.clock(), by);
    await this.queue.stop();
    this.config = config;
    this.queue = this.#newQueue(config);
    this.queue.start();
  }

  /** Queue kitchen tickets for order lines (inside the caller's transaction). */
  enqueueTickets(
    copy: OrderCopy,
    lines: Parameters<typeof kitchenTickets>[2],
    kind: 'new' | 'add-on' | 'void',
    keyPrefix: string,
  ): number {
    const at = new Date(this.ctx.clock()).toISOString();
    const jobs = kitchenTickets(this.config, copy, lines, kind, at, this.stationName);
    for (const job of jobs) {
      const layout = this.layout(job.printerId);
      if (!layout) continue;
      this.queue.enqueue({
        jobKey: `${keyPrefix}:${job.printerId}:${job.stationId}:${job.course}`,
        printerId: job.printerId,
        kind: 'kitchen',
        reference: copy.orderId,
        bytes: buildKitchenTicket(job.ticket, layout),
      });
    }
    return jobs.length;
  }

  /**
   * Print the guest's receipt for an order from the printers' copy of it, with the tenders
   * taken so far; a cash sale opens the drawer with the same job. Undefined when the order has
   * not reached the printers or no receipt printer is set up (the payment stands regardless).
   */
  printReceipt(r: ReceiptRequest): PrintJob | undefined {
    const copy = this.rows.orderCopy<OrderCopy>(r.orderId);
    const printerId = r.printerId ?? this.config.receiptPrinterId;
    const settings = this.config.printers.find((x) => x.id === printerId);
    if (!copy || !settings) {
      if (r.openDrawer) this.kickDrawer(r.openDrawer.reason, r.openDrawer.by);
      if (!copy && settings && r.whenOrderArrives) this.#awaitOrder(r);
      return undefined;
    }
    const layout = this.layout(settings.id) as LayoutOptions;
    const data = receiptData(
      this.config,
      copy,
      new Date(this.ctx.clock()).toISOString(),
      r.cashier,
      () => 'Tax',
    );
    const drawer = r.openDrawer && settings.drawer ? { openDrawer: 2 as const } : {};
    if (r.openDrawer && settings.drawer) {
      this.rows.logDrawer(settings.id, r.openDrawer.reason, r.openDrawer.by, this.ctx.clock());
    } else if (r.openDrawer) {
      this.kickDrawer(r.openDrawer.reason, r.openDrawer.by);
    }
    return this.queue.enqueue({
      jobKey: r.jobKey,
      printerId: settings.id,
      kind: 'receipt',
      reference: r.orderId,
      bytes: buildReceipt(
        {
          ...data,
          tenders: r.tenders,
          ...(r.tipCents ? { tipCents: r.tipCents as Cents } : {}),
          ...(r.tipLine ? { tipLine: true } : {}),
        },
        { ...layout, ...drawer },
      ),
    });
  }

  /**
   * A payment may be taken before the order's own event has reached the printers (the two
   * travel apart on the hub's bus): its receipt is printed when the order arrives, the drawer
   * having opened at once. A receipt still waiting after `RECEIPT_WAIT_MS` is given up and
   * logged (it can be printed again from the order).
   */
  #awaitOrder(r: ReceiptRequest) {
    const { openDrawer: _opened, ...request } = r;
    const waiting = this.#waitingForOrder.get(r.orderId) ?? [];
    const timer = setTimeout(() => {
      this.#waitingForOrder.delete(r.orderId);
      this.ctx.logger.warn(
        { orderId: r.orderId },
        'receipt not printed: the order never reached the printers',
      );
    }, RECEIPT_WAIT_MS);
    timer.unref();
    waiting.push({ request, timer });
    this.#waitingForOrder.set(r.orderId, waiting);
  }

  /** The order's copy is stored: print the receipts that waited for it. */
  orderArrived(orderId: string): void {
    const waiting = this.#waitingForOrder.get(orderId);
    if (!waiting) return;
    this.#waitingForOrder.delete(orderId);
    for (const { request, timer } of waiting) {
      clearTimeout(timer);
      this.printReceipt(request);
    }
  }

  /** Kick the cash drawer open and log who and why. Undefined when no printer has a drawer. */
  kickDrawer(reason: string, by: string): PrintJob | undefined {
    const settings = this.config.printers.find((x) => x.drawer);
    if (!settings) return undefined;
    this.rows.logDrawer(settings.id, reason, by, this.ctx.clock());
    this.ctx.logger.info({ printer: settings.id, by, reason }, 'cash drawer opened');
    return this.queue.enqueue({
      jobKey: `drawer:${randomUUID()}`,
      printerId: settings.id,
      kind: 'drawer',
      bytes: drawerKickBytes({ commandSet: settings.commandSet, pin: 2 }),
    });
  }

  /** Print a document laid out for the receipt printer (X/Z reports). */
  printDocument(
    bytesOf: (layout: LayoutOptions) => Buffer,
    kind: string,
    reference: string,
  ): PrintJob | undefined {
    const printerId = this.config.receiptPrinterId;
    const layout = printerId ? this.layout(printerId) : undefined;
    if (!printerId || !layout) return undefined;
    return this.queue.enqueue({
      jobKey: `${kind}:${reference}:${randomUUID()}`,
      printerId,
      kind,
      reference,
      bytes: bytesOf(layout),
    });
  }

  #newQueue(config: PrintingConfig): PrintQueue {
    return new PrintQueue(
      new PrintStore(this.store.db),
      config.printers.map((p) => printerConfig(p)),
      { logger: this.ctx.logger.child({ part: 'print-queue' }), clock: this.ctx.clock },
    );
  }
}

/** How the queue reaches one printer; the status is read with DLE EOT on two-way (TCP) links. */
function printerConfig(p: PrinterSettings): PrinterConfig {
  const transport =
    p.connection.type === 'tcp'
      ? new TcpTransport(p.connection.host, p.connection.port)
      : new SerialTransport({ path: p.connection.path, baudRate: p.connection.baudRate });
  const request = statusRequestBytes();
  return {
    id: p.id,
    name: p.name,
    transport,
    backupPrinterId: p.backupPrinterId,
    failoverAfterMs: p.failoverAfterSeconds * 1_000,
    ...(p.connection.type === 'tcp'
      ? {
          status: {
            request,
            replyBytes: request.length / 3,
            parse: (bytes: Uint8Array) => {
              const parsed = parseStatusReply(bytes);
              return parsed.ok
                ? { ok: true as const, condition: parsed.status }
                : { ok: false as const, reason: parsed.reason };
            },
          },
        }
      : {}),
  };
}

/** Printers from the environment for the demo: the virtual printers `npm start` runs. */
export function printingConfigFromEnv(env: NodeJS.ProcessEnv = process.env): PrintingConfig {
  if (env.POS_PRINTERS) return PrintingConfig.parse(JSON.parse(env.POS_PRINTERS));
  return demoPrintingConfig(
    env.PRINTER_HOST ?? '127.0.0.1',
    Number(env.RECEIPT_PRINTER_PORT ?? 9100),
    Number(env.KITCHEN_PRINTER_PORT ?? 9101),
  );
}

export function printingModule(options: PrintingModuleOptions = {}): PrintingModule {
  let printing: Printing | undefined;
  return {
    name: 'printing',
    printing() {
      if (!printing) throw new Error('the printing module has not started');
      return printing;
    },
    subscribe(subscriptions) {
      subscriptions.add(CONSUMER, EVENTS);
    },
    async start(ctx) {
      const store = await ServiceStore.open(ctx, {
        name: 'printing',
        synchronous: 'NORMAL',
        schemas: [printQueueSchema, printingSchema],
      });
      const rows = new PrintingStore(store.db);
      const saved = rows.config();
      const config = saved
        ? PrintingConfig.parse(JSON.parse(saved))
        : (options.initialConfig ?? (() => printingConfigFromEnv()))();
      const p = new Printing(ctx, store, rows, config, options.stationName ?? ((id) => id));
      printing = p;
      await store.consume(CONSUMER, EVENTS, (event) => {
        const now = ctx.clock();
        if (event.EventType === 'order.created.v1') {
          const payload = event.Payload as OrderCreatedV1;
          const copy = copyFromCreated(payload);
          rows.saveOrderCopy(copy.orderId, copy, now);
          p.enqueueTickets(copy, payload.items, 'new', event.EventId);
          p.orderArrived(copy.orderId);
        } else if (event.EventType === 'order.modified.v1') {
          const payload = event.Payload as OrderModifiedV1;
          const before = rows.orderCopy<OrderCopy>(payload.orderId);
          if (!before) return; // modifications of an order printed before this hub kept copies
          const voided = payload.voided.flatMap((v) => {
            const line = before.items.find((i) => i.orderItemId === v.orderItemId);
            return line && v.wasSentToKitchen
              ? [{ ...line, quantity: v.quantity, void: true }]
              : [];
          });
          const after = applyModification(before, payload);
          rows.saveOrderCopy(after.orderId, after, now);
          if (payload.added.length > 0)
            p.enqueueTickets(after, payload.added, 'add-on', `${event.EventId}:add`);
          if (voided.length > 0) p.enqueueTickets(after, voided, 'void', `${event.EventId}:void`);
        }
      });
      p.queue.start();
      return {
        routes: (app) => app.use(printingRoutes(ctx.secureRouter(), p).router),
        readiness: () => store.db.prepare('SELECT 1').get(),
        async close() {
          await p.queue.stop();
          await store.close();
        },
      };
    },
  };
}
