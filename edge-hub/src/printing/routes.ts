import { randomUUID } from 'node:crypto';
import { OrderId } from '@pos/contracts';
import { buildKitchenTicket, buildReceipt, PrintingConfig, type PrintJob } from '@pos/hardware';
import { AppError, handle } from '@pos/kit';
import { z } from 'zod';
import { type SecureRouter, staffOf } from '../staff/access.js';
import type { Printing } from './module.js';
import { type OrderCopy, receiptData } from './tickets.js';

const PrinterParams = z.object({ id: z.string().min(1).max(32) });
const JobParams = z.object({ id: z.coerce.number().int().positive() });
const OrderParams = z.object({ id: OrderId });
const JobsQuery = z.object({ printerId: z.string().min(1).max(32).optional() }).strict();
const PrintTo = z.object({ printerId: z.string().min(1).max(32).optional() }).strict();
const DrawerBody = z.object({ reason: z.string().trim().min(1).max(200) }).strict();

function jobView(job: PrintJob) {
  return {
    id: job.id,
    printerId: job.printerId,
    kind: job.kind,
    reference: job.reference,
    status: job.status,
    attempts: job.attempts,
    lastError: job.lastError,
    createdAt: new Date(job.createdAt).toISOString(),
    printedAt: job.printedAt === null ? null : new Date(job.printedAt).toISOString(),
    printedOn: job.printedOn,
  };
}

/** Printers, print jobs, reprints, the cash drawer and the printing setup. */
export function printingRoutes(router: SecureRouter, p: Printing): SecureRouter {
  const printer = (id: string) => {
    const settings = p.config.printers.find((x) => x.id === id);
    if (!settings) throw new AppError('not-found', `Printer ${id} was not found`);
    return settings;
  };
  const copyOf = (orderId: string) => {
    const copy = p.rows.orderCopy<OrderCopy>(orderId);
    if (!copy) throw new AppError('not-found', `Order ${orderId} has not reached the printers`);
    return copy;
  };

  router.get(
    '/api/v1/printers',
    ['cashier', 'cook'],
    handle({}, () => ({
      printers: p.config.printers.map((settings) => ({
        id: settings.id,
        name: settings.name,
        connection: settings.connection,
        drawer: settings.drawer,
        receipt: p.config.receiptPrinterId === settings.id,
        ...p.queue.state(settings.id),
      })),
    })),
  );
  router.post(
    '/api/v1/printers/:id/test',
    ['cashier'],
    handle({ params: PrinterParams }, ({ params }, req, res) => {
      const settings = printer(params.id);
      const layout = p.layout(settings.id);
      if (!layout) throw new AppError('not-found', `Printer ${params.id} was not found`);
      const bytes = buildKitchenTicket(
        {
          kind: 'new',
          orderNumber: 'TEST',
          type: 'test',
          station: settings.name,
          server: staffOf(req).name,
          printedAt: new Date(p.ctx.clock()).toISOString(),
          items: [
            {
              quantity: 1,
              name: 'Test print: café, crème brûlée, jalapeño, €',
              modifiers: [],
              allergies: ['nuts'],
            },
          ],
        },
        layout,
      );
      res.status(202);
      return jobView(
        p.queue.enqueue({
          jobKey: `test:${randomUUID()}`,
          printerId: settings.id,
          kind: 'test',
          bytes,
        }),
      );
    }),
  );
  router.get(
    '/api/v1/print-jobs',
    ['cashier'],
    handle({ query: JobsQuery }, ({ query }) => ({
      jobs: p.queue.store.queued(query.printerId).map(jobView),
    })),
  );
  router.post(
    '/api/v1/print-jobs/:id/reprint',
    ['cashier'],
    handle({ params: JobParams, body: PrintTo }, ({ params, body }, _req, res) => {
      if (body.printerId) printer(body.printerId);
      const job = p.queue.reprint(params.id, body.printerId);
      if (!job) throw new AppError('not-found', `Print job ${params.id} was not found`);
      res.status(202);
      return jobView(job);
    }),
  );
  router.post(
    '/api/v1/print-jobs/:id/cancel',
    ['manager'],
    handle({ params: JobParams }, ({ params }) => {
      if (!p.queue.store.get(params.id))
        throw new AppError('not-found', `Print job ${params.id} was not found`);
      if (!p.queue.cancel(params.id))
        throw new AppError('conflict', 'Only a job still waiting can be cancelled');
      return jobView(p.queue.store.get(params.id) as PrintJob);
    }),
  );
  router.post(
    '/api/v1/orders/:id/receipt',
    ['cashier'],
    handle({ params: OrderParams, body: PrintTo }, ({ params, body }, req, res) => {
      const copy = copyOf(params.id);
      const printerId = body.printerId ?? p.config.receiptPrinterId;
      if (!printerId) throw new AppError('conflict', 'No receipt printer is set up');
      const layout = p.layout(printer(printerId).id);
      if (!layout) throw new AppError('not-found', `Printer ${printerId} was not found`);
      const data = receiptData(
        p.config,
        copy,
        new Date(p.ctx.clock()).toISOString(),
        staffOf(req).name,
        () => 'Tax',
      );
      res.status(202);
      return jobView(
        p.queue.enqueue({
          jobKey: `receipt:${params.id}:${randomUUID()}`,
          printerId,
          kind: 'receipt',
          reference: params.id,
          bytes: buildReceipt(data, layout),
        }),
      );
    }),
  );
  router.post(
    '/api/v1/orders/:id/tickets',
    ['cashier'],
    handle({ params: OrderParams }, ({ params }, _req, res) => {
      const copy = copyOf(params.id);
      const tickets = p.store.transaction(() =>
        p.enqueueTickets(copy, copy.items, 'new', `reprint:${params.id}:${randomUUID()}`),
      );
      res.status(202);
      return { tickets };
    }),
  );
  router.post(
    '/api/v1/drawer/open',
    ['manager'],
    handle({ body: DrawerBody }, ({ body }, req, res) => {
      const job = p.kickDrawer(body.reason, staffOf(req).userId);
      if (!job) throw new AppError('conflict', 'No printer has a cash drawer');
      res.status(202);
      return jobView(job);
    }),
  );
  router.get(
    '/api/v1/drawer/log',
    ['manager'],
    handle({}, () => ({
      openings: p.rows.drawerLog(100).map((o) => ({ ...o, at: new Date(o.at).toISOString() })),
    })),
  );
  router.get(
    '/api/v1/printing/config',
    ['manager'],
    handle({}, () => p.config),
  );
  router.put(
    '/api/v1/printing/config',
    ['manager'],
    handle({ body: PrintingConfig }, async ({ body }, req) => {
      await p.reconfigure(body, staffOf(req).userId);
      return p.config;
    }),
  );
  return router;
}
