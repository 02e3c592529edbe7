import { EventEmitter } from 'node:events';
import type { Logger } from '@pos/kit';
import type { SqlDatabase, SqlExecutor, SqlSchema } from '@pos/kit/sql';
import type { Change, ChangesResponse, ChangeTopic } from '../protocol.js';

/**
 * The newest payload of each topic that is whole by itself (a store's roster, its config, the
 * loyalty rules), per store or `*` for all: what a hub enrolling later starts from, and what
 * the portal shows as in force.
 */
export const feedSchema: SqlSchema = {
  component: 'sync-feed',
  migrations: [
    {
      version: 1,
      name: 'newest payload per store and topic',
      up: `
        CREATE TABLE feed_latest (
          scope TEXT NOT NULL,
          topic TEXT NOT NULL,
          payload JSONB NOT NULL,
          updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          PRIMARY KEY (scope, topic)
        );
      `,
    },
  ],
};

/** `feed_latest.scope` for what every store receives. */
const ALL_STORES = '*';

/**
 * The change feed hubs pull (ARCHITECTURE "Sync", down): rows by cursor, for one store or for
 * all. A hub asks for what is after its cursor; with nothing new the request is held open until
 * something arrives or `waitMs` passes, so a published menu reaches an online hub in a moment
 * without it polling hard.
 */
export class ChangeFeed {
  readonly #added = new EventEmitter();

  constructor(private readonly db: SqlDatabase) {
    this.#added.setMaxListeners(0);
  }

  /** Add a change in the caller's transaction; call `announce` once it has committed. */
  async add(tx: SqlExecutor, storeId: string | null, topic: ChangeTopic, payload: unknown) {
    await tx.query('INSERT INTO change_feed (store_id, topic, payload) VALUES ($1, $2, $3)', [
      storeId,
      topic,
      JSON.stringify(payload),
    ]);
  }

  /** Take a paid online order out of the feed (hubs past it have it; the others never will). */
  async retractOnlineOrder(tx: SqlExecutor, orderId: string): Promise<void> {
    await tx.query(
      `DELETE FROM change_feed WHERE topic = 'online-order' AND payload->>'orderId' = $1`,
      [orderId],
    );
  }

