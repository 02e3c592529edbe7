import { gzipSync } from 'node:zlib';
import { makeEvent, uuidv7 } from '@pos/contracts';
import { EVENT_SAMPLES } from '@pos/contracts/event-samples';
import { createLogger } from '@pos/kit';
import {
  MemoryBus,
  PgDatabase,
  SharedPglite,
  type SqlDatabase,
  type StartedService,
} from '@pos/kit/sql';
import { lazyTestDatabase } from '@pos/kit/sql/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSyncServer } from './service.js';
import { testTokens } from './test-tokens.js';

// The cloud end of sync on PostgreSQL and PGlite: stores and enrolment, batches applied in
// Sequence order exactly once (repeats skipped, gaps refused), each store writing only its
// own events, fan-out to the cloud bus, and the change feed.

const logger = createLogger({ service: 'sync-test', level: 'silent' });
const pglite = new SharedPglite({ logger });
const pg = lazyTestDatabase('pos_sync_push_test');
afterAll(async () => {
  await pglite.close();
  await pg.dispose();
});

const { jwks, tokenFor } = await testTokens();

const targets = [
  {
    kind: 'postgres',
    start: async (bus: MemoryBus) =>
      startSyncServer(
        {
          env: { SYNC_DATABASE_URL: (await pg.get()).url },
          host: '127.0.0.1',
          port: 0,
          logger,
          bus,
        },
        { jwks },
      ),
    db: async () => PgDatabase.open({ url: (await pg.get()).url }),
  },
  {
    kind: 'pglite',
    start: (bus: MemoryBus) =>
      startSyncServer(
        { env: {}, embedded: pglite, host: '127.0.0.1', port: 0, logger, bus },
        { jwks },
      ),
    db: async () => pglite.database('sync'),
  },
] as const;

function orderEvent(storeId: string, sequence: number, orderId = uuidv7()) {
  const event = makeEvent(
    'order.cancelled.v1',
    { orderId, reason: 'guest left', at: new Date().toISOString() } as never,
    { source: 'order-service', correlationId: uuidv7() as never, storeId: storeId as never },
  );
  return { ...event, Sequence: sequence };
}

