import {
  type AnyEvent,
  describeSchedule,
  localClock,
  MenuDocument,
  nextOpening,
  StoreId,
  scheduleOpen,
} from '@pos/contracts';
import { AppError, handle, notFound, type OpenApi } from '@pos/kit';
import type { SqlDatabase, SqlExecutor, SqlSchema } from '@pos/kit/sql';
import type { Express } from 'express';
import { z } from 'zod';
import { StoreHours } from '../protocol.js';
import type { MenuFeeder } from './feed.js';

// What a guest ordering online may see of the stores (seed §10's customer app): which stores
// can take an order now, and each one's published menu with what its kitchen has run out of.
// A store takes online orders only while it is open by its hours and its hub is heard from: an
// order sent to a hub that cannot receive it would be taken and then left unseen.

/**
 * A hub pushes at least every 15 s (its heartbeat); silent for longer than this, it is away
 * (`HUB_SILENT_AFTER_MS` in the environment changes it, e.g. for a hub with a shorter heartbeat).
 */
export const HUB_SILENT_AFTER_MS = 45_000;

/** The hub's 86 list in the cloud; component `sync-online` of the sync service's database. */
export const onlineSchema: SqlSchema = {
  component: 'sync-online',
  migrations: [
    {
      version: 1,
      name: 'items each store has taken off (86) or put back, as its hub said',
      up: `
        CREATE TABLE store_item_availability (
          store_id TEXT NOT NULL,
          menu_item_id TEXT NOT NULL,
          available BOOLEAN NOT NULL,
          reason TEXT,
          changed_at TIMESTAMPTZ NOT NULL,
          PRIMARY KEY (store_id, menu_item_id)
        );
      `,
    },
  ],
};

/**
 * Fold a batch's `menu.itemavailabilitychanged.v1` events from a hub into its 86 list, in the
 * transaction that applies the batch. Batches are applied in Sequence order, so the last word
 * on an item within the batch is the one kept.
 */
export async function applyAvailabilityEvents(
  tx: SqlExecutor,
  storeId: string,
  events: readonly AnyEvent[],
): Promise<void> {
  const latest = new Map<string, { available: boolean; reason: string | null; at: string }>();
  for (const event of events) {
    if (event.EventType !== 'menu.itemavailabilitychanged.v1') continue;
    const { menuItemId, available, reason } = event.Payload;
    latest.set(menuItemId, { available, reason: reason ?? null, at: event.Timestamp });
  }
  if (latest.size === 0) return;
  const rows = [...latest].map(([menu_item_id, v]) => ({
    menu_item_id,
    available: v.available,
    reason: v.reason,
    changed_at: v.at,
  }));
  await tx.query(
    `INSERT INTO store_item_availability (store_id, menu_item_id, available, reason, changed_at)
     SELECT $1, r.menu_item_id, r.available, r.reason, r.changed_at
       FROM jsonb_to_recordset($2::jsonb)
         AS r(menu_item_id text, available boolean, reason text, changed_at timestamptz)
     ON CONFLICT (store_id, menu_item_id) DO UPDATE
       SET available = EXCLUDED.available, reason = EXCLUDED.reason,
           changed_at = EXCLUDED.changed_at`,
    [storeId, JSON.stringify(rows)],
  );
}

export type NotTakingOrders = 'not-enrolled' | 'hub-offline' | 'closed';

export interface OnlineStore {
  storeId: string;
  name: string;
  acceptingOrders: boolean;
  /** Why not, when it is not: closed by its hours comes before its hub being away. */
  reason?: NotTakingOrders;
  hubLastSeenAt: string | null;
  /** Its opening hours, when its managers have set them (none: open whenever its hub is). */
  hours?: StoreHours & { description: string };
  /** When it opens next, while closed by its hours. */
  opensAt?: string;
}

interface StoreRow {
  store_id: string;
  name: string;
  enrolled: boolean;
  last_seen_ms: string | null;
  hours: unknown;
}

