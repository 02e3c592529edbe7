import { ONLINE_ORDERING_USER } from '@pos/contracts';
import { AppError } from '@pos/kit';
import { hasRole } from './access.js';
import type { StaffPrincipal } from './sessions.js';
import type { Approvals } from './staff-service.js';

/** Who is acting and from where (for manager approval and PIN throttling). */
export interface Actor {
  staff: StaffPrincipal;
  source: string;
}

/** Who takes and answers for online orders on the hub: online ordering, not a person. */
export const ONLINE_TAKER = 'online-ordering';

/** Online ordering as an actor, for what it records with no one at the till. */
export const ONLINE_ACTOR: Actor = {
  staff: { userId: ONLINE_ORDERING_USER, name: 'Online ordering', roles: [], sessionId: 'online' },
  source: 'online',
};

/**
 * A manager's say-so for something a cashier may not do alone (a void, a big discount, a
 * refund, an offline card payment over the cap). Resolves to the approving manager's id, or
 * null when the actor is a manager already; a 403 (or 429 after too many wrong PINs) otherwise.
 */
export async function managerApproval(
  approvals: Approvals,
  actor: Actor,
  approval: { managerPin: string } | undefined,
  what: string,
): Promise<string | null> {
  if (hasRole(actor.staff, 'manager')) return null;
  if (!approval) {
    throw new AppError('forbidden', `A manager must approve ${what}`, {
      extra: { needsApproval: true },
    });
  }
  const check = await approvals.approve(approval.managerPin, actor.source);
  if (check.ok) return check.staff.id;
  if (check.reason === 'locked') {
    const seconds = Math.ceil((check.retryAfterMs ?? 0) / 1000);
    throw new AppError('rate-limited', `Too many wrong PINs; try again in ${seconds} s`, {
      headers: { 'Retry-After': String(seconds) },
    });
  }
  throw new AppError('forbidden', 'That is not a manager PIN', {
    extra: { needsApproval: true },
  });
}
