/**
 * The cloud sync service alone in a process, as `sync-server.ts` starts it for a benchmark:
 * `startSyncServer` on `SYNC_DATABASE_URL` with its relay to RabbitMQ at `AMQP_URL`, on a free
 * port of 127.0.0.1. Prints one line `{"listening":"http://…"}` once it takes requests, and
 * stops cleanly (HTTP server, relay, bus, pool) on SIGTERM.
 */
import { createLogger, Lifecycle } from '@pos/kit';
import { startSyncServer } from '@pos/sync/server/service';

const logger = createLogger({
  service: 'sync',
  level: process.env.LOG_LEVEL ?? 'warn',
  destination: process.stderr,
});
const lifecycle = new Lifecycle(logger);
lifecycle.handleSignals();

try {
  const server = await startSyncServer({ env: process.env, host: '127.0.0.1', port: 0, logger });
  lifecycle.add('sync', () => server.stop());
  process.stdout.write(`${JSON.stringify({ listening: server.url })}\n`);
} catch (err) {
  logger.fatal({ err }, 'the sync server did not start');
  process.exit(1);
}
