import { randomUUID } from 'node:crypto';
import { makeEvent, uuidv7 } from '@pos/contracts';
import { createLogger } from '@pos/kit';
import { PgDatabase, SharedPglite, type SqlDatabase, type StartedService } from '@pos/kit/sql';
import { lazyTestDatabase } from '@pos/kit/sql/testing';
import { createLocalJWKSet, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Loyalty } from './loyalty.js';
import { NO_POINTS_YET, offers, tierProgress } from './me.js';
import { HOLD_FOR_MS, OrderRewards } from './order-rewards.js';
import { startLoyaltyService } from './service.js';

// The signed-in guest's own loyalty account (seed §10), on PGlite and on real PostgreSQL: found
// by the verified token's email only, tier progress, history, rewards they can afford, and
// redemptions that are idempotent, never overdraw and never touch another guest's account.

const logger = createLogger({ service: 'loyalty-me-test', level: 'silent' });
const pglite = new SharedPglite({ logger });
const pg = lazyTestDatabase('pos_loyalty_me_test');

const TIERS = [
  { tierId: 'gold', name: 'Gold', minLifetimePoints: 1500, earnRateBp: 15_000 },
  { tierId: 'base', name: 'Member', minLifetimePoints: 0, earnRateBp: 10_000 },
  { tierId: 'silver', name: 'Silver', minLifetimePoints: 500, earnRateBp: 12_500 },
];

describe('tier progress and offers (pure)', () => {
  it('names the next tier with the points to go, and 100% at the top', () => {
    expect(tierProgress(TIERS, 'base', 0)).toMatchObject({
      tier: { tierId: 'base' },
      nextTier: { tierId: 'silver', pointsToGo: 500 },
      percent: 0,
    });
    expect(tierProgress(TIERS, 'silver', 600)).toMatchObject({
      tier: { tierId: 'silver' },
      nextTier: { tierId: 'gold', pointsToGo: 900 },
      percent: 10,
    });
    expect(tierProgress(TIERS, 'base', 250).percent).toBe(50);
    expect(tierProgress(TIERS, 'gold', 2000)).toMatchObject({ nextTier: null, percent: 100 });
  });

  it('offers only active rewards, saying which the balance covers', () => {
    const rewards = [
      { rewardId: 'a', name: 'A', pointsCost: 100, active: true },
      { rewardId: 'b', name: 'B', pointsCost: 300, active: true },
      { rewardId: 'c', name: 'C', pointsCost: 1, active: false },
    ];
    expect(offers(rewards, 150)).toEqual([
      { rewardId: 'a', name: 'A', pointsCost: 100, affordable: true, pointsShort: 0 },
      { rewardId: 'b', name: 'B', pointsCost: 300, affordable: false, pointsShort: 150 },
    ]);
  });
});

// A key pair standing in for the auth service's (the service verifies against its JWKS).
const keys = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
const publicJwk: JWK = { ...(await exportJWK(keys.publicKey)), kid: 'test-key', alg: 'EdDSA' };
const otherKeys = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
const jwks = createLocalJWKSet({ keys: [publicJwk] });

async function token(
  email: string,
  roles = ['customer'],
  key = keys.privateKey,
  expires = '5m',
  verified = true,
): Promise<string> {
  return new SignJWT({ email, email_verified: verified, roles })
    .setProtectedHeader({ alg: 'EdDSA', kid: 'test-key', typ: 'JWT' })
    .setSubject(randomUUID())
    .setIssuer('pos-system')
    .setAudience('pos-api')
    .setIssuedAt()
    .setExpirationTime(expires)
    .sign(key);
}

const targets = [
  {
    kind: 'pglite',
    start: () =>
      startLoyaltyService(
        { env: {}, embedded: pglite, host: '127.0.0.1', port: 0, logger },
        { jwks },
      ),
    db: async () => pglite.database('loyalty'),
  },
  {
    kind: 'postgres',
    start: async () =>
      startLoyaltyService(
        {
          env: { LOYALTY_DATABASE_URL: (await pg.get()).url },
          host: '127.0.0.1',
          port: 0,
          logger,
        },
        { jwks },
      ),
    db: async () => PgDatabase.open({ url: (await pg.get()).url }),
  },
] as const;

afterAll(async () => {
  await pglite.close();
  await pg.dispose();
});

