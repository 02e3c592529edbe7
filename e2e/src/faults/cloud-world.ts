import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startVirtualPrinter, type VirtualPrinter } from '@pos/hardware';
import { expect } from 'vitest';
import { type HubOrder, hubBooks } from '../guarantee-books.js';
import {
  expectEveryEventOnce,
  expectPointsOncePerPayment,
  expectSalesToMatch,
  undeliveredToSync,
} from '../guarantee-checks.js';
import {
  type CloudProcess,
  cloudCall,
  openMembers,
  startCloudProcess,
} from '../guarantee-cloud.js';
import { SyncLink } from '../guarantee-link.js';
import {
  expectStatus,
  type Flow,
  MANAGER_PIN,
  ReaderQueue,
  type Rung,
  runClient,
  Till,
} from '../guarantee-till.js';
import { type HubProcess, startHubProcess } from '../hub-process.js';
import { PrivatePostgres } from './cloud-postgres.js';
import { PrivateRabbitMq } from './cloud-rabbitmq.js';

// The cloud side of a fault scenario: the whole cloud (every service in one child process) on a
// PostgreSQL server and a RabbitMQ node of the scenario's own, which it may stop and start, and
// one store's hub (a child process with virtual printers and the simulated card reader) pushing
// its events up through sync. Terminals ring up orders on the hub; the checks compare what the
// cloud holds with the hub's own books.

const STORE = 'fault-store';
const OWNER = { email: 'owner@faults.example', password: 'fault owner 1' };
const MEMBERS = 6;
/** Each service of the cloud process, by the name its database is kept under. */
const CONSUMERS = ['loyalty', 'notification'] as const;

