// PostgreSQL (and embedded PGlite) access for the cloud services: `@pos/kit/sql`.

export * from './bus.js';
export * from './bus-consumer.js';
export * from './bus-relay.js';
export * from './cloud-service.js';
export {
  isUniqueViolation,
  quoteIdentifier,
  type SqlDatabase,
  type SqlExecutor,
  type SqlKind,
  SqlResultError,
  type SqlResultErrorCode,
  type SqlRow,
  SqlUsageError,
  schemaNameFor,
  sqlState,
} from './database.js';
export * from './idempotency-store.js';
export * from './migrate.js';
export * from './open.js';
export * from './pg-database.js';
export * from './pglite-database.js';
