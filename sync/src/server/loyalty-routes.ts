import { LoyaltyRulesChangedV1 } from '@pos/contracts';
import { AppError, currentCorrelationId, handle, type Logger, parseOrThrow } from '@pos/kit';
import type { SqlDatabase } from '@pos/kit/sql';
import type { Express } from 'express';
import { z } from 'zod';
import type { ChangeFeed } from './feed.js';
import type { Stores } from './stores.js';

// Loyalty for hubs: a cashier looks a guest up by phone or email through the store's hub, and
// the hub asks here with its store credential; this service asks the loyalty service on the
// internal network and answers only what the counter needs. Also makes sure the feed carries
// the programme's earning rules, which hubs estimate points with while offline.

/** As the loyalty service accepts them: digits, spaces, `+`, `-`, parentheses. */
const Phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9 ()-]{6,20}$/, { message: 'a phone number (digits, spaces, +, -, parentheses)' });

export const MemberQuery = z
  .object({
    phone: Phone.optional(),
    email: z.email({ message: 'an email address' }).max(254).optional(),
  })
  .strict()
  .superRefine((q, ctx) => {
    if ((q.phone === undefined) === (q.email === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['phone'], message: 'give a phone or an email (one)' });
    }
  });

/** How long the loyalty service may take; the hub waits a little longer for this service. */
const LOYALTY_TIMEOUT_MS = 2_500;

/** Tells a member who is not there from a path that is not there (a proxy's 404). */
export const NO_MEMBER = 'no-member';

interface LoyaltyAccount {
  customerId: string;
  name: string | null;
  phone: string | null;
  email: string | null;
  tier: string;
  pointsBalance: number;
  lifetimePoints: number;
}

interface LoyaltyTier {
  tierId: string;
  name: string;
  minLifetimePoints: number;
}

/** What a hub is told of a member: enough to greet them and say where they stand. */
export interface MemberSummary {
  customerId: string;
  name: string | null;
  tier: { tierId: string; name: string };
  pointsBalance: number;
  lifetimePoints: number;
  /** The next tier up and the lifetime points still to earn for it; null at the top. */
  nextTier: { tierId: string; name: string; minLifetimePoints: number; pointsToGo: number } | null;
  /** Of the way from the member's tier to the next, 0–100 (100 at the top tier). */
  progressPercent: number;
  /** Masked: enough for the guest to recognise, not to read out. */
  contact: { phone: string | null; email: string | null };
}

/** `+1 (555) 010-0123` → `•••• 0123`. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return `•••• ${digits.slice(digits.length >= 7 ? -4 : -2)}`;
}

/** `ada.lovelace@example.com` → `a•••@e•••.com`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  const dot = domain.lastIndexOf('.');
  const host = dot > 0 ? domain.slice(0, dot) : domain;
  const top = dot > 0 ? domain.slice(dot) : '';
  return `${local.slice(0, 1)}•••@${host.slice(0, 1)}•••${top}`;
}

/** Where an account stands among the tiers (the tiers as the loyalty service lists them). */
export function summarise(account: LoyaltyAccount, tiers: readonly LoyaltyTier[]): MemberSummary {
  const sorted = [...tiers].sort((a, b) => a.minLifetimePoints - b.minLifetimePoints);
  const tier = sorted.find((t) => t.tierId === account.tier);
  const floor = tier?.minLifetimePoints ?? 0;
  const next = sorted.find(
    (t) => t.minLifetimePoints > Math.max(floor, account.lifetimePoints) && t !== tier,
  );
  const progressPercent = next
    ? Math.max(
        0,
        Math.min(
          99,
          Math.floor(
            ((account.lifetimePoints - floor) * 100) / (next.minLifetimePoints - floor || 1),
          ),
        ),
      )
    : 100;
  return {
    customerId: account.customerId,
    name: account.name,
    tier: { tierId: account.tier, name: tier?.name ?? account.tier },
    pointsBalance: account.pointsBalance,
    lifetimePoints: account.lifetimePoints,
    nextTier: next
      ? {
          tierId: next.tierId,
          name: next.name,
          minLifetimePoints: next.minLifetimePoints,
          pointsToGo: next.minLifetimePoints - account.lifetimePoints,
        }
      : null,
    progressPercent,
    contact: {
      phone: account.phone ? maskPhone(account.phone) : null,
      email: account.email ? maskEmail(account.email) : null,
    },
  };
}

export interface LoyaltyRouteDeps {
  db: SqlDatabase;
  stores: Stores;
  feed: ChangeFeed;
  /** The loyalty service on the internal network (`LOYALTY_URL`); lookups answer 503 without. */
  loyaltyUrl: string | undefined;
  logger: Logger;
}

