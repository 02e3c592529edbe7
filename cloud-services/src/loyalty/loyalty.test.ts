import { makeEvent, parseEvent, uuidv7 } from '@pos/contracts';
import { createLogger } from '@pos/kit';
import {
  CLOUD_EXCHANGE,
  listDeadLetters,
  PgDatabase,
  replayDeadLetters,
  SharedPglite,
  type SqlDatabase,
  type StartedService,
} from '@pos/kit/sql';
import { lazyTestDatabase } from '@pos/kit/sql/testing';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Loyalty } from './loyalty.js';
import { startLoyaltyService } from './service.js';

// Loyalty on real PostgreSQL and on PGlite, fed by payment events over real RabbitMQ: points
// earned once however often an event is delivered, no negative balance under concurrent
// redemptions, tiers, the earning rules emitted with every change to them, and dead letters
// that can be listed and replayed.

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const logger = createLogger({ service: 'loyalty-test', level: 'silent' });
const pglite = new SharedPglite({ logger });
const pg = lazyTestDatabase('pos_loyalty_test');
let connection: amqp.ChannelModel;
let publisher: amqp.ConfirmChannel;

beforeAll(async () => {
  connection = await amqp.connect(AMQP_URL);
  publisher = await connection.createConfirmChannel();
  await publisher.assertExchange(CLOUD_EXCHANGE, 'topic', { durable: true });
});
afterAll(async () => {
  await connection?.close();
  await pglite.close();
  await pg.dispose();
});

const targets = [
  {
    kind: 'postgres',
    start: async () =>
      startLoyaltyService({
        env: { AMQP_URL, LOYALTY_DATABASE_URL: (await pg.get()).url },
        host: '127.0.0.1',
        port: 0,
        logger,
      }),
    db: async () => PgDatabase.open({ url: (await pg.get()).url }),
  },
  {
    kind: 'pglite',
    start: () =>
      startLoyaltyService({
        env: { AMQP_URL },
        embedded: pglite,
        host: '127.0.0.1',
        port: 0,
        logger,
      }),
    db: async () => pglite.database('loyalty'),
  },
] as const;

function payment(phone: string, amountCents: number, eventId = uuidv7(), completedAt = new Date()) {
  return makeEvent(
    'payment.completed.v1',
    {
      paymentId: uuidv7(),
      orderId: uuidv7(),
      tender: 'card',
      amountCents,
      tipCents: 0,
      currency: 'USD',
      card: { brand: 'visa', last4: '4242', offline: false },
      customer: { phone },
      categoryAmounts: [{ categoryId: 'mains', amountCents }],
      completedAt: completedAt.toISOString(),
    } as never,
    { source: 'payments-service', correlationId: uuidv7() as never, eventId: eventId as never },
  );
}

async function publish(event: unknown) {
  publisher.publish(CLOUD_EXCHANGE, 'payment.completed.v1', Buffer.from(JSON.stringify(event)), {
    persistent: true,
  });
  await publisher.waitForConfirms();
}

