import { createLogger } from '@pos/kit';
import { PgDatabase } from '@pos/kit/sql';
import { lazyTestDatabase } from '@pos/kit/sql/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { startMenuService } from './service.js';

const runtime = (env: Record<string, string>) => ({
  env,
  host: '127.0.0.1',
  port: 0,
  logger: createLogger({ service: 'menu', level: 'silent' }),
});

describe('menu service on its own PostgreSQL database', () => {
  const testDatabase = lazyTestDatabase('pos_menu_test');
  afterAll(() => testDatabase.dispose());

  it('migrates the database at MENU_DATABASE_URL and answers /health and /ready', async () => {
    const { url } = await testDatabase.get();
    const menu = await startMenuService(runtime({ MENU_DATABASE_URL: url }));
    try {
      expect((await fetch(`${menu.url}/health`)).status).toBe(200);
      const ready = await fetch(`${menu.url}/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok' } });
      const categories = await fetch(`${menu.url}/api/v1/menu/categories`);
      expect(await categories.json()).toEqual({ categories: [] });
    } finally {
      await menu.stop();
    }

    const again = await startMenuService(runtime({ MENU_DATABASE_URL: url }));
    await again.stop();
    const db = await PgDatabase.open({ url });
    try {
      expect(await db.query('SELECT component, version FROM schema_migrations')).toEqual([
        { component: 'menu', version: 1 },
        { component: 'menu', version: 2 },
        { component: 'menu', version: 3 },
      ]);
      await db.query("INSERT INTO categories (category_id, name) VALUES ('drinks', 'Drinks')");
      expect(await db.one('SELECT count(*) AS c FROM menu_item_prices')).toEqual({ c: 0 });
    } finally {
      await db.close();
    }
  });

  it('refuses to start when its database cannot be reached', async () => {
    const unreachable = 'postgres://postgres@127.0.0.1:1/menu';
    await expect(startMenuService(runtime({ MENU_DATABASE_URL: unreachable }))).rejects.toThrow();
  });
});
