import { MenuDocument } from '@pos/contracts';
import { AppError } from '@pos/kit';
import { z } from 'zod';

// The stores and their menus as the sync service shows them to guests
// (`GET /api/v1/online/stores/{id}` and `…/menu`, sync/src/server/online.ts). Read at every
// create and pay: whether a store takes orders depends on its hub having pushed in the last 45 s.

const OnlineStore = z.object({
  storeId: z.string(),
  name: z.string(),
  acceptingOrders: z.boolean(),
  reason: z.string().optional(),
  hubLastSeenAt: z.string().nullable().optional(),
  /** Its opening hours' time zone prices schedules (breakfast until 11:00) as the store does. */
  hours: z.object({ timeZone: z.string() }).passthrough().optional(),
});
export type OnlineStore = z.infer<typeof OnlineStore>;

const StoreMenu = z.object({ store: OnlineStore, menu: MenuDocument });
export type StoreMenu = z.infer<typeof StoreMenu>;

const TIMEOUT_MS = 5_000;

export class StoreDirectory {
  private readonly base: string;

  constructor(syncUrl: string) {
    this.base = syncUrl.replace(/\/$/, '');
  }

  /** The store, or undefined when sync does not know it. */
  store(storeId: string): Promise<OnlineStore | undefined> {
    return this.#get(`/api/v1/online/stores/${encodeURIComponent(storeId)}`, OnlineStore);
  }

  /** The store with its menu as it can be ordered now, or undefined (no such store or menu). */
  menu(storeId: string): Promise<StoreMenu | undefined> {
    return this.#get(`/api/v1/online/stores/${encodeURIComponent(storeId)}/menu`, StoreMenu);
  }

  async #get<T>(path: string, schema: z.ZodType<T>): Promise<T | undefined> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (err) {
      throw unavailable(err);
    }
    if (res.status === 404 || res.status === 400) return undefined;
    if (!res.ok) throw unavailable(new Error(`sync answered ${res.status}`));
    const parsed = schema.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success) throw unavailable(parsed.error);
    return parsed.data;
  }
}

const unavailable = (cause: unknown) =>
  new AppError('unavailable', 'The store cannot be reached just now; try again shortly', {
    cause,
    headers: { 'Retry-After': '5' },
  });