for (const target of targets) {
  describe(`loyalty on ${target.kind}`, () => {
    let svc: StartedService;
    let db: SqlDatabase;
    beforeAll(async () => {
      svc = await target.start();
      db = await target.db();
      // Wait until the consumer's queue exists and is bound.
      await new Promise((r) => setTimeout(r, 500));
    });
    afterAll(async () => {
      await svc?.stop();
      if (target.kind === 'postgres') await db?.close();
    });

    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${svc.url}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };
    const balance = async (customerId: string) =>
      (await call('GET', `/api/v1/loyalty/accounts/${customerId}`)).body as {
        pointsBalance: number;
        tier: string;
        lifetimePoints: number;
      };
    const until = async (check: () => Promise<boolean>) => {
      const end = Date.now() + 10_000;
      while (!(await check())) {
        if (Date.now() > end) throw new Error('not in time');
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    it('opens accounts by phone or email and finds them again', async () => {
      const phone = `+1555${Math.floor(Math.random() * 1e7)}`;
      const opened = await call('POST', '/api/v1/loyalty/accounts', { name: 'Ada', phone });
      expect(opened.status).toBe(201);
      expect((await call('POST', '/api/v1/loyalty/accounts', { phone })).status).toBe(409);
      expect((await call('POST', '/api/v1/loyalty/accounts', { name: 'nobody' })).status).toBe(400);
      const found = await call(
        'GET',
        `/api/v1/loyalty/accounts?phone=${encodeURIComponent(phone)}`,
      );
      expect(found.body.customerId).toBe(opened.body.customerId);
    });

    it('earns once for a payment delivered twice, and moves up a tier', async () => {
      const phone = `+1666${Math.floor(Math.random() * 1e7)}`;
      const { body: account } = await call('POST', '/api/v1/loyalty/accounts', { phone });
      const event = payment(phone, 60_000); // $600: 600 points, enough for silver
      await publish(event);
      await publish(event); // sync delivered it again
      await until(async () => (await balance(account.customerId)).pointsBalance > 0);
      await new Promise((r) => setTimeout(r, 300));
      const after = await balance(account.customerId);
      expect(after.pointsBalance).toBe(600);
      expect(after.tier).toBe('silver');
      const ledger = await db.query(
        'SELECT points FROM points_transactions WHERE source_event_id = $1',
        [event.EventId],
      );
      expect(ledger).toHaveLength(1);
      const events = await db.query<{ event_type: string }>(
        'SELECT event_type FROM loyalty_outbox ORDER BY seq',
      );
      expect(events.map((e) => e.event_type)).toEqual(
        expect.arrayContaining(['loyalty.pointsearned.v1', 'loyalty.tierupgraded.v1']),
      );
    });

    it('applies category multipliers and promotions running when the payment was made', async () => {
      const phone = `+1888${Math.floor(Math.random() * 1e7)}`;
      const { body: account } = await call('POST', '/api/v1/loyalty/accounts', { phone });
      expect(
        (await call('PUT', '/api/v1/loyalty/multipliers/mains', { multiplierBp: 20_000 })).status,
      ).toBe(200);
      const now = Date.now();
      const promo = await call('POST', '/api/v1/loyalty/promotions', {
        promotionId: `happy-${target.kind}-${now}`,
        name: 'Triple points week',
        // A window in the past, so it touches only the payment made in it below.
        startsAt: new Date(now - 3 * 3_600_000).toISOString(),
        endsAt: new Date(now - 2 * 3_600_000).toISOString(),
        multiplierBp: 30_000,
      });
      expect(promo.status).toBe(201);
      const backwards = await call('POST', '/api/v1/loyalty/promotions', {
        promotionId: 'backwards',
        name: 'x',
        startsAt: new Date(now).toISOString(),
        endsAt: new Date(now - 1).toISOString(),
        multiplierBp: 20_000,
      });
      expect(backwards.status).toBe(400);
      // $10 of mains paid during the promotion: 10 × 2 (mains) × 3 (promotion).
      await publish(payment(phone, 1_000, uuidv7(), new Date(now - 2.5 * 3_600_000)));
      await until(async () => (await balance(account.customerId)).pointsBalance > 0);
      expect((await balance(account.customerId)).pointsBalance).toBe(60);
      await call('PUT', '/api/v1/loyalty/multipliers/mains', { multiplierBp: 10_000 });
    });

    it('never lets concurrent redemptions take the balance below zero', async () => {
      const { body: account } = await call('POST', '/api/v1/loyalty/accounts', {
        email: `r${Date.now()}@example.com`,
      });
      await call('POST', '/api/v1/loyalty/points/add', {
        customerId: account.customerId,
        points: 450,
        reason: 'welcome',
      });
      const results = await Promise.all(
        Array.from({ length: 5 }, () =>
          call('POST', '/api/v1/loyalty/rewards/redeem', {
            customerId: account.customerId,
            rewardId: 'free-coffee',
          }),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 409, 409]);
      expect((await balance(account.customerId)).pointsBalance).toBe(0);
      const missing = await call('POST', '/api/v1/loyalty/rewards/redeem', {
        customerId: account.customerId,
        rewardId: 'no-such-reward',
      });
      expect(missing.status).toBe(404);
    });

    it('reads and changes tiers, rewards and multipliers, with field errors and conflicts', async () => {
      const tiers = await call('GET', '/api/v1/loyalty/tiers');
      expect(tiers.body.tiers.map((t: { tierId: string }) => t.tierId)).toEqual(
        expect.arrayContaining(['base', 'silver', 'gold']),
      );
      expect(tiers.body.tiers[0]).toMatchObject({ tierId: 'base', minLifetimePoints: 0 });

      const tierId = `platinum-${target.kind}`;
      const platinum = await call('PUT', `/api/v1/loyalty/tiers/${tierId}`, {
        name: 'Platinum',
        minLifetimePoints: 5_000,
        earnRateBp: 20_000,
      });
      expect(platinum.status).toBe(200);
      expect(platinum.body).toEqual({
        tierId,
        name: 'Platinum',
        minLifetimePoints: 5_000,
        earnRateBp: 20_000,
      });
      const renamed = await call('PUT', `/api/v1/loyalty/tiers/${tierId}`, {
        name: 'Platinum club',
        minLifetimePoints: 5_000,
        earnRateBp: 25_000,
      });
      expect(renamed.body.earnRateBp).toBe(25_000);
      const listed = (await call('GET', '/api/v1/loyalty/tiers')).body.tiers as {
        tierId: string;
        name: string;
      }[];
      expect(listed.filter((t) => t.tierId === tierId).map((t) => t.name)).toEqual([
        'Platinum club',
      ]);

      const clash = await call('PUT', '/api/v1/loyalty/tiers/copper', {
        name: 'Copper',
        minLifetimePoints: 500,
        earnRateBp: 11_000,
      });
      expect(clash.status).toBe(409);
      const baseMoved = await call('PUT', '/api/v1/loyalty/tiers/base', {
        name: 'Member',
        minLifetimePoints: 10,
        earnRateBp: 10_000,
      });
      expect(baseMoved.status).toBe(400);
      expect(baseMoved.body.errors).toEqual([
        { field: 'minLifetimePoints', message: 'must be 0 for the base tier' },
      ]);
      const bad = await call('PUT', '/api/v1/loyalty/tiers/Not%20A%20Slug', {
        name: '',
        minLifetimePoints: -1,
        earnRateBp: 1.5,
      });
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'earnRateBp',
        'minLifetimePoints',
        'name',
        'params.tierId',
      ]);

      const rewardId = `free-fries-${target.kind}`;
      const reward = await call('PUT', `/api/v1/loyalty/rewards/${rewardId}`, {
        name: 'Fries on the house',
        pointsCost: 90,
      });
      expect(reward.body).toEqual({
        rewardId,
        name: 'Fries on the house',
        pointsCost: 90,
        active: true,
      });
      await call('PUT', `/api/v1/loyalty/rewards/${rewardId}`, {
        name: 'Fries on the house',
        pointsCost: 90,
        active: false,
      });
      const rewards = (await call('GET', '/api/v1/loyalty/rewards')).body.rewards as {
        rewardId: string;
        active: boolean;
      }[];
      expect(rewards.find((r) => r.rewardId === rewardId)?.active).toBe(false);
      expect(rewards.find((r) => r.rewardId === 'free-coffee')?.active).toBe(true);
      expect(
        (await call('PUT', `/api/v1/loyalty/rewards/${rewardId}`, { name: 'x', pointsCost: -5 }))
          .body.errors,
      ).toEqual([expect.objectContaining({ field: 'pointsCost' })]);

      await call('PUT', '/api/v1/loyalty/multipliers/drinks', { multiplierBp: 15_000 });
      const multipliers = (await call('GET', '/api/v1/loyalty/multipliers')).body.multipliers;
      expect(multipliers).toContainEqual({ categoryId: 'drinks', multiplierBp: 15_000 });
    });

    it("lists an account's points history, newest first", async () => {
      const email = `ledger-${target.kind}-${Date.now()}@example.com`;
      const { body: account } = await call('POST', '/api/v1/loyalty/accounts', { email });
      expect(
        (await call('GET', `/api/v1/loyalty/accounts/${account.customerId}/transactions`)).body,
      ).toEqual({ transactions: [] });
      await call('POST', '/api/v1/loyalty/points/add', {
        customerId: account.customerId,
        points: 200,
        reason: 'birthday',
      });
      await call('POST', '/api/v1/loyalty/rewards/redeem', {
        customerId: account.customerId,
        rewardId: 'free-coffee',
      });
      const ledger = await call(
        'GET',
        `/api/v1/loyalty/accounts/${account.customerId}/transactions`,
      );
      expect(ledger.status).toBe(200);
      expect(
        ledger.body.transactions.map(
          (t: { kind: string; points: number; balanceAfter: number }) => [
            t.kind,
            t.points,
            t.balanceAfter,
          ],
        ),
      ).toEqual([
        ['redeem', -150, 50],
        ['adjust', 200, 200],
      ]);
      expect(ledger.body.transactions[1].reason).toBe('birthday');
      const one = await call(
        'GET',
        `/api/v1/loyalty/accounts/${account.customerId}/transactions?limit=1`,
      );
      expect(one.body.transactions).toHaveLength(1);
      const missing = await call('GET', `/api/v1/loyalty/accounts/${uuidv7()}/transactions`);
      expect(missing.status).toBe(404);
      const badLimit = await call(
        'GET',
        `/api/v1/loyalty/accounts/${account.customerId}/transactions?limit=0`,
      );
      expect(badLimit.status).toBe(400);
      expect(badLimit.body.errors[0].field).toBe('query.limit');
    });

    it('finds a guest by phone however the number is spaced or dashed', async () => {
      const digits = `${Math.floor(1e6 + Math.random() * 9e6)}`;
      const { body: account } = await call('POST', '/api/v1/loyalty/accounts', {
        phone: `+1 (444) ${digits.slice(0, 3)}-${digits.slice(3)}`,
      });
      const found = await call(
        'GET',
        `/api/v1/loyalty/accounts?phone=${encodeURIComponent(`+1444${digits}`)}`,
      );
      expect(found.status).toBe(200);
      expect(found.body.customerId).toBe(account.customerId);
      expect(
        (
          await call(
            'GET',
            `/api/v1/loyalty/accounts?phone=${encodeURIComponent(`+1445${digits}`)}`,
          )
        ).status,
      ).toBe(404);
    });

    it('emits the earning rules once, in the transaction of each change to tiers, multipliers and promotions', async () => {
      type Rules = {
        version: number;
        tiers: { tierId: string; earnRateBp: number }[];
        multipliers: { categoryId: string; multiplierBp: number }[];
        promotions: { promotionId: string; startsAt: string; endsAt: string }[];
      };
      const emitted = async () =>
        (
          await db.query<{ envelope: string }>(
            `SELECT envelope FROM loyalty_outbox WHERE event_type = 'loyalty.ruleschanged.v1' ORDER BY seq`,
          )
        ).map((r) => {
          const parsed = parseEvent(JSON.parse(r.envelope));
          expect(parsed.ok ? [] : parsed.issues).toEqual([]);
          return (parsed.ok ? parsed.event.Payload : undefined) as Rules;
        });
      // The first start emitted them, once; a later start does not again.
      await until(async () => (await emitted()).some((r) => r.version === 1));
      expect((await emitted()).filter((r) => r.version === 1)).toHaveLength(1);
      expect(await new Loyalty(db).publishRulesOnce()).toBe(false);

      const change = async (method: string, path: string, body: unknown, status: number) => {
        const before = await emitted();
        const res = await call(method, path, body);
        expect(res.status, JSON.stringify(res.body)).toBe(status);
        const after = await emitted();
        if (status >= 400) {
          expect(after).toHaveLength(before.length);
          return undefined;
        }
        expect(after).toHaveLength(before.length + 1);
        const rules = after.at(-1) as Rules;
        expect(rules.version).toBe(Math.max(...before.map((r) => r.version)) + 1);
        return rules;
      };

      const tierId = `diamond-${target.kind}`;
      const tier = await change(
        'PUT',
        `/api/v1/loyalty/tiers/${tierId}`,
        { name: 'Diamond', minLifetimePoints: 9_000, earnRateBp: 30_000 },
        200,
      );
      expect(tier?.tiers).toContainEqual(expect.objectContaining({ tierId, earnRateBp: 30_000 }));
      // A change that is refused rolls back, and with it its rules.
      await change(
        'PUT',
        '/api/v1/loyalty/tiers/copper',
        { name: 'Copper', minLifetimePoints: 9_000, earnRateBp: 11_000 },
        409,
      );

      const categoryId = `desserts-${target.kind}`;
      const multiplier = await change(
        'PUT',
        `/api/v1/loyalty/multipliers/${categoryId}`,
        { multiplierBp: 25_000 },
        200,
      );
      expect(multiplier?.multipliers).toContainEqual({ categoryId, multiplierBp: 25_000 });

      const now = Date.now();
      const promotionId = `rules-${target.kind}-${now}`;
      const window = {
        startsAt: new Date(now + 3_600_000).toISOString(),
        endsAt: new Date(now + 7_200_000).toISOString(),
      };
      const promotion = await change(
        'POST',
        '/api/v1/loyalty/promotions',
        { promotionId, name: 'Double points tonight', ...window, multiplierBp: 20_000 },
        201,
      );
      // Promotions still to come travel with their windows; those over are left out.
      expect(promotion?.promotions).toContainEqual(
        expect.objectContaining({ promotionId, ...window }),
      );
      expect(promotion?.promotions.every((p) => Date.parse(p.endsAt) > now)).toBe(true);
      await change(
        'POST',
        '/api/v1/loyalty/promotions',
        { promotionId, name: 'Again', ...window, multiplierBp: 20_000 },
        409,
      );

      // Two changes at once take turns: the later rules hold both.
      const before = (await emitted()).length;
      await Promise.all([
        call('PUT', `/api/v1/loyalty/multipliers/a-${categoryId}`, { multiplierBp: 15_000 }),
        call('PUT', `/api/v1/loyalty/multipliers/b-${categoryId}`, { multiplierBp: 15_000 }),
      ]);
      const all = await emitted();
      expect(all).toHaveLength(before + 2);
      const newest = all.reduce((a, b) => (b.version > a.version ? b : a));
      expect(newest.multipliers.map((m) => m.categoryId)).toEqual(
        expect.arrayContaining([`a-${categoryId}`, `b-${categoryId}`]),
      );
      // What hubs hold, as the sync service asks for it.
      const current = await call('GET', '/api/v1/loyalty/points/rules');
      expect(current.status).toBe(200);
      expect(current.body).toEqual(newest);
    });

    it('dead-letters a broken event with its reason, and replays a dead letter once fixed', async () => {
      const before = (await listDeadLetters(db, 'loyalty')).length;
      publisher.publish(
        CLOUD_EXCHANGE,
        'payment.completed.v1',
        Buffer.from('{"EventType":"payment.completed.v1","Payload":{}}'),
      );
      publisher.publish(CLOUD_EXCHANGE, 'payment.completed.v1', Buffer.from('not json'));
      await publisher.waitForConfirms();
      await until(async () => (await listDeadLetters(db, 'loyalty')).length >= before + 2);
      const dead = (await listDeadLetters(db, 'loyalty')).slice(before);
      expect(dead.map((d) => d.reason)).toEqual(
        expect.arrayContaining([expect.stringMatching(/invalid event/), 'message is not JSON']),
      );

      // A valid payment that failed earlier (kept as a dead letter) is applied when replayed.
      const phone = `+1777${Math.floor(Math.random() * 1e7)}`;
      const { body: account } = await call('POST', '/api/v1/loyalty/accounts', { phone });
      const event = payment(phone, 1_000);
      const inserted = await db.one<{ id: string }>(
        `INSERT INTO cloud_dead_letters (consumer, event_id, event_type, envelope, reason, attempts)
         VALUES ('loyalty', $1, 'payment.completed.v1', $2, 'handler failed: database was down', 3) RETURNING id::text AS id`,
        [event.EventId, JSON.stringify(event)],
      );
      expect(await replayDeadLetters(db, 'loyalty', [inserted.id])).toBe(1);
      await until(async () => (await balance(account.customerId)).pointsBalance === 10);
      const replayed = (await listDeadLetters(db, 'loyalty')).find((d) => d.id === inserted.id);
      expect(replayed?.replayedAt).not.toBeNull();
      expect(await replayDeadLetters(db, 'loyalty', [inserted.id])).toBe(0);
    });
  });
}
