import type { Schema, SqliteDatabase } from '@pos/kit';

export const printingSchema: Schema = {
  component: 'printing',
  migrations: [
    {
      version: 1,
      name: 'printing config, order copies, drawer log',
      up: `
        CREATE TABLE printing_config (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          config TEXT NOT NULL,
          updated_at INTEGER NOT NULL,
          updated_by TEXT
        );
        -- The order as the order events told it: what a reprint or a guest check prints from.
        CREATE TABLE order_copy (
          order_id TEXT PRIMARY KEY,
          payload TEXT NOT NULL,
          updated_at INTEGER NOT NULL
        );
        CREATE TABLE drawer_log (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          printer_id TEXT NOT NULL,
          reason TEXT NOT NULL,
          opened_by TEXT NOT NULL,
          at INTEGER NOT NULL
        );
      `,
    },
  ],
};

export class PrintingStore {
  constructor(readonly db: SqliteDatabase) {}

  config(): string | undefined {
    return (
      this.db.prepare('SELECT config FROM printing_config WHERE id = 1').get() as
        | { config: string }
        | undefined
    )?.config;
  }

  saveConfig(config: string, now: number, by: string | null): void {
    this.db
      .prepare(
        `INSERT INTO printing_config (id, config, updated_at, updated_by) VALUES (1, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at,
           updated_by = excluded.updated_by`,
      )
      .run(config, now, by);
  }

  orderCopy<T>(orderId: string): T | undefined {
    const row = this.db.prepare('SELECT payload FROM order_copy WHERE order_id = ?').get(orderId) as
      | { payload: string }
      | undefined;
    return row ? (JSON.parse(row.payload) as T) : undefined;
  }

  saveOrderCopy(orderId: string, payload: unknown, now: number): void {
    this.db
      .prepare(
        `INSERT INTO order_copy (order_id, payload, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (order_id) DO UPDATE SET payload = excluded.payload, updated_at = excluded.updated_at`,
      )
      .run(orderId, JSON.stringify(payload), now);
  }

  logDrawer(printerId: string, reason: string, by: string, now: number): void {
    this.db
      .prepare('INSERT INTO drawer_log (printer_id, reason, opened_by, at) VALUES (?, ?, ?, ?)')
      .run(printerId, reason, by, now);
  }

  drawerLog(limit: number) {
    return this.db
      .prepare(
        'SELECT printer_id AS printerId, reason, opened_by AS openedBy, at FROM drawer_log ORDER BY id DESC LIMIT ?',
      )
      .all(limit) as { printerId: string; reason: string; openedBy: string; at: number }[];
  }
}
