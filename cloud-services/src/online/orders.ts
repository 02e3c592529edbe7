import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  type CartInput,
  type CartPricing,
  type Cents,
  type Currency,
  type FieldError,
  OnlineOrderPaidV1,
  OnlineOrderWithdrawnV1,
  type OrderId,
  type OrderOnlineRejectedV1,
  type PaymentRefundProcessedV1,
  type PricedCartLine,
  priceCart,
  type StoreId,
  uuidv7,
} from '@pos/contracts';
import type { Logger } from '@pos/kit';
import type { SqlDatabase, SqlExecutor } from '@pos/kit/sql';
import { emitTo } from '../events.js';
import {
  isFinal,
  isUnpaid,
  nextStatus,
  type OnlineStatus,
  STORE_EVENT_STATUS,
  type StoreEventType,
} from './order-status.js';
import type {
  CardSummary,
  ConfirmOutcome,
  OnlinePaymentProcessor,
  PaymentIntentId,
} from './payments/index.js';
import { outcomeOfIntent } from './payments/index.js';
import type { HeldReward, RewardHolder } from './rewards.js';
import type { OnlineStore, StoreDirectory } from './store-directory.js';

// The online order's life in the cloud (seed §10): priced here from the store's menu
// as sync serves it, paid through the online processor, handed to the store through the outbox
// (`online.orderpaid.v1`, in the transaction that marks it paid), then followed through the
// store's events on the bus. Refunds are recorded as pending in the transaction that decides
// them and sent to the processor after the commit (`processRefunds`), each under its own key.

export const OUTBOX = 'online_outbox';
const SOURCE = 'online-service';
/** A paid order its store has not received after this long is refused by the cloud itself. */
export const RECEIVE_TIMEOUT_MS = 10 * 60 * 1_000;
export const STORE_UNREACHABLE = {
  reason: 'store-unreachable',
  message: 'The store did not receive your order; you have not been charged',
} as const;

export interface NewOrder {
  storeId: StoreId;
  orderType: 'pickup' | 'dine-in';
  tableId?: string | undefined;
  customer: { name: string; phone?: string | undefined; email?: string | undefined };
  items: CartInput['items'];
  /** A loyalty reward to spend on it (a signed-in guest's; its points are held at once). */
  rewardId?: string | undefined;
}

/** The reward an order spends, as the guest sees it. */
export interface OrderReward {
  rewardId: string;
  name: string;
  points: number;
}

type PricedCart = Extract<CartPricing, { ok: true }>;

/** An order with a reward must be paid within this of being placed (its points are held). */
export const REWARD_PAY_WITHIN_MS = 60 * 60 * 1_000;

export interface CreatedOrder {
  orderId: OrderId;
  accessToken: string;
  status: OnlineStatus;
  store: { storeId: string; name: string };
  lines: PricedCartLine[];
  subtotalCents: Cents;
  discountCents: Cents;
  taxCents: Cents;
  totalCents: Cents;
  currency: Currency;
  reward?: OrderReward;
}

export type CreateOutcome =
  | { ok: true; order: CreatedOrder }
  | { ok: false; reason: 'unknown-store' | 'key-reuse' }
  | { ok: false; reason: 'store-closed'; store: OnlineStore }
  | { ok: false; reason: 'invalid' | 'unavailable'; errors: FieldError[] }
  | { ok: false; reason: 'sign-in-needed' };

export type PaymentStatus =
  | 'unpaid'
  | 'requires-action'
  | 'paid'
  | 'partially-refunded'
  | 'refunded';

export interface OrderView {
  orderId: string;
  storeId: string;
  status: OnlineStatus;
  statusHistory: { status: OnlineStatus; at: string }[];
  orderNumber?: number;
  orderType: 'pickup' | 'dine-in';
  tableId?: string;
  lines: PricedCartLine[];
  totals: {
    subtotalCents: number;
    discountCents: number;
    taxCents: number;
    totalCents: number;
    currency: string;
  };
  reward?: OrderReward;
  payment: {
    status: PaymentStatus;
    card?: CardSummary;
    nextAction?: { type: 'three_d_secure'; redirectUrl?: string; clientSecret: string };
    lastDecline?: { reason: string; message: string };
  };
  rejection?: { reason: string; message: string; fields?: FieldError[] };
  refundedCents: number;
  placedAt: string;
}

