import { OrderId } from '@pos/contracts';
import { AppError, handle } from '@pos/kit';
import { z } from 'zod';
import type { SecureRouter } from '../staff/access.js';
import { EXPO, type KdsService } from './kds-service.js';
import type { KdsRealtime } from './realtime.js';

const OrderParams = z.object({ id: OrderId });
const IdParams = z.object({ id: z.string().uuid({ message: 'not a kitchen ticket or item id' }) });
const StationParams = z.object({ id: z.string().min(1).max(32) });
const StatusBody = z
  .object({
    status: z.enum(['PREPARING', 'READY'], {
      message: 'the kitchen sets PREPARING or READY',
    }),
  })
  .strict();
const FireBody = z.object({ course: z.number().int().min(1).max(9) }).strict();
const RushBody = z.object({ rush: z.boolean() }).strict();
const MetricsQuery = z
  .object({
    hours: z.coerce
      .number()
      .positive()
      .max(24 * 31)
      .optional(),
  })
  .strict();
const Empty = z.object({}).strict().optional();

/** Seed §1.7 endpoints plus bump, recall, fire, rush, acknowledge and serve. */
export function kdsRoutes(
  router: SecureRouter,
  kds: KdsService,
  live: () => KdsRealtime | undefined,
  clock: () => number,
): SecureRouter {
  const changed = (orderId: string) => {
    live()?.publish([orderId]);
    return { orderId, version: live()?.version ?? 0 };
  };
  const station = (id: string) => {
    if (id !== EXPO && !kds.stationKnown(id)) {
      throw new AppError('not-found', `Station ${id} is not on the menu`);
    }
    return id;
  };

  router.get(
    '/api/v1/kds/stations',
    ['cook', 'cashier'],
    handle({}, () => ({
      stations: [...kds.stations(), { id: EXPO, name: 'Expo' }].map((s) => ({
        ...s,
        thresholds: kds.thresholds(s.id),
      })),
    })),
  );
  router.get(
    '/api/v1/kds/stations/:id/tickets',
    ['cook', 'cashier'],
    handle({ params: StationParams }, ({ params }) => ({
      ...kds.stationState(station(params.id)),
      version: live()?.version ?? 0,
      serverTime: clock(),
    })),
  );
  router.post(
    '/api/v1/kds/items/:id/bump',
    ['cook'],
    handle({ params: IdParams, body: Empty }, ({ params }) => changed(kds.bumpItem(params.id))),
  );
  router.post(
    '/api/v1/kds/tickets/:id/bump',
    ['cook'],
    handle({ params: IdParams, body: Empty }, ({ params }) => changed(kds.bumpTicket(params.id))),
  );
  router.post(
    '/api/v1/kds/tickets/:id/recall',
    ['cook'],
    handle({ params: IdParams, body: Empty }, ({ params }) => changed(kds.recall(params.id))),
  );
  router.post(
    '/api/v1/kds/stations/:id/recall',
    ['cook'],
    handle({ params: StationParams, body: Empty }, ({ params }) => {
      const { orderId, ticketId } = kds.recallLast(station(params.id));
      return { ...changed(orderId), ticketId };
    }),
  );
  router.post(
    '/api/v1/kds/orders/:id/status',
    ['cook'],
    handle({ params: OrderParams, body: StatusBody }, ({ params, body }) =>
      changed(kds.setStatus(params.id, body.status)),
    ),
  );
  router.post(
    '/api/v1/kds/orders/:id/fire',
    ['cook', 'cashier'],
    handle({ params: OrderParams, body: FireBody }, ({ params, body }) =>
      changed(kds.fire(params.id, body.course)),
    ),
  );
  router.post(
    '/api/v1/kds/orders/:id/rush',
    ['cook', 'cashier'],
    handle({ params: OrderParams, body: RushBody }, ({ params, body }) =>
      changed(kds.rush(params.id, body.rush)),
    ),
  );
  router.post(
    '/api/v1/kds/orders/:id/acknowledge',
    ['cook'],
    handle({ params: OrderParams, body: Empty }, ({ params }) =>
      changed(kds.acknowledge(params.id)),
    ),
  );
  router.post(
    '/api/v1/kds/orders/:id/serve',
    ['cook'],
    handle({ params: OrderParams, body: Empty }, ({ params }) => changed(kds.serve(params.id))),
  );
  router.get(
    '/api/v1/kds/metrics',
    ['manager', 'cook'],
    handle({ query: MetricsQuery }, ({ query }) =>
      kds.metrics(clock() - (query.hours ?? 12) * 3_600_000),
    ),
  );
  return router;
}
