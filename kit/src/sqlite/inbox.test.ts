import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { openSqlite } from './db.js';
import type { StoredEnvelope } from './envelope.js';
import { Inbox, InboxConsumer, inboxSchema } from './inbox.js';

const dir = mkdtempSync(join(tmpdir(), 'pos-inbox-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const event = (n: number): StoredEnvelope =>
  ({
    EventId: `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`,
    EventType: 'test.happened.v1',
    Timestamp: new Date(0).toISOString(),
    CorrelationId: '00000000-0000-4000-8000-000000000000',
    Source: 'test',
    Payload: { n },
  }) as StoredEnvelope;

function consumer(
  name: string,
  durable: () => Promise<void>,
  handle: (n: number) => void = () => {},
) {
  const db = openSqlite({ path: join(dir, `${name}.db`), schemas: [inboxSchema] });
  const applied: number[] = [];
  const acked: string[] = [];
  const inbox = new Inbox(db, name);
  const c = new InboxConsumer<StoredEnvelope>({
    inbox,
    logger: createLogger({ service: 'test', level: 'silent' }),
    parse: (raw) => ({ ok: true, event: raw as StoredEnvelope }),
    handle: (e) => {
      const n = (e as unknown as { Payload: { n: number } }).Payload.n;
      handle(n);
      applied.push(n);
    },
    acknowledge: (ids) => acked.push(...ids),
    durable,
  });
  return { c, applied, acked, db, dead: () => inbox.deadLetters() };
}

const bytes = (e: StoredEnvelope) => Buffer.from(JSON.stringify(e));

describe('InboxConsumer', () => {
  it('applies an event that arrives while the previous ones wait for the disk', async () => {
    let release: () => void = () => {};
    let syncs = 0;
    const { c, applied, acked } = consumer('late', () => {
      syncs += 1;
      return syncs === 1 ? new Promise<void>((r) => (release = r)) : Promise.resolve();
    });
    c.receive(bytes(event(1)));
    await new Promise((r) => setTimeout(r, 5));
    expect(applied).toEqual([1]);
    c.receive(bytes(event(2))); // the first run is waiting for its disk sync
    release();
    await c.whenIdle();
    expect(applied).toEqual([1, 2]);
    expect(acked).toEqual([event(1).EventId, event(2).EventId]);
  });

  it('acknowledges nothing when the disk sync fails, and keeps taking events', async () => {
    let fail = true;
    const { c, applied, acked } = consumer('failing', () =>
      fail ? Promise.reject(new Error('disk gone')) : Promise.resolve(),
    );
    c.receive(bytes(event(1)));
    await c.whenIdle();
    expect(applied).toEqual([1]);
    expect(acked).toEqual([]);
    fail = false;
    c.receive(bytes(event(2)));
    c.receive(bytes(event(1))); // the producer publishes the unacknowledged one again
    await c.whenIdle();
    expect(applied).toEqual([1, 2]);
    expect(acked.sort()).toEqual([event(1).EventId, event(2).EventId].sort());
  });

  it('leaves an event it cannot store on a full disk unacknowledged, not dead, until there is room', async () => {
    let full = true;
    const { c, applied, acked, dead } = consumer(
      'full',
      () => Promise.resolve(),
      () => {
        if (full)
          throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      },
    );
    c.receive(bytes(event(1)));
    await c.whenIdle();
    expect(applied).toEqual([]);
    expect(acked).toEqual([]);
    expect(dead()).toEqual([]);
    full = false;
    c.receive(bytes(event(1))); // published again by the producer
    await c.whenIdle();
    expect(applied).toEqual([1]);
    expect(acked).toEqual([event(1).EventId]);
    expect(dead()).toEqual([]);
  });
});
