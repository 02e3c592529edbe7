import {
  CartInput,
  DisplayName,
  Email,
  type FieldError,
  Phone,
  StoreId,
  TableId,
} from '@pos/contracts';
import { AppError, handle, idempotency, OpenApi, PROBLEM_CONTENT_TYPE, toProblem } from '@pos/kit';
import { PgIdempotencyStore, type SqlDatabase } from '@pos/kit/sql';
import type { Express, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import type { OnlineOrders, OrderView, PayOutcome } from './orders.js';
import { OnlinePaymentError } from './payments/index.js';

// The guest's endpoints (seed §10). Public at the gateway: the order's access token
// (header `Authorization: Bearer …`, never in a URL) is checked here.

const Customer = z
  .object({ name: DisplayName.max(100), phone: Phone.optional(), email: Email.optional() })
  .strict()
  .refine((c) => c.phone !== undefined || c.email !== undefined, {
    path: ['phone'],
    message: 'give a phone or an email',
  });

/** The cart (strict: a price or total sent by the browser is refused by name) and who orders. */
const CreateBody = z
  .object({
    storeId: StoreId,
    tableId: TableId.optional(),
    customer: Customer,
    /** A loyalty reward to spend on the order; the request carries the guest's own token. */
    rewardId: z
      .string()
      .regex(/^[a-z0-9-]{1,64}$/)
      .optional(),
  })
  .extend(CartInput.shape)
  .strict()
  .refine((b) => b.orderType !== 'dine-in' || b.tableId !== undefined, {
    path: ['tableId'],
    message: 'a dine-in order names its table',
  });

const PayBody = z
  .object({
    paymentMethod: z.string().trim().min(1).max(255),
    returnUrl: z
      .url({ protocol: /^https?$/ })
      .max(2_000)
      .optional(),
  })
  .strict();
const OrderParams = z.object({ orderId: z.uuid() });
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/** Every issue by the field it names; an unknown key is named itself (`items.0.priceCents`). */
function bodyErrors(error: z.ZodError): FieldError[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: [...path, key].join('.'),
        message: `${key} is not a field of an order; prices are set by the store`,
      }));
    }
    return [{ field: path.join('.'), message: issue.message }];
  });
}

function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const errors = bodyErrors(parsed.error);
  const fields = [...new Set(errors.map((e) => e.field || '(body)'))].join(', ');
  throw new AppError('validation', `Invalid ${fields}`, { errors });
}

function idempotencyKey(req: Request): string {
  const key = req.get('idempotency-key');
  if (key === undefined || !IDEMPOTENCY_KEY.test(key)) {
    throw new AppError('validation', 'This request needs a valid Idempotency-Key header', {
      errors: [{ field: 'Idempotency-Key', message: '1 to 200 printable ASCII characters' }],
    });
  }
  return key;
}

/**
 * The processor away or busy is a 503 the guest can retry. A request it refused is the guest's
 * payment method when one was sent (a PaymentMethod id Stripe does not know: 400); its other
 * faults are bugs (500, logged).
 */
async function charging<T>(work: () => Promise<T>, sentField?: string): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof OnlinePaymentError && err.code === 'invalid_request' && sentField) {
      throw new AppError('validation', 'The card processor does not accept this payment method', {
        cause: err,
        errors: [{ field: sentField, message: 'not a payment method the processor knows' }],
      });
    }
    if (
      err instanceof OnlinePaymentError &&
      (err.code === 'unreachable' || err.code === 'rate_limited' || err.code === 'in_progress')
    ) {
      throw new AppError('unavailable', 'Card payments cannot be taken just now; try again', {
        cause: err,
        headers: { 'Retry-After': '5' },
      });
    }
    throw err;
  }
}

/** The signed-in guest's own token, sent with an order that spends a reward. */
function guestToken(req: Request): string | undefined {
  return /^Bearer ([A-Za-z0-9._~+/=-]{1,8192})$/.exec(req.get('authorization') ?? '')?.[1];
}

const storeClosed = (storeId: string, why?: string) =>
  new AppError(
    'conflict',
    why === 'closed'
      ? `Store ${storeId} is closed now; it takes online orders during its opening hours`
      : `Store ${storeId} is not taking online orders just now`,
    { extra: { reason: 'store-closed', ...(why ? { storeReason: why } : {}) } },
  );

/**
 * 402 is not one of the kit's error codes (only this service takes money from a guest): the
 * problem is the handler's answer, sent as JSON under the problem+json type set here.
 */
function declined(req: Request, res: Response, message: string, view: OrderView) {
  res.status(402).type(PROBLEM_CONTENT_TYPE);
  return {
    ...toProblem(new AppError('conflict', message), req),
    type: 'urn:pos:problem:payment-declined',
    title: 'The card was declined',
    status: 402,
    reason: 'declined',
    order: view,
  };
}