export type PayOutcome =
  | { ok: true; view: OrderView }
  | { ok: false; reason: 'declined'; message: string; view: OrderView }
  | { ok: false; reason: 'store-closed'; store: OnlineStore | undefined }
  | { ok: false; reason: 'not-payable'; message: string };

export type Access = 'ok' | 'no-order' | 'wrong-token';

interface OrderRow {
  order_id: string;
  store_id: string;
  create_fingerprint: string;
  order_type: 'pickup' | 'dine-in';
  table_id: string | null;
  customer: unknown;
  items: unknown;
  lines: unknown;
  menu_version: number;
  currency: string;
  subtotal_cents: string | number;
  discount_cents: string | number;
  reward: unknown;
  tax_cents: string | number;
  total_cents: string | number;
  status: OnlineStatus;
  payment_id: string;
  intent_id: string;
  card: unknown;
  next_action: unknown;
  last_decline: unknown;
  order_number: number | null;
  rejection: unknown;
  refunded_cents: string | number;
  created_at: Date | string;
}

/** JSONB comes back parsed from pg and PGlite alike, but text when written as text. */
const json = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T;
const iso = (t: Date | string) => new Date(t).toISOString();

/** 32 random bytes, base64url; only its SHA-256 is kept. */
export const newAccessToken = () => randomBytes(32).toString('base64url');
const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/** Key order does not change a body's meaning, so it does not change its fingerprint. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export interface OnlineOrdersOptions {
  db: SqlDatabase;
  stores: StoreDirectory;
  processor: OnlinePaymentProcessor;
  /** Loyalty, which holds a guest's points for a reward spent on an order. */
  rewards: RewardHolder;
  logger: Logger;
  /** The stores' IANA time zone, in which menus' serving windows are written. */
  timeZone: string;
  clock?: () => number;
  receiveTimeoutMs?: number;
}

export class OnlineOrders {
  /** Emits an order id whenever that order may have changed (after the commit). */
  readonly changes = new EventEmitter();
  readonly #touched = new Set<string>();
  #refunding: Promise<void> | undefined;
  #refundAgain = false;
  private readonly db: SqlDatabase;
  private readonly clock: () => number;

  constructor(private readonly o: OnlineOrdersOptions) {
    this.db = o.db;
    this.clock = o.clock ?? Date.now;
    this.changes.setMaxListeners(0);
  }

  // --- create ---------------------------------------------------------------------------------

