/**
 * `npm run dead-letters -- list <service>` and `npm run dead-letters -- replay <service> [id…]`:
 * the events a cloud service's consumer gave up on (malformed, or failing three times), with
 * the reason, and having the running service apply them again once the fault is fixed.
 *
 * The service's database is `<SERVICE>_DATABASE_URL`, or the embedded one under
 * `POS_DATA_DIR/cloud/pglite` (stop the cloud first: only one process may open it).
 */
import { join, resolve } from 'node:path';
import { createLogger } from '@pos/kit';
import {
  listDeadLetters,
  PgDatabase,
  replayDeadLetters,
  SharedPglite,
  type SqlDatabase,
} from '@pos/kit/sql';

const [command, service, ...ids] = process.argv.slice(2);
if (!command || !service || !['list', 'replay'].includes(command)) {
  console.error('usage: dead-letters list <service> | replay <service> [id…]');
  process.exit(2);
}
const logger = createLogger({ service: 'dead-letters', level: 'warn' });
const url = process.env[`${service.toUpperCase()}_DATABASE_URL`];
let embedded: SharedPglite | undefined;
let db: SqlDatabase;
if (url) db = await PgDatabase.open({ url });
else {
  embedded = new SharedPglite({
    dataDir: join(resolve(process.env.POS_DATA_DIR ?? '.data'), 'cloud', 'pglite'),
    logger,
  });
  db = await embedded.database(service);
}
try {
  if (command === 'list') {
    const rows = await listDeadLetters(db, service);
    if (rows.length === 0) console.log(`no dead letters for ${service}`);
    for (const r of rows) {
      console.log(
        `${r.id}\t${r.failedAt}\t${r.eventType ?? '-'}\t${r.eventId ?? '-'}\t${r.replayedAt ? 'replayed' : 'waiting'}\t${r.reason}`,
      );
    }
  } else {
    const asked = await replayDeadLetters(db, service, ids.length > 0 ? ids : undefined);
    console.log(
      `${asked} dead letter(s) of ${service} will be applied again by the service (within a second while it runs, or when it next starts)`,
    );
  }
} catch (err) {
  console.error(`dead letters of ${service}: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await db.close();
  await embedded?.close();
}