export function onlineRoutes(app: Express, orders: OnlineOrders, db: SqlDatabase): void {
  const tags = ['online'];
  const docs = new OpenApi({ title: 'Online ordering service', version: '1.0.0' }).add(
    {
      method: 'post',
      path: '/api/v1/online/orders',
      summary: 'Place an order (priced by the cloud); answers its access token',
      tags,
      body: CreateBody,
      status: 201,
    },
    {
      method: 'get',
      path: '/api/v1/online/orders/:orderId',
      summary: 'The order, its status history and payment (Bearer access token)',
      tags,
    },
    {
      method: 'post',
      path: '/api/v1/online/orders/:orderId/payment',
      summary: 'Pay by card: paid, 402 declined, or a 3-D Secure challenge',
      tags,
      body: PayBody,
    },
    {
      method: 'post',
      path: '/api/v1/online/orders/:orderId/payment/complete',
      summary: 'After the 3-D Secure challenge: paid or 402 declined',
      tags,
    },
    {
      method: 'get',
      path: '/api/v1/online/orders/:orderId/events',
      summary: 'Server-Sent Events: the order view now and at every change',
      tags,
    },
  );
  app.get('/openapi.json', (_req, res) => {
    res.json(docs.document());
  });

  /** The order named in the path, opened by the Bearer token; 401 without the right one. */
  const authorize = async (orderId: string, req: Request) => {
    const match = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(req.get('authorization') ?? '');
    const challenge = { headers: { 'WWW-Authenticate': 'Bearer realm="online-order"' } };
    if (!match?.[1])
      throw new AppError('unauthenticated', 'Send the order access token', challenge);
    const access = await orders.access(orderId, match[1]);
    if (access === 'no-order') throw new AppError('not-found', `No order ${orderId}`);
    if (access === 'wrong-token') {
      throw new AppError('unauthenticated', 'This token does not open that order', challenge);
    }
  };

  const answer = (outcome: PayOutcome, req: Request, res: Response, storeId = '') => {
    if (outcome.ok) return outcome.view;
    switch (outcome.reason) {
      case 'declined':
        return declined(req, res, outcome.message, outcome.view);
      case 'store-closed':
        throw storeClosed(outcome.store?.storeId ?? storeId, outcome.store?.reason);
      case 'not-payable':
        throw new AppError('conflict', outcome.message, { extra: { reason: 'not-payable' } });
    }
  };

  app.post(
    '/api/v1/online/orders',
    handle({}, async (_input, req, res) => {
      const key = idempotencyKey(req);
      const body = parseBody(CreateBody, req.body);
      const outcome = await charging(() => orders.create(body, key, guestToken(req)));
      if (outcome.ok) {
        res.status(201).setHeader('Cache-Control', 'no-store');
        return outcome.order;
      }
      switch (outcome.reason) {
        case 'unknown-store':
          throw new AppError('not-found', `No store ${body.storeId} with a menu`, {
            errors: [{ field: 'storeId', message: 'no such store' }],
          });
        case 'key-reuse':
          throw new AppError(
            'idempotency-key-reuse',
            'This Idempotency-Key was used for a different order',
          );
        case 'store-closed':
          throw storeClosed(body.storeId, outcome.store.reason);
        case 'sign-in-needed':
          throw new AppError('unauthenticated', 'Sign in to spend your points on a reward', {
            headers: { 'WWW-Authenticate': 'Bearer realm="pos-api"' },
          });
        case 'invalid':
          throw new AppError('validation', 'Some items cannot be ordered like this', {
            errors: outcome.errors,
          });
        case 'unavailable':
          throw new AppError('conflict', 'Some items cannot be ordered just now', {
            errors: outcome.errors,
            extra: { reason: 'unavailable' },
          });
      }
    }),
  );

  app.get(
    '/api/v1/online/orders/:orderId',
    handle({ params: OrderParams }, async ({ params }, req, res) => {
      await authorize(params.orderId, req);
      res.setHeader('Cache-Control', 'no-store');
      return orders.view(params.orderId);
    }),
  );

  // Replays a double-clicked pay with the same key; a new key finds the order paid.
  const payReplay = idempotency({ store: new PgIdempotencyStore(db), required: true });
  // Authorised before the key is claimed, so a stranger's request never holds a guest's key.
  const payGuard: RequestHandler = (req, _res, next) => {
    const params = OrderParams.safeParse(req.params);
    if (!params.success) return next();
    authorize(params.data.orderId, req).then(() => next(), next);
  };
  app.post(
    '/api/v1/online/orders/:orderId/payment',
    payGuard,
    payReplay,
    handle({ params: OrderParams }, async ({ params }, req, res) => {
      const body = parseBody(PayBody, req.body);
      const outcome = await charging(
        () => orders.pay(params.orderId, body.paymentMethod, body.returnUrl),
        'paymentMethod',
      );
      return answer(outcome, req, res);
    }),
  );
  app.post(
    '/api/v1/online/orders/:orderId/payment/complete',
    handle({ params: OrderParams }, async ({ params }, req, res) => {
      await authorize(params.orderId, req);
      return answer(await charging(() => orders.complete(params.orderId)), req, res);
    }),
  );

  app.get(
    '/api/v1/online/orders/:orderId/events',
    handle({ params: OrderParams, query: z.object({}).strict() }, async ({ params }, req, res) => {
      await authorize(params.orderId, req);
      await streamOrder(orders, params.orderId, req, res);
    }),
  );
}

/** Under the gateway's 10 s upstream idle timeout, so a quiet stream is not cut. */
const HEARTBEAT_MS = 5_000;

/**
 * Server-Sent Events (https://html.spec.whatwg.org/multipage/server-sent-events.html): the
 * view at once, then again whenever it changes, until the guest goes away.
 */
async function streamOrder(
  orders: OnlineOrders,
  orderId: string,
  req: Request,
  res: Response,
): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  let last = '';
  let sending = Promise.resolve();
  const send = () => {
    sending = sending.then(async () => {
      const view = await orders.view(orderId).catch(() => undefined);
      if (!view || res.writableEnded) return;
      const data = JSON.stringify(view);
      if (data === last) return;
      last = data;
      res.write(`event: status\ndata: ${data}\n\n`);
    });
  };
  const onChange = (changed: string) => {
    if (changed === orderId) send();
  };
  orders.changes.on('change', onChange);
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  send();
  await new Promise<void>((resolve) => {
    req.once('close', resolve);
    res.once('close', resolve);
  });
  clearInterval(heartbeat);
  orders.changes.off('change', onChange);
  await sending;
  if (!res.writableEnded) res.end();
}
