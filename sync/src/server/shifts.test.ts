import {
  type AnyEvent,
  type CashMovementKind,
  type EventPayloadInputs,
  makeEvent,
  uuidv7,
} from '@pos/contracts';
import { EVENT_SAMPLES } from '@pos/contracts/event-samples';
import { createHttpService, createLogger, type RunningServer } from '@pos/kit';
import { migrateAll, PgDatabase, SharedPglite, type SqlDatabase } from '@pos/kit/sql';
import { lazyTestDatabase } from '@pos/kit/sql/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportRoutes } from './reports-routes.js';
import { applyShiftEvents, shiftsSchema } from './shifts.js';
import { testTokens } from './test-tokens.js';

// The cloud's shifts read model on PostgreSQL (and the embedded PGlite the all-in-one cloud
// runs on): a shift's events applied twice, shuffled and split across batches leave the same
// rows as applied once in order; an open shift sums its paid-ins and outs until its closing
// brings the hub's figures; the report lists a period's shifts with the over/short, for
// managers only, refusing a bad query with the fields named.

const logger = createLogger({ service: 'shifts-test', level: 'silent' });
const pg = lazyTestDatabase('pos_sync_shifts_test');
const pglite = new SharedPglite({ logger });
afterAll(async () => {
  await pg.dispose();
  await pglite.close();
});

const { jwks, tokenFor } = await testTokens();

