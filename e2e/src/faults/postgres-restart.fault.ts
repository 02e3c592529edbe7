import { demoMenu } from '@pos/edge-hub/demo/menu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus, FLOWS } from '../guarantee-till.js';
import { CloudWorld, until } from './cloud-world.js';

// PostgreSQL restarted under load: the hub keeps ringing up paid orders and pushing them to
// sync while the cloud's database server is shut down (fast: every session ended) for a few
// seconds and started again. Pushes that fail are sent again by the hub's sync client and land
// once; meanwhile every service answers 503 problem+json (never a 500, never a crash), their
// pools connect again by themselves, and menus and loyalty work afterwards. The server is a
// private one, so the machine's shared PostgreSQL is left alone.

const DOWN_MS = 4_000;
let world: CloudWorld;

beforeAll(async () => {
  world = await CloudWorld.start();
});

afterAll(async () => {
  await world?.dispose();
});

interface Answer {
  what: string;
  status: number;
  type: string;
  problem: { status?: number; title?: string } | undefined;
}

/**
 * Calls through the gateway (menu, loyalty) and to sync (its report) until stopped, each
 * answer kept: what an operator's portal would be asking while the database is away.
 */
function probe(): { stop(): Promise<Answer[]> } {
  const answers: Answer[] = [];
  let running = true;
  const member = world.members[0]?.customerId;
  const day = (offset: number) =>
    new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  const targets: [string, string][] = [
    ['menu', `${world.cloud.urls.gateway}/api/v1/menu/categories`],
    ['loyalty', `${world.cloud.urls.gateway}/api/v1/loyalty/accounts/${member}`],
    [
      'sync report',
      `${world.cloud.urls.sync}/api/v1/sync/reports/sales?from=${day(-1)}&to=${day(1)}&storeId=fault-store`,
    ],
  ];
  const loop = (async () => {
    while (running) {
      for (const [what, url] of targets) {
        try {
          const res = await fetch(url, {
            headers: { authorization: `Bearer ${world.cloud.owner}` },
          });
          const type = res.headers.get('content-type') ?? '';
          const text = await res.text();
          answers.push({
            what,
            status: res.status,
            type,
            problem: type.includes('problem+json') ? JSON.parse(text) : undefined,
          });
        } catch (err) {
          // No answer at all: the service is gone.
          answers.push({ what, status: 0, type: String(err), problem: undefined });
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return answers;
    },
  };
}

describe('PostgreSQL restarted under load', () => {
  it('retries what failed, lands it once, answers 503 meanwhile, and recovers on its own', async () => {
    await world.catchUp();
    const pushesBefore = world.link.pushes.length;

    let answers: Answer[] = [];
    await world.trade(
      180,
      FLOWS,
      async () => {
        const probing = probe();
        await new Promise((r) => setTimeout(r, 300));
        await world.postgres.stopServer('fast');
        await new Promise((r) => setTimeout(r, DOWN_MS));
        await world.postgres.startServer();
        await new Promise((r) => setTimeout(r, 1_000));
        answers = await probing.stop();
      },
      18,
    );

    // While the database was away the services said so, as problem+json, and nothing else went
    // wrong: no 500 to the portal's calls, none to the hub's pushes.
    const failed = answers.filter((a) => a.status !== 200);
    expect(failed.length, 'the outage was seen').toBeGreaterThan(0);
    expect(
      failed.filter((a) => a.status === 0),
      `no service went away:\n${world.cloud.output().slice(-4_000)}`,
    ).toEqual([]);
    for (const a of failed) {
      expect(`${a.what} ${a.status} ${a.type}`).toMatch(/ 503 application\/problem\+json/);
      expect(a.problem?.status).toBe(503);
    }
    const pushes = world.link.pushes.slice(pushesBefore);
    const refused = pushes.filter((p) => p.status !== 200);
    expect(refused.filter((p) => p.status === 503).length, 'pushes met the outage').toBeGreaterThan(
      0,
    );
    // Any other push not answered 200 is one still on its way as this is read.
    expect(refused.map((p) => p.status).filter((s) => s !== 503 && s !== undefined)).toEqual([]);

    // The hub's sync client sends what failed again, by itself; every event lands once, the
    // report matches the hub's books, and loyalty earned once per payment.
    await world.catchUp({ nudge: false });
    await world.expectServicesUp();
    await world.expectCloudToMatchHub();

    // The gateway's circuit breakers opened on the failures (seed §7.1: 5 in a row, 30 s open)
    // and answer 503 with Retry-After until a probe finds the service back; then everything
    // goes through again, with no one restarting anything.
    const member = world.members[0]?.customerId;
    const closedOff: Answer[] = [];
    await until(
      'the gateway lets menu and loyalty calls through again',
      async () => {
        let through = true;
        for (const [what, path] of [
          ['menu', '/api/v1/menu/categories'],
          ['loyalty', `/api/v1/loyalty/accounts/${member}`],
        ] as const) {
          const res = await fetch(`${world.cloud.urls.gateway}${path}`, {
            headers: { authorization: `Bearer ${world.cloud.owner}` },
          });
          const text = await res.text();
          if (res.status === 200) continue;
          through = false;
          closedOff.push({
            what: `${what} (retry after ${res.headers.get('retry-after')})`,
            status: res.status,
            type: res.headers.get('content-type') ?? '',
            problem: JSON.parse(text),
          });
        }
        if (!through) await new Promise((r) => setTimeout(r, 500));
        return through;
      },
      45_000,
    );
    for (const a of closedOff) {
      expect(`${a.what} ${a.status} ${a.type}`).toMatch(
        /\(retry after \d+\) 503 application\/problem\+json/,
      );
    }

    // Menus still work: a price published now reaches the hub.
    const fries = expectStatus(
      await world.manager.get('/api/v1/menu/items/side-fries'),
      [200],
      'fries',
    );
    const newPrice = (fries.priceCents as number) + 37;
    const { version: _v, publishedAt: _p, ...draft } = demoMenu();
    expect((await world.owner('PUT', '/api/v1/menu/draft', draft)).status).toBe(200);
    const prices = await world.owner('PUT', '/api/v1/menu/price-overrides/fault-store', {
      prices: [{ itemId: 'side-fries', priceCents: newPrice }],
    });
    expect(prices.status, JSON.stringify(prices.body)).toBe(200);
    const publish = await world.owner('POST', '/api/v1/menu/publish', {
      storeIds: ['fault-store'],
    });
    expect(publish.status, JSON.stringify(publish.body)).toBe(201);
    await until('the new menu on the hub', async () => {
      const item = await world.manager.get('/api/v1/menu/items/side-fries');
      return item.body.priceCents === newPrice;
    });

    // Loyalty still earns: orders after the restart, for members, reach their accounts.
    await world.trade(15, ['cash', 'card', 'seats', 'equal-thirds', 'card-and-cash']);
    await world.catchUp();
    await world.expectCloudToMatchHub();
  }, 150_000);
});
