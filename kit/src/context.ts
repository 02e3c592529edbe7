import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { CorrelationId } from '@pos/contracts';
import type { Logger } from 'pino';

/** What follows a unit of work (a request, a consumed event) through async calls. */
export interface WorkContext {
  correlationId: CorrelationId;
  logger: Logger;
}

const storage = new AsyncLocalStorage<WorkContext>();

export function runWithContext<T>(ctx: WorkContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

export function currentContext(): WorkContext | undefined {
  return storage.getStore();
}

/** The correlation ID of the current unit of work, or a fresh one outside any. */
export function currentCorrelationId(): CorrelationId {
  return storage.getStore()?.correlationId ?? newCorrelationId();
}

export function newCorrelationId(): CorrelationId {
  return randomUUID() as CorrelationId;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Accept a caller's correlation ID only when it is a UUID; anything else is replaced. */
export function correlationIdFrom(header: string | undefined): CorrelationId {
  return header && uuid.test(header) ? (header.toLowerCase() as CorrelationId) : newCorrelationId();
}
