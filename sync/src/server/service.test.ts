import { createLogger } from '@pos/kit';
import { PgDatabase } from '@pos/kit/sql';
import { lazyTestDatabase } from '@pos/kit/sql/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { startSyncServer } from './service.js';

describe('sync server on its own PostgreSQL database', () => {
  const testDatabase = lazyTestDatabase('pos_sync_test');
  afterAll(() => testDatabase.dispose());

  it('migrates the database at SYNC_DATABASE_URL and answers /health and /ready', async () => {
    const { url } = await testDatabase.get();
    const sync = await startSyncServer({
      env: { SYNC_DATABASE_URL: url },
      host: '127.0.0.1',
      port: 0,
      logger: createLogger({ service: 'sync', level: 'silent' }),
    });
    try {
      const health = await fetch(`${sync.url}/health`);
      expect(await health.json()).toMatchObject({ status: 'ok', service: 'sync' });
      const ready = await fetch(`${sync.url}/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok' } });
    } finally {
      await sync.stop();
    }
    const db = await PgDatabase.open({ url });
    try {
      await db.query(
        "INSERT INTO stores (store_id, name, credential_hash) VALUES ('s1', 'Store', 'h')",
      );
      const feed = await db.one<{ cursor: number }>(
        "INSERT INTO change_feed (store_id, topic, payload) VALUES ('s1', 'menu', '{}') RETURNING cursor",
      );
      expect(feed.cursor).toBe(1);
    } finally {
      await db.close();
    }
  });
});