export async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  ms = 30_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export class CloudWorld {
  readonly rung: Rung[] = [];
  members: { customerId: string; phone: string }[] = [];

  private constructor(
    readonly postgres: PrivatePostgres,
    readonly rabbitmq: PrivateRabbitMq,
    readonly cloud: CloudProcess,
    readonly link: SyncLink,
    readonly hub: HubProcess,
    readonly manager: Till,
    private readonly printers: VirtualPrinter[],
    private readonly dataDir: string,
  ) {}

  /** Everything up, the store enrolled, members open, stock in, a shift open, the hub online. */
  static async start(): Promise<CloudWorld> {
    const dataDir = mkdtempSync(join(tmpdir(), 'pos-fault-hub-'));
    const [postgres, rabbitmq, receipt, kitchen] = await Promise.all([
      PrivatePostgres.start(),
      PrivateRabbitMq.start(),
      startVirtualPrinter({ port: 0, name: 'receipt', codePage: 'PC858' }),
      startVirtualPrinter({ port: 0, name: 'kitchen', codePage: 'PC858' }),
    ]);
    const started: { dispose(): Promise<void> }[] = [postgres, rabbitmq, receipt, kitchen].map(
      (s) => ({ dispose: () => ('dispose' in s ? s.dispose() : s.close()) }),
    );
    try {
      return await CloudWorld.#build(dataDir, postgres, rabbitmq, [receipt, kitchen], started);
    } catch (err) {
      // Nothing of a failed start is left running.
      for (const s of started.reverse()) await s.dispose().catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
      throw err;
    }
  }

  static async #build(
    dataDir: string,
    postgres: PrivatePostgres,
    rabbitmq: PrivateRabbitMq,
    [receipt, kitchen]: VirtualPrinter[],
    started: { dispose(): Promise<void> }[],
  ): Promise<CloudWorld> {
    if (!receipt || !kitchen) throw new Error('two printers are needed');
    const cloud = await startCloudProcess(
      OWNER,
      {},
      { createDatabase: () => postgres.createDatabase(), amqpUrl: rabbitmq.url },
    );
    started.push(cloud);
    const link = await SyncLink.start({
      host: '127.0.0.1',
      port: Number(new URL(cloud.urls.sync).port),
    });
    started.push({ dispose: () => link.close() });
    const owner = (method: string, url: string, body?: unknown) =>
      cloudCall(cloud.owner, method, url, body);
    const store = await owner('POST', `${cloud.urls.sync}/api/v1/sync/stores`, {
      storeId: STORE,
      name: 'Fault Street',
    });
    expect(store.status, JSON.stringify(store.body)).toBe(201);
    const hub = await startHubProcess(dataDir, {
      STORE_ID: STORE,
      STORE_TIMEZONE: 'UTC',
      CLOUD_SYNC_URL: link.url,
      SYNC_ENROLMENT_CODE: store.body.enrolmentCode,
      PRINTER_HOST: '127.0.0.1',
      RECEIPT_PRINTER_PORT: String(receipt.port),
      KITCHEN_PRINTER_PORT: String(kitchen.port),
      CARD_READER: 'simulated',
      SIM_READER_LATENCY_MS: '5',
    });
    started.push({ dispose: () => hub.kill('SIGKILL') });
    const world = new CloudWorld(
      postgres,
      rabbitmq,
      cloud,
      link,
      hub,
      new Till(hub.url, MANAGER_PIN),
      [receipt, kitchen],
      dataDir,
    );
    world.members = await openMembers(cloud, MEMBERS, '+1555020');
    const ingredients = expectStatus(
      await world.manager.get('/api/v1/inventory/items'),
      [200],
      'ingredients',
    ).items as { ingredientId: string }[];
    for (const { ingredientId } of ingredients) {
      expectStatus(
        await world.manager.post('/api/v1/inventory/stock-in', {
          ingredientId,
          quantity: 1_000_000,
        }),
        [200, 201],
        `stock-in ${ingredientId}`,
      );
    }
    expectStatus(
      await world.manager.post('/api/v1/shifts', { openingFloatCents: 50_000 }),
      [201],
      'open shift',
    );
    await until('the hub enrolled and online', async () => {
      const s = await world.syncStatus();
      return s.state === 'online' && s.storeId === STORE;
    });
    return world;
  }

  owner(method: string, path: string, body?: unknown) {
    return cloudCall(this.cloud.owner, method, `${this.cloud.urls.gateway}${path}`, body);
  }

  /**
   * The loyalty service itself rather than through the gateway, whose circuit breaker keeps a
   * service it saw failing closed off for a while after it is back (checked on its own).
   */
  loyalty(method: string, path: string, body?: unknown) {
    return cloudCall(this.cloud.owner, method, `${this.cloud.serviceUrls.loyalty}${path}`, body);
  }

  async dispose(): Promise<void> {
    await this.hub.kill('SIGKILL');
    await this.link.close();
    await this.cloud.dispose().catch(() => {});
    for (const p of this.printers) await p.close();
    await this.rabbitmq.dispose();
    await this.postgres.dispose();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** Loyalty members, earning one point per dollar: the upper tiers are set out of reach. */
  async syncStatus(): Promise<any> {
    return expectStatus(await this.manager.get('/api/v1/sync/status'), [200], 'sync status');
  }

  /**
   * Three terminals ringing up `orders` orders between them; `during` runs once `at` of them
   * are done (half by default), while the terminals go on.
   */
  async trade(
    orders: number,
    flows: readonly Flow[],
    during?: () => Promise<void>,
    at = orders / 2,
  ) {
    const progress = { done: 0 };
    const reader = new ReaderQueue();
    const pins = ['1234', '4321', MANAGER_PIN];
    const clients = pins.map((pin, index) =>
      runClient({
        till: new Till(this.hub.url, pin),
        reader,
        flows,
        orders: Math.ceil(orders / pins.length),
        index,
        customers: this.members,
        progress,
      }),
    );
    const all = Promise.all(clients);
    if (during) {
      await Promise.race([all, until(`${at} orders rung up`, () => progress.done >= at, 90_000)]);
      await during();
    }
    this.rung.push(...(await all).flat());
  }

  /** The cloud's position for the store (the last sequence it applied). */
  async cloudPosition(): Promise<number> {
    const [row] = await this.cloud.sql<{ last_sequence: number }>(
      'sync',
      'SELECT last_sequence FROM stores WHERE store_id = $1',
      [STORE],
    );
    return Number(row?.last_sequence);
  }

  /** The hub's events still on their way to its sync queue (outbox deliveries not yet done). */
  undeliveredToSync(): number {
    return undeliveredToSync(this.dataDir);
  }

  /**
   * Wait until everything the hub has is in the cloud, as the hub's own sync client gets it
   * there (retries and backoff included). With `nudge`, "sync now" is pressed when nothing has
   * moved for five seconds, as a manager would; without it, the client must get there alone.
   */
  async catchUp({
    ms = 60_000,
    nudge = true,
  }: {
    ms?: number;
    nudge?: boolean;
  } = {}): Promise<any> {
    const deadline = Date.now() + ms;
    let confirmed = -1;
    let moved = Date.now();
    for (;;) {
      const s = await this.syncStatus();
      if (
        s.state === 'online' &&
        s.pendingEvents === 0 &&
        this.undeliveredToSync() === 0 &&
        (await this.cloudPosition()) === s.lastSequenceQueued
      ) {
        return s;
      }
      if (s.lastSequenceConfirmed !== confirmed) {
        confirmed = s.lastSequenceConfirmed;
        moved = Date.now();
      } else if (nudge && Date.now() - moved > 5_000) {
        expectStatus(await this.manager.post('/api/v1/sync/now'), [202], 'sync now');
        moved = Date.now();
      }
      if (Date.now() > deadline) {
        throw new Error(
          `not caught up: ${JSON.stringify(s)}\n${this.cloud.output().slice(-3_000)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Rows of the sync service's outbox not yet confirmed by the bus. */
  async unpublished(): Promise<number> {
    const [row] = await this.cloud.sql<{ n: number }>(
      'sync',
      'SELECT count(*) AS n FROM sync_outbox WHERE published_at IS NULL',
    );
    return Number(row?.n);
  }

  /** Every service of the cloud process answers `/health` and is `/ready` (its database answers). */
  async expectServicesUp(): Promise<void> {
    for (const [name, url] of Object.entries(this.cloud.serviceUrls)) {
      const health = await fetch(`${url}/health`).catch((err: Error) => err);
      expect(health instanceof Response ? health.status : health.message, `${name} /health`).toBe(
        200,
      );
      await until(`${name} ready`, async () => {
        const ready = await fetch(`${url}/ready`).catch(() => undefined);
        return ready?.status === 200;
      });
    }
  }

  /**
   * Every promise about the cloud's copy of the store, checked against the hub's own books: the
   * sales report and each order and payment to the cent, every event once under the hub's
   * number, fanned out once, taken by loyalty and notification once each, and points earned
   * once per payment.
   */
  async expectCloudToMatchHub(): Promise<HubOrder[]> {
    const books = await hubBooks(this.manager);
    expect(books.length).toBe(new Set(this.rung.map((r) => r.orderId)).size);

    await expectSalesToMatch(this.cloud, STORE, books);
    await expectEveryEventOnce(this.cloud, STORE, this.dataDir);
    // Queued for the cloud bus once each, and all of it published.
    expect(await this.unpublished()).toBe(0);
    await this.#expectConsumedOnce();
    await this.#expectPointsOncePerPayment(books);
    return books;
  }

  /**
   * Loyalty and notification have each taken every event they are bound to from the bus, once
   * (the inbox holds an event once by its key; a redelivery is dropped), with no dead letters.
   */
  async #expectConsumedOnce(): Promise<void> {
    const bindings: Record<(typeof CONSUMERS)[number], string[]> = {
      loyalty: ['payment.completed.v1'],
      notification: ['order.created.v1', 'order.ready.v1', 'payment.completed.v1'],
    };
    for (const consumer of CONSUMERS) {
      const sent = (
        await this.cloud.sql<{ event_id: string }>(
          'sync',
          `SELECT event_id::text FROM received_events
            WHERE store_id = $1 AND invalid_reason IS NULL AND event_type = ANY($2::text[])`,
          [STORE, bindings[consumer]],
        )
      ).map((r) => r.event_id);
      expect(sent.length).toBeGreaterThan(0);
      await until(
        `${consumer} has taken every event from the bus`,
        async () => {
          const [seen] = await this.cloud.sql<{ n: number }>(
            consumer,
            `SELECT count(*) AS n FROM cloud_inbox
              WHERE consumer = $1 AND event_id = ANY($2::text[])`,
            [consumer, sent],
          );
          return Number(seen?.n) === sent.length;
        },
        45_000,
      );
      expect(
        await this.cloud.sql(consumer, 'SELECT event_id, reason FROM cloud_dead_letters'),
      ).toEqual([]);
    }
    // Notifications: one message per event at most (a redelivery does not notify twice).
    expect(
      await this.cloud.sql(
        'notification',
        `SELECT source_event_id, count(*) FROM notification_log
          WHERE source_event_id IS NOT NULL GROUP BY source_event_id HAVING count(*) > 1`,
      ),
    ).toEqual([]);
  }

  /** Each payment of a member's order earned once, and nothing else did. */
  async #expectPointsOncePerPayment(books: readonly HubOrder[]): Promise<void> {
    await expectPointsOncePerPayment(this.cloud, books, this.members, (method, path) =>
      this.loyalty(method, path),
    );
  }
}
