import {
  type AnyEvent,
  type EventPayloads,
  type EventType,
  makeEvent,
  parseEvent,
} from '@pos/contracts';
import { currentCorrelationId } from '@pos/kit';
import type { SqlExecutor } from '@pos/kit/sql';

/** A service's outbox table (the relay publishes it to RabbitMQ in `seq` order). */
export function outboxTableSql(table: string): string {
  return `
    CREATE TABLE ${table} (
      seq BIGSERIAL PRIMARY KEY,
      event_id UUID NOT NULL UNIQUE,
      event_type TEXT NOT NULL,
      envelope TEXT NOT NULL,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      published_at TIMESTAMPTZ
    );`;
}

/** Write an event into a service's outbox, in the caller's transaction. */
export async function emitTo<T extends EventType>(
  tx: SqlExecutor,
  table: string,
  source: string,
  type: T,
  payload: EventPayloads[T],
): Promise<void> {
  const event = makeEvent(type, payload, { source, correlationId: currentCorrelationId() });
  await tx.query(`INSERT INTO ${table} (event_id, event_type, envelope) VALUES ($1, $2, $3)`, [
    event.EventId,
    type,
    JSON.stringify(event),
  ]);
}

/** Validate a message from the bus against the contracts (for `AmqpConsumer`). */
export function parseBusEvent(
  raw: unknown,
): { ok: true; event: AnyEvent } | { ok: false; reason: string } {
  const r = parseEvent(raw);
  return r.ok
    ? { ok: true, event: r.event as AnyEvent }
    : { ok: false, reason: r.issues.map((i) => `${i.path}: ${i.message}`).join('; ') };
}
