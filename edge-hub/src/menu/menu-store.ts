import type { Schema, SqliteDatabase } from '@pos/kit';

// The menu replica's tables. Each published document is one row that never changes (a trigger
// refuses updates), so what a terminal was shown at any time can be read back; a single-row
// state table points at the version in force. The availability overlay (86 list) lives beside
// the documents because it changes on the hub between versions and outlives them.

export const menuSchema: Schema = {
  component: 'menu',
  migrations: [
    {
      version: 1,
      name: 'menu versions, current pointer and availability overlay',
      up: `
        CREATE TABLE menu_version (
          version INTEGER PRIMARY KEY,
          document TEXT NOT NULL,
          applied_at INTEGER NOT NULL
        );
        CREATE TRIGGER menu_version_immutable BEFORE UPDATE ON menu_version
        BEGIN
          SELECT RAISE(ABORT, 'a published menu version is immutable');
        END;
        CREATE TABLE menu_state (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          current_version INTEGER REFERENCES menu_version (version),
          overlay_revision INTEGER NOT NULL
        );
        INSERT INTO menu_state (id, current_version, overlay_revision) VALUES (1, NULL, 0);
        CREATE TABLE menu_availability (
          menu_item_id TEXT PRIMARY KEY,
          available INTEGER NOT NULL CHECK (available IN (0, 1)),
          reason TEXT,
          changed_at INTEGER NOT NULL,
          source_event_id TEXT
        ) WITHOUT ROWID;
      `,
    },
  ],
};

export interface StoredMenu {
  version: number;
  /** The validated document as JSON. */
  document: string;
  appliedAt: number;
}

export interface AvailabilityRecord {
  menuItemId: string;
  available: boolean;
  reason: string | undefined;
  /** When the change happened (epoch ms of the event), not when it arrived. */
  changedAt: number;
  sourceEventId: string | undefined;
}

interface AvailabilityRow {
  menuItemId: string;
  available: 0 | 1;
  reason: string | null;
  changedAt: number;
  sourceEventId: string | null;
}

const toRecord = (row: AvailabilityRow): AvailabilityRecord => ({
  menuItemId: row.menuItemId,
  available: row.available === 1,
  reason: row.reason ?? undefined,
  changedAt: row.changedAt,
  sourceEventId: row.sourceEventId ?? undefined,
});

const AVAILABILITY_COLUMNS = `menu_item_id AS menuItemId, available, reason,
  changed_at AS changedAt, source_event_id AS sourceEventId`;

/** Plain reads and writes of the menu tables; callers own transactions and rules. */
export class MenuStore {
  readonly #current;
  readonly #state;
  readonly #insertVersion;
  readonly #pointTo;
  readonly #versions;
  readonly #overlay;
  readonly #overlayRow;
  readonly #upsertAvailability;
  readonly #bumpRevision;

  constructor(private readonly db: SqliteDatabase) {
    this.#current = db.prepare<[], StoredMenu>(
      `SELECT v.version, v.document, v.applied_at AS appliedAt
       FROM menu_state s JOIN menu_version v ON v.version = s.current_version WHERE s.id = 1`,
    );
    this.#state = db.prepare<[], { currentVersion: number | null; overlayRevision: number }>(
      `SELECT current_version AS currentVersion, overlay_revision AS overlayRevision
       FROM menu_state WHERE id = 1`,
    );
    this.#insertVersion = db.prepare(
      'INSERT INTO menu_version (version, document, applied_at) VALUES (?, ?, ?)',
    );
    this.#pointTo = db.prepare('UPDATE menu_state SET current_version = ? WHERE id = 1');
    this.#versions = db.prepare<[], { version: number; appliedAt: number }>(
      'SELECT version, applied_at AS appliedAt FROM menu_version ORDER BY version',
    );
    this.#overlay = db.prepare<[], AvailabilityRow>(
      `SELECT ${AVAILABILITY_COLUMNS} FROM menu_availability`,
    );
    this.#overlayRow = db.prepare<[string], AvailabilityRow>(
      `SELECT ${AVAILABILITY_COLUMNS} FROM menu_availability WHERE menu_item_id = ?`,
    );
    this.#upsertAvailability = db.prepare(
      `INSERT INTO menu_availability (menu_item_id, available, reason, changed_at, source_event_id)
       VALUES (@menuItemId, @available, @reason, @changedAt, @sourceEventId)
       ON CONFLICT (menu_item_id) DO UPDATE SET available = excluded.available,
         reason = excluded.reason, changed_at = excluded.changed_at,
         source_event_id = excluded.source_event_id`,
    );
    this.#bumpRevision = db.prepare(
      'UPDATE menu_state SET overlay_revision = overlay_revision + 1 WHERE id = 1',
    );
  }

  /** The version in force, or undefined before the first menu is applied. */
  current(): StoredMenu | undefined {
    return this.#current.get();
  }

  currentVersion(): number {
    return this.#state.get()?.currentVersion ?? 0;
  }

  /** Counts every change to the overlay; with the version it names what a client has seen. */
  overlayRevision(): number {
    return this.#state.get()?.overlayRevision ?? 0;
  }

  versions(): { version: number; appliedAt: number }[] {
    return this.#versions.all();
  }

  /** Store a version and make it current. Run inside a transaction. */
  switchTo(version: number, document: string, appliedAt: number): void {
    this.#insertVersion.run(version, document, appliedAt);
    this.#pointTo.run(version);
  }

  /**
   * Replace the menus this hub started with (its built-in starter) by the cloud's first: the
   * local versions from `version` up are dropped, since the cloud numbers its own. Run inside a
   * transaction.
   */
  replaceLocal(version: number, document: string, appliedAt: number): void {
    this.#pointTo.run(null);
    this.db.prepare('DELETE FROM menu_version WHERE version >= ?').run(version);
    this.switchTo(version, document, appliedAt);
  }

  overlay(): AvailabilityRecord[] {
    return this.#overlay.all().map(toRecord);
  }

  availability(menuItemId: string): AvailabilityRecord | undefined {
    const row = this.#overlayRow.get(menuItemId);
    return row ? toRecord(row) : undefined;
  }

  /** Record a change of availability and count it in the revision. Run inside a transaction. */
  writeAvailability(record: AvailabilityRecord): void {
    this.#upsertAvailability.run({
      menuItemId: record.menuItemId,
      available: record.available ? 1 : 0,
      reason: record.reason ?? null,
      changedAt: record.changedAt,
      sourceEventId: record.sourceEventId ?? null,
    });
    this.#bumpRevision.run();
  }
}
