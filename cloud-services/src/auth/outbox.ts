import { makeEvent } from '@pos/contracts';
import { currentCorrelationId } from '@pos/kit';
import type { SqlExecutor } from '@pos/kit/sql';

/** Write an auth.* event in the caller's transaction; the relay publishes it to RabbitMQ. */
export async function emit(
  tx: SqlExecutor,
  type: 'auth.usercreated.v1' | 'auth.userrolechanged.v1',
  payload: Record<string, unknown>,
): Promise<void> {
  const event = makeEvent(type, payload as never, {
    source: 'auth-service',
    correlationId: currentCorrelationId(),
  });
  await tx.query('INSERT INTO auth_outbox (event_id, event_type, envelope) VALUES ($1, $2, $3)', [
    event.EventId,
    type,
    JSON.stringify(event),
  ]);
}
