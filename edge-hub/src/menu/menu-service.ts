import {
  describeSchedule,
  type EventOf,
  localClock,
  MenuDocument,
  type MenuItem,
  type MenuVersion,
  scheduleOpen,
} from '@pos/contracts';
import { type FieldError, fieldErrors, type Logger, type SqliteDatabase } from '@pos/kit';
import type { MenuCatalog } from '../ports.js';
import {
  type AvailabilityOf,
  type CategorySummary,
  categorySummaries,
  findItems,
  type ItemFilter,
  indexMenu,
  itemDetail,
  type MenuItemDetail,
  type MenuItemSummary,
  type MenuSnapshot,
  type MenuView,
  menuView,
  type ResolvedAvailability,
} from './menu-snapshot.js';
import { type AvailabilityRecord, MenuStore } from './menu-store.js';

// The hub's replica of the cloud menu. The current version and the 86 overlay are held in
// memory (the order service asks on every order) and written through to SQLite, so a restart
// comes back to exactly the menu that was in force. State in memory changes only after its
// SQLite transaction has committed.

export type ApplyResult =
  | { ok: true; version: MenuVersion }
  | { ok: false; reason: 'invalid-document'; issues: FieldError[] }
  | { ok: false; reason: 'stale-version'; version: number; currentVersion: number };

export type MenuChange =
  | { kind: 'version'; version: MenuVersion; previousVersion: MenuVersion | undefined }
  | {
      kind: 'availability';
      menuItemId: string;
      available: boolean;
      reason: string | undefined;
      overlayRevision: number;
    };

export type MenuChangeListener = (change: MenuChange) => void;

export type AvailabilityEvent = EventOf<'menu.itemavailabilitychanged.v1'>;

export interface MenuServiceOptions {
  db: SqliteDatabase;
  /** Runs `fn` in one SQLite transaction (the module's `ServiceStore.transaction`). */
  transaction: <T>(fn: () => T) => T;
  logger: Logger;
  clock: () => number;
  /** The store's time zone, for menus served at set times (breakfast until 11:00). */
  timeZone?: string;
}

export class MenuService implements MenuCatalog {
  readonly #store: MenuStore;
  readonly #transaction: MenuServiceOptions['transaction'];
  readonly #logger: Logger;
  readonly #clock: () => number;
  readonly #timeZone: string;
  #localClock: { minute: number; at: { weekday: number; minutes: number } } | undefined;
  readonly #listeners = new Set<MenuChangeListener>();
  readonly #overlay = new Map<string, AvailabilityRecord>();
  #snapshot: MenuSnapshot | undefined;
  #revision = 0;
  #view: { etag: string; body: MenuView } | undefined;
  /** The store's own tax rates over the menu's (store config from the cloud), by category. */
  #taxRates = new Map<string, number>();

  private constructor(options: MenuServiceOptions) {
    this.#store = new MenuStore(options.db);
    this.#transaction = options.transaction;
    this.#logger = options.logger;
    this.#clock = options.clock;
    this.#timeZone = options.timeZone ?? 'UTC';
  }