/** The loyalty service, reached directly (its own routes trust the internal network). */
class LoyaltyService {
  constructor(private readonly url: string | undefined) {}

  async get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
    if (!this.url)
      throw new AppError('unavailable', 'Loyalty is not set up here: LOYALTY_URL is not set');
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        headers: { 'x-correlation-id': currentCorrelationId() },
        signal: AbortSignal.timeout(LOYALTY_TIMEOUT_MS),
      });
    } catch {
      throw new AppError('unavailable', 'The loyalty service is not reachable', {
        headers: { 'Retry-After': '5' },
      });
    }
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.status >= 500)
      throw new AppError('unavailable', `The loyalty service answered ${res.status}`, {
        headers: { 'Retry-After': '5' },
      });
    return { status: res.status, body };
  }
}

export function loyaltyRoutes(app: Express, deps: LoyaltyRouteDeps): void {
  const loyalty = new LoyaltyService(deps.loyaltyUrl);
  app.get(
    '/api/v1/sync/loyalty/accounts',
    handle({}, async (_input, req) => {
      // Who asks first: a caller without a store credential learns nothing, not even the rules.
      await deps.stores.authenticate(req);
      const query = parseOrThrow(MemberQuery, req.query, 'query');
      const search = new URLSearchParams(
        query.phone ? { phone: query.phone } : { email: query.email as string },
      );
      const [account, tiers] = await Promise.all([
        loyalty.get(`/api/v1/loyalty/accounts?${search}`),
        loyalty.get('/api/v1/loyalty/tiers'),
      ]);
      if (account.status === 404)
        throw new AppError('not-found', 'No loyalty member with that phone or email', {
          extra: { reason: NO_MEMBER },
        });
      if (account.status === 400)
        throw new AppError('validation', 'The loyalty service did not accept that search', {
          errors: ((account.body.errors as { field: string; message: string }[]) ?? []).map(
            (e) => ({ field: `query.${e.field.replace(/^query\./, '')}`, message: e.message }),
          ),
        });
      if (account.status !== 200 || tiers.status !== 200)
        throw new AppError('unavailable', 'The loyalty service could not answer');
      return summarise(
        account.body as unknown as LoyaltyAccount,
        (tiers.body.tiers ?? []) as LoyaltyTier[],
      );
    }),
  );
  if (deps.loyaltyUrl) void catchUpRules(deps, loyalty);
}

/** Waits between tries to fetch the rules while the loyalty service is not up yet. */
const CATCH_UP_DELAYS_MS = [0, 1_000, 3_000, 10_000, 30_000, 60_000];

/**
 * The loyalty service emits its earning rules when it first starts; a sync service not yet
 * listening on the bus then (a fresh cloud starting together) would never carry them. So at
 * start, when the feed holds no rules, it asks for them once, trying a few times while the
 * loyalty service is not up. Any later change comes down the bus as usual; a hub keeps the
 * highest version, so the same rules arriving both ways do no harm.
 */
async function catchUpRules(deps: LoyaltyRouteDeps, loyalty: LoyaltyService): Promise<void> {
  const log = deps.logger.child({ part: 'loyalty-rules' });
  const inFeed = (tx: Pick<SqlDatabase, 'maybeOne'>) =>
    tx.maybeOne("SELECT 1 FROM change_feed WHERE topic = 'loyalty' AND store_id IS NULL LIMIT 1");
  for (const [attempt, delay] of CATCH_UP_DELAYS_MS.entries()) {
    if (delay > 0) await new Promise((r) => setTimeout(r, delay).unref());
    try {
      if (await inFeed(deps.db)) return;
      const answer = await loyalty.get('/api/v1/loyalty/points/rules');
      if (answer.status === 404) continue; // not published yet: it will be in a moment
      const rules = LoyaltyRulesChangedV1.safeParse(answer.body);
      if (!rules.success) {
        log.error({ issues: rules.error.issues }, 'loyalty rules from the loyalty service refused');
        return;
      }
      const added = await deps.db.transaction(async (tx) => {
        if (await inFeed(tx)) return false;
        await deps.feed.publish(tx, null, 'loyalty', answer.body);
        return true;
      });
      if (added) {
        deps.feed.announce();
        log.info({ version: rules.data.version }, 'loyalty rules added to the feed');
      }
      return;
    } catch (err) {
      if (attempt === CATCH_UP_DELAYS_MS.length - 1)
        log.warn(
          { err: (err as Error).message },
          'loyalty rules not fetched; the next change to them brings them to the hubs',
        );
    }
  }
}
