import { AppError } from '@pos/kit';
import type { Request } from 'express';
import { type JWTVerifyGetKey, errors as joseErrors, jwtVerify } from 'jose';
import type { Account, LedgerEntry, Loyalty, Reward, Tier } from './loyalty.js';
import type { OrderRewards } from './order-rewards.js';

/** A signed-in guest, as their access token from the auth service says (seed §10). */
export interface Customer {
  sub: string;
  email: string;
}

export const CUSTOMER_ROLE = 'customer';
export const NO_POINTS_YET = 'No points yet — order with this email to start earning';

/**
 * The guest's own token, checked here as well as at the gateway (this service is also reached
 * directly): an Ed25519 signature by the auth service's published keys, issuer, audience,
 * expiry, the `customer` role, and an email the guest has confirmed. The account is found by
 * the token's email, never by an ID the caller sends, so a guest only reaches their own.
 */
export async function customerFrom(
  req: Request,
  jwks: JWTVerifyGetKey | undefined,
): Promise<Customer> {
  const match = /^Bearer ([A-Za-z0-9._~+/=-]{1,8192})$/.exec(req.get('authorization') ?? '');
  if (!match?.[1]) {
    throw new AppError('unauthenticated', 'Sign in first', {
      headers: { 'WWW-Authenticate': 'Bearer realm="pos-api"' },
    });
  }
  if (!jwks) throw new AppError('unavailable', 'Sign-in cannot be checked: AUTH_URL is not set');
  let claims: { sub?: unknown; email?: unknown; email_verified?: unknown; roles?: unknown };
  try {
    ({ payload: claims } = await jwtVerify(match[1], jwks, {
      issuer: 'pos-system',
      audience: 'pos-api',
      algorithms: ['EdDSA'],
    }));
  } catch (err) {
    // The auth service's keys could not be fetched: not the guest's fault.
    if (err instanceof joseErrors.JWKSTimeout || !(err instanceof joseErrors.JOSEError)) {
      throw new AppError('unavailable', 'Sign-in cannot be checked right now; try again shortly');
    }
    throw new AppError('unauthenticated', 'The token is not valid or has expired', {
      headers: { 'WWW-Authenticate': 'Bearer realm="pos-api", error="invalid_token"' },
    });
  }
  if (typeof claims.sub !== 'string' || typeof claims.email !== 'string') {
    throw new AppError('unauthenticated', 'The token does not name a customer');
  }
  if (!Array.isArray(claims.roles) || !claims.roles.includes(CUSTOMER_ROLE)) {
    throw new AppError('forbidden', 'This is for customers signed in to their own account');
  }
  // Points are found by email: an address not yet shown to be theirs sees none.
  if (claims.email_verified !== true) {
    throw new AppError(
      'forbidden',
      `Confirm your email first: enter the code sent to ${claims.email}`,
      {
        extra: { reason: 'email-not-verified' },
      },
    );
  }
  return { sub: claims.sub, email: claims.email };
}

export interface TierProgress {
  tier: Tier;
  /** The tier above, with the lifetime points still to earn to reach it; null at the top. */
  nextTier: (Tier & { pointsToGo: number }) | null;
  /** 0–100: how far from the current tier's start to the next one's. */
  percent: number;
}

/**
 * Where an account stands among the tiers (tiers are reached by lifetime points, so spending
 * never moves a guest back). Pure: `tiers` in any order.
 */
export function tierProgress(
  tiers: readonly Tier[],
  currentTierId: string,
  lifetimePoints: number,
): TierProgress {
  const sorted = [...tiers].sort((a, b) => a.minLifetimePoints - b.minLifetimePoints);
  const fallback = sorted[0] ?? {
    tierId: currentTierId,
    name: currentTierId,
    minLifetimePoints: 0,
    earnRateBp: 10_000,
  };
  const tier = sorted.find((t) => t.tierId === currentTierId) ?? fallback;
  const floor = Math.max(tier.minLifetimePoints, lifetimePoints);
  const next = sorted.find((t) => t.minLifetimePoints > floor);
  if (!next) return { tier, nextTier: null, percent: 100 };
  const span = next.minLifetimePoints - tier.minLifetimePoints;
  const done = lifetimePoints - tier.minLifetimePoints;
  const percent = span > 0 ? Math.max(0, Math.min(100, Math.floor((done / span) * 100))) : 0;
  return {
    tier,
    nextTier: { ...next, pointsToGo: next.minLifetimePoints - lifetimePoints },
    percent,
  };
}

