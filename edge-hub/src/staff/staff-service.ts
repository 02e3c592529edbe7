import type { Schema, SqliteDatabase } from '@pos/kit';
import { hashPin, PIN_PATTERN, verifyPin } from '@pos/kit/pin';
import { hasRole } from './access.js';
import { STAFF_ROLES, type StaffRole } from './sessions.js';
import { AttemptThrottle } from './throttle.js';

export const staffSchema: Schema = {
  component: 'staff',
  migrations: [
    {
      version: 1,
      name: 'staff roster',
      up: `
        CREATE TABLE staff (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          roles TEXT NOT NULL,
          pin_hash TEXT NOT NULL,
          active INTEGER NOT NULL DEFAULT 1,
          updated_at INTEGER NOT NULL
        );
      `,
    },
  ],
};

export interface StaffMember {
  id: string;
  name: string;
  roles: StaffRole[];
  active: boolean;
}

export interface RosterEntry {
  id: string;
  name: string;
  roles: StaffRole[];
  pin: string;
}

/** A member of the roster the cloud sends: the PIN only as its hash. */
export interface HashedRosterEntry {
  id: string;
  name: string;
  roles: StaffRole[];
  pinHash: string;
}

export type PinCheck =
  | { ok: true; staff: StaffMember }
  | { ok: false; reason: 'unknown-pin' | 'locked'; retryAfterMs?: number };

/** A manager's sign-off on something a cashier may not do alone (voids, refunds, discounts). */
export interface Approvals {
  approve(pin: string, source: string, role?: StaffRole): Promise<PinCheck>;
}

interface Row {
  id: string;
  name: string;
  roles: string;
  pin_hash: string;
  active: number;
}

/**
 * The hub's staff roster. Staff sign in with a PIN unique within the store; the roster is the
 * hub's own copy (filled with demo staff until the cloud sends one), so sign-in works offline.
 */
export class StaffService implements Approvals {
  readonly #throttle: AttemptThrottle;
  /** Active members' roles by id, for `holds`; rebuilt after the roster changes. */
  #current: Map<string, string> | undefined;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly clock: () => number,
  ) {
    this.#throttle = new AttemptThrottle(clock);
  }

  isEmpty(): boolean {
    return (this.db.prepare('SELECT count(*) AS n FROM staff').get() as { n: number }).n === 0;
  }

  /** Replace the roster (first start; later the cloud's roster through sync). */
  async replaceRoster(entries: readonly RosterEntry[]): Promise<void> {
    const hashed = await Promise.all(
      entries.map(async (e) => {
        if (!PIN_PATTERN.test(e.pin)) throw new Error(`PIN of ${e.name} must be 4 to 8 digits`);
        if (e.roles.some((r) => !STAFF_ROLES.includes(r)))
          throw new Error(`bad role for ${e.name}`);
        return { ...e, pinHash: await hashPin(e.pin) };
      }),
    );
    if (new Set(entries.map((e) => e.pin)).size !== entries.length) {
      throw new Error('staff PINs must be unique within a store');
    }
    const insert = this.db.prepare(
      'INSERT INTO staff (id, name, roles, pin_hash, active, updated_at) VALUES (?, ?, ?, ?, 1, ?)',
    );
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM staff').run();
      for (const e of hashed) {
        insert.run(e.id, e.name, JSON.stringify(e.roles), e.pinHash, this.clock());
      }
    })();
    this.#current = undefined;
  }

  /**
   * Replace the roster with the cloud's (hashed PINs, through sync), in one transaction. An
   * empty roster is refused: applying it would lock every member of staff out of the tills.
   */
  replaceHashedRoster(members: readonly HashedRosterEntry[]): void {
    if (members.length === 0) throw new Error('an empty roster would sign everyone out');
    for (const m of members) {
      if (m.roles.length === 0 || m.roles.some((r) => !STAFF_ROLES.includes(r)))
        throw new Error(`bad roles for ${m.name}`);
      if (!/^\$(scrypt|argon2id)\$/.test(m.pinHash)) throw new Error(`bad PIN hash for ${m.name}`);
    }
    const insert = this.db.prepare(
      'INSERT INTO staff (id, name, roles, pin_hash, active, updated_at) VALUES (?, ?, ?, ?, 1, ?)',
    );
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM staff').run();
      for (const m of members)
        insert.run(m.id, m.name, JSON.stringify(m.roles), m.pinHash, this.clock());
    })();
    this.#current = undefined;
  }

  /**
   * Whether a session still stands: its holder is on the roster, active, with the same roles
   * (someone removed or demoted in the cloud is signed out at the next request).
   */
  holds(userId: string, roles: readonly StaffRole[]): boolean {
    this.#current ??= new Map(
      this.list()
        .filter((m) => m.active)
        .map((m) => [m.id, [...m.roles].sort().join(',')]),
    );
    return this.#current.get(userId) === [...roles].sort().join(',');
  }

  list(): StaffMember[] {
    const rows = this.db.prepare('SELECT * FROM staff ORDER BY name').all() as Row[];
    return rows.map(toMember);
  }

  /**
   * Find who owns `pin`. Failures count against `source`; five in five minutes lock it out,
   * so a PIN cannot be guessed from a terminal in the time a shift lasts.
   */
  async checkPin(pin: string, source: string): Promise<PinCheck> {
    const retryAfterMs = this.#throttle.retryAfter(source);
    if (retryAfterMs > 0) return { ok: false, reason: 'locked', retryAfterMs };
    if (PIN_PATTERN.test(pin)) {
      const rows = this.db.prepare('SELECT * FROM staff WHERE active = 1').all() as Row[];
      const matches = await Promise.all(rows.map((r) => verifyPin(pin, r.pin_hash)));
      const index = matches.indexOf(true);
      const row = rows[index];
      if (row) {
        this.#throttle.succeed(source);
        return { ok: true, staff: toMember(row) };
      }
    }
    this.#throttle.fail(source);
    return { ok: false, reason: 'unknown-pin' };
  }

  async approve(pin: string, source: string, role: StaffRole = 'manager'): Promise<PinCheck> {
    const check = await this.checkPin(pin, source);
    if (!check.ok) return check;
    return hasRole(check.staff, role) ? check : { ok: false, reason: 'unknown-pin' };
  }
}

function toMember(row: Row): StaffMember {
  return {
    id: row.id,
    name: row.name,
    roles: JSON.parse(row.roles) as StaffRole[],
    active: row.active === 1,
  };
}