function onlineStore(row: StoreRow, now: number, silentAfterMs: number): OnlineStore {
  const seen = row.last_seen_ms === null ? null : Number(row.last_seen_ms);
  const parsed = row.hours == null ? undefined : StoreHours.safeParse(row.hours);
  const hours = parsed?.success ? parsed.data : undefined;
  const open = !hours || scheduleOpen(hours.open, localClock(now, hours.timeZone));
  const reason: NotTakingOrders | undefined = !row.enrolled
    ? 'not-enrolled'
    : !open
      ? 'closed'
      : seen === null || now - seen > silentAfterMs
        ? 'hub-offline'
        : undefined;
  const opensAt = hours && !open ? nextOpening(hours.open, now, hours.timeZone) : undefined;
  return {
    storeId: row.store_id,
    name: row.name,
    acceptingOrders: reason === undefined,
    ...(reason ? { reason } : {}),
    hubLastSeenAt: seen === null ? null : new Date(seen).toISOString(),
    ...(hours ? { hours: { ...hours, description: describeSchedule(hours.open) } } : {}),
    ...(opensAt === undefined ? {} : { opensAt: new Date(opensAt).toISOString() }),
  };
}

/** The stores as a guest sees them, and each one's menu as it can be ordered now. */
export class StoreDirectory {
  constructor(
    private readonly db: SqlDatabase,
    private readonly menus: MenuFeeder,
    private readonly options: { clock?: () => number; hubSilentAfterMs?: number } = {},
  ) {}

  async list(storeId?: string): Promise<OnlineStore[]> {
    const rows = await this.db.query<StoreRow>(
      `SELECT s.store_id, s.name, s.credential_hash IS NOT NULL AS enrolled,
              (extract(epoch FROM s.last_seen_at) * 1000)::bigint::text AS last_seen_ms,
              f.payload->'hours' AS hours
         FROM stores s
         LEFT JOIN feed_latest f ON f.scope = s.store_id AND f.topic = 'store-config'
        WHERE $1::text IS NULL OR s.store_id = $1 ORDER BY s.name, s.store_id`,
      [storeId ?? null],
    );
    const now = (this.options.clock ?? Date.now)();
    const silentAfter = this.options.hubSilentAfterMs ?? HUB_SILENT_AFTER_MS;
    return rows.map((row) => onlineStore(row, now, silentAfter));
  }

  async store(storeId: string): Promise<OnlineStore> {
    const [store] = await this.list(storeId);
    if (!store) throw notFound(`Store ${storeId}`);
    return store;
  }

  /**
   * The newest menu published to the store with its prices, each item's `available` also
   * false while the store's hub has it 86'd (with the hub's reason in `unavailableReason`).
   */
  async menu(storeId: string) {
    const store = await this.store(storeId);
    let published: unknown;
    try {
      published = await this.menus.current(storeId);
    } catch {
      throw new AppError('unavailable', 'The menu cannot be read just now; try again shortly');
    }
    const parsed = published === undefined ? undefined : MenuDocument.safeParse(published);
    if (!parsed?.success) throw notFound(`A published menu for ${storeId}`);
    const off = new Map(
      (
        await this.db.query<{ menu_item_id: string; reason: string | null }>(
          `SELECT menu_item_id, reason FROM store_item_availability
            WHERE store_id = $1 AND NOT available`,
          [storeId],
        )
      ).map((r) => [r.menu_item_id, r.reason]),
    );
    const items = parsed.data.items.map((item) =>
      off.has(item.id)
        ? { ...item, available: false, unavailableReason: off.get(item.id) ?? 'sold out' }
        : item,
    );
    return { store, menu: { ...parsed.data, items } };
  }
}

const StoreParams = z.object({ storeId: StoreId });

export function onlineDocs(docs: OpenApi): OpenApi {
  const tags = ['online'];
  return docs.add(
    {
      method: 'get',
      path: '/api/v1/online/stores',
      summary: 'Stores a guest can order from, and whether each takes online orders now',
      tags,
    },
    {
      method: 'get',
      path: '/api/v1/online/stores/:storeId',
      summary: 'One store, and whether it takes online orders now',
      tags,
    },
    {
      method: 'get',
      path: '/api/v1/online/stores/:storeId/menu',
      summary: "A store's published menu with its prices and what its kitchen has run out of",
      tags,
    },
  );
}

/** Public routes: a guest needs no account to see the stores and their menus. */
export function onlineRoutes(app: Express, directory: StoreDirectory): void {
  app.get(
    '/api/v1/online/stores',
    handle({}, async () => ({ stores: await directory.list() })),
  );
  app.get(
    '/api/v1/online/stores/:storeId',
    handle({ params: StoreParams }, ({ params }) => directory.store(params.storeId)),
  );
  app.get(
    '/api/v1/online/stores/:storeId/menu',
    handle({ params: StoreParams }, ({ params }) => directory.menu(params.storeId)),
  );
}