export interface HistoryEntry {
  transactionId: string;
  kind: LedgerEntry['kind'];
  points: number;
  balanceAfter: number;
  at: string;
  /** The payment the points were earned for (the guest's reference for that visit). */
  paymentId: string | null;
  description: string;
}

const describe = (e: LedgerEntry): string =>
  e.kind === 'earn'
    ? 'Points for your visit'
    : e.kind === 'redeem'
      ? e.reason.replace(/^reward: /, 'Redeemed: ')
      : e.kind === 'expire'
        ? 'Points expired'
        : e.reason || 'Points adjusted';

export const toHistory = (e: LedgerEntry): HistoryEntry => ({
  transactionId: e.transactionId,
  kind: e.kind,
  points: e.points,
  balanceAfter: e.balanceAfter,
  at: new Date(e.createdAt).toISOString(),
  paymentId: e.paymentId,
  description: describe(e),
});

export interface RewardOffer extends Omit<Reward, 'active'> {
  affordable: boolean;
  /** Points still missing; 0 when affordable. */
  pointsShort: number;
}

/** The rewards a guest can choose from (those offered), with which their balance covers. */
export function offers(rewards: readonly Reward[], balance: number): RewardOffer[] {
  return rewards
    .filter((r) => r.active)
    .map((r) => ({
      rewardId: r.rewardId,
      name: r.name,
      pointsCost: r.pointsCost,
      ...(r.discountCents === undefined ? {} : { discountCents: r.discountCents }),
      affordable: balance >= r.pointsCost,
      pointsShort: Math.max(0, r.pointsCost - balance),
    }));
}

const HISTORY_LIMIT = 50;

/** The guest's own view of the programme: `/api/v1/loyalty/me…` (seed §10). */
export class MyLoyalty {
  constructor(
    private readonly loyalty: Loyalty,
    private readonly orderRewards: OrderRewards,
  ) {}

  /** Set a reward's points aside for the guest's online order (the ordering service asks). */
  async hold(customer: Customer, rewardId: string, orderId: string) {
    const account = await this.account(customer);
    return this.orderRewards.hold(account.customerId, rewardId, orderId);
  }

  /** Let go of the guest's hold for an order that was not placed after all. */
  async release(customer: Customer, orderId: string) {
    const account = await this.account(customer);
    return this.orderRewards.release(account.customerId, orderId);
  }

  async account(customer: Customer): Promise<Account> {
    const account = await this.loyalty.find({ email: customer.email });
    if (!account) throw new AppError('not-found', NO_POINTS_YET);
    return account;
  }

  /** Join the programme with the token's email: a new account, or the one already there. */
  async join(customer: Customer, name: string | undefined): Promise<{ created: boolean }> {
    if (await this.loyalty.find({ email: customer.email })) return { created: false };
    try {
      await this.loyalty.open({ email: customer.email, ...(name ? { name } : {}) });
      return { created: true };
    } catch (err) {
      // Joined twice at once: the other request opened it.
      if (err instanceof AppError && err.code === 'conflict') return { created: false };
      throw err;
    }
  }

  async dashboard(customer: Customer) {
    const account = await this.account(customer);
    const [tiers, ledger] = await Promise.all([
      this.loyalty.tiers(),
      this.loyalty.ledger(account.customerId, HISTORY_LIMIT),
    ]);
    const progress = tierProgress(tiers, account.tier, account.lifetimePoints);
    return {
      customerId: account.customerId,
      name: account.name,
      email: account.email,
      pointsBalance: account.pointsBalance,
      lifetimePoints: account.lifetimePoints,
      tier: { tierId: progress.tier.tierId, name: progress.tier.name },
      nextTier: progress.nextTier && {
        tierId: progress.nextTier.tierId,
        name: progress.nextTier.name,
        minLifetimePoints: progress.nextTier.minLifetimePoints,
        pointsToGo: progress.nextTier.pointsToGo,
      },
      progressPercent: progress.percent,
      history: ledger.map(toHistory),
    };
  }

  async rewards(customer: Customer) {
    const account = await this.account(customer);
    return {
      pointsBalance: account.pointsBalance,
      rewards: offers(await this.loyalty.rewards(), account.pointsBalance),
    };
  }

  /** The existing redemption (one conditional update: never below zero, 409 when short). */
  async redeem(customer: Customer, rewardId: string) {
    const account = await this.account(customer);
    const after = await this.loyalty.redeem(account.customerId, rewardId);
    return { rewardId, pointsBalance: after.pointsBalance };
  }
}
