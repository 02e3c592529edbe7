import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOWS } from '../guarantee-till.js';
import { CloudWorld, until } from './cloud-world.js';

// RabbitMQ restarted under load: the hub keeps ringing up paid orders, which sync takes in and
// queues in its outbox for the bus, while the broker is stopped for a few seconds and started
// again. Nothing the hub pushed may be lost or applied twice: the outbox drains by itself once
// the broker is back, loyalty and notification take every event once (a message redelivered
// after the restart has no second effect), no service falls over, and orders after the restart
// flow through as before. The broker is a private node, so the machine's shared one is left
// alone.

const DOWN_MS = 4_000;
let world: CloudWorld;

beforeAll(async () => {
  world = await CloudWorld.start();
});

afterAll(async () => {
  await world?.dispose();
});

/** Each of the cloud's queues on the private node: its consumers and messages still in it. */
async function queues(): Promise<Map<string, { consumers: number; messages: number }>> {
  const out = await world.rabbitmq.ctl(['list_queues', 'name', 'consumers', 'messages']);
  const found = new Map<string, { consumers: number; messages: number }>();
  for (const line of out.split('\n')) {
    const [name, consumers, messages] = line.trim().split(/\s+/);
    if (name?.startsWith('pos.')) {
      found.set(name, { consumers: Number(consumers), messages: Number(messages) });
    }
  }
  return found;
}

describe('RabbitMQ restarted under load', () => {
  it('loses nothing, applies nothing twice, and resumes on its own', async () => {
    await world.catchUp();
    const before = await queues();
    expect([...before.keys()].sort()).toEqual(
      expect.arrayContaining(['pos.loyalty', 'pos.notification', 'pos.sync']),
    );

    // A tenth of the orders in, the broker goes for a few seconds while the terminals go on.
    let heldWhileDown = 0;
    let pushedWhileDown = 0;
    await world.trade(
      240,
      FLOWS,
      async () => {
        await world.rabbitmq.stopNode();
        const down = Date.now();
        const position = await world.cloudPosition();
        while (Date.now() - down < DOWN_MS) {
          heldWhileDown = Math.max(heldWhileDown, await world.unpublished());
          await new Promise((r) => setTimeout(r, 200));
        }
        pushedWhileDown = (await world.cloudPosition()) - position;
        await world.rabbitmq.startNode();
      },
      24,
    );
    // Sync kept taking the hub's pushes while the broker was down, and held their events.
    const seen = `\n${world.cloud.output().slice(-3_000)}`;
    expect(pushedWhileDown, seen).toBeGreaterThan(0);
    expect(heldWhileDown, seen).toBeGreaterThan(0);

    await world.catchUp({ nudge: false });
    // The outbox drains without anyone pressing anything.
    await until('the sync outbox drained', async () => (await world.unpublished()) === 0, 45_000);
    await world.expectServicesUp();
    // Every consumer is back on its queue, and nothing waits in them.
    await until('the consumers back on their queues', async () => {
      const now = await queues();
      return [...before.keys()].every((q) => (now.get(q)?.consumers ?? 0) >= 1);
    });
    await until('the queues emptied', async () =>
      [...(await queues()).values()].every((q) => q.messages === 0),
    );
    await world.expectCloudToMatchHub();

    // New orders after the restart flow through to the read model and loyalty.
    const paid = world.rung.length;
    await world.trade(15, ['cash', 'card', 'seats', 'equal-thirds', 'card-and-cash']);
    expect(world.rung.length).toBeGreaterThan(paid);
    await world.catchUp();
    await until('the sync outbox drained', async () => (await world.unpublished()) === 0);
    await world.expectCloudToMatchHub();
    await world.expectServicesUp();
  }, 150_000);
});
