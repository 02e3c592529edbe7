import { handle } from '@pos/kit';
import type { SecureRouter } from '../staff/access.js';
import { staffOf } from '../staff/access.js';
import { attemptSource } from '../staff/module.js';
import {
  CancelInput,
  CreateOrderInput,
  ModifyOrderInput,
  OrderParams,
  SearchQuery,
  StatusInput,
} from './order-input.js';
import type { OrderService } from './order-service.js';
import type { OrderStore } from './order-store.js';
import { floorView, orderView, searchOrders } from './order-view.js';

/** Seed §1.5 endpoints plus status, tables. */
export function orderRoutes(router: SecureRouter, service: OrderService, store: OrderStore) {
  const actor = (req: Parameters<typeof staffOf>[0] & { ip?: string | undefined }) => ({
    staff: staffOf(req),
    source: attemptSource(req),
  });

  router.post(
    '/api/v1/orders',
    ['cashier'],
    handle({ body: CreateOrderInput }, async ({ body }, req, res) => {
      const { order, created } = await service.create(body, actor(req));
      res.status(created ? 201 : 200).location(`/api/v1/orders/${order.id}`);
      return orderView(order);
    }),
  );
  router.get(
    '/api/v1/orders',
    ['cashier', 'cook'],
    handle({ query: SearchQuery }, ({ query }) => searchOrders(store.db, query)),
  );
  router.get(
    '/api/v1/orders/:id',
    ['cashier', 'cook'],
    handle({ params: OrderParams }, ({ params }) => orderView(service.get(params.id), store)),
  );
  router.put(
    '/api/v1/orders/:id',
    ['cashier'],
    handle({ params: OrderParams, body: ModifyOrderInput }, async ({ params, body }, req) =>
      orderView(await service.modify(params.id, body, actor(req))),
    ),
  );
  router.delete(
    '/api/v1/orders/:id',
    ['manager'],
    handle({ params: OrderParams }, async ({ params }, req, res) => {
      await service.cancel(params.id, 'Removed by a manager', actor(req));
      res.status(204);
    }),
  );
  router.post(
    '/api/v1/orders/:id/cancel',
    ['cashier'],
    handle({ params: OrderParams, body: CancelInput }, async ({ params, body }, req) =>
      orderView(await service.cancel(params.id, body.reason, actor(req), body.approval)),
    ),
  );
  router.post(
    '/api/v1/orders/:id/status',
    ['cashier', 'cook'],
    handle({ params: OrderParams, body: StatusInput }, async ({ params, body }, req) =>
      orderView(await service.setStatus(params.id, body.status, actor(req))),
    ),
  );
  router.get(
    '/api/v1/tables',
    ['cashier'],
    handle({}, () => ({ tables: floorView(store) })),
  );
}
