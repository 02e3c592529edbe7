import { randomUUID } from 'node:crypto';
import {
  type EventPayloads,
  LOYALTY_EARNING,
  type LoyaltyRulesChangedV1,
  loyaltyPoints,
  type PaymentCompletedV1,
} from '@pos/contracts';
import { AppError } from '@pos/kit';
import type { SqlDatabase, SqlExecutor } from '@pos/kit/sql';
import { emitTo } from '../events.js';

export interface Account {
  customerId: string;
  name: string | null;
  phone: string | null;
  email: string | null;
  tier: string;
  pointsBalance: number;
  lifetimePoints: number;
}

interface AccountRow {
  customer_id: string;
  name: string | null;
  phone: string | null;
  email: string | null;
  tier_id: string;
  points_balance: string | number;
  lifetime_points: string | number;
}

const toAccount = (r: AccountRow): Account => ({
  customerId: r.customer_id,
  name: r.name,
  phone: r.phone,
  email: r.email,
  tier: r.tier_id,
  pointsBalance: Number(r.points_balance),
  lifetimePoints: Number(r.lifetime_points),
});

const COLUMNS = 'customer_id, name, phone, email, tier_id, points_balance, lifetime_points';

/** Where every account starts. */
export const BASE_TIER = 'base';

export interface Tier {
  tierId: string;
  name: string;
  minLifetimePoints: number;
  /** Points per currency unit in basis points: 10 000 = one point per unit. */
  earnRateBp: number;
}

interface TierRow {
  tier_id: string;
  name: string;
  min_lifetime_points: string | number;
  earn_rate_bp: number;
}

const toTier = (r: TierRow): Tier => ({
  tierId: r.tier_id,
  name: r.name,
  minLifetimePoints: Number(r.min_lifetime_points),
  earnRateBp: Number(r.earn_rate_bp),
});

export interface Reward {
  rewardId: string;
  name: string;
  pointsCost: number;
  active: boolean;
  /** What it takes off an order paid online; without it, given at the counter only. */
  discountCents?: number | undefined;
}

interface RewardRow {
  reward_id: string;
  name: string;
  points_cost: string | number;
  active: boolean;
  discount_cents: string | number | null;
}

const toReward = (r: RewardRow): Reward => ({
  rewardId: r.reward_id,
  name: r.name,
  pointsCost: Number(r.points_cost),
  active: r.active,
  ...(r.discount_cents === null ? {} : { discountCents: Number(r.discount_cents) }),
});

export interface LedgerEntry {
  transactionId: string;
  kind: 'earn' | 'redeem' | 'adjust' | 'expire';
  /** Signed: positive earns, negative spends. */
  points: number;
  balanceAfter: number;
  reason: string;
  paymentId: string | null;
  createdAt: string;
}

type LoyaltyEvent =
  | 'loyalty.pointsearned.v1'
  | 'loyalty.pointsredeemed.v1'
  | 'loyalty.tierupgraded.v1'
  | 'loyalty.rewardredeemed.v1'
  | 'loyalty.ruleschanged.v1';

const emit = <T extends LoyaltyEvent>(tx: SqlExecutor, type: T, payload: EventPayloads[T]) =>
  emitTo(tx, 'loyalty_outbox', 'loyalty-service', type, payload);

/**
 * Take a reward's points off an account, in the caller's transaction: one conditional update
 * (never below zero), its ledger row and `loyalty.rewardredeemed.v1`. Undefined, and nothing
 * written, when the balance does not cover it or there is no such account.
 */
export async function spendOnReward(
  tx: SqlExecutor,
  customerId: string,
  reward: { rewardId: string; cost: number },
  reason: string,
): Promise<AccountRow | undefined> {
  const updated = await tx.maybeOne<AccountRow>(
    `UPDATE loyalty_accounts SET points_balance = points_balance - $2, updated_at = now()
     WHERE customer_id = $1 AND points_balance >= $2 RETURNING ${COLUMNS}`,
    [customerId, reward.cost],
  );
  if (!updated) return undefined;
  const balance = Number(updated.points_balance);
  if (reward.cost > 0) {
    await tx.query(
      `INSERT INTO points_transactions (transaction_id, customer_id, kind, points, balance_after, reason)
       VALUES ($1, $2, 'redeem', $3, $4, $5)`,
      [randomUUID(), customerId, -reward.cost, balance, reason],
    );
  }
  await emit(tx, 'loyalty.rewardredeemed.v1', {
    customerId,
    rewardId: reward.rewardId,
    points: reward.cost,
    balance,
  } as never);
  return updated;
}