for (const target of targets) {
  describe(`a guest's own loyalty account on ${target.kind}`, () => {
    let svc: StartedService;
    let db: SqlDatabase;
    beforeAll(async () => {
      svc = await target.start();
      db = await target.db();
    });
    afterAll(async () => {
      await svc?.stop();
      if (target.kind === 'postgres') await db?.close();
    });

    const call = async (
      method: string,
      path: string,
      bearer: string | undefined,
      body?: unknown,
      headers: Record<string, string> = {},
    ) => {
      const res = await fetch(`${svc.url}${path}`, {
        method,
        headers: {
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return {
        status: res.status,
        body: text ? JSON.parse(text) : undefined,
        headers: res.headers,
      };
    };
    const email = (who: string) => `${who}-${target.kind}-${Date.now()}@Example.com`;
    /** A payment from a hub for this email, applied as the bus consumer applies it. */
    const pay = async (to: string, amountCents: number, eventId = uuidv7()) => {
      const event = makeEvent(
        'payment.completed.v1',
        {
          paymentId: uuidv7(),
          orderId: uuidv7(),
          tender: 'card',
          amountCents,
          tipCents: 0,
          currency: 'USD',
          card: { brand: 'visa', last4: '4242', offline: false },
          customer: { email: to },
          categoryAmounts: [{ categoryId: 'mains', amountCents }],
          completedAt: new Date().toISOString(),
        } as never,
        { source: 'payments-service', correlationId: uuidv7() as never, eventId: eventId as never },
      );
      await db.transaction((tx) => new Loyalty(db).earn(event as never, tx));
      return event;
    };

    it('asks for a valid customer token', async () => {
      expect((await call('GET', '/api/v1/loyalty/me', undefined)).status).toBe(401);
      const forged = await token(email('forged'), ['customer'], otherKeys.privateKey);
      expect((await call('GET', '/api/v1/loyalty/me', forged)).status).toBe(401);
      const expired = await token(email('late'), ['customer'], keys.privateKey, '-1m');
      expect((await call('GET', '/api/v1/loyalty/me', expired)).status).toBe(401);
      const cashier = await token(email('cashier'), ['cashier']);
      expect((await call('GET', '/api/v1/loyalty/me', cashier)).status).toBe(403);
      // An email not yet confirmed sees no points (anyone could register someone else's).
      const unconfirmed = await token(email('new'), ['customer'], keys.privateKey, '5m', false);
      const refused = await call('GET', '/api/v1/loyalty/me', unconfirmed);
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ reason: 'email-not-verified' });
    });

    it('says there are no points yet, then shows the account once joined', async () => {
      const ana = email('ana');
      const t = await token(ana);
      const none = await call('GET', '/api/v1/loyalty/me', t);
      expect(none.status).toBe(404);
      expect(none.body.detail).toBe(NO_POINTS_YET);
      expect((await call('GET', '/api/v1/loyalty/me/rewards', t)).status).toBe(404);

      const joined = await call('POST', '/api/v1/loyalty/me', t, { name: 'Ana' });
      expect(joined.status).toBe(201);
      expect(joined.body).toMatchObject({
        name: 'Ana',
        pointsBalance: 0,
        tier: { tierId: 'base', name: 'Member' },
        nextTier: { tierId: 'silver', pointsToGo: 500 },
        progressPercent: 0,
        history: [],
      });
      expect((await call('POST', '/api/v1/loyalty/me', t, {})).status).toBe(200);
      // The account is found by the email whatever its case.
      const lower = await call('GET', '/api/v1/loyalty/me', await token(ana.toLowerCase()));
      expect(lower.body.customerId).toBe(joined.body.customerId);
    });

    it('shows balance, tier, progress and history; a payment delivered twice earns once', async () => {
      const ben = email('ben');
      const t = await token(ben);
      await call('POST', '/api/v1/loyalty/me', t, {});
      const first = await pay(ben, 60_000); // $600: 600 points, Silver
      await pay(ben, 60_000, first.EventId); // the same event again
      const me = await call('GET', '/api/v1/loyalty/me', t);
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({
        pointsBalance: 600,
        lifetimePoints: 600,
        tier: { tierId: 'silver', name: 'Silver' },
        nextTier: { tierId: 'gold', pointsToGo: 900 },
        progressPercent: 10,
      });
      expect(me.body.history).toEqual([
        expect.objectContaining({
          kind: 'earn',
          points: 600,
          balanceAfter: 600,
          paymentId: first.Payload.paymentId,
          description: 'Points for your visit',
        }),
      ]);
      expect(Date.parse(me.body.history[0].at)).toBeGreaterThan(Date.now() - 60_000);
      expect(me.headers.get('cache-control')).toBe('no-store');

      const rewards = await call('GET', '/api/v1/loyalty/me/rewards', t);
      expect(rewards.body.pointsBalance).toBe(600);
      expect(rewards.body.rewards).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ rewardId: 'free-coffee', pointsCost: 150, affordable: true }),
          expect.objectContaining({ rewardId: 'free-dessert', pointsCost: 400, affordable: true }),
        ]),
      );
    });

    it('redeems once per Idempotency-Key, never overdraws, and 409s when short', async () => {
      const cy = email('cy');
      const t = await token(cy);
      await call('POST', '/api/v1/loyalty/me', t, {});
      await pay(cy, 45_000); // 450 points: three coffees
      const redeem = (key: string | undefined, rewardId = 'free-coffee') =>
        call(
          'POST',
          '/api/v1/loyalty/me/rewards/redeem',
          t,
          { rewardId },
          key ? { 'idempotency-key': key } : {},
        );
      expect((await redeem(undefined)).status).toBe(400);
      // A double-click: the same key twice at once, then once more: one redemption.
      const key = randomUUID();
      const twice = await Promise.all([redeem(key), redeem(key)]);
      expect(twice.map((r) => r.status).sort()).toEqual(
        twice.some((r) => r.status === 409) ? [200, 409] : [200, 200],
      );
      const again = await redeem(key);
      expect(again.status).toBe(200);
      expect(again.body.pointsBalance).toBe(300);
      // Different keys at once: the balance covers two more, the rest are refused.
      const many = await Promise.all(Array.from({ length: 4 }, () => redeem(randomUUID())));
      expect(many.map((r) => r.status).sort()).toEqual([200, 200, 409, 409]);
      const short = many.find((r) => r.status === 409);
      expect(short?.body.detail).toMatch(/Not enough points/);
      const me = await call('GET', '/api/v1/loyalty/me', t);
      expect(me.body.pointsBalance).toBe(0);
      expect(me.body.history.filter((h: { kind: string }) => h.kind === 'redeem')).toHaveLength(3);
      expect(me.body.history[0]).toMatchObject({
        kind: 'redeem',
        points: -150,
        description: 'Redeemed: A coffee on the house',
      });
      expect((await redeem(randomUUID(), 'no-such-reward')).status).toBe(404);
      const bad = await call(
        'POST',
        '/api/v1/loyalty/me/rewards/redeem',
        t,
        { rewardId: 'free-coffee', customerId: randomUUID() },
        { 'idempotency-key': randomUUID() },
      );
      expect(bad.status).toBe(400);
    });

    it("never shows or spends another guest's points", async () => {
      const dee = email('dee');
      const eve = email('eve');
      const tDee = await token(dee);
      const tEve = await token(eve);
      await call('POST', '/api/v1/loyalty/me', tDee, {});
      await pay(dee, 30_000);
      expect((await call('GET', '/api/v1/loyalty/me', tEve)).status).toBe(404);
      // The same Idempotency-Key from another guest is that guest's own request.
      const key = randomUUID();
      const deeRedeems = await call(
        'POST',
        '/api/v1/loyalty/me/rewards/redeem',
        tDee,
        { rewardId: 'free-coffee' },
        { 'idempotency-key': key },
      );
      expect(deeRedeems.status).toBe(200);
      const eveTries = await call(
        'POST',
        '/api/v1/loyalty/me/rewards/redeem',
        tEve,
        { rewardId: 'free-coffee' },
        { 'idempotency-key': key },
      );
      expect(eveTries.status).toBe(404);
      expect(eveTries.headers.get('idempotent-replayed')).toBeNull();
      expect((await call('GET', '/api/v1/loyalty/me', tDee)).body.pointsBalance).toBe(150);
    });

    it('holds a reward for an online order once, and gives the points back once', async () => {
      const who = email('fay');
      const t = await token(who);
      expect((await call('POST', '/api/v1/loyalty/me', t, { name: 'Fay' })).status).toBe(201);
      await pay(who, 50_000); // 500 points
      const loyalty = new Loyalty(db);
      await loyalty.saveReward({
        rewardId: 'five-off',
        name: '$5 off',
        pointsCost: 300,
        active: true,
        discountCents: 500,
      });
      await loyalty.saveReward({
        rewardId: 'tote-bag',
        name: 'Tote bag',
        pointsCost: 10,
        active: true,
      });
      const orderId = uuidv7();
      const hold = (rewardId: string, order = orderId, as = t) =>
        call('POST', '/api/v1/loyalty/me/rewards/hold', as, { rewardId, orderId: order });
      const balance = async () => (await call('GET', '/api/v1/loyalty/me', t)).body.pointsBalance;

      const held = await hold('five-off');
      expect(held.status, JSON.stringify(held.body)).toBe(200);
      expect(held.body).toMatchObject({ orderId, name: '$5 off', points: 300, discountCents: 500 });
      expect(held.body.pointsBalance).toBe(200);
      // Asked again for the same order (a retried checkout): the same hold, charged once.
      expect((await hold('five-off')).body.pointsBalance).toBe(200);
      expect(await balance()).toBe(200);
      // One reward per order; a counter-only reward is not spent online; nor are points missing.
      expect((await hold('tote-bag')).status).toBe(409);
      expect((await hold('tote-bag', uuidv7())).status).toBe(409);
      expect((await hold('five-off', uuidv7())).status).toBe(409);
      expect((await hold('no-such-reward', uuidv7())).status).toBe(404);
      // Another guest cannot touch this order's hold.
      const other = email('gus');
      const tOther = await token(other);
      await call('POST', '/api/v1/loyalty/me', tOther, {});
      expect(
        (await call('POST', '/api/v1/loyalty/me/rewards/release', tOther, { orderId })).status,
      ).toBe(404);
      expect((await hold('five-off', orderId, tOther)).status).toBe(409);

      // The order was not placed after all: the points come back, once.
      const released = await call('POST', '/api/v1/loyalty/me/rewards/release', t, { orderId });
      expect(released.body).toEqual({ returned: true });
      expect(
        (await call('POST', '/api/v1/loyalty/me/rewards/release', t, { orderId })).body,
      ).toEqual({ returned: false });
      expect(await balance()).toBe(500);
      expect((await hold('five-off')).status).toBe(409);

      // Paid, then refused by the store: spent, then back, once however often the event comes.
      const rewards = new OrderRewards(db);
      const paidOrder = uuidv7();
      expect((await hold('five-off', paidOrder)).status).toBe(200);
      await db.transaction((tx) => rewards.spend(paidOrder, tx));
      expect(
        (await call('POST', '/api/v1/loyalty/me/rewards/release', t, { orderId: paidOrder }))
          .status,
      ).toBe(409);
      expect(await db.transaction((tx) => rewards.giveBack(paidOrder, 'order refused', tx))).toBe(
        true,
      );
      expect(await db.transaction((tx) => rewards.giveBack(paidOrder, 'order refused', tx))).toBe(
        false,
      );
      expect(await balance()).toBe(500);
      const history = (await call('GET', '/api/v1/loyalty/me', t)).body.history as {
        points: number;
      }[];
      expect(history.map((h) => h.points)).toEqual(expect.arrayContaining([-300, 300]));

      // Never paid: back after a day.
      const abandoned = uuidv7();
      expect((await hold('five-off', abandoned)).status).toBe(200);
      expect(await rewards.returnStale(Date.now())).toBe(0);
      expect(await rewards.returnStale(Date.now() + HOLD_FOR_MS + 60_000)).toBeGreaterThanOrEqual(
        1,
      );
      expect(await balance()).toBe(500);
    });
  });
}

describe('when the auth service cannot be reached', () => {
  it('answers 503, not 401: the guest did nothing wrong', async () => {
    const svc = await startLoyaltyService(
      { env: {}, embedded: pglite, host: '127.0.0.1', port: 0, logger },
      { authUrl: 'http://127.0.0.1:9' },
    );
    try {
      const res = await fetch(`${svc.url}/api/v1/loyalty/me`, {
        headers: { authorization: `Bearer ${await token('x@example.com')}` },
      });
      expect(res.status).toBe(503);
    } finally {
      await svc.stop();
    }
  });
});
