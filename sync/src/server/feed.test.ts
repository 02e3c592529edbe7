import { makeEvent, uuidv7 } from '@pos/contracts';
import { EVENT_SAMPLES } from '@pos/contracts/event-samples';
import { createLogger } from '@pos/kit';
import { MemoryBus, SharedPglite, type StartedService } from '@pos/kit/sql';
import { lazyTestDatabase } from '@pos/kit/sql/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangesResponse } from '../protocol.js';
import { startSyncServer } from './service.js';
import { testTokens } from './test-tokens.js';

// What the change feed carries besides menus: each store's roster from the auth service's
// events, and the store config managers set here. Both are whole by themselves: the newest is
// kept, so a store enrolled later starts from it.

const logger = createLogger({ service: 'sync-feed-test', level: 'silent' });
const pglite = new SharedPglite({ logger });
const pg = lazyTestDatabase('pos_sync_feed_test');
afterAll(async () => {
  await pglite.close();
  await pg.dispose();
});

const { jwks, tokenFor } = await testTokens();

const targets = [
  {
    kind: 'postgres',
    env: async () => ({ SYNC_DATABASE_URL: (await pg.get()).url }),
    embedded: undefined,
  },
  { kind: 'pglite', env: async () => ({}), embedded: pglite },
] as const;

const SAMPLE_MEMBER = EVENT_SAMPLES['auth.rosterchanged.v1'].staff[0];
const roster = (storeId: string, names: string[]) =>
  makeEvent(
    'auth.rosterchanged.v1',
    {
      storeId,
      staff: names.map((name) => ({ ...SAMPLE_MEMBER, userId: uuidv7(), name })),
    } as never,
    { source: 'auth-service', correlationId: uuidv7() as never },
  );

for (const target of targets) {
  describe(`change feed beyond menus on ${target.kind}`, () => {
    let svc: StartedService;
    let manager: string;
    const bus = new MemoryBus();
    beforeAll(async () => {
      svc = await startSyncServer(
        {
          env: await target.env(),
          ...(target.embedded ? { embedded: target.embedded } : {}),
          host: '127.0.0.1',
          port: 0,
          logger,
          bus,
        },
        { jwks },
      );
      manager = await tokenFor(['manager']);
    });
    afterAll(async () => {
      await svc?.stop();
      await bus.close();
    });

    const call = async (method: string, path: string, body?: unknown, auth?: string) => {
      const res = await fetch(`${svc.url}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(auth ? { authorization: `Bearer ${auth}` } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };
    const publish = (event: ReturnType<typeof roster>) =>
      bus.publish([
        {
          routingKey: event.EventType,
          body: Buffer.from(JSON.stringify(event)),
          messageId: event.EventId,
        },
      ]);
    const provision = async (storeId: string) => {
      const created = await call(
        'POST',
        '/api/v1/sync/stores',
        { storeId, name: storeId },
        manager,
      );
      expect(created.status).toBe(201);
      const enrolled = await call('POST', '/api/v1/sync/enrol', {
        code: created.body.enrolmentCode,
      });
      expect(enrolled.status).toBe(201);
      return enrolled.body.credential as string;
    };
    const changes = async (credential: string, after = 0) =>
      (await call('GET', `/api/v1/sync/changes?after=${after}`, undefined, credential))
        .body as ChangesResponse;
    const until = async <T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> => {
      for (let i = 0; i < 100; i++) {
        const value = await read();
        if (done(value)) return value;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('the feed did not get there');
    };

    it("carries each store's roster to that store only, and starts a store enrolled later from the newest", async () => {
      const dock = await provision(`dock-${target.kind}`);
      const pier = await provision(`pier-${target.kind}`);
      await publish(roster(`dock-${target.kind}`, ['Ken Ito']));
      await publish(roster(`dock-${target.kind}`, ['Ken Ito', 'Jess Lopez']));
      await publish(roster(`mill-${target.kind}`, ['Ada']));
      await publish(roster(`mill-${target.kind}`, ['Ada', 'Grace']));

      const dockFeed = await until(
        () => changes(dock),
        (r) => r.changes.filter((c) => c.topic === 'staff').length === 2,
      );
      expect(
        dockFeed.changes
          .filter((c) => c.topic === 'staff')
          .map((c) => (c.payload as { staff: { name: string }[] }).staff.map((m) => m.name)),
      ).toEqual([['Ken Ito'], ['Ken Ito', 'Jess Lopez']]);
      expect((await changes(pier)).changes.filter((c) => c.topic === 'staff')).toEqual([]);

      // mill was not provisioned when its rosters came: it starts from the newest one.
      const mill = await provision(`mill-${target.kind}`);
      const millFeed = await changes(mill);
      expect(
        millFeed.changes
          .filter((c) => c.topic === 'staff')
          .map((c) => (c.payload as { staff: { name: string }[] }).staff.map((m) => m.name)),
      ).toEqual([['Ada', 'Grace']]);
    });

    it('keeps store config set by a manager and sends it to the store, whole', async () => {
      const storeId = `quay-${target.kind}`;
      const credential = await provision(storeId);
      const path = `/api/v1/sync/stores/${storeId}/config`;
      expect(await call('GET', path, undefined, manager)).toEqual({
        status: 200,
        body: { storeId, config: {} },
      });
      const config = {
        offlineCard: { perTransactionCapCents: 5_000, totalCapCents: 50_000 },
        taxRates: [{ taxCategoryId: 'food', rateBasisPoints: 900 }],
      };
      const saved = await call('PUT', path, config, manager);
      expect(saved).toEqual({ status: 200, body: { storeId, config } });
      expect((await call('GET', path, undefined, manager)).body.config).toEqual(config);
      const feed = await changes(credential);
      expect(feed.changes.filter((c) => c.topic === 'store-config').map((c) => c.payload)).toEqual([
        config,
      ]);

      // Bad input: every wrong field named, nothing stored.
      const bad = await call(
        'PUT',
        path,
        {
          offlineCard: { perTransactionCapCents: 90_000, totalCapCents: 50_000 },
          taxRates: [
            { taxCategoryId: 'food', rateBasisPoints: 20_000 },
            { taxCategoryId: 'food', rateBasisPoints: 100 },
          ],
          printing: { printers: [{ id: 'Bad Id' }] },
          colour: 'red',
        },
        manager,
      );
      expect(bad.status).toBe(400);
      const fields = bad.body.errors.map((e: { field: string }) => e.field);
      expect(fields).toEqual(
        expect.arrayContaining([
          'offlineCard.perTransactionCapCents',
          'taxRates.0.rateBasisPoints',
          'taxRates.1.taxCategoryId',
          'printing.printers.0.id',
        ]),
      );
      expect((await call('GET', path, undefined, manager)).body.config).toEqual(config);
      expect((await call('PUT', path, config)).status).toBe(401);
      expect((await call('PUT', path, config, await tokenFor(['cashier']))).status).toBe(403);
      expect((await call('PUT', path, config, credential)).status).toBe(401);
      expect(
        (await call('PUT', '/api/v1/sync/stores/nowhere/config', config, manager)).status,
      ).toBe(404);
      expect((await call('PUT', '/api/v1/sync/stores/Bad!/config', config, manager)).status).toBe(
        400,
      );
    });
  });
}
