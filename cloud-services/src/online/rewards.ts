import { AppError } from '@pos/kit';
import { z } from 'zod';

// The loyalty service as online ordering uses it: a signed-in guest's reward held for an order
// (`POST /api/v1/loyalty/me/rewards/hold`) and let go of when the order is not placed after all.
// Each call carries the guest's own token, so loyalty checks whose points they are.

const Held = z.object({
  orderId: z.string(),
  rewardId: z.string(),
  name: z.string(),
  points: z.number().int().min(0),
  discountCents: z.number().int().min(1),
  pointsBalance: z.number().int(),
});
export type HeldReward = z.infer<typeof Held>;

const TIMEOUT_MS = 5_000;

export interface RewardHolder {
  hold(guestToken: string, rewardId: string, orderId: string): Promise<HeldReward>;
  release(guestToken: string, orderId: string): Promise<void>;
}

/** Over HTTP to the loyalty service (`LOYALTY_URL`). */
export class LoyaltyRewards implements RewardHolder {
  private readonly base: string;

  constructor(loyaltyUrl: string) {
    this.base = loyaltyUrl.replace(/\/$/, '');
  }

  async hold(guestToken: string, rewardId: string, orderId: string): Promise<HeldReward> {
    const body = await this.#post(guestToken, '/api/v1/loyalty/me/rewards/hold', {
      rewardId,
      orderId,
    });
    const held = Held.safeParse(body);
    if (!held.success) throw unavailable();
    return held.data;
  }

  async release(guestToken: string, orderId: string): Promise<void> {
    await this.#post(guestToken, '/api/v1/loyalty/me/rewards/release', { orderId });
  }

  /** The loyalty service's answer; its 4xx become ours (said about the reward), 5xx a 503. */
  async #post(guestToken: string, path: string, body: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${guestToken}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch {
      throw unavailable();
    }
    const answer = (await res.json().catch(() => ({}))) as { detail?: string };
    if (res.ok) return answer;
    const detail = answer.detail ?? 'The reward cannot be used';
    switch (res.status) {
      case 401:
        throw new AppError('unauthenticated', 'Sign in again to use your points', {
          headers: { 'WWW-Authenticate': 'Bearer realm="pos-api"' },
        });
      case 403:
        throw new AppError('forbidden', 'Only a signed-in guest can use their points');
      case 404:
      case 409:
        throw new AppError(res.status === 404 ? 'validation' : 'conflict', detail, {
          errors: [{ field: 'rewardId', message: detail }],
        });
      default:
        throw unavailable();
    }
  }
}

const unavailable = () =>
  new AppError('unavailable', 'Points cannot be used just now; try again, or order without', {
    headers: { 'Retry-After': '5' },
  });