  /**
   * Keep `payload` as the newest of its topic for the store (or all stores) and add it to the
   * feed, in the caller's transaction. A store not provisioned yet receives it when it enrols.
   */
  async publish(
    tx: SqlExecutor,
    storeId: string | null,
    topic: ChangeTopic,
    payload: unknown,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO feed_latest (scope, topic, payload) VALUES ($1, $2, $3)
       ON CONFLICT (scope, topic) DO UPDATE SET payload = EXCLUDED.payload, updated_at = now()`,
      [storeId ?? ALL_STORES, topic, JSON.stringify(payload)],
    );
    const known =
      storeId === null ||
      Boolean(await tx.maybeOne('SELECT 1 FROM stores WHERE store_id = $1', [storeId]));
    if (known) await this.add(tx, storeId, topic, payload);
  }

  /** The newest payload of a topic for a store (its own, else every store's), if any. */
  async latest(tx: SqlExecutor, storeId: string, topic: ChangeTopic): Promise<unknown> {
    const row = await tx.maybeOne<{ payload: unknown }>(
      `SELECT payload FROM feed_latest WHERE topic = $2 AND scope IN ($1, $3)
       ORDER BY scope = $1 DESC LIMIT 1`,
      [storeId, topic, ALL_STORES],
    );
    if (!row) return undefined;
    return typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload;
  }

  /** For a store that has just enrolled: its newest roster and config, at the head of its feed. */
  async seed(tx: SqlExecutor, storeId: string): Promise<void> {
    const rows = await tx.query<{ topic: ChangeTopic; payload: unknown }>(
      'SELECT topic, payload FROM feed_latest WHERE scope = $1 ORDER BY topic',
      [storeId],
    );
    for (const row of rows)
      await this.add(
        tx,
        storeId,
        row.topic,
        typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload,
      );
  }

  announce(): void {
    this.#added.emit('added');
  }

  /** Announce from inside a transaction: waiting readers look again once it has committed. */
  announceSoon(): void {
    setTimeout(() => this.announce(), 25).unref();
  }

  async read(storeId: string, after: number, limit = 50): Promise<ChangesResponse> {
    const rows = await this.db.query<{
      cursor: string;
      topic: ChangeTopic;
      payload: unknown;
      created_at: string;
    }>(
      `SELECT cursor::text, topic, payload, created_at::text FROM change_feed
       WHERE cursor > $2 AND (store_id = $1 OR store_id IS NULL) ORDER BY cursor LIMIT $3`,
      [storeId, after, limit],
    );
    const changes: Change[] = rows.map((r) => ({
      cursor: Number(r.cursor),
      topic: r.topic,
      payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload,
      createdAt: r.created_at,
    }));
    return { changes, cursor: changes.at(-1)?.cursor ?? after };
  }

  /** `read`, waiting up to `waitMs` for a change when there is none yet. */
  async wait(
    storeId: string,
    after: number,
    waitMs: number,
    signal: AbortSignal,
  ): Promise<ChangesResponse> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const found = await this.read(storeId, after);
      const left = deadline - Date.now();
      if (found.changes.length > 0 || left <= 0 || signal.aborted) return found;
      // Woken by any store's change (a change for another store means reading again).
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.#added.off('added', done);
          signal.removeEventListener('abort', done);
          resolve();
        };
        // Also look again every second: another sync server may have added it.
        const timer = setTimeout(done, Math.min(left, 1_000));
        this.#added.on('added', done);
        signal.addEventListener('abort', done);
      });
    }
  }
}

/**
 * Fetches each published menu version from the menu service as every store it was published
 * to receives it (its own prices), for the feed.
 */
export class MenuFeeder {
  constructor(
    private readonly db: SqlDatabase,
    private readonly menuUrl: string | undefined,
    private readonly logger: Logger,
  ) {}

  /**
   * On `menu.published.v1`, before the transaction: the version as each provisioned store in
   * `storeIds` receives it (its own prices).
   */
  async fetchPublished(
    version: number,
    storeIds: readonly string[],
  ): Promise<{ storeId: string; document: unknown }[]> {
    if (!this.menuUrl) throw new Error('MENU_URL is not set: the sync service cannot fetch menus');
    const known = await this.db.query<{ store_id: string }>(
      'SELECT store_id FROM stores WHERE store_id = ANY($1::text[])',
      [storeIds],
    );
    const documents: { storeId: string; document: unknown }[] = [];
    for (const { store_id } of known) {
      const document = await this.#fetch(`/api/v1/menu/versions/${version}?storeId=${store_id}`);
      if (document) documents.push({ storeId: store_id, document });
    }
    return documents;
  }

  /**
   * The newest menu published to a store, with its prices, or undefined when none is; throws
   * when the menu service cannot be asked.
   */
  async current(storeId: string): Promise<unknown> {
    if (!this.menuUrl) throw new Error('MENU_URL is not set: the sync service cannot fetch menus');
    return this.#fetch(`/api/v1/menu/stores/${storeId}/current`);
  }

  /** The newest menu published to a store (for a hub that just enrolled), if any. */
  async fetchCurrent(storeId: string): Promise<unknown> {
    if (!this.menuUrl) return undefined;
    return this.#fetch(`/api/v1/menu/stores/${storeId}/current`).catch((err: unknown) => {
      // The hub keeps the menu it has; the next publish reaches it.
      this.logger.warn({ err: (err as Error).message, storeId }, 'menu not fetched at enrolment');
      return undefined;
    });
  }

  async #fetch(path: string): Promise<unknown> {
    const res = await fetch(`${this.menuUrl}${path}`, { signal: AbortSignal.timeout(10_000) });
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`menu service answered ${res.status} for ${path}`);
    return res.json();
  }
}
