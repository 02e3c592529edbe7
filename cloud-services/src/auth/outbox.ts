import type { SqlExecutor } from '@pos/kit/sql';
import { emitTo } from '../events.js';

/** Write an auth.* event in the caller's transaction; the relay publishes it to RabbitMQ. */
export function emit(
  tx: SqlExecutor,
  type:
    | 'auth.usercreated.v1'
    | 'auth.userrolechanged.v1'
    | 'auth.rosterchanged.v1'
    | 'auth.emailverificationrequested.v1',
  payload: Record<string, unknown>,
): Promise<void> {
  return emitTo(tx, 'auth_outbox', 'auth-service', type, payload as never);
}
