export * from './context.js';
export * from './errors.js';
export * from './http/idempotency.js';
export * from './http/metrics.js';
export * from './http/problem.js';
export * from './http/service.js';
export * from './http/validate.js';
export * from './logger.js';
export * from './shutdown.js';
export * from './sql/cloud-service.js';
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
} from './sql/database.js';
export * from './sql/idempotency-store.js';
export * from './sql/migrate.js';
export * from './sql/open.js';
export * from './sql/pg-database.js';
export * from './sql/pglite-database.js';
export * from './sqlite/db.js';
export * from './sqlite/envelope.js';
export * from './sqlite/group-commit.js';
export * from './sqlite/idempotency-store.js';
export * from './sqlite/inbox.js';
export * from './sqlite/outbox.js';
export * from './sqlite/relay.js';
export * from './sqlite/wal-sync.js';