for (const target of targets) {
  describe(`sync server on ${target.kind}`, () => {
    let svc: StartedService;
    let db: SqlDatabase;
    let manager: string;
    const bus = new MemoryBus();
    const fannedOut: string[] = [];
    beforeAll(async () => {
      await bus.subscribe('pos.watcher', ['order.#'], (d) => {
        fannedOut.push(JSON.parse(d.body.toString()).EventId);
        d.ack();
      });
      svc = await target.start(bus);
      db = await target.db();
      manager = await tokenFor(['manager']);
    });
    afterAll(async () => {
      await svc?.stop();
      if (target.kind === 'postgres') await db?.close();
      await bus.close();
    });

    const call = async (
      method: string,
      path: string,
      body?: unknown,
      auth?: string,
      gzip = false,
    ) => {
      const json = body === undefined ? undefined : JSON.stringify(body);
      const res = await fetch(`${svc.url}${path}`, {
        method,
        headers: {
          ...(json === undefined ? {} : { 'content-type': 'application/json' }),
          ...(gzip ? { 'content-encoding': 'gzip' } : {}),
          ...(auth ? { authorization: `Bearer ${auth}` } : {}),
        },
        ...(json === undefined ? {} : { body: gzip ? gzipSync(json) : json }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };

    const provision = async (storeId: string) => {
      const created = await call(
        'POST',
        '/api/v1/sync/stores',
        { storeId, name: `Store ${storeId}` },
        manager,
      );
      expect(created.status).toBe(201);
      const enrolled = await call('POST', '/api/v1/sync/enrol', {
        code: created.body.enrolmentCode,
      });
      expect(enrolled.status).toBe(201);
      return enrolled.body.credential as string;
    };

    it('provisions stores for managers only, and trades a code for a credential once', async () => {
      const storeId = `harbour-${target.kind}`;
      expect((await call('POST', '/api/v1/sync/stores', { storeId, name: 'Harbour' })).status).toBe(
        401,
      );
      const cashier = await tokenFor(['cashier']);
      expect(
        (await call('POST', '/api/v1/sync/stores', { storeId, name: 'Harbour' }, cashier)).status,
      ).toBe(403);
      const bad = await call(
        'POST',
        '/api/v1/sync/stores',
        { storeId: 'Not A Slug', name: '' },
        manager,
      );
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'name',
        'storeId',
      ]);

      const created = await call(
        'POST',
        '/api/v1/sync/stores',
        { storeId, name: 'Harbour' },
        manager,
      );
      expect(created.status).toBe(201);
      expect(created.body.enrolmentCode).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
      expect(
        (await call('POST', '/api/v1/sync/stores', { storeId, name: 'Again' }, manager)).status,
      ).toBe(409);

      // Typed by a person: lower case and without dashes is the same code.
      const typed = created.body.enrolmentCode.toLowerCase().replaceAll('-', ' ');
      const enrolled = await call('POST', '/api/v1/sync/enrol', { code: typed });
      expect(enrolled.status).toBe(201);
      expect(enrolled.body).toMatchObject({ storeId, name: 'Harbour' });
      expect(enrolled.body.credential).toMatch(new RegExp(`^${storeId}\\.[A-Za-z0-9_-]{43}$`));
      expect(
        (await call('POST', '/api/v1/sync/enrol', { code: created.body.enrolmentCode })).status,
      ).toBe(401);

      const stores = (await call('GET', '/api/v1/sync/stores', undefined, manager)).body.stores;
      expect(stores.find((s: { storeId: string }) => s.storeId === storeId)).toMatchObject({
        enrolled: true,
        lastSequence: 0,
      });
    });

    it('applies batches in Sequence order exactly once, and refuses gaps and other stores', async () => {
      const storeId = `pier-${target.kind}`;
      const credential = await provision(storeId);
      const events = Array.from({ length: 6 }, (_, i) => orderEvent(storeId, i + 1));

      const first = await call(
        'POST',
        '/api/v1/sync/push',
        { events: events.slice(0, 4) },
        credential,
        true,
      );
      expect(first.status).toBe(200);
      expect(first.body).toEqual({ lastSequence: 4, applied: 4, skipped: 0 });
      // The answer was lost; the hub sends 3..6 again: 3 and 4 are skipped.
      const again = await call(
        'POST',
        '/api/v1/sync/push',
        { events: events.slice(2), state: { menuVersion: 3, pendingEvents: 0 } },
        credential,
      );
      expect(again.body).toEqual({ lastSequence: 6, applied: 2, skipped: 2 });

      const gap = await call(
        'POST',
        '/api/v1/sync/push',
        { events: [orderEvent(storeId, 9)] },
        credential,
      );
      expect(gap.status).toBe(409);
      expect(gap.body.lastSequence).toBe(6);
      const holes = await call(
        'POST',
        '/api/v1/sync/push',
        { events: [orderEvent(storeId, 7), orderEvent(storeId, 9)] },
        credential,
      );
      expect(holes.status).toBe(400);
      expect(holes.body.errors[0].field).toBe('events.1.Sequence');

      const other = await call(
        'POST',
        '/api/v1/sync/push',
        { events: [orderEvent('someone-else', 7)] },
        credential,
      );
      expect(other.status).toBe(403);
      expect(
        (await call('POST', '/api/v1/sync/push', { events: [] }, `${storeId}.${'x'.repeat(43)}`))
          .status,
      ).toBe(401);
      expect((await call('POST', '/api/v1/sync/push', { events: [] })).status).toBe(401);

      const rows = await db.query<{ sequence: string }>(
        'SELECT sequence::text FROM received_events WHERE store_id = $1 ORDER BY sequence',
        [storeId],
      );
      expect(rows.map((r) => Number(r.sequence))).toEqual([1, 2, 3, 4, 5, 6]);
      const stores = (await call('GET', '/api/v1/sync/stores', undefined, manager)).body.stores;
      const listed = stores.find((s: { storeId: string }) => s.storeId === storeId);
      expect(listed).toMatchObject({
        lastSequence: 6,
        hub: { menuVersion: 3, pendingEvents: 0 },
      });
      expect(Date.now() - Date.parse(listed.lastSeenAt)).toBeLessThan(60_000);
      expect(listed.lastSeenAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      await until(() => events.every((e) => fannedOut.includes(e.EventId)));
      expect(fannedOut.filter((id) => events.some((e) => e.EventId === id))).toHaveLength(6);
    });

    it('applies a batch that reaches it before the one it follows once that one is in', async () => {
      // A hub sends its next batch while the cloud applies the last; the two may race.
      const storeId = `slipway-${target.kind}`;
      const credential = await provision(storeId);
      const events = Array.from({ length: 6 }, (_, i) => orderEvent(storeId, i + 1));
      const from = fannedOut.length;
      const second = call('POST', '/api/v1/sync/push', { events: events.slice(3) }, credential);
      await new Promise((r) => setTimeout(r, 150));
      const first = await call(
        'POST',
        '/api/v1/sync/push',
        { events: events.slice(0, 3) },
        credential,
      );
      expect(first.body).toEqual({ lastSequence: 3, applied: 3, skipped: 0 });
      expect((await second).body).toEqual({ lastSequence: 6, applied: 3, skipped: 0 });
      await expect
        .poll(() => fannedOut.slice(from).filter((id) => events.some((e) => e.EventId === id)))
        .toEqual(events.map((e) => e.EventId));
    });

    it('keeps an event whose payload breaks its contract without fanning it out', async () => {
      const storeId = `dock-${target.kind}`;
      const credential = await provision(storeId);
      const broken = { ...orderEvent(storeId, 1), Payload: { orderId: 'not-a-uuid' } };
      const good = orderEvent(storeId, 2);
      const res = await call('POST', '/api/v1/sync/push', { events: [broken, good] }, credential);
      expect(res.body).toEqual({ lastSequence: 2, applied: 2, skipped: 0 });
      const kept = await db.one<{ invalid_reason: string | null }>(
        'SELECT invalid_reason FROM received_events WHERE event_id = $1',
        [broken.EventId],
      );
      expect(kept.invalid_reason).toMatch(/orderId/);
      await until(() => fannedOut.includes(good.EventId));
      expect(fannedOut).not.toContain(broken.EventId);
    });

    it('revokes a hub by issuing a new code', async () => {
      const storeId = `quay-${target.kind}`;
      const credential = await provision(storeId);
      expect((await call('POST', '/api/v1/sync/push', { events: [] }, credential)).status).toBe(
        200,
      );
      const again = await call(
        'POST',
        `/api/v1/sync/stores/${storeId}/enrolment`,
        undefined,
        manager,
      );
      expect(again.status).toBe(201);
      expect((await call('POST', '/api/v1/sync/push', { events: [] }, credential)).status).toBe(
        401,
      );
      const replacement = await call('POST', '/api/v1/sync/enrol', {
        code: again.body.enrolmentCode,
      });
      expect(
        (await call('POST', '/api/v1/sync/push', { events: [] }, replacement.body.credential))
          .status,
      ).toBe(200);
      expect(
        (await call('POST', '/api/v1/sync/stores/nowhere/enrolment', undefined, manager)).status,
      ).toBe(404);
    });

    it('serves the change feed by cursor, holding a request open until a change arrives', async () => {
      const storeId = `feed-${target.kind}`;
      const credential = await provision(storeId);
      const empty = await call('GET', '/api/v1/sync/changes?after=0', undefined, credential);
      expect(empty.body).toEqual({ changes: [], cursor: 0 });
      const bad = await call(
        'GET',
        '/api/v1/sync/changes?after=-1&waitMs=99999',
        undefined,
        credential,
      );
      expect(bad.status).toBe(400);

      const waiting = call(
        'GET',
        '/api/v1/sync/changes?after=0&waitMs=5000',
        undefined,
        credential,
      );
      await new Promise((r) => setTimeout(r, 100));
      await db.query(
        `INSERT INTO change_feed (store_id, topic, payload) VALUES ($1, 'menu', '{"version":7}')`,
        [storeId],
      );
      const since = Date.now();
      const answer = await waiting;
      expect(answer.body.changes).toHaveLength(1);
      expect(answer.body.changes[0]).toMatchObject({ topic: 'menu', payload: { version: 7 } });
      expect(Date.now() - since).toBeLessThan(5_000);
      const next = await call(
        'GET',
        `/api/v1/sync/changes?after=${answer.body.cursor}`,
        undefined,
        credential,
      );
      expect(next.body.changes).toEqual([]);
    });

    it('reports the sales it was sent, by day and hour in the asked time zone, to managers only', async () => {
      const storeId = `reports-${target.kind}`;
      const otherId = `reports-other-${target.kind}`;
      const credential = await provision(storeId);
      const other = await provision(otherId);
      const stamp = (
        store: string,
        sequence: number,
        type: string,
        payload: unknown,
        timestamp: string,
      ) => ({
        ...makeEvent(type as never, payload as never, {
          source: 'order-service',
          correlationId: uuidv7() as never,
          storeId: store as never,
          timestamp: timestamp as never,
        }),
        Sequence: sequence,
      });
      const sale = (orderId: string, total: number, items: { id: string; qty: number }[]) => ({
        ...EVENT_SAMPLES['order.created.v1'],
        orderId,
        customer: undefined,
        items: items.map((it) => ({
          ...EVENT_SAMPLES['order.created.v1'].items[1],
          orderItemId: uuidv7(),
          menuItemId: it.id,
          name: it.id,
          quantity: it.qty,
          unitPriceCents: 500,
          lineTotalCents: 500 * it.qty,
          modifiers: [],
        })),
        subtotalCents: total,
        taxCents: 0,
        totalCents: total,
      });
      const paid = (
        orderId: string,
        paymentId: string,
        tender: string,
        amount: number,
        tip = 0,
      ) => ({
        ...EVENT_SAMPLES['payment.completed.v1'],
        paymentId,
        orderId,
        tender,
        amountCents: amount,
        tipCents: tip,
        customer: undefined,
        categoryAmounts: [],
        ...(tender === 'card' ? {} : { card: undefined }),
      });
      const [a, b, c, d] = [uuidv7(), uuidv7(), uuidv7(), uuidv7()];
      const [pa, pb] = [uuidv7(), uuidv7()];
      // 14 January: a card sale at 10:30 UTC with a tip and a partial refund, a cash sale at
      // 23:30 UTC (the 15th in Tokyo), a cancelled order; another store's sale on the 14th.
      const events = [
        stamp(
          storeId,
          1,
          'order.created.v1',
          sale(a, 1000, [{ id: 'burger', qty: 2 }]),
          '2026-01-14T10:30:00.000Z',
        ),
        stamp(
          storeId,
          2,
          'payment.completed.v1',
          paid(a, pa, 'card', 1000, 150),
          '2026-01-14T10:31:00.000Z',
        ),
        stamp(
          storeId,
          3,
          'payment.refundprocessed.v1',
          {
            ...EVENT_SAMPLES['payment.refundprocessed.v1'],
            refundId: uuidv7(),
            paymentId: pa,
            orderId: a,
            amountCents: 200,
          },
          '2026-01-14T11:00:00.000Z',
        ),
        stamp(
          storeId,
          4,
          'order.created.v1',
          sale(b, 1500, [{ id: 'fries', qty: 3 }]),
          '2026-01-14T23:30:00.000Z',
        ),
        stamp(
          storeId,
          5,
          'payment.completed.v1',
          paid(b, pb, 'cash', 1500),
          '2026-01-14T23:31:00.000Z',
        ),
        stamp(
          storeId,
          6,
          'order.created.v1',
          sale(c, 700, [{ id: 'tea', qty: 1 }]),
          '2026-01-14T12:00:00.000Z',
        ),
        stamp(
          storeId,
          7,
          'order.cancelled.v1',
          { orderId: c, reason: 'guest left', at: '2026-01-14T12:05:00.000Z' },
          '2026-01-14T12:05:00.000Z',
        ),
      ];
      const pushed = await call('POST', '/api/v1/sync/push', { events }, credential);
      expect(pushed.status, JSON.stringify(pushed.body)).toBe(200);
      expect(pushed.body.applied).toBe(7);
      const elsewhere = await call(
        'POST',
        '/api/v1/sync/push',
        {
          events: [
            stamp(
              otherId,
              1,
              'order.created.v1',
              sale(d, 900, [{ id: 'tea', qty: 1 }]),
              '2026-01-14T09:00:00.000Z',
            ),
          ],
        },
        other,
      );
      expect(elsewhere.status).toBe(200);

      const report = async (query: string, token: string | undefined = manager) =>
        call('GET', `/api/v1/sync/reports/sales?${query}`, undefined, token);
      const utc = await report(`from=2026-01-14&to=2026-01-15&storeId=${storeId}`);
      expect(utc.status, JSON.stringify(utc.body)).toBe(200);
      expect(utc.body.totals).toEqual({
        orders: 2,
        grossCents: 2500,
        refundsCents: 200,
        netCents: 2300,
        tipsCents: 150,
        averageTicketCents: 1150,
      });
      expect(
        utc.body.byDay.map((day: { date: string; orders: number }) => [day.date, day.orders]),
      ).toEqual([
        ['2026-01-14', 2],
        ['2026-01-15', 0],
      ]);
      const hours = Object.fromEntries(
        utc.body.byHour
          .filter((h: { orders: number }) => h.orders > 0)
          .map((h: { hour: number; salesCents: number }) => [h.hour, h.salesCents]),
      );
      expect(hours).toEqual({ 10: 800, 23: 1500 });
      expect(utc.body.tenders).toEqual(
        expect.arrayContaining([
          { tender: 'card', count: 1, amountCents: 1000 },
          { tender: 'cash', count: 1, amountCents: 1500 },
        ]),
      );
      expect(
        utc.body.topItems.map((i: { itemId: string; quantity: number }) => [i.itemId, i.quantity]),
      ).toEqual([
        ['fries', 3],
        ['burger', 2],
      ]);

      const tokyo = await report(
        `from=2026-01-14&to=2026-01-15&storeId=${storeId}&timeZone=Asia/Tokyo`,
      );
      expect(tokyo.body.byDay.map((day: { orders: number }) => day.orders)).toEqual([1, 1]);

      const everyone = await report('from=2026-01-14&to=2026-01-14');
      const mine = everyone.body.stores.filter((st: { storeId: string }) =>
        [storeId, otherId].includes(st.storeId),
      );
      expect(mine).toEqual([
        { storeId, orders: 2, salesCents: 2300 },
        { storeId: otherId, orders: 1, salesCents: 900 },
      ]);

      const bad = await report('from=2026-01-15&to=2026-01-14&timeZone=Mars/Olympus');
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'query.timeZone',
        'query.to',
      ]);
      expect((await report('from=2025-01-01&to=2026-12-31')).status).toBe(400);
      expect((await report('from=14/01/2026&to=2026-01-14')).status).toBe(400);
      expect((await report('from=2026-01-14&to=2026-01-14', '')).status).toBe(401);
      expect(
        (await report('from=2026-01-14&to=2026-01-14', await tokenFor(['cashier']))).status,
      ).toBe(403);
    });
  });
}

async function until(check: () => boolean, ms = 5_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
