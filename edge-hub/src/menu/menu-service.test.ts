import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CorrelationId,
  type MenuDocument,
  type MenuItemId,
  makeEvent,
  type Timestamp,
} from '@pos/contracts';
import { createLogger, inboxSchema, openSqlite, type SqliteDatabase } from '@pos/kit';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoMenu } from '../demo/menu.js';
import { type AvailabilityEvent, type MenuChange, MenuService } from './menu-service.js';
import { menuSchema } from './menu-store.js';

const logger = createLogger({ service: 'menu-test', level: 'silent' });
const root = mkdtempSync(join(tmpdir(), 'pos-menu-service-'));
let db: SqliteDatabase;
let path: string;
let failCommit = false;

afterAll(() => rmSync(root, { recursive: true, force: true }));

beforeEach(() => {
  path = join(root, `${crypto.randomUUID()}.db`);
  db = openDb();
  failCommit = false;
});
afterEach(() => db.close());

function openDb(): SqliteDatabase {
  return openSqlite({ path, schemas: [inboxSchema, menuSchema] });
}

/** The service over `db`; its transaction can be made to fail at commit, like a full disk. */
function open(initialMenu: () => unknown = demoMenu): MenuService {
  return MenuService.open(
    {
      db,
      transaction: (fn) =>
        db.transaction(() => {
          const result = fn();
          if (failCommit) throw Object.assign(new Error('disk is full'), { code: 'SQLITE_FULL' });
          return result;
        })(),
      logger,
      clock: () => Date.parse('2026-02-01T12:00:00Z'),
    },
    initialMenu,
  );
}

function reopen(initialMenu?: () => unknown): MenuService {
  db.close();
  db = openDb();
  return open(initialMenu);
}

const withVersion = (version: number, change?: (m: MenuDocument) => void): MenuDocument => {
  const menu = { ...demoMenu(), version } as MenuDocument;
  change?.(menu);
  return menu;
};

function availabilityEvent(
  menuItemId: string,
  available: boolean,
  at: string,
  reason?: string,
): AvailabilityEvent {
  return makeEvent(
    'menu.itemavailabilitychanged.v1',
    { menuItemId: menuItemId as MenuItemId, available, ...(reason ? { reason } : {}) },
    {
      correlationId: crypto.randomUUID() as CorrelationId,
      source: 'inventory-service',
      timestamp: at as Timestamp,
    },
  );
}

/** What the inbox consumer does: the effect in a transaction, then the after-commit step. */
function deliver(service: MenuService, event: AvailabilityEvent): void {
  db.transaction(() => service.recordAvailability(event))();
  service.availabilityCommitted(event);
}