  async create(
    input: NewOrder,
    idempotencyKey: string,
    guestToken?: string,
  ): Promise<CreateOutcome> {
    const fingerprint = createHash('sha256').update(canonical(input)).digest('hex');
    const again = await this.#again(idempotencyKey, fingerprint);
    if (again) return again;

    const found = await this.o.stores.menu(input.storeId);
    if (!found) return { ok: false, reason: 'unknown-store' };
    if (!found.store.acceptingOrders)
      return { ok: false, reason: 'store-closed', store: found.store };
    const cart = { orderType: input.orderType, items: input.items };
    const pricing = {
      at: this.clock(),
      timeZone: found.store.hours?.timeZone ?? this.o.timeZone,
    };
    const full = priceCart(found.menu, cart, pricing);
    if (!full.ok) return { ok: false, reason: full.reason, errors: full.errors };

    const orderId = uuidv7() as OrderId;
    let reward: HeldReward | undefined;
    let priced = full;
    if (input.rewardId) {
      if (!guestToken) return { ok: false, reason: 'sign-in-needed' };
      reward = await this.o.rewards.hold(guestToken, input.rewardId, orderId);
      const discounted = priceCart(found.menu, cart, {
        ...pricing,
        orderDiscount: {
          kind: 'amount',
          amountCents: reward.discountCents,
          reason: `Reward: ${reward.name}`,
        },
      });
      // A reward worth the whole order would leave nothing to pay by card.
      if (!discounted.ok || discounted.totalCents <= 0) {
        await this.#letGo(guestToken, orderId);
        return {
          ok: false,
          reason: 'invalid',
          errors: [
            {
              field: 'rewardId',
              message: `${reward.name} is worth the whole order; add to it or choose another reward`,
            },
          ],
        };
      }
      priced = discounted;
    }
    let placed: CreateOutcome | undefined;
    try {
      placed = await this.#place(input, idempotencyKey, fingerprint, orderId, found.store, {
        priced,
        reward,
      });
    } catch (err) {
      if (reward && guestToken) await this.#letGo(guestToken, orderId);
      throw err;
    }
    if (placed) return placed;
    // The same request ran alongside and won: its order is the one (this intent is never used,
    // and this hold goes back).
    if (reward && guestToken) await this.#letGo(guestToken, orderId);
    return (
      (await this.#again(idempotencyKey, fingerprint)) ??
      this.create(input, idempotencyKey, guestToken)
    );
  }

  /** Give a hold back to the guest; if loyalty cannot be reached, its sweep returns it later. */
  async #letGo(guestToken: string, orderId: string): Promise<void> {
    await this.o.rewards.release(guestToken, orderId).catch((err: unknown) => {
      this.o.logger.warn(
        { err, orderId },
        'held reward not released now; loyalty returns it later',
      );
    });
  }

  /** The order and its intent, written once; undefined when the same request won the race. */
  async #place(
    input: NewOrder,
    idempotencyKey: string,
    fingerprint: string,
    orderId: OrderId,
    store: OnlineStore,
    { priced, reward }: { priced: PricedCart; reward: HeldReward | undefined },
  ): Promise<CreateOutcome | undefined> {
    const intent = await this.o.processor.createIntent({
      amountCents: priced.totalCents,
      currency: priced.currency,
      metadata: { orderId, storeId: input.storeId },
      idempotencyKey: `order:${orderId}`,
    });
    const accessToken = newAccessToken();
    const inserted = await this.db.transaction(async (tx) => {
      const row = await tx.maybeOne(
        `INSERT INTO online_orders (order_id, store_id, create_key, create_fingerprint, order_type,
           table_id, customer, items, lines, menu_version, currency, subtotal_cents, tax_cents,
           total_cents, status, payment_id, intent_id, discount_cents, reward)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'awaiting-payment',
           $15, $16, $17, $18)
         ON CONFLICT (create_key) DO NOTHING RETURNING order_id`,
        [
          orderId,
          input.storeId,
          idempotencyKey,
          fingerprint,
          input.orderType,
          input.tableId ?? null,
          JSON.stringify(input.customer),
          JSON.stringify(
            input.items.map((line) => ({ ...line, modifierIds: line.modifierIds ?? [] })),
          ),
          JSON.stringify(priced.lines),
          priced.menuVersion,
          priced.currency,
          priced.subtotalCents,
          priced.taxCents,
          priced.totalCents,
          uuidv7(),
          intent.id,
          priced.discountCents,
          reward ? JSON.stringify(rewardOf(reward)) : null,
        ],
      );
      if (!row) return false;
      await tx.query('INSERT INTO online_order_tokens (order_id, token_hash) VALUES ($1, $2)', [
        orderId,
        tokenHash(accessToken),
      ]);
      await history(tx, orderId, 'awaiting-payment');
      return true;
    });
    if (!inserted) return undefined;
    return {
      ok: true,
      order: {
        orderId,
        accessToken,
        status: 'awaiting-payment',
        store: { storeId: store.storeId, name: store.name },
        lines: priced.lines,
        subtotalCents: priced.subtotalCents,
        discountCents: priced.discountCents,
        taxCents: priced.taxCents,
        totalCents: priced.totalCents,
        currency: priced.currency,
        ...(reward ? { reward: rewardOf(reward) } : {}),
      },
    };
  }

  /**
   * A create retried with the same Idempotency-Key: the same order, with a fresh access token
   * (the first answer may never have arrived, and the first token is not kept to send again).
   */
  async #again(key: string, fingerprint: string): Promise<CreateOutcome | undefined> {
    const row = await this.db.maybeOne<OrderRow>(
      'SELECT * FROM online_orders WHERE create_key = $1',
      [key],
    );
    if (!row) return undefined;
    if (row.create_fingerprint !== fingerprint) return { ok: false, reason: 'key-reuse' };
    const accessToken = newAccessToken();
    await this.db.query('INSERT INTO online_order_tokens (order_id, token_hash) VALUES ($1, $2)', [
      row.order_id,
      tokenHash(accessToken),
    ]);
    const store = await this.o.stores.store(row.store_id).catch(() => undefined);
    return {
      ok: true,
      order: {
        orderId: row.order_id as OrderId,
        accessToken,
        status: row.status,
        store: { storeId: row.store_id, name: store?.name ?? row.store_id },
        lines: json(row.lines),
        subtotalCents: Number(row.subtotal_cents) as Cents,
        discountCents: Number(row.discount_cents) as Cents,
        taxCents: Number(row.tax_cents) as Cents,
        totalCents: Number(row.total_cents) as Cents,
        currency: row.currency as Currency,
        ...(row.reward ? { reward: json<OrderReward>(row.reward) } : {}),
      },
    };
  }

  // --- access ---------------------------------------------------------------------------------

  /** Whether `token` opens `orderId`: compared as hashes, in constant time. */
  async access(orderId: string, token: string): Promise<Access> {
    const rows = await this.db.query<{ token_hash: string | null }>(
      `SELECT t.token_hash FROM online_orders o
         LEFT JOIN online_order_tokens t ON t.order_id = o.order_id WHERE o.order_id = $1`,
      [orderId],
    );
    if (rows.length === 0) return 'no-order';
    const offered = Buffer.from(tokenHash(token), 'hex');
    let match = false;
    for (const row of rows) {
      if (row.token_hash === null) continue;
      const stored = Buffer.from(row.token_hash, 'hex');
      if (stored.length === offered.length && timingSafeEqual(stored, offered)) match = true;
    }
    return match ? 'ok' : 'wrong-token';
  }

  // --- view -----------------------------------------------------------------------------------

  async view(orderId: string, tx: SqlExecutor = this.db): Promise<OrderView | undefined> {
    const row = await tx.maybeOne<OrderRow>('SELECT * FROM online_orders WHERE order_id = $1', [
      orderId,
    ]);
    if (!row) return undefined;
    const steps = await tx.query<{ status: OnlineStatus; at: Date | string }>(
      'SELECT status, at FROM online_order_history WHERE order_id = $1 ORDER BY id',
      [orderId],
    );
    const total = Number(row.total_cents);
    const refunded = Number(row.refunded_cents);
    const card = json<CardSummary | null>(row.card);
    const nextAction = json<OrderView['payment']['nextAction'] | null>(row.next_action);
    const lastDecline = json<OrderView['payment']['lastDecline'] | null>(row.last_decline);
    const rejection = json<OrderView['rejection'] | null>(row.rejection);
    const paymentStatus: PaymentStatus = isUnpaid(row.status)
      ? row.status === 'awaiting-authentication'
        ? 'requires-action'
        : 'unpaid'
      : refunded >= total
        ? 'refunded'
        : refunded > 0
          ? 'partially-refunded'
          : 'paid';
    return {
      orderId: row.order_id,
      storeId: row.store_id,
      status: row.status,
      statusHistory: steps.map((s) => ({ status: s.status, at: iso(s.at) })),
      ...(row.order_number === null ? {} : { orderNumber: row.order_number }),
      orderType: row.order_type,
      ...(row.table_id === null ? {} : { tableId: row.table_id }),
      lines: json(row.lines),
      totals: {
        subtotalCents: Number(row.subtotal_cents),
        discountCents: Number(row.discount_cents),
        taxCents: Number(row.tax_cents),
        totalCents: total,
        currency: row.currency,
      },
      ...(row.reward ? { reward: json<OrderReward>(row.reward) } : {}),
      payment: {
        status: paymentStatus,
        ...(card ? { card } : {}),
        ...(nextAction && row.status === 'awaiting-authentication' ? { nextAction } : {}),
        ...(lastDecline && isUnpaid(row.status) ? { lastDecline } : {}),
      },
      ...(rejection ? { rejection } : {}),
      refundedCents: refunded,
      placedAt: iso(row.created_at),
    };
  }

  // --- pay ------------------------------------------------------------------------------------

  /**
   * Charge the order's intent with `paymentMethod`. An order already paid answers its view and
   * nothing is charged again (the processor, too, never charges a succeeded intent twice); a
   * store no longer taking orders refuses before anything is charged.
   */
  async pay(orderId: string, paymentMethod: string, returnUrl?: string): Promise<PayOutcome> {
    const row = await this.#row(orderId);
    if (!isUnpaid(row.status)) return { ok: true, view: await this.#view(orderId) };
    if (row.reward && this.clock() - Date.parse(iso(row.created_at)) > REWARD_PAY_WITHIN_MS) {
      return {
        ok: false,
        reason: 'not-payable',
        message:
          'This order was placed over an hour ago and its points are no longer held; place it again',
      };
    }
    const store = await this.o.stores.store(row.store_id);
    if (!store?.acceptingOrders) return { ok: false, reason: 'store-closed', store };
    // Each attempt its own processor key: a declined card may be followed by another card.
    const attempt = await this.db.one<{ pay_attempts: number }>(
      `UPDATE online_orders SET pay_attempts = pay_attempts + 1, updated_at = now()
       WHERE order_id = $1 RETURNING pay_attempts`,
      [orderId],
    );
    const outcome = await this.o.processor.confirmIntent({
      intentId: row.intent_id as PaymentIntentId,
      paymentMethod,
      idempotencyKey: `${orderId}:${attempt.pay_attempts}`,
      ...(returnUrl ? { returnUrl } : {}),
    });
    return this.#settle(orderId, outcome);
  }

  /** After the 3-D Secure challenge: read the intent back; paid, declined, or still waiting. */
  async complete(orderId: string): Promise<PayOutcome> {
    const row = await this.#row(orderId);
    if (!isUnpaid(row.status)) return { ok: true, view: await this.#view(orderId) };
    const intent = await this.o.processor.retrieveIntent(row.intent_id as PaymentIntentId);
    if (!intent || (intent.status === 'requires_payment_method' && !intent.lastDecline)) {
      return { ok: false, reason: 'not-payable', message: 'The order has not been paid yet' };
    }
    return this.#settle(orderId, outcomeOfIntent(intent));
  }

  async #settle(orderId: string, outcome: ConfirmOutcome): Promise<PayOutcome> {
    switch (outcome.outcome) {
      case 'succeeded':
        await this.markPaid(orderId, outcome.intent.card);
        return { ok: true, view: await this.#view(orderId) };
      case 'requires_action': {
        const { clientSecret, redirectUrl } = outcome.nextAction;
        await this.db.transaction(async (tx) => {
          const moved = await tx.maybeOne(
            `UPDATE online_orders SET status = 'awaiting-authentication', next_action = $2,
               last_decline = NULL, updated_at = now()
             WHERE order_id = $1 AND status = 'awaiting-payment' RETURNING order_id`,
            [
              orderId,
              JSON.stringify({
                type: 'three_d_secure',
                clientSecret,
                ...(redirectUrl ? { redirectUrl } : {}),
              }),
            ],
          );
          if (moved) await history(tx, orderId, 'awaiting-authentication');
        });
        this.#changed(orderId);
        return { ok: true, view: await this.#view(orderId) };
      }
      case 'declined': {
        await this.db.transaction(async (tx) => {
          const before = await tx.maybeOne<{ status: OnlineStatus }>(
            'SELECT status FROM online_orders WHERE order_id = $1 FOR UPDATE',
            [orderId],
          );
          if (!before || !isUnpaid(before.status)) return;
          await tx.query(
            `UPDATE online_orders SET status = 'awaiting-payment', next_action = NULL,
               last_decline = $2, updated_at = now() WHERE order_id = $1`,
            [orderId, JSON.stringify({ reason: outcome.reason, message: outcome.message })],
          );
          if (before.status === 'awaiting-authentication') {
            await history(tx, orderId, 'awaiting-payment');
          }
        });
        this.#changed(orderId);
        const view = await this.#view(orderId);
        // Paid meanwhile by another request (a double click): that is the answer.
        if (!isUnpaid(view.status)) return { ok: true, view };
        return { ok: false, reason: 'declined', message: outcome.message, view };
      }
      case 'not_confirmable':
        return { ok: false, reason: 'not-payable', message: outcome.message };
    }
  }

  /**
   * The order is paid: in one transaction it becomes `paid` and `online.orderpaid.v1` goes to
   * the outbox, so the store gets it exactly when the cloud says it is paid. A second call
   * (a double click, a challenge completed twice) changes nothing.
   */
  async markPaid(orderId: string, card: CardSummary | undefined): Promise<boolean> {
    const paid = await this.db.transaction(async (tx) => {
      const row = await tx.maybeOne<OrderRow>(
        `UPDATE online_orders SET status = 'paid', card = $2, next_action = NULL,
           last_decline = NULL, paid_at = $3, updated_at = now()
         WHERE order_id = $1 AND status IN ('awaiting-payment', 'awaiting-authentication')
         RETURNING *`,
        [orderId, card ? JSON.stringify(card) : null, new Date(this.clock()).toISOString()],
      );
      if (!row) return false;
      await history(tx, orderId, 'paid');
      const customer = json<NewOrder['customer']>(row.customer);
      // Validated as the hub will validate it: a bad event must not leave the cloud.
      const payload = OnlineOrderPaidV1.parse({
        orderId: row.order_id,
        storeId: row.store_id,
        orderType: row.order_type,
        ...(row.table_id === null ? {} : { tableId: row.table_id }),
        customer,
        items: json(row.items),
        menuVersion: row.menu_version,
        currency: row.currency,
        subtotalCents: Number(row.subtotal_cents),
        taxCents: Number(row.tax_cents),
        totalCents: Number(row.total_cents),
        payment: {
          paymentId: row.payment_id,
          intentId: row.intent_id,
          amountCents: Number(row.total_cents),
          currency: row.currency,
          ...(card ? { card: { brand: card.brand, last4: card.last4 } } : {}),
        },
        placedAt: new Date(this.clock()).toISOString(),
        ...discountOf(row),
      });
      await emitTo(tx, OUTBOX, SOURCE, 'online.orderpaid.v1', payload);
      return true;
    });
    if (paid) this.#changed(orderId);
    return paid;
  }

  // --- the store's events ---------------------------------------------------------------------

  /** A store event about one of our orders (inside the consumer's inbox transaction). */
  async applyStoreEvent(
    type: StoreEventType,
    payload: { orderId: string; orderNumber?: number } & Partial<OrderOnlineRejectedV1>,
    tx: SqlExecutor,
  ): Promise<void> {
    const row = await tx.maybeOne<{ status: OnlineStatus }>(
      'SELECT status FROM online_orders WHERE order_id = $1 FOR UPDATE',
      [payload.orderId],
    );
    if (!row) return;
    if (type === 'order.created.v1' && payload.orderNumber !== undefined) {
      await tx.query(
        'UPDATE online_orders SET order_number = COALESCE(order_number, $2) WHERE order_id = $1',
        [payload.orderId, payload.orderNumber],
      );
      this.#touched.add(payload.orderId);
    }
    const next = nextStatus(row.status, STORE_EVENT_STATUS[type]);
    if (!next) return;
    const rejection =
      next === 'rejected'
        ? {
            reason: payload.reason ?? 'invalid',
            message: payload.message ?? 'The store could not take your order',
            fields: payload.fields ?? [],
          }
        : undefined;
    await this.#move(tx, payload.orderId, next, rejection);
  }

  /** A refund made at the store of an online payment: give that amount back to the card. */
  async applyStoreRefund(payload: PaymentRefundProcessedV1, tx: SqlExecutor): Promise<void> {
    if (payload.tender !== 'online') return;
    const row = await tx.maybeOne<{ payment_id: string }>(
      'SELECT payment_id FROM online_orders WHERE order_id = $1',
      [payload.orderId],
    );
    if (!row || row.payment_id !== payload.paymentId) return;
    // Refunded in full already (the store's cancellation of an order the cloud withdrew): the
    // hub's refund only balances its own books.
    const whole = await tx.maybeOne(`SELECT 1 FROM online_refunds WHERE refund_key = $1`, [
      `full:${payload.orderId}`,
    ]);
    if (whole) return;
    await tx.query(
      `INSERT INTO online_refunds (refund_key, order_id, amount_cents) VALUES ($1, $2, $3)
       ON CONFLICT (refund_key) DO NOTHING`,
      [`store:${payload.refundId}`, payload.orderId, payload.amountCents],
    );
    this.#touched.add(payload.orderId);
  }

  /** A status change with its history row; rejected and cancelled orders are refunded in full. */
  async #move(
    tx: SqlExecutor,
    orderId: string,
    status: OnlineStatus,
    rejection?: OrderView['rejection'],
  ): Promise<void> {
    await tx.query(
      `UPDATE online_orders SET status = $2, rejection = COALESCE($3, rejection), updated_at = now()
       WHERE order_id = $1`,
      [orderId, status, rejection ? JSON.stringify(rejection) : null],
    );
    await history(tx, orderId, status);
    if (isFinal(status)) {
      // One full refund per order, whatever ended it (a rejection, a cancellation, the timeout).
      await tx.query(
        `INSERT INTO online_refunds (refund_key, order_id) VALUES ($1, $2)
         ON CONFLICT (refund_key) DO NOTHING`,
        [`full:${orderId}`, orderId],
      );
    }
    this.#touched.add(orderId);
  }

  /** After the consumer's commit: tell the watchers, send the refunds just decided. */
  afterCommit(): void {
    const touched = [...this.#touched];
    this.#touched.clear();
    for (const orderId of touched) this.changes.emit('change', orderId);
    if (touched.length > 0) void this.processRefunds();
  }

  // --- the 10-minute watch and the refunds ----------------------------------------------------

  /**
   * Paid orders the store has not received within the timeout (its hub went away after the
   * order was taken): refused by the cloud, and refunded in full.
   */
  async expireUnreceived(): Promise<number> {
    const cutoff = new Date(this.clock() - (this.o.receiveTimeoutMs ?? RECEIVE_TIMEOUT_MS));
    const expired = await this.db.transaction(async (tx) => {
      const rows = await tx.query<{ order_id: string; store_id: string }>(
        `SELECT order_id, store_id FROM online_orders WHERE status = 'paid' AND paid_at < $1
         ORDER BY paid_at LIMIT 100 FOR UPDATE SKIP LOCKED`,
        [cutoff.toISOString()],
      );
      const at = new Date(this.clock()).toISOString();
      for (const row of rows) {
        await this.#move(tx, row.order_id, 'rejected', { ...STORE_UNREACHABLE, fields: [] });
        // The hub may still get it (it was on its way as the clock ran out): it must not cook
        // an order the guest was told is off and refunded.
        await emitTo(
          tx,
          OUTBOX,
          SOURCE,
          'online.orderwithdrawn.v1',
          OnlineOrderWithdrawnV1.parse({
            orderId: row.order_id,
            storeId: row.store_id,
            reason: 'not-received',
            message: STORE_UNREACHABLE.message,
            at,
          }),
        );
      }
      return rows.map((r) => r.order_id);
    });
    if (expired.length === 0) return 0;
    this.o.logger.warn(
      { orderIds: expired },
      'paid online orders not received by their store: refused and refunded',
    );
    // Not `afterCommit`: the consumer's transaction may be open with changes of its own.
    for (const orderId of expired) this.changes.emit('change', orderId);
    void this.processRefunds();
    return expired.length;
  }

  /** Send the pending refunds to the processor; one run at a time, again if asked meanwhile. */
  processRefunds(): Promise<void> {
    if (this.#refunding) {
      this.#refundAgain = true;
      return this.#refunding;
    }
    this.#refunding = (async () => {
      do {
        this.#refundAgain = false;
        await this.#refundPending();
      } while (this.#refundAgain);
    })()
      .catch((err: unknown) => {
        this.o.logger.error({ err }, 'online refunds not sent yet; trying again later');
      })
      .finally(() => {
        this.#refunding = undefined;
      });
    return this.#refunding;
  }

  async #refundPending(): Promise<void> {
    const pending = await this.db.query<{
      refund_key: string;
      order_id: string;
      amount_cents: string | number | null;
      intent_id: string;
    }>(
      `SELECT r.refund_key, r.order_id, r.amount_cents, o.intent_id FROM online_refunds r
         JOIN online_orders o ON o.order_id = r.order_id
       WHERE r.status = 'pending' ORDER BY r.created_at LIMIT 50`,
    );
    for (const r of pending) {
      const outcome = await this.o.processor.refund({
        intentId: r.intent_id as PaymentIntentId,
        ...(r.amount_cents === null ? {} : { amountCents: Number(r.amount_cents) as Cents }),
        idempotencyKey: `refund:${r.refund_key}`,
      });
      await this.db.transaction(async (tx) => {
        if (outcome.outcome === 'refunded') {
          const done = await tx.maybeOne(
            `UPDATE online_refunds SET status = 'done', refunded_cents = $2,
               processor_refund_id = $3, done_at = now()
             WHERE refund_key = $1 AND status = 'pending' RETURNING refund_key`,
            [r.refund_key, outcome.refund.amountCents, outcome.refund.id],
          );
          if (done) {
            await tx.query(
              `UPDATE online_orders SET refunded_cents = refunded_cents + $2, updated_at = now()
               WHERE order_id = $1`,
              [r.order_id, outcome.refund.amountCents],
            );
          }
        } else {
          // Nothing left to give back (never captured, or already refunded): nothing to retry.
          this.o.logger.warn(
            { orderId: r.order_id, refund: r.refund_key, reason: outcome.reason },
            outcome.message,
          );
          await tx.query(
            `UPDATE online_refunds SET status = 'refused', detail = $2, done_at = now()
             WHERE refund_key = $1 AND status = 'pending'`,
            [r.refund_key, `${outcome.reason}: ${outcome.message}`],
          );
        }
      });
      this.changes.emit('change', r.order_id);
    }
  }

  // --- helpers --------------------------------------------------------------------------------

  async #row(orderId: string): Promise<OrderRow> {
    const row = await this.db.maybeOne<OrderRow>(
      'SELECT * FROM online_orders WHERE order_id = $1',
      [orderId],
    );
    if (!row) throw new Error(`online order ${orderId} vanished`);
    return row;
  }

  async #view(orderId: string): Promise<OrderView> {
    const view = await this.view(orderId);
    if (!view) throw new Error(`online order ${orderId} vanished`);
    return view;
  }

  #changed(orderId: string): void {
    this.changes.emit('change', orderId);
  }
}

async function history(tx: SqlExecutor, orderId: string, status: OnlineStatus): Promise<void> {
  await tx.query('INSERT INTO online_order_history (order_id, status) VALUES ($1, $2)', [
    orderId,
    status,
  ]);
}

const rewardOf = (held: HeldReward): OrderReward => ({
  rewardId: held.rewardId,
  name: held.name,
  points: held.points,
});

/** The reward an order spends, as the hub prices it: the same amount off the whole order. */
function discountOf(row: OrderRow) {
  const discountCents = Number(row.discount_cents);
  if (!row.reward || discountCents <= 0) return {};
  const reward = json<OrderReward>(row.reward);
  return {
    discount: {
      kind: 'amount' as const,
      amountCents: discountCents,
      reason: `Reward: ${reward.name}`,
    },
    reward: { rewardId: reward.rewardId, points: reward.points },
  };
}