  /**
   * Load the replica from its database; on a database that has never held a menu, apply
   * `initialMenu` as its first version. A stored version that no longer validates is a fault.
   */
  static open(options: MenuServiceOptions, initialMenu: () => unknown): MenuService {
    const service = new MenuService(options);
    const stored = service.#store.current();
    if (stored) {
      const parsed = MenuDocument.safeParse(JSON.parse(stored.document));
      if (!parsed.success) {
        throw new Error(`stored menu version ${stored.version} is not a valid menu document`, {
          cause: parsed.error,
        });
      }
      service.#snapshot = service.#index(parsed.data);
    } else {
      const first = service.applyVersion(initialMenu());
      if (!first.ok) {
        throw new Error(`the initial menu cannot be applied: ${JSON.stringify(first)}`);
      }
    }
    for (const record of service.#store.overlay()) service.#overlay.set(record.menuItemId, record);
    service.#revision = service.#store.overlayRevision();
    return service;
  }

  /** The menu version in force. Frozen: it is shared by every caller. */
  current(): MenuDocument {
    return this.#current().document;
  }

  version(): MenuVersion {
    return this.current().version;
  }

  /** Counts changes to the 86 list since the database was created. */
  overlayRevision(): number {
    return this.#revision;
  }

  /**
   * Names the menu as a client sees it: the version, when it was published (the cloud's first
   * menu replaces the hub's own under the same number), the 86 list and what is served now.
   */
  etag(): string {
    const { version, publishedAt } = this.current();
    return `"menu-${version}-${Date.parse(publishedAt)}-${this.#revision}${this.#scheduleKey()}${this.#taxKey()}"`;
  }

  /**
   * The store's tax rates, over those of the menu's tax categories for this and every later
   * version (a category the menu does not have is ignored). Orders priced from now on use
   * them; terminals are told as for a new version.
   */
  setTaxRates(rates: readonly { taxCategoryId: string; rateBasisPoints: number }[]): void {
    const next = new Map(rates.map((r) => [r.taxCategoryId, r.rateBasisPoints]));
    const same =
      next.size === this.#taxRates.size &&
      [...next].every(([id, bp]) => this.#taxRates.get(id) === bp);
    if (same) return;
    this.#taxRates = next;
    const { document } = this.#current();
    this.#snapshot = this.#index(document);
    this.#view = undefined;
    this.#logger.info({ taxRates: rates }, "store's tax rates applied");
    this.#notify({ kind: 'version', version: document.version, previousVersion: document.version });
  }

  /** A document with the store's tax rates, frozen and indexed. */
  #index(document: MenuDocument): MenuSnapshot {
    if (this.#taxRates.size === 0) return indexMenu(deepFreeze(document));
    return indexMenu(
      deepFreeze({
        ...document,
        taxCategories: document.taxCategories.map((t) => {
          const rate = this.#taxRates.get(t.id);
          return rate === undefined ? t : { ...t, rateBasisPoints: rate };
        }),
      }),
    );
  }

  #taxKey(): string {
    if (this.#taxRates.size === 0) return '';
    return `-t${[...this.#taxRates]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([id, bp]) => `${id}:${bp}`)
      .join(',')}`;
  }

  /**
   * Which scheduled categories and items are being served now, so the ETag (and the cached
   * view) changes when breakfast ends even though neither the version nor the 86 list did.
   */
  #scheduleKey(): string {
    const document = this.#current().document;
    let bits = '';
    for (const entry of [...document.categories, ...document.items]) {
      if (entry.availableAt?.length) bits += scheduleOpen(entry.availableAt, this.#now()) ? 1 : 0;
    }
    return bits ? `-s${bits}` : '';
  }

  /** The store's local weekday and minute, worked out once a minute. */
  #now(): { weekday: number; minutes: number } {
    const minute = Math.floor(this.#clock() / 60_000);
    if (this.#localClock?.minute !== minute) {
      this.#localClock = { minute, at: localClock(minute * 60_000, this.#timeZone) };
    }
    return this.#localClock.at;
  }

  isAvailable(menuItemId: string): boolean {
    const item = this.#current().items.get(menuItemId);
    return item !== undefined && this.#availabilityOf(item).available;
  }

  item(menuItemId: string): MenuItem | undefined {
    return this.#current().items.get(menuItemId);
  }

  /** The 86 list as the hub holds it, including items that came back on. */
  overlay(): AvailabilityRecord[] {
    return [...this.#overlay.values()];
  }

  /** Versions stored on this hub, oldest first. */
  versions(): { version: number; appliedAt: number }[] {
    return this.#store.versions();
  }

  /**
   * Apply a published version all-or-nothing. The document comes from the network, so it is
   * validated here; an invalid one or one not newer than the current version is refused.
   */
  /**
   * Apply a menu version all-or-nothing. `replaceLocal`: the hub's first menu from the cloud,
   * which replaces the starter menu the hub was installed with whatever their numbers.
   */
  applyVersion(input: unknown, options: { replaceLocal?: boolean } = {}): ApplyResult {
    const parsed = MenuDocument.safeParse(input);
    if (!parsed.success) {
      return { ok: false, reason: 'invalid-document', issues: fieldErrors(parsed.error) };
    }
    const document = deepFreeze(parsed.data);
    // Indexed before the transaction so nothing can fail between commit and the cache swap.
    const snapshot = this.#index(parsed.data);
    const outcome = this.#transaction((): ApplyResult => {
      const currentVersion = this.#store.currentVersion();
      if (options.replaceLocal) {
        this.#store.replaceLocal(document.version, JSON.stringify(document), this.#clock());
        return { ok: true, version: document.version };
      }
      if (document.version <= currentVersion) {
        return { ok: false, reason: 'stale-version', version: document.version, currentVersion };
      }
      this.#store.switchTo(document.version, JSON.stringify(document), this.#clock());
      return { ok: true, version: document.version };
    });
    if (!outcome.ok) return outcome;
    const previousVersion = this.#snapshot?.document.version;
    this.#snapshot = snapshot;
    this.#view = undefined;
    this.#logger.info(
      { version: document.version, previousVersion, items: document.items.length },
      'menu version applied',
    );
    this.#notify({ kind: 'version', version: document.version, previousVersion });
    return outcome;
  }

