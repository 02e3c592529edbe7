import { randomUUID } from 'node:crypto';
import { AppError } from '@pos/kit';
import type { SqlDatabase, SqlExecutor } from '@pos/kit/sql';
import { spendOnReward } from './loyalty.js';

// A reward spent on an online order (seed §10: points redeemable at checkout). The points are
// set aside when the order is placed, so a guest cannot spend them twice while paying; they are
// spent once the order is paid (`online.orderpaid.v1`), and come back when the store refuses
// the order (`order.onlinerejected.v1`), the cloud withdraws it (`online.orderwithdrawn.v1`),
// the ordering service lets go of it, or it is never paid (held longer than `HOLD_FOR_MS`).

/** How long points wait for their order to be paid (the ordering service stops taking payment
 * for an order with a reward after an hour, well inside this). */
export const HOLD_FOR_MS = 24 * 60 * 60 * 1_000;

export interface HeldReward {
  orderId: string;
  rewardId: string;
  name: string;
  points: number;
  discountCents: number;
  pointsBalance: number;
}

interface RedemptionRow {
  order_id: string;
  customer_id: string;
  reward_id: string;
  reward_name: string;
  points: string | number;
  discount_cents: string | number;
  status: 'held' | 'spent' | 'returned';
}

export class OrderRewards {
  constructor(private readonly db: SqlDatabase) {}

  /**
   * Set the reward's points aside for an order: one conditional update (never below zero; 409
   * when short). The same order asking again gets the same hold; another reward for it, 409.
   */
  async hold(customerId: string, rewardId: string, orderId: string): Promise<HeldReward> {
    return this.db.transaction(async (tx) => {
      const earlier = await tx.maybeOne<RedemptionRow>(
        'SELECT * FROM order_redemptions WHERE order_id = $1 FOR UPDATE',
        [orderId],
      );
      if (earlier) {
        if (earlier.customer_id !== customerId || earlier.reward_id !== rewardId) {
          throw new AppError('conflict', 'This order already has another reward');
        }
        if (earlier.status === 'returned') {
          throw new AppError('conflict', 'This reward was let go of; place the order again');
        }
        return this.#held(tx, earlier);
      }
      const reward = await tx.maybeOne<{
        name: string;
        points_cost: string | number;
        discount_cents: string | number | null;
      }>('SELECT name, points_cost, discount_cents FROM rewards WHERE reward_id = $1 AND active', [
        rewardId,
      ]);
      if (!reward) throw new AppError('not-found', `No reward ${rewardId}`);
      if (reward.discount_cents === null) {
        throw new AppError('conflict', `${reward.name} is given at the counter, not online`);
      }
      const cost = Number(reward.points_cost);
      const updated = await spendOnReward(
        tx,
        customerId,
        { rewardId, cost },
        `reward: ${reward.name} (online order)`,
      );
      if (!updated) throw new AppError('conflict', `Not enough points for ${reward.name}`);
      const row = await tx.one<RedemptionRow>(
        `INSERT INTO order_redemptions
           (order_id, customer_id, reward_id, reward_name, points, discount_cents, status)
         VALUES ($1, $2, $3, $4, $5, $6, 'held') RETURNING *`,
        [orderId, customerId, rewardId, reward.name, cost, reward.discount_cents],
      );
      return this.#held(tx, row);
    });
  }

  /** The order was paid: the points are spent (whatever happens to it, they come back only
   * when it is refused or withdrawn). Inside the consumer's transaction. */
  async spend(orderId: string, tx: SqlExecutor): Promise<void> {
    await tx.query(
      `UPDATE order_redemptions SET status = 'spent', settled_at = now()
       WHERE order_id = $1 AND status = 'held'`,
      [orderId],
    );
  }

  /** Give the points back, once: the order was refused, withdrawn, let go of or never paid. */
  async giveBack(orderId: string, why: string, tx: SqlExecutor): Promise<boolean> {
    const row = await tx.maybeOne<RedemptionRow>(
      `UPDATE order_redemptions SET status = 'returned', settled_at = now()
       WHERE order_id = $1 AND status IN ('held', 'spent') RETURNING *`,
      [orderId],
    );
    if (!row) return false;
    const points = Number(row.points);
    if (points === 0) return true;
    const updated = await tx.one<{ points_balance: string | number }>(
      `UPDATE loyalty_accounts SET points_balance = points_balance + $2, updated_at = now()
       WHERE customer_id = $1 RETURNING points_balance`,
      [row.customer_id, points],
    );
    await tx.query(
      `INSERT INTO points_transactions (transaction_id, customer_id, kind, points, balance_after, reason)
       VALUES ($1, $2, 'adjust', $3, $4, $5)`,
      [
        randomUUID(),
        row.customer_id,
        points,
        Number(updated.points_balance),
        `reward returned: ${row.reward_name} (${why})`,
      ],
    );
    return true;
  }

  /** A guest's own hold let go of before the order was taken (the order was not placed). */
  async release(customerId: string, orderId: string): Promise<{ returned: boolean }> {
    return this.db.transaction(async (tx) => {
      const row = await tx.maybeOne<RedemptionRow>(
        'SELECT * FROM order_redemptions WHERE order_id = $1 FOR UPDATE',
        [orderId],
      );
      if (!row || row.customer_id !== customerId) {
        throw new AppError('not-found', `No reward held for order ${orderId}`);
      }
      if (row.status === 'spent') {
        throw new AppError('conflict', 'The order is paid; its reward is spent');
      }
      return { returned: await this.giveBack(orderId, 'order not placed', tx) };
    });
  }

  /** Holds whose order was never paid, returned (a sweep). */
  async returnStale(now = Date.now(), holdForMs = HOLD_FOR_MS): Promise<number> {
    return this.db.transaction(async (tx) => {
      const stale = await tx.query<{ order_id: string }>(
        `SELECT order_id FROM order_redemptions WHERE status = 'held' AND created_at < $1
         ORDER BY created_at LIMIT 100 FOR UPDATE SKIP LOCKED`,
        [new Date(now - holdForMs).toISOString()],
      );
      for (const r of stale) await this.giveBack(r.order_id, 'order never paid', tx);
      return stale.length;
    });
  }

  async #held(tx: SqlExecutor, row: RedemptionRow): Promise<HeldReward> {
    const account = await tx.one<{ points_balance: string | number }>(
      'SELECT points_balance FROM loyalty_accounts WHERE customer_id = $1',
      [row.customer_id],
    );
    return {
      orderId: row.order_id,
      rewardId: row.reward_id,
      name: row.reward_name,
      points: Number(row.points),
      discountCents: Number(row.discount_cents),
      pointsBalance: Number(account.points_balance),
    };
  }
}