/** Phone numbers are matched without their spaces, dashes and parentheses. */
const PHONE_DIGITS = "regexp_replace(phone, '[^0-9+]', '', 'g')";

/** The most promotions the rules carry (those ending soonest are left out beyond it). */
const MAX_RULES_PROMOTIONS = 500;

/**
 * The loyalty programme (seed §1.8). The points ledger is the truth and the balance on the
 * account is kept with it in the same transaction; a balance can never go below zero, because
 * every spend is a single conditional update (`… WHERE points_balance >= cost`).
 *
 * Every change to the earning rules (tiers, category multipliers, promotions) emits the whole
 * rules as `loyalty.ruleschanged.v1` in its own transaction, numbered by `loyalty_rules_state`,
 * whose row also makes concurrent changes take turns; hubs estimate points offline from them.
 */
export class Loyalty {
  constructor(private readonly db: SqlDatabase) {}

  async open(input: {
    name?: string | undefined;
    phone?: string | undefined;
    email?: string | undefined;
  }): Promise<Account> {
    const customerId = randomUUID();
    try {
      const row = await this.db.one<AccountRow>(
        `INSERT INTO loyalty_accounts (customer_id, name, phone, email) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
        [customerId, input.name ?? null, input.phone ?? null, input.email ?? null],
      );
      return toAccount(row);
    } catch (err) {
      if (/unique|duplicate/i.test((err as Error).message)) {
        throw new AppError('conflict', 'There is already an account with this phone or email');
      }
      throw err;
    }
  }

  async find(
    by: { customerId?: string; phone?: string; email?: string },
    tx: SqlExecutor = this.db,
  ): Promise<Account | undefined> {
    const row = by.customerId
      ? await tx.maybeOne<AccountRow>(
          `SELECT ${COLUMNS} FROM loyalty_accounts WHERE customer_id = $1`,
          [by.customerId],
        )
      : by.phone
        ? await tx.maybeOne<AccountRow>(
            `SELECT ${COLUMNS} FROM loyalty_accounts
             WHERE ${PHONE_DIGITS} = regexp_replace($1, '[^0-9+]', '', 'g')
             ORDER BY phone = $1 DESC, created_at LIMIT 1`,
            [by.phone],
          )
        : by.email
          ? await tx.maybeOne<AccountRow>(
              `SELECT ${COLUMNS} FROM loyalty_accounts WHERE lower(email) = lower($1)`,
              [by.email],
            )
          : undefined;
    return row && toAccount(row);
  }

  async get(customerId: string): Promise<Account> {
    const account = await this.find({ customerId });
    if (!account) throw new AppError('not-found', `No loyalty account ${customerId}`);
    return account;
  }

  /** The tiers, lowest first: what lifetime points reach each and how many points a unit earns. */
  async tiers(): Promise<Tier[]> {
    const rows = await this.db.query<TierRow>(
      'SELECT tier_id, name, min_lifetime_points, earn_rate_bp FROM membership_tiers ORDER BY min_lifetime_points',
    );
    return rows.map(toTier);
  }

  /**
   * Add or change a tier. The base tier is where every account starts, so it stays at 0
   * lifetime points; two tiers cannot start at the same number of points (409).
   */
  async saveTier(tier: Tier): Promise<Tier> {
    if (tier.tierId === BASE_TIER && tier.minLifetimePoints !== 0) {
      throw new AppError('validation', 'The base tier starts at 0 lifetime points', {
        errors: [{ field: 'minLifetimePoints', message: 'must be 0 for the base tier' }],
      });
    }
    return this.#changeRules(async (tx) => {
      try {
        const row = await tx.one<TierRow>(
          `INSERT INTO membership_tiers (tier_id, name, min_lifetime_points, earn_rate_bp) VALUES ($1, $2, $3, $4)
           ON CONFLICT (tier_id) DO UPDATE SET name = $2, min_lifetime_points = $3, earn_rate_bp = $4
           RETURNING tier_id, name, min_lifetime_points, earn_rate_bp`,
          [tier.tierId, tier.name, tier.minLifetimePoints, tier.earnRateBp],
        );
        return toTier(row);
      } catch (err) {
        if (/unique|duplicate/i.test((err as Error).message)) {
          throw new AppError(
            'conflict',
            `Another tier already starts at ${tier.minLifetimePoints} lifetime points`,
            { errors: [{ field: 'minLifetimePoints', message: 'another tier starts there' }] },
          );
        }
        throw err;
      }
    });
  }

  /** The rewards catalogue, cheapest first, including those taken off (inactive). */
  async rewards(): Promise<Reward[]> {
    const rows = await this.db.query<RewardRow>(
      `SELECT reward_id, name, points_cost, active, discount_cents FROM rewards
       ORDER BY points_cost, reward_id`,
    );
    return rows.map(toReward);
  }

  /** Add a reward or change one; an inactive reward can no longer be redeemed. */
  async saveReward(reward: Reward): Promise<Reward> {
    const row = await this.db.one<RewardRow>(
      `INSERT INTO rewards (reward_id, name, points_cost, active, discount_cents)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (reward_id) DO UPDATE SET name = $2, points_cost = $3, active = $4,
         discount_cents = $5
       RETURNING reward_id, name, points_cost, active, discount_cents`,
      [
        reward.rewardId,
        reward.name,
        reward.pointsCost,
        reward.active,
        reward.discountCents ?? null,
      ],
    );
    return toReward(row);
  }

  async multipliers(): Promise<{ categoryId: string; multiplierBp: number }[]> {
    return this.db.query(
      `SELECT category_id AS "categoryId", multiplier_bp AS "multiplierBp"
       FROM category_multipliers ORDER BY category_id`,
    );
  }

  /** An account's points history, newest first. */
  async ledger(customerId: string, limit: number): Promise<LedgerEntry[]> {
    await this.get(customerId);
    const rows = await this.db.query<{
      transaction_id: string;
      kind: LedgerEntry['kind'];
      points: string | number;
      balance_after: string | number;
      reason: string;
      payment_id: string | null;
      created_at: string;
    }>(
      `SELECT transaction_id, kind, points, balance_after, reason, payment_id, created_at::text
       FROM points_transactions WHERE customer_id = $1 ORDER BY created_at DESC, transaction_id LIMIT $2`,
      [customerId, limit],
    );
    return rows.map((r) => ({
      transactionId: r.transaction_id,
      kind: r.kind,
      points: Number(r.points),
      balanceAfter: Number(r.balance_after),
      reason: r.reason,
      paymentId: r.payment_id,
      createdAt: r.created_at,
    }));
  }

  /** Extra points for a category (basis points of the normal rate; 20 000 = double). */
  async setMultiplier(categoryId: string, multiplierBp: number) {
    return this.#changeRules(async (tx) => {
      await tx.query(
        `INSERT INTO category_multipliers (category_id, multiplier_bp) VALUES ($1, $2)
         ON CONFLICT (category_id) DO UPDATE SET multiplier_bp = $2`,
        [categoryId, multiplierBp],
      );
      return { categoryId, multiplierBp };
    });
  }

  /** A promotion: points times `multiplierBp / 10 000` for payments made in its window. */
  async addPromotion(input: {
    promotionId: string;
    name: string;
    startsAt: string;
    endsAt: string;
    multiplierBp: number;
  }) {
    if (new Date(input.endsAt) <= new Date(input.startsAt)) {
      throw new AppError('validation', 'A promotion must end after it starts', {
        errors: [{ field: 'endsAt', message: 'after startsAt' }],
      });
    }
    return this.#changeRules(async (tx) => {
      try {
        await tx.query(
          'INSERT INTO promotions (promotion_id, name, starts_at, ends_at, rule) VALUES ($1, $2, $3, $4, $5)',
          [
            input.promotionId,
            input.name,
            input.startsAt,
            input.endsAt,
            JSON.stringify({ multiplierBp: input.multiplierBp }),
          ],
        );
      } catch (err) {
        if (/unique|duplicate/i.test((err as Error).message)) {
          throw new AppError('conflict', `Promotion ${input.promotionId} already exists`);
        }
        throw err;
      }
      return input;
    });
  }

  /** The earning rules as last emitted (what hubs hold), or undefined before the first. */
  async currentRules(): Promise<LoyaltyRulesChangedV1 | undefined> {
    const row = await this.db.maybeOne<{ rules: unknown }>(
      'SELECT rules FROM loyalty_rules_state WHERE rules IS NOT NULL',
    );
    if (!row) return undefined;
    return (typeof row.rules === 'string' ? JSON.parse(row.rules) : row.rules) as never;
  }

  /**
   * At start: emit the rules if they have never been emitted (a new programme), so the hubs of a
   * fresh cloud have them before anyone changes them. True when it emitted.
   */
  async publishRulesOnce(): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const claimed = await tx.maybeOne(
        `INSERT INTO loyalty_rules_state (id, version) VALUES (true, 1)
         ON CONFLICT (id) DO NOTHING RETURNING version`,
      );
      if (!claimed) return false;
      await this.#emitRules(tx, 1);
      return true;
    });
  }

  /**
   * Run a change to the earning rules and emit the rules as they are after it, in one
   * transaction. Taking the next version first locks the state row, so two changes take turns
   * and the later one's rules include the earlier one.
   */
  async #changeRules<T>(change: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) => {
      const next = await tx.one<{ version: string | number }>(
        `INSERT INTO loyalty_rules_state (id, version) VALUES (true, 1)
         ON CONFLICT (id) DO UPDATE SET version = loyalty_rules_state.version + 1
         RETURNING version`,
      );
      const result = await change(tx);
      await this.#emitRules(tx, Number(next.version));
      return result;
    });
  }

  async #emitRules(tx: SqlExecutor, version: number): Promise<void> {
    const tiers = await tx.query<TierRow>(
      'SELECT tier_id, name, min_lifetime_points, earn_rate_bp FROM membership_tiers ORDER BY min_lifetime_points',
    );
    const multipliers = await tx.query<{ category_id: string; multiplier_bp: number }>(
      'SELECT category_id, multiplier_bp FROM category_multipliers ORDER BY category_id',
    );
    // Promotions that have not ended: a hub offline for days still knows next week's.
    const promotions = await tx.query<{
      promotion_id: string;
      name: string;
      starts_at: Date | string;
      ends_at: Date | string;
      multiplier_bp: number;
    }>(
      `SELECT promotion_id, name, starts_at, ends_at, (rule->>'multiplierBp')::int AS multiplier_bp
       FROM promotions WHERE ends_at > now() ORDER BY ends_at, promotion_id LIMIT ${MAX_RULES_PROMOTIONS}`,
    );
    const iso = (t: Date | string) => new Date(t).toISOString();
    const rules = {
      version,
      changedAt: new Date().toISOString(),
      earning: LOYALTY_EARNING,
      tiers: tiers.map(toTier),
      multipliers: multipliers.map((m) => ({
        categoryId: m.category_id,
        multiplierBp: Number(m.multiplier_bp),
      })),
      promotions: promotions
        .map((p) => ({
          promotionId: p.promotion_id,
          name: p.name,
          startsAt: iso(p.starts_at),
          endsAt: iso(p.ends_at),
          multiplierBp: Number(p.multiplier_bp),
        }))
        .sort(
          (a, b) =>
            a.startsAt.localeCompare(b.startsAt) || a.promotionId.localeCompare(b.promotionId),
        ),
    };
    await tx.query('UPDATE loyalty_rules_state SET rules = $1, changed_at = now() WHERE id', [
      JSON.stringify(rules),
    ]);
    await emit(tx, 'loyalty.ruleschanged.v1', rules as never);
  }

  async promotions() {
    return this.db.query(
      `SELECT promotion_id AS "promotionId", name, starts_at::text AS "startsAt", ends_at::text AS "endsAt",
              (rule->>'multiplierBp')::int AS "multiplierBp" FROM promotions ORDER BY starts_at DESC`,
    );
  }

  /** Points given by hand (a manager's goodwill); recorded in the ledger like any other. */
  async add(customerId: string, points: number, reason: string): Promise<Account> {
    return this.db.transaction(async (tx) => {
      const account = await this.find({ customerId }, tx);
      if (!account) throw new AppError('not-found', `No loyalty account ${customerId}`);
      await this.#credit(tx, account, points, 'adjust', reason, null, null);
      return (await this.find({ customerId }, tx)) as Account;
    });
  }

  /** Spend points on a reward; refused (409) when the balance does not cover it. */
  async redeem(customerId: string, rewardId: string): Promise<Account> {
    return this.db.transaction(async (tx) => {
      const reward = await tx.maybeOne<{ points_cost: string | number; name: string }>(
        'SELECT points_cost, name FROM rewards WHERE reward_id = $1 AND active',
        [rewardId],
      );
      if (!reward) throw new AppError('not-found', `No reward ${rewardId}`);
      const updated = await spendOnReward(
        tx,
        customerId,
        { rewardId, cost: Number(reward.points_cost) },
        `reward: ${reward.name}`,
      );
      if (!updated) {
        if (!(await this.find({ customerId }, tx)))
          throw new AppError('not-found', `No loyalty account ${customerId}`);
        throw new AppError(
          'conflict',
          `Not enough points for ${reward.name} (${Number(reward.points_cost)} needed)`,
        );
      }
      return toAccount(updated);
    });
  }

  /**
   * Points for a payment from a hub (`payment.completed.v1`), inside the consumer's inbox
   * transaction: the event's ID is unique in the ledger too, so even a second delivery that got
   * past the inbox earns nothing twice.
   */
  async earn(
    event: { EventId: string; Payload: PaymentCompletedV1 },
    tx: SqlExecutor,
  ): Promise<void> {
    const p = event.Payload;
    const c = p.customer;
    if (!c) return;
    const seen = await tx.maybeOne('SELECT 1 FROM points_transactions WHERE source_event_id = $1', [
      event.EventId,
    ]);
    if (seen) return;
    const account =
      (c.customerId && (await this.find({ customerId: c.customerId }, tx))) ||
      (c.phone && (await this.find({ phone: c.phone }, tx))) ||
      (c.email && (await this.find({ email: c.email }, tx))) ||
      undefined;
    if (!account) return;
    const tier = await tx.one<{ earn_rate_bp: number }>(
      'SELECT earn_rate_bp FROM membership_tiers WHERE tier_id = $1',
      [account.tier],
    );
    const multipliers = new Map(
      (
        await tx.query<{ category_id: string; multiplier_bp: number }>(
          'SELECT category_id, multiplier_bp FROM category_multipliers',
        )
      ).map((m) => [m.category_id, m.multiplier_bp]),
    );
    // Promotions running when the payment was made: their multiplier on top (the best one wins).
    const promotion = await tx.maybeOne<{ multiplier_bp: number }>(
      `SELECT (rule->>'multiplierBp')::int AS multiplier_bp FROM promotions
       WHERE starts_at <= $1 AND ends_at > $1 ORDER BY (rule->>'multiplierBp')::int DESC LIMIT 1`,
      [p.completedAt],
    );
    // One point per currency unit at the base rate, times the tier's and the category's rates
    // (the same formula a hub estimates with from the rules it holds).
    const points = loyaltyPoints({
      amountCents: p.amountCents,
      categoryAmounts: p.categoryAmounts,
      earnRateBp: Number(tier.earn_rate_bp),
      multiplierBp: (id) => multipliers.get(id) ?? 10_000,
      promotionBp: promotion?.multiplier_bp ?? 10_000,
    });
    if (points <= 0) return;
    await this.#credit(
      tx,
      account,
      points,
      'earn',
      `payment ${p.paymentId}`,
      p.paymentId,
      event.EventId,
    );
  }

  async #credit(
    tx: SqlExecutor,
    account: Account,
    points: number,
    kind: 'earn' | 'adjust',
    reason: string,
    paymentId: string | null,
    sourceEventId: string | null,
  ): Promise<void> {
    const updated = await tx.one<{
      points_balance: string | number;
      lifetime_points: string | number;
    }>(
      `UPDATE loyalty_accounts SET points_balance = points_balance + $2, lifetime_points = lifetime_points + $2,
         updated_at = now() WHERE customer_id = $1 RETURNING points_balance, lifetime_points`,
      [account.customerId, points],
    );
    const balance = Number(updated.points_balance);
    await tx.query(
      `INSERT INTO points_transactions (transaction_id, customer_id, kind, points, balance_after, reason, payment_id, source_event_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [randomUUID(), account.customerId, kind, points, balance, reason, paymentId, sourceEventId],
    );
    await emit(tx, 'loyalty.pointsearned.v1', {
      customerId: account.customerId,
      points,
      balance,
      ...(sourceEventId ? { sourceEventId } : {}),
      ...(paymentId ? { paymentId } : {}),
      ...(account.email ? { email: account.email } : {}),
    } as never);
    // Upgrade to the highest tier the lifetime points reach.
    const next = await tx.maybeOne<{ tier_id: string }>(
      `SELECT tier_id FROM membership_tiers WHERE min_lifetime_points <= $1 ORDER BY min_lifetime_points DESC LIMIT 1`,
      [Number(updated.lifetime_points)],
    );
    if (next && next.tier_id !== account.tier) {
      await tx.query('UPDATE loyalty_accounts SET tier_id = $2 WHERE customer_id = $1', [
        account.customerId,
        next.tier_id,
      ]);
      await emit(tx, 'loyalty.tierupgraded.v1', {
        customerId: account.customerId,
        fromTier: account.tier,
        toTier: next.tier_id,
      } as never);
    }
  }
}