describe('menu service', () => {
  it('applies the initial menu once, on a database that has none', () => {
    let calls = 0;
    const first = open(() => {
      calls += 1;
      return demoMenu();
    });
    expect(first.version()).toBe(1);
    const [stored] = first.versions();
    const again = reopen(() => {
      calls += 1;
      return withVersion(9);
    });
    expect(calls).toBe(1);
    expect(again.version()).toBe(1);
    expect(again.versions()).toEqual([stored]);
    expect(again.current()).toEqual(demoMenu());
  });

  it('refuses to start on an initial menu that is not valid', () => {
    expect(() => open(() => ({ version: 1 }))).toThrow(/initial menu/);
  });

  it('switches to a newer version, tells listeners, and keeps it across a restart', () => {
    const menu = open();
    const changes: MenuChange[] = [];
    menu.onChange((c) => changes.push(c));
    const result = menu.applyVersion(
      withVersion(2, (m) => {
        (m.items[0] as { priceCents: number }).priceCents = 1495;
      }),
    );
    expect(result).toEqual({ ok: true, version: 2 });
    expect(changes).toEqual([{ kind: 'version', version: 2, previousVersion: 1 }]);
    expect(menu.current().items[0]?.priceCents).toBe(1495);
    expect(menu.etag()).toMatch(/^"menu-2-\d+-0"$/);
    const restarted = reopen();
    expect(restarted.version()).toBe(2);
    expect(restarted.versions().map((v) => v.version)).toEqual([1, 2]);
  });

  it('refuses a version that is not newer, as a value, changing nothing', () => {
    const menu = open();
    menu.applyVersion(withVersion(3));
    const changes: MenuChange[] = [];
    menu.onChange((c) => changes.push(c));
    expect(menu.applyVersion(withVersion(2))).toEqual({
      ok: false,
      reason: 'stale-version',
      version: 2,
      currentVersion: 3,
    });
    expect(menu.applyVersion(withVersion(3)).ok).toBe(false);
    expect(menu.version()).toBe(3);
    expect(menu.versions().map((v) => v.version)).toEqual([1, 3]);
    expect(changes).toEqual([]);
  });

  it('refuses an invalid document with its issues and changes nothing', () => {
    const menu = open();
    const broken = withVersion(2, (m) => {
      (m.items[0] as { categoryId: string }).categoryId = 'no-such-category';
    });
    const result = menu.applyVersion(broken);
    expect(result.ok).toBe(false);
    expect(result).toMatchObject({
      reason: 'invalid-document',
      issues: [{ field: 'items.0.categoryId', message: 'unknown category no-such-category' }],
    });
    expect(menu.applyVersion({ ...demoMenu(), version: 'two' }).ok).toBe(false);
    expect(menu.version()).toBe(1);
    expect(menu.versions()).toHaveLength(1);
    expect(reopen().version()).toBe(1);
  });

  it('is all-or-nothing when the write fails: neither the database nor memory moves', () => {
    const menu = open();
    failCommit = true;
    expect(() => menu.applyVersion(withVersion(2))).toThrow(/disk is full/);
    failCommit = false;
    expect(menu.version()).toBe(1);
    expect(menu.versions().map((v) => v.version)).toEqual([1]);
    expect(reopen().version()).toBe(1);
  });

  it('hands out a frozen menu so no caller can change what others read', () => {
    const menu = open();
    expect(() => {
      (menu.current().items[0] as { priceCents: number }).priceCents = 1;
    }).toThrow(TypeError);
  });

  it("reports unknown, unoffered and 86'd items as unavailable", () => {
    const menu = open();
    expect(menu.isAvailable('burger-classic')).toBe(true);
    expect(menu.isAvailable('no-such-item')).toBe(false);
    expect(menu.isAvailable('dessert-pumpkin-pie')).toBe(false);
    deliver(menu, availabilityEvent('main-ribeye', false, '2026-02-01T18:00:00Z', 'out of ribeye'));
    expect(menu.isAvailable('main-ribeye')).toBe(false);
    expect(menu.itemDetail('main-ribeye')).toMatchObject({
      available: false,
      unavailableReason: 'out of ribeye',
    });
    deliver(menu, availabilityEvent('main-ribeye', true, '2026-02-01T19:00:00Z'));
    expect(menu.isAvailable('main-ribeye')).toBe(true);
    expect(menu.overlayRevision()).toBe(2);
  });

  it('keeps the latest change when availability events arrive out of order', () => {
    const menu = open();
    const changes: MenuChange[] = [];
    menu.onChange((c) => changes.push(c));
    const off = availabilityEvent(
      'sandwich-lobster-roll',
      false,
      '2026-02-01T18:00:00Z',
      'no lobster',
    );
    const on = availabilityEvent('sandwich-lobster-roll', true, '2026-02-01T20:00:00Z');
    deliver(menu, on);
    deliver(menu, off);
    expect(menu.isAvailable('sandwich-lobster-roll')).toBe(true);
    expect(menu.overlayRevision()).toBe(1);
    expect(changes).toHaveLength(1);
  });

  it('keeps the 86 list across a restart and across a new menu version', () => {
    const menu = open();
    deliver(menu, availabilityEvent('main-ribeye', false, '2026-02-01T18:00:00Z', '86 ribeye'));
    const etag = menu.etag();
    const restarted = reopen();
    expect(restarted.isAvailable('main-ribeye')).toBe(false);
    expect(restarted.etag()).toBe(etag);
    restarted.applyVersion(withVersion(2));
    expect(restarted.isAvailable('main-ribeye')).toBe(false);
  });

  it('serves scheduled categories and items only in their windows, in the store time zone', () => {
    let now = Date.parse('2026-02-02T13:30:00Z'); // Monday 08:30 in New York
    const service = MenuService.open(
      {
        db,
        transaction: (fn) => db.transaction(fn)(),
        logger,
        clock: () => now,
        timeZone: 'America/New_York',
      },
      () =>
        withVersion(1, (m) => {
          const starters = m.categories.find((c) => c.id === 'starters');
          if (starters)
            starters.availableAt = [{ days: [1, 2, 3, 4, 5], from: '06:00', to: '11:00' }];
          const late = m.items.find((i) => i.categoryId === 'mains');
          if (late) late.availableAt = [{ days: [5], from: '22:00', to: '02:00' }];
        }),
    );
    const starter = service.items({ categoryId: 'starters' })[0]?.id as string;
    const late = withVersion(1).items.find((i) => i.categoryId === 'mains')?.id as string;
    expect(service.isAvailable(starter)).toBe(true);
    expect(service.isAvailable(late)).toBe(false);
    expect(service.itemDetail(late)?.unavailableReason).toBe('Served Fri 22:00–02:00');
    const morning = service.etag();

    now = Date.parse('2026-02-02T16:00:00Z'); // Monday 11:00: breakfast is over
    expect(service.isAvailable(starter)).toBe(false);
    expect(service.itemDetail(starter)?.unavailableReason).toBe(
      'Served Mon,Tue,Wed,Thu,Fri 06:00–11:00',
    );
    expect(service.etag()).not.toBe(morning);
    expect(service.menu().body.items.find((i) => i.id === starter)?.available).toBe(false);

    now = Date.parse('2026-02-07T06:30:00Z'); // Saturday 01:30, after Friday's late window opened
    expect(service.isAvailable(late)).toBe(true);
    expect(service.isAvailable(starter)).toBe(false);
    now = Date.parse('2026-02-07T07:30:00Z'); // Saturday 02:30
    expect(service.isAvailable(late)).toBe(false);
  });

  it('keeps running when a listener throws', () => {
    const menu = open();
    menu.onChange(() => {
      throw new Error('screen gone');
    });
    const seen: MenuChange[] = [];
    const stop = menu.onChange((c) => seen.push(c));
    expect(menu.applyVersion(withVersion(2)).ok).toBe(true);
    stop();
    expect(menu.applyVersion(withVersion(3)).ok).toBe(true);
    expect(seen).toHaveLength(1);
  });

  it('finds items by accent-free text, SKU, category and availability', () => {
    const menu = open();
    const ids = (filter: Parameters<MenuService['items']>[0]) =>
      menu.items(filter).map((i) => i.id);
    expect(ids({ q: 'COTES' })).toEqual(['wine-rose']);
    expect(ids({ q: 'jalapeno' })).toEqual(['starter-nachos']);
    expect(ids({ q: '2004200000073' })).toEqual(['burger-classic']);
    expect(ids({ categoryId: 'pizza' })).toHaveLength(6);
    expect(ids({ available: false })).toEqual(['dessert-pumpkin-pie']);
    const first = menu.items({})[0];
    expect(first).toMatchObject({
      categoryId: 'starters',
      category: { id: 'starters', name: 'Starters' },
      taxCategory: { id: 'food', rateBasisPoints: 825, inclusive: false },
      station: { id: 'fryer', name: 'Fryer' },
      available: true,
    });
  });
});