  /**
   * Hear about every committed change (a new version, an item 86'd or back), e.g. to tell
   * terminals. Returns a function that stops listening.
   */
  onChange(listener: MenuChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * The effect of `menu.itemavailabilitychanged.v1`; runs inside the inbox transaction. Events
   * can arrive out of order (a redelivery after a newer event), so a change older than the one
   * recorded is ignored: the latest decision about an item wins, whatever the arrival order.
   */
  recordAvailability(event: AvailabilityEvent): void {
    const { menuItemId, available, reason } = event.Payload;
    const changedAt = Date.parse(event.Timestamp);
    const known = this.#store.availability(menuItemId);
    if (known && known.changedAt > changedAt) {
      this.#logger.info(
        { menuItemId, eventId: event.EventId },
        'older availability change ignored',
      );
      return;
    }
    this.#store.writeAvailability({
      menuItemId,
      available,
      reason,
      changedAt,
      sourceEventId: event.EventId,
    });
  }

  /** After the inbox transaction committed: bring the cache up to date and tell listeners. */
  availabilityCommitted(event: AvailabilityEvent): void {
    const record = this.#store.availability(event.Payload.menuItemId);
    if (!record || record.sourceEventId !== event.EventId) return;
    this.#overlay.set(record.menuItemId, record);
    this.#revision = this.#store.overlayRevision();
    this.#view = undefined;
    this.#logger.info(
      { menuItemId: record.menuItemId, available: record.available, reason: record.reason },
      record.available ? 'item back on sale' : "item 86'd",
    );
    this.#notify({
      kind: 'availability',
      menuItemId: record.menuItemId,
      available: record.available,
      reason: record.reason,
      overlayRevision: this.#revision,
    });
  }

  /** The whole menu with resolved availability, built once per ETag. */
  menu(): { etag: string; body: MenuView } {
    const etag = this.etag();
    if (this.#view?.etag !== etag) {
      this.#view = { etag, body: menuView(this.#current(), this.#revision, this.#availabilityOf) };
    }
    return this.#view;
  }

  items(filter: ItemFilter): MenuItemSummary[] {
    return findItems(this.#current(), filter, this.#availabilityOf);
  }

  itemDetail(menuItemId: string): MenuItemDetail | undefined {
    const snapshot = this.#current();
    const item = snapshot.items.get(menuItemId);
    return item ? itemDetail(snapshot, item, this.#availabilityOf) : undefined;
  }

  categories(): CategorySummary[] {
    return categorySummaries(this.#current(), this.#availabilityOf);
  }

  hasCategory(categoryId: string): boolean {
    return this.#current().categories.has(categoryId);
  }

  #availabilityOf: AvailabilityOf = (item): ResolvedAvailability => {
    if (!item.available) return { available: false };
    const record = this.#overlay.get(item.id);
    if (record && !record.available) {
      return record.reason
        ? { available: false, unavailableReason: record.reason }
        : { available: false };
    }
    const category = this.#current().categories.get(item.categoryId);
    for (const schedule of [category?.availableAt, item.availableAt]) {
      if (schedule?.length && !scheduleOpen(schedule, this.#now())) {
        return { available: false, unavailableReason: `Served ${describeSchedule(schedule)}` };
      }
    }
    return { available: true };
  };

  #current(): MenuSnapshot {
    if (!this.#snapshot) throw new Error('the menu replica holds no menu');
    return this.#snapshot;
  }

  #notify(change: MenuChange): void {
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (err) {
        // A listener (a screen push, say) must not undo or block a committed change.
        this.#logger.error({ err, change: change.kind }, 'menu change listener failed');
      }
    }
  }
}

/** Freeze a parsed document so no caller can change the copy every caller shares. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