const SAM = '8c3e5a7b-9d1f-4a2b-8c4d-5e6f7a8b9c02';
const JESS = 'b4d6f8a0-2c4e-4f6a-8b0c-2d4e6f8a0b13';
const MARCUS = '6a1d9e2f-3b4c-4d5e-8f60-7a8b9c0d1e21';

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number) {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

function stamp<T extends keyof EventPayloadInputs>(
  type: T,
  payload: EventPayloadInputs[T],
  at: string,
): AnyEvent {
  return makeEvent(type, payload as never, {
    source: 'payments-service',
    correlationId: uuidv7() as never,
    timestamp: at as never,
  }) as AnyEvent;
}

const later = (at: string, minutes: number) =>
  new Date(Date.parse(at) + minutes * 60_000).toISOString();

interface ShiftPlan {
  businessDate: string;
  openedAt: string;
  floatCents: number;
  movements?: { kind: CashMovementKind; amountCents: number }[];
  cashSalesCents?: number;
  /** Counted − expected; the shift stays open when absent. */
  differenceCents?: number;
  openedBy?: string;
  closedBy?: string;
}

/** A shift's events as the hub writes them: opened, its paid-ins and outs, closed. */
function shiftEvents(plan: ShiftPlan) {
  const shiftId = uuidv7();
  const opening = {
    shiftId,
    businessDate: plan.businessDate,
    openedBy: plan.openedBy ?? SAM,
    openedAt: plan.openedAt,
    openingFloatCents: plan.floatCents,
    currency: 'USD',
  };
  const events = [stamp('payment.shiftopened.v1', opening, plan.openedAt)];
  let paidIn = 0;
  let paidOut = 0;
  (plan.movements ?? []).forEach((m, i) => {
    const at = later(plan.openedAt, 10 * (i + 1));
    if (m.kind === 'paid-in') paidIn += m.amountCents;
    else paidOut += m.amountCents;
    events.push(
      stamp(
        'payment.cashmovement.v1',
        {
          movementId: uuidv7(),
          shiftId,
          kind: m.kind,
          amountCents: m.amountCents,
          currency: 'USD',
          reason: m.kind === 'paid-in' ? 'change from the bank' : 'milk delivery',
          by: MARCUS,
          at,
        },
        at,
      ),
    );
  });
  if (plan.differenceCents !== undefined) {
    const sales = plan.cashSalesCents ?? 0;
    const expected = plan.floatCents + sales + paidIn - paidOut;
    const counted = expected + plan.differenceCents;
    const closedAt = later(plan.openedAt, 480);
    events.push(
      stamp(
        'payment.shiftclosed.v1',
        {
          ...opening,
          closedBy: plan.closedBy ?? SAM,
          closedAt,
          cashSalesCents: sales,
          cashTipsCents: 0,
          cashRoundingCents: 0,
          cashRefundsCents: 0,
          cashVoidsCents: 0,
          paidInCents: paidIn,
          paidOutCents: paidOut,
          expectedCents: expected,
          countedCents: counted,
          differenceCents: plan.differenceCents,
          counted: counted > 0 ? [{ denominationCents: 1, count: counted }] : [],
          currency: 'USD',
        },
        closedAt,
      ),
    );
  }
  return { shiftId, events };
}

type Db = SqlDatabase;

const targets = [
  {
    kind: 'postgres',
    open: async () => PgDatabase.open({ url: (await pg.get()).url, logger }),
  },
  { kind: 'pglite', open: () => pglite.database('shifts_test') },
] as const;

for (const target of targets) {
  describe(`shifts read model on ${target.kind}`, () => {
    let db: Db;
    let server: RunningServer;
    beforeAll(async () => {
      db = await target.open();
      await migrateAll(db, [shiftsSchema]);
      server = await createHttpService({
        name: 'sync-shifts-test',
        logger,
        routes: (app) => reportRoutes(app, db, jwks),
      }).listen(0);
    });
    afterAll(async () => {
      await server?.close();
      if (target.kind === 'postgres') await db?.close();
    });

    const apply = (storeId: string, events: readonly AnyEvent[]) =>
      db.transaction((tx) => applyShiftEvents(tx, storeId, events));

    const snapshot = async (storeId: string) => ({
      shifts: await db.query(
        `SELECT shift_id::text, business_date::text, opened_by::text, opened_at,
                opening_float_cents, currency, opened_event_id::text, paid_in_cents,
                paid_out_cents, movements_cents, closed_event_id::text, closed_by::text,
                closed_at, cash_sales_cents, cash_tips_cents, cash_rounding_cents,
                cash_refunds_cents, cash_voids_cents, expected_cents, counted_cents,
                difference_cents, counted, note
           FROM sync_shifts WHERE store_id = $1 ORDER BY shift_id`,
        [storeId],
      ),
      movements: await db.query(
        `SELECT movement_id::text, shift_id::text, kind, amount_cents, currency, reason,
                moved_by::text, at
           FROM sync_shift_movements WHERE store_id = $1 ORDER BY movement_id`,
        [storeId],
      ),
    });

    const call = async (query: string, token?: string) => {
      const res = await fetch(`${server.url}/api/v1/sync/reports/shifts?${query}`, {
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      });
      return {
        status: res.status,
        type: res.headers.get('content-type') ?? '',
        body: (await res.json()) as any,
      };
    };

    it('ends the same whatever the repeats, order and batching of the events', async () => {
      const rnd = random(7);
      const shifts = Array.from({ length: 6 }, (_, i) =>
        shiftEvents({
          businessDate: `2026-03-0${1 + (i % 3)}`,
          openedAt: `2026-03-0${1 + (i % 3)}T${String(8 + i).padStart(2, '0')}:00:00.000Z`,
          floatCents: 10_000 + i * 100,
          cashSalesCents: 5_000 + i,
          movements: Array.from({ length: i % 4 }, (_, k) => ({
            kind: k % 2 === 0 ? ('paid-in' as const) : ('paid-out' as const),
            amountCents: 100 * (k + 1),
          })),
          // The last shift is still open.
          ...(i < 5 ? { differenceCents: i - 2 } : {}),
        }),
      );
      const events = shifts.flatMap((s) => s.events);
      await apply('in-order', events);
      const expected = await snapshot('in-order');
      expect(expected.shifts).toHaveLength(6);
      expect(expected.movements).toHaveLength(0 + 1 + 2 + 3 + 0 + 1);

      // Applied again, in one batch and one by one: nothing changes.
      await apply('in-order', events);
      for (const e of events) await apply('in-order', [e]);
      expect(await snapshot('in-order')).toEqual(expected);

      for (let seed = 1; seed <= 8; seed++) {
        const storeId = `shuffled-${seed}`;
        // Every event once or twice, in any order, in batches of any size.
        const repeated = events.flatMap((e) => (rnd() < 0.3 ? [e, e] : [e]));
        const shuffled = repeated
          .map((e) => ({ e, k: rnd() }))
          .sort((a, b) => a.k - b.k)
          .map(({ e }) => e);
        for (let i = 0; i < shuffled.length; ) {
          const size = 1 + Math.floor(rnd() * 6);
          await apply(storeId, shuffled.slice(i, i + size));
          i += size;
        }
        expect(await snapshot(storeId), `seed ${seed}`).toEqual(expected);
      }
    });

    it('builds a shift closed before its opening arrived, then takes the opening figures', async () => {
      const { shiftId, events } = shiftEvents({
        businessDate: '2026-03-05',
        openedAt: '2026-03-05T09:00:00.000Z',
        floatCents: 15_000,
        cashSalesCents: 4_200,
        movements: [{ kind: 'paid-out', amountCents: 1_000 }],
        differenceCents: -25,
        openedBy: JESS,
        closedBy: SAM,
      });
      const [opened, movement, closed] = events;
      await apply('late-opening', [closed as AnyEvent]);
      await apply('late-opening', [movement as AnyEvent]);
      let [row] = (await snapshot('late-opening')).shifts;
      expect(row).toMatchObject({
        shift_id: shiftId,
        opened_by: JESS,
        opened_event_id: null,
        closed_by: SAM,
        expected_cents: 15_000 + 4_200 - 1_000,
        counted_cents: 15_000 + 4_200 - 1_000 - 25,
        difference_cents: -25,
        paid_in_cents: 0,
        paid_out_cents: 1_000,
        movements_cents: -1_000,
      });
      await apply('late-opening', [opened as AnyEvent]);
      [row] = (await snapshot('late-opening')).shifts;
      expect(row).toMatchObject({
        opened_event_id: opened?.EventId,
        closed_event_id: closed?.EventId,
        opening_float_cents: 15_000,
        paid_out_cents: 1_000,
        difference_cents: -25,
      });
    });

    it('sums an open shift’s paid-ins and outs until its closing brings the hub’s figures', async () => {
      const { events } = shiftEvents({
        businessDate: '2026-03-06',
        openedAt: '2026-03-06T09:00:00.000Z',
        floatCents: 5_000,
        movements: [
          { kind: 'paid-in', amountCents: 2_000 },
          { kind: 'paid-out', amountCents: 750 },
          { kind: 'paid-out', amountCents: 250 },
        ],
        differenceCents: 40,
      });
      const closing = events.pop() as AnyEvent;
      // A movement before its shift's opening, the rest after.
      await apply('open-shift', [events[2] as AnyEvent]);
      await apply('open-shift', events.slice(0, 2));
      let [row] = (await snapshot('open-shift')).shifts;
      expect(row).toMatchObject({ paid_in_cents: 2_000, paid_out_cents: 750, closed_at: null });
      await apply('open-shift', [events[3] as AnyEvent]);
      [row] = (await snapshot('open-shift')).shifts;
      expect(row).toMatchObject({ paid_in_cents: 2_000, paid_out_cents: 1_000 });
      expect(row?.expected_cents).toBeNull();
      await apply('open-shift', [closing]);
      [row] = (await snapshot('open-shift')).shifts;
      expect(row).toMatchObject({
        paid_in_cents: 2_000,
        paid_out_cents: 1_000,
        movements_cents: 1_000,
        expected_cents: 6_000,
        counted_cents: 6_040,
        difference_cents: 40,
      });
    });

    it('ignores other events and shift events that break their contract', async () => {
      const broken = {
        ...stamp(
          'payment.shiftopened.v1',
          EVENT_SAMPLES['payment.shiftopened.v1'],
          '2026-03-07T08:00:00.000Z',
        ),
        Payload: { ...EVENT_SAMPLES['payment.shiftopened.v1'], openingFloatCents: -1 },
      } as AnyEvent;
      const other = stamp(
        'payment.tipadjusted.v1',
        EVENT_SAMPLES['payment.tipadjusted.v1'],
        '2026-03-07T08:00:00.000Z',
      );
      await apply('ignored', [broken, other]);
      expect(await snapshot('ignored')).toEqual({ shifts: [], movements: [] });
    });

    it('reports a period’s shifts with their figures and the over/short, for managers only', async () => {
      const a = 'quay-side';
      const b = 'harbour-street';
      const short = shiftEvents({
        businessDate: '2026-04-01',
        openedAt: '2026-04-01T08:00:00.000Z',
        floatCents: 15_000,
        cashSalesCents: 5_198,
        movements: [
          { kind: 'paid-in', amountCents: 2_000 },
          { kind: 'paid-out', amountCents: 1_000 },
        ],
        differenceCents: -425,
        openedBy: SAM,
        closedBy: JESS,
      });
      const over = shiftEvents({
        businessDate: '2026-04-02',
        openedAt: '2026-04-02T08:00:00.000Z',
        floatCents: 10_000,
        cashSalesCents: 3_000,
        differenceCents: 150,
      });
      const open = shiftEvents({
        businessDate: '2026-04-03',
        openedAt: '2026-04-03T08:00:00.000Z',
        floatCents: 10_000,
        movements: [{ kind: 'paid-in', amountCents: 500 }],
      });
      const elsewhere = shiftEvents({
        businessDate: '2026-04-01',
        openedAt: '2026-04-01T07:00:00.000Z',
        floatCents: 8_000,
        differenceCents: 0,
      });
      await apply(a, [...short.events, ...over.events, ...open.events]);
      await apply(b, elsewhere.events);
      const manager = await tokenFor(['manager']);

      const two = await call(`storeId=${a}&from=2026-04-01&to=2026-04-02`, manager);
      expect(two.status, JSON.stringify(two.body)).toBe(200);
      expect(two.body).toMatchObject({ from: '2026-04-01', to: '2026-04-02', storeId: a });
      const expectedShort = 15_000 + 5_198 + 2_000 - 1_000;
      expect(two.body.totals).toEqual({
        shifts: 2,
        openShifts: 0,
        expectedCents: expectedShort + 13_000,
        countedCents: expectedShort - 425 + 13_150,
        differenceCents: -275,
        overCents: 150,
        shortCents: -425,
      });
      expect(two.body.truncated).toBe(false);
      expect(two.body.shifts[0]).toEqual({
        storeId: a,
        shiftId: short.shiftId,
        businessDate: '2026-04-01',
        status: 'closed',
        openedBy: SAM,
        openedAt: '2026-04-01T08:00:00.000Z',
        closedBy: JESS,
        closedAt: '2026-04-01T16:00:00.000Z',
        currency: 'USD',
        openingFloatCents: 15_000,
        paidInCents: 2_000,
        paidOutCents: 1_000,
        movementsCents: 1_000,
        cashSalesCents: 5_198,
        cashTipsCents: 0,
        cashRoundingCents: 0,
        cashRefundsCents: 0,
        cashVoidsCents: 0,
        expectedCents: expectedShort,
        countedCents: expectedShort - 425,
        differenceCents: -425,
        note: null,
      });
      expect(two.body.shifts[1]).toMatchObject({ shiftId: over.shiftId, differenceCents: 150 });

      // The open shift: its movements so far, no count yet.
      const three = await call(`storeId=${a}&from=2026-04-01&to=2026-04-03`, manager);
      expect(three.body.totals).toMatchObject({ shifts: 3, openShifts: 1, differenceCents: -275 });
      expect(three.body.shifts[2]).toMatchObject({
        shiftId: open.shiftId,
        status: 'open',
        closedBy: null,
        closedAt: null,
        paidInCents: 500,
        movementsCents: 500,
        expectedCents: null,
        countedCents: null,
        differenceCents: null,
      });

      // Every store (a blank store is every store), oldest first.
      for (const storeId of ['', undefined]) {
        const all = await call(
          `from=2026-04-01&to=2026-04-01${storeId === undefined ? '' : `&storeId=${storeId}`}`,
          manager,
        );
        expect(all.body.storeId).toBeNull();
        expect(all.body.shifts.map((s: { storeId: string }) => s.storeId)).toEqual([b, a]);
        expect(all.body.totals).toMatchObject({ shifts: 2, differenceCents: -425 });
      }
      const none = await call(`storeId=${a}&from=2026-05-01&to=2026-05-31`, manager);
      expect(none.body).toMatchObject({
        shifts: [],
        totals: { shifts: 0, openShifts: 0, differenceCents: 0, overCents: 0, shortCents: 0 },
      });
    });

    it('refuses a bad query with 400 problem+json naming the fields, and non-managers', async () => {
      const manager = await tokenFor(['manager']);
      const fields = (body: { errors?: { field: string }[] }) =>
        (body.errors ?? []).map((e) => e.field).sort();

      const backwards = await call('from=2026-04-03&to=2026-04-01&storeId=Not A Store', manager);
      expect(backwards.status).toBe(400);
      expect(backwards.type).toContain('application/problem+json');
      expect(fields(backwards.body)).toEqual(['query.storeId', 'query.to']);

      const notDates = await call('from=01/04/2026&to=tomorrow', manager);
      expect(notDates.status).toBe(400);
      expect(fields(notDates.body)).toEqual(['query.from', 'query.to']);

      const missing = await call('', manager);
      expect(missing.status).toBe(400);
      expect(fields(missing.body)).toEqual(['query.from', 'query.to']);

      const tooLong = await call('from=2025-01-01&to=2026-12-31', manager);
      expect(tooLong.status).toBe(400);
      expect(tooLong.body.errors[0]).toEqual({
        field: 'query.to',
        message: 'a report covers at most 366 days',
      });

      const unknown = await call('from=2026-04-01&to=2026-04-01&timeZone=UTC', manager);
      expect(unknown.status).toBe(400);
      expect(unknown.type).toContain('application/problem+json');

      const repeated = await call('from=2026-04-01&from=2026-04-02&to=2026-04-02', manager);
      expect(repeated.status).toBe(400);
      expect(fields(repeated.body)).toEqual(['query.from']);

      const good = 'from=2026-04-01&to=2026-04-01';
      const anonymous = await call(good);
      expect(anonymous.status).toBe(401);
      expect(anonymous.type).toContain('application/problem+json');
      expect((await call(good, 'not-a-token')).status).toBe(401);
      const cashier = await call(good, await tokenFor(['cashier']));
      expect(cashier.status).toBe(403);
      expect(cashier.type).toContain('application/problem+json');
      expect((await call(good, await tokenFor(['owner']))).status).toBe(200);
    });
  });
}
