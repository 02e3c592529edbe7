import type { SqlSchema } from '@pos/kit/sql';
import { outboxTableSql } from '../events.js';

/**
 * Loyalty service tables (seed §1.8). The balance lives on the account (the seed's
 * LoyaltyPoints table) and every change is a row in `points_transactions`; a transaction that
 * came from an event records its ID, so a redelivered payment never earns twice.
 */
export const loyaltySchema: SqlSchema = {
  component: 'loyalty',
  migrations: [
    {
      version: 1,
      name: 'tiers, accounts, points, rewards, promotions',
      up: `
        CREATE TABLE membership_tiers (
          tier_id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          min_lifetime_points BIGINT NOT NULL UNIQUE CHECK (min_lifetime_points >= 0),
          -- Points earned per currency unit, in basis points: 10000 = 1 point per unit.
          earn_rate_bp INTEGER NOT NULL DEFAULT 10000 CHECK (earn_rate_bp >= 0)
        );
        INSERT INTO membership_tiers (tier_id, name, min_lifetime_points) VALUES ('base', 'Member', 0);

        CREATE TABLE loyalty_accounts (
          customer_id UUID PRIMARY KEY,
          tier_id TEXT NOT NULL REFERENCES membership_tiers DEFAULT 'base',
          points_balance BIGINT NOT NULL DEFAULT 0 CHECK (points_balance >= 0),
          lifetime_points BIGINT NOT NULL DEFAULT 0 CHECK (lifetime_points >= 0),
          created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
        );

        CREATE TABLE points_transactions (
          transaction_id UUID PRIMARY KEY,
          customer_id UUID NOT NULL REFERENCES loyalty_accounts,
          kind TEXT NOT NULL CHECK (kind IN ('earn', 'redeem', 'adjust', 'expire')),
          -- Signed: positive earns, negative spends.
          points BIGINT NOT NULL CHECK (points <> 0),
          balance_after BIGINT NOT NULL CHECK (balance_after >= 0),
          reason TEXT NOT NULL DEFAULT '',
          payment_id UUID,
          source_event_id UUID UNIQUE,
          created_at TIMESTAMPTZ NOT NULL DEFAULT now()
        );
        CREATE INDEX points_transactions_customer ON points_transactions (customer_id, created_at);

        CREATE TABLE rewards (
          reward_id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          points_cost BIGINT NOT NULL CHECK (points_cost >= 0),
          active BOOLEAN NOT NULL DEFAULT true
        );

        CREATE TABLE promotions (
          promotion_id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          starts_at TIMESTAMPTZ NOT NULL,
          ends_at TIMESTAMPTZ NOT NULL,
          -- Which customers and what bonus; shape owned by the loyalty domain code.
          rule JSONB NOT NULL,
          CHECK (ends_at > starts_at)
        );
      `,
    },
    {
      version: 2,
      name: 'contact details, tiers, category multipliers, outbox',
      up: `
        -- Guests are found at the counter by phone or email.
        ALTER TABLE loyalty_accounts ADD COLUMN name TEXT;
        ALTER TABLE loyalty_accounts ADD COLUMN phone TEXT;
        ALTER TABLE loyalty_accounts ADD COLUMN email TEXT;
        CREATE UNIQUE INDEX loyalty_accounts_phone ON loyalty_accounts (phone) WHERE phone IS NOT NULL;
        CREATE UNIQUE INDEX loyalty_accounts_email ON loyalty_accounts (lower(email)) WHERE email IS NOT NULL;
        INSERT INTO membership_tiers (tier_id, name, min_lifetime_points, earn_rate_bp) VALUES
          ('silver', 'Silver', 500, 12500),
          ('gold', 'Gold', 1500, 15000);
        -- Extra points for some categories, in basis points of the tier's rate (20000 = double).
        CREATE TABLE category_multipliers (
          category_id TEXT PRIMARY KEY,
          multiplier_bp INTEGER NOT NULL CHECK (multiplier_bp >= 0)
        );
        INSERT INTO rewards (reward_id, name, points_cost) VALUES
          ('free-coffee', 'A coffee on the house', 150),
          ('free-dessert', 'A dessert on the house', 400);
        ${outboxTableSql('loyalty_outbox')}
      `,
    },
    {
      version: 3,
      name: 'earning rules for hubs, phone lookup without formatting',
      up: `
        -- One row: the version of the earning rules last emitted (loyalty.ruleschanged.v1) and
        -- those rules. Every change to them takes the next version, which also makes two
        -- changes take turns.
        CREATE TABLE loyalty_rules_state (
          id BOOLEAN PRIMARY KEY DEFAULT true CHECK (id),
          version BIGINT NOT NULL CHECK (version >= 1),
          rules JSONB,
          changed_at TIMESTAMPTZ NOT NULL DEFAULT now()
        );
        -- A guest's phone as typed at the counter, without spaces, dashes or parentheses.
        CREATE INDEX loyalty_accounts_phone_digits
          ON loyalty_accounts ((regexp_replace(phone, '[^0-9+]', '', 'g')));
      `,
    },
    {
      version: 4,
      name: 'rewards worth an amount off, held for online orders',
      up: `
        -- What a reward takes off an order paid online; NULL: given at the counter only.
        ALTER TABLE rewards ADD COLUMN discount_cents BIGINT CHECK (discount_cents > 0);
        -- Points set aside for an online order: spent once it is paid, returned when it is
        -- refused, withdrawn or never paid.
        CREATE TABLE order_redemptions (
          order_id TEXT PRIMARY KEY,
          customer_id UUID NOT NULL REFERENCES loyalty_accounts,
          reward_id TEXT NOT NULL,
          reward_name TEXT NOT NULL,
          points BIGINT NOT NULL CHECK (points >= 0),
          discount_cents BIGINT NOT NULL CHECK (discount_cents > 0),
          status TEXT NOT NULL CHECK (status IN ('held', 'spent', 'returned')),
          created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          settled_at TIMESTAMPTZ
        );
        CREATE INDEX order_redemptions_held ON order_redemptions (created_at)
          WHERE status = 'held';
      `,
    },
  ],
};
