/**
 * A producer process for the crash tests: commits events to its outbox, then dies by SIGKILL
 * either before publishing them (`before-publish`) or right after the bus took them, before any
 * consumer acknowledgement came back (`after-publish`).
 *   node --import tsx crash-producer.fixture.ts <db> <count> <mode> <mqttUrl> <storeId>
 * The bus password comes in BUS_PASSWORD.
 */
import { randomUUID } from 'node:crypto';
import { createLogger, Outbox, OutboxRelay, openSqlite, outboxSchema } from '@pos/kit';
import { INTERNAL_USERNAME } from './broker.js';
import { BusClient } from './client.js';

const [dbPath, countArg, mode, mqttUrl, storeId] = process.argv.slice(2) as [
  string,
  string,
  'before-publish' | 'after-publish',
  string,
  string,
];
const logger = createLogger({ service: 'crash-producer', level: 'silent' });
const db = openSqlite({ path: dbPath, synchronous: 'FULL', schemas: [outboxSchema] });
const outbox = new Outbox(db, (type) => (type === 'order.created.v1' ? ['effects'] : []));

for (let i = 0; i < Number(countArg); i++) {
  outbox.transaction(() => {
    outbox.append({
      EventId: randomUUID(),
      EventType: 'order.created.v1',
      Timestamp: new Date().toISOString(),
      CorrelationId: randomUUID(),
      Source: 'crash-producer',
      StoreId: storeId,
      Payload: { n: i },
    });
  });
}

if (mode === 'before-publish') process.kill(process.pid, 'SIGKILL');

const bus = await BusClient.connect({
  url: mqttUrl,
  storeId,
  clientId: `crash-producer-${process.pid}`,
  logger,
  credentials: { username: INTERNAL_USERNAME, password: process.env.BUS_PASSWORD ?? '' },
});
const relay = new OutboxRelay(outbox, { publish: (e) => bus.publishEvent(e) }, { logger });
await relay.start();
await relay.drain();
process.kill(process.pid, 'SIGKILL');
