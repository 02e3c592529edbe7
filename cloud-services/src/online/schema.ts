import type { SqlSchema } from '@pos/kit/sql';
import { outboxTableSql } from '../events.js';

/**
 * Online ordering tables (seed §10). An order row holds what the guest chose, what the cloud
 * priced it at and where it is now; every status it took is a row of `online_order_history`.
 * Guests hold access tokens whose SHA-256 only is kept (a retried create hands out another).
 * Refunds are written first as `pending` with a key that says why (one full refund per order,
 * one per store refund id) and sent to the processor after the commit, so each is made once.
 */
export const onlineSchema: SqlSchema = {
  component: 'online',
  migrations: [
    {
      version: 1,
      name: 'online orders, their history, access tokens, refunds, outbox',
      up: `
        CREATE TABLE online_orders (
          order_id UUID PRIMARY KEY,
          store_id TEXT NOT NULL,
          -- The create request's Idempotency-Key and a hash of its body.
          create_key TEXT NOT NULL UNIQUE,
          create_fingerprint TEXT NOT NULL,
          order_type TEXT NOT NULL CHECK (order_type IN ('pickup', 'dine-in')),
          table_id TEXT,
          customer JSONB NOT NULL,
          -- The cart lines as the guest chose them, and as the cloud priced them.
          items JSONB NOT NULL,
          lines JSONB NOT NULL,
          menu_version INTEGER NOT NULL,
          currency TEXT NOT NULL,
          subtotal_cents BIGINT NOT NULL CHECK (subtotal_cents >= 0),
          tax_cents BIGINT NOT NULL CHECK (tax_cents >= 0),
          total_cents BIGINT NOT NULL CHECK (total_cents > 0),
          status TEXT NOT NULL CHECK (status IN ('awaiting-payment', 'awaiting-authentication',
            'paid', 'received', 'confirmed', 'preparing', 'ready', 'picked-up', 'rejected',
            'cancelled')),
          payment_id UUID NOT NULL UNIQUE,
          intent_id TEXT NOT NULL,
          pay_attempts INTEGER NOT NULL DEFAULT 0,
          card JSONB,
          next_action JSONB,
          last_decline JSONB,
          order_number INTEGER,
          rejection JSONB,
          refunded_cents BIGINT NOT NULL DEFAULT 0 CHECK (refunded_cents >= 0),
          paid_at TIMESTAMPTZ,
          created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
        );
        -- Paid orders the store has not said it received (the 10-minute watch).
        CREATE INDEX online_orders_unreceived ON online_orders (paid_at) WHERE status = 'paid';

        CREATE TABLE online_order_tokens (
          order_id UUID NOT NULL REFERENCES online_orders,
          token_hash TEXT NOT NULL,
          created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          PRIMARY KEY (order_id, token_hash)
        );

        CREATE TABLE online_order_history (
          id BIGSERIAL PRIMARY KEY,
          order_id UUID NOT NULL REFERENCES online_orders,
          status TEXT NOT NULL,
          at TIMESTAMPTZ NOT NULL DEFAULT now()
        );
        CREATE INDEX online_order_history_order ON online_order_history (order_id, id);

        CREATE TABLE online_refunds (
          -- 'full:<orderId>' for a rejection, cancellation or timeout; 'store:<refundId>'.
          refund_key TEXT PRIMARY KEY,
          order_id UUID NOT NULL REFERENCES online_orders,
          -- NULL: whatever is left to refund.
          amount_cents BIGINT CHECK (amount_cents > 0),
          status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'refused')),
          refunded_cents BIGINT NOT NULL DEFAULT 0,
          processor_refund_id TEXT,
          detail TEXT,
          created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          done_at TIMESTAMPTZ
        );
        CREATE INDEX online_refunds_pending ON online_refunds (created_at) WHERE status = 'pending';
        ${outboxTableSql('online_outbox')}
      `,
    },
    {
      version: 2,
      name: 'a loyalty reward spent on an order',
      up: `
        ALTER TABLE online_orders
          ADD COLUMN discount_cents BIGINT NOT NULL DEFAULT 0 CHECK (discount_cents >= 0),
          -- { rewardId, name, points } of a reward the guest spent on it; its points are held by
          -- the loyalty service.
          ADD COLUMN reward JSONB;
      `,
    },
  ],
};
