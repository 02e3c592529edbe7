import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Role, StoreId } from '@pos/contracts';
import { AppError } from '@pos/kit';
import { hashPin, verifyPin } from '@pos/kit/pin';
import type { SqlDatabase, SqlExecutor } from '@pos/kit/sql';
import { SignJWT } from 'jose';
import { AUDIENCE, ISSUER } from './auth-service.js';
import type { KeyRing } from './keys.js';
import { emit } from './outbox.js';
import { hashPassword } from './passwords.js';

/** Service tokens are short: a leaked one is worth five minutes. */
export const SERVICE_TOKEN_TTL_SECONDS = 5 * 60;

const STAFF_ROLES: readonly Role[] = ['owner', 'manager', 'cashier', 'cook'];
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export interface StaffChange {
  pin?: string | undefined;
  storeIds?: string[] | undefined;
  displayName?: string | undefined;
  /** false: no longer works here (off every roster, cannot sign in). */
  active?: boolean | undefined;
}

export interface NewStaff {
  email: string;
  displayName: string;
  roles: Role[];
  storeIds: string[];
  /** The restaurant group the person works for; stores belong to it. */
  organisationId?: string | undefined;
  /** 4–8 digits for signing in at a terminal, unique within each store; hashed for hubs. */
  pin?: string | undefined;
  password?: string | undefined;
}

/**
 * Staff accounts, the rosters hubs sign staff in with, and machine accounts. Every change
 * writes its `auth.*` event in the same transaction.
 */
export class StaffDirectory {
  constructor(
    private readonly db: SqlDatabase,
    private readonly keys: KeyRing,
  ) {}

  /** The first owner, from the environment, when the directory is empty. */
  async bootstrapOwner(email: string | undefined, password: string | undefined): Promise<boolean> {
    if (!email || !password) return false;
    const any = await this.db.maybeOne(`SELECT 1 FROM user_roles WHERE role = 'owner' LIMIT 1`);
    if (any) return false;
    await this.create(
      { email, displayName: 'Owner', roles: ['owner'], storeIds: [], password },
      null,
    );
    return true;
  }

  /** A staff member, by an owner (any role) or a manager (cashiers and cooks only). */
  async create(input: NewStaff, by: { sub: string; roles: string[] } | null) {
    if (by && !by.roles.includes('owner')) {
      const beyond = input.roles.filter((r) => r !== 'cashier' && r !== 'cook');
      if (!by.roles.includes('manager') || beyond.length > 0) {
        throw new AppError('forbidden', 'Managers may add cashiers and cooks; owners add anyone');
      }
    }
    if (input.roles.some((r) => !STAFF_ROLES.includes(r))) {
      throw new AppError('validation', 'Staff roles are owner, manager, cashier and cook', {
        errors: [{ field: 'roles', message: 'owner, manager, cashier or cook' }],
      });
    }
    const userId = randomUUID();
    const passwordHash = input.password ? await hashPassword(input.password) : null;
    const pinHash = input.pin ? await hashPin(input.pin) : null;
    const ok = await this.db.transaction(async (tx) => {
      if (await tx.maybeOne('SELECT 1 FROM users WHERE lower(email) = lower($1)', [input.email]))
        return false;
      await tx.query(
        // Added by an owner or manager, who vouches for the address.
        `INSERT INTO users (user_id, email, display_name, password_hash, pin_hash, organisation_id,
           email_verified_at)
         VALUES ($1, $2, $3, $4, $5, $6, now())`,
        [
          userId,
          input.email,
          input.displayName,
          passwordHash,
          pinHash,
          input.organisationId ?? null,
        ],
      );
      for (const role of input.roles) {
        await tx.query('INSERT INTO user_roles (user_id, role) VALUES ($1, $2)', [userId, role]);
      }
      for (const store of input.storeIds) {
        await tx.query('INSERT INTO user_stores (user_id, store_id) VALUES ($1, $2)', [
          userId,
          store,
        ]);
      }
      if (input.pin) await this.#pinFree(tx, input.pin, input.storeIds, userId);
      await emit(tx, 'auth.usercreated.v1', {
        userId,
        email: input.email,
        roles: input.roles,
        ...(input.organisationId ? { organisationId: input.organisationId } : {}),
        storeIds: input.storeIds as StoreId[],
      });
      await this.#rostersChanged(tx, input.storeIds);
      return true;
    });
    if (!ok) throw new AppError('conflict', 'An account with this email already exists');
    return {
      userId,
      email: input.email,
      displayName: input.displayName,
      roles: input.roles,
      storeIds: input.storeIds,
      organisationId: input.organisationId ?? null,
    };
  }

  /** Replace a user's roles (owners only). */
  async setRoles(userId: string, roles: Role[], by: { sub: string; roles: string[] }) {
    if (!by.roles.includes('owner')) throw new AppError('forbidden', 'Only an owner changes roles');
    return this.db.transaction(async (tx) => {
      const user = await tx.maybeOne('SELECT 1 FROM users WHERE user_id = $1', [userId]);
      if (!user) throw new AppError('not-found', `User ${userId} was not found`);
      const previous = (
        await tx.query<{ role: Role }>(
          'SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role',
          [userId],
        )
      ).map((r) => r.role);
      await tx.query('DELETE FROM user_roles WHERE user_id = $1', [userId]);
      for (const role of roles)
        await tx.query('INSERT INTO user_roles (user_id, role) VALUES ($1, $2)', [userId, role]);
      await emit(tx, 'auth.userrolechanged.v1', {
        userId,
        previousRoles: previous,
        roles,
        changedBy: by.sub,
      });
      await this.#rostersChanged(tx, await this.#storesOf(tx, userId));
      return { userId, roles };
    });
  }

  /**
   * Change a staff member's PIN, stores, name or whether they may work (by an owner, or a
   * manager for cashiers and cooks). The rosters of the stores they leave and join change with
   * it, in the same transaction.
   */
  async update(userId: string, change: StaffChange, by: { sub: string; roles: string[] }) {
    const pinHash = change.pin ? await hashPin(change.pin) : undefined;
    return this.db.transaction(async (tx) => {
      const user = await tx.maybeOne<{ status: string; display_name: string }>(
        'SELECT status, display_name FROM users WHERE user_id = $1 FOR UPDATE',
        [userId],
      );
      if (!user) throw new AppError('not-found', `User ${userId} was not found`);
      const roles = (
        await tx.query<{ role: Role }>('SELECT role FROM user_roles WHERE user_id = $1', [userId])
      ).map((r) => r.role);
      if (!by.roles.includes('owner')) {
        const beyond = roles.filter((r) => r !== 'cashier' && r !== 'cook');
        if (!by.roles.includes('manager') || beyond.length > 0)
          throw new AppError('forbidden', 'Managers may change cashiers and cooks; owners anyone');
      }
      const before = await this.#storesOf(tx, userId);
      const after = change.storeIds ?? before;
      if (change.pin) await this.#pinFree(tx, change.pin, after, userId);
      if (change.storeIds) {
        await tx.query('DELETE FROM user_stores WHERE user_id = $1', [userId]);
        for (const store of change.storeIds)
          await tx.query('INSERT INTO user_stores (user_id, store_id) VALUES ($1, $2)', [
            userId,
            store,
          ]);
      }
      await tx.query(
        `UPDATE users SET pin_hash = COALESCE($2, pin_hash), display_name = COALESCE($3, display_name),
           status = COALESCE($4, status), updated_at = now() WHERE user_id = $1`,
        [
          userId,
          pinHash ?? null,
          change.displayName ?? null,
          change.active === undefined ? null : change.active ? 'active' : 'disabled',
        ],
      );
      await this.#rostersChanged(tx, [...new Set([...before, ...after])]);
      const status =
        change.active === undefined ? user.status : change.active ? 'active' : 'disabled';
      return {
        userId,
        displayName: change.displayName ?? user.display_name,
        roles,
        storeIds: after,
        active: status === 'active',
      };
    });
  }

  /** Staff (with every role they hold), of one store or all, without hashes: for the portal. */
  async list(storeId: string | undefined) {
    const rows = await this.db.query<{
      user_id: string;
      email: string;
      display_name: string;
      status: string;
      has_pin: boolean;
      roles: string;
      stores: string | null;
    }>(
      `SELECT u.user_id, u.email, u.display_name, u.status, u.pin_hash IS NOT NULL AS has_pin,
         string_agg(DISTINCT r.role, ',') AS roles, string_agg(DISTINCT s.store_id, ',') AS stores
       FROM users u JOIN user_roles r ON r.user_id = u.user_id
       LEFT JOIN user_stores s ON s.user_id = u.user_id
       WHERE EXISTS (SELECT 1 FROM user_roles w WHERE w.user_id = u.user_id
                       AND w.role IN ('owner', 'manager', 'cashier', 'cook'))
         AND ($1::text IS NULL OR EXISTS (
           SELECT 1 FROM user_stores x WHERE x.user_id = u.user_id AND x.store_id = $1))
       GROUP BY u.user_id ORDER BY u.display_name LIMIT 1000`,
      [storeId ?? null],
    );
    return rows.map((r) => ({
      userId: r.user_id,
      email: r.email,
      displayName: r.display_name,
      roles: r.roles.split(',').sort(),
      storeIds: r.stores ? r.stores.split(',').sort() : [],
      active: r.status === 'active',
      hasPin: r.has_pin,
    }));
  }

  async #storesOf(tx: SqlExecutor, userId: string): Promise<string[]> {
    const rows = await tx.query<{ store_id: string }>(
      'SELECT store_id FROM user_stores WHERE user_id = $1 ORDER BY store_id',
      [userId],
    );
    return rows.map((r) => r.store_id);
  }

  /**
   * A hub finds who is signing in by the PIN alone, so no two people of a store may share
   * one. Checked against every hash of each store's roster (cheap: scrypt at hub strength).
   */
  async #pinFree(tx: SqlExecutor, pin: string, storeIds: readonly string[], userId: string) {
    for (const storeId of storeIds) {
      // Two people given the same PIN at once: the second waits for the first, then sees it.
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`pin:${storeId}`]);
      const others = (await this.roster(storeId, tx)).filter((m) => m.userId !== userId);
      const taken = await Promise.all(others.map((m) => verifyPin(pin, m.pinHash)));
      if (taken.includes(true))
        throw new AppError('validation', `That PIN is already used at ${storeId}`, {
          errors: [
            { field: 'pin', message: `already used by someone at ${storeId}; choose another` },
          ],
        });
    }
  }

  /** Each store's whole roster, as its hub will receive it through sync. */
  async #rostersChanged(tx: SqlExecutor, storeIds: readonly string[]) {
    for (const storeId of storeIds)
      await emit(tx, 'auth.rosterchanged.v1', {
        storeId,
        staff: await this.roster(storeId, tx),
      });
  }

  /** The staff of one store with their PIN hashes: what a hub needs to sign staff in offline. */
  async roster(storeId: string, db: SqlExecutor = this.db) {
    const rows = await db.query<{
      user_id: string;
      display_name: string;
      pin_hash: string | null;
      roles: string;
    }>(
      `SELECT u.user_id, u.display_name, u.pin_hash, string_agg(r.role, ',' ORDER BY r.role) AS roles
       FROM users u JOIN user_stores s ON s.user_id = u.user_id JOIN user_roles r ON r.user_id = u.user_id
       WHERE s.store_id = $1 AND u.status = 'active' AND r.role IN ('owner', 'manager', 'cashier', 'cook')
       GROUP BY u.user_id, u.display_name, u.pin_hash ORDER BY u.display_name`,
      [storeId],
    );
    return rows
      .filter((r): r is typeof r & { pin_hash: string } => r.pin_hash !== null)
      .map((r) => ({
        userId: r.user_id,
        name: r.display_name,
        roles: r.roles.split(','),
        pinHash: r.pin_hash,
      }));
  }

  /** A machine account; its secret is shown once, here. */
  async createClient(
    name: string,
    roles: Role[],
  ): Promise<{ clientId: string; clientSecret: string }> {
    const clientId = `svc_${randomBytes(8).toString('hex')}`;
    const clientSecret = randomBytes(32).toString('base64url');
    await this.db.query(
      'INSERT INTO service_clients (client_id, name, secret_hash, roles) VALUES ($1, $2, $3, $4)',
      [clientId, name, sha256(clientSecret), roles.join(',')],
    );
    return { clientId, clientSecret };
  }

  /** OAuth 2.0 client credentials: a 5-minute token for a machine account. */
  async clientToken(clientId: string, clientSecret: string) {
    const client = await this.db.maybeOne<{ secret_hash: string; roles: string }>(
      'SELECT secret_hash, roles FROM service_clients WHERE client_id = $1 AND revoked_at IS NULL',
      [clientId],
    );
    // Compare hashes of equal length; an unknown client is compared against a dummy.
    const presented = sha256(clientSecret);
    const expected = client?.secret_hash ?? sha256(`unknown-${randomUUID()}`);
    if (!client || !timingSafeHexEqual(presented, expected)) {
      throw new AppError('unauthenticated', 'The client id or secret is not right');
    }
    const key = await this.keys.current();
    const accessToken = await new SignJWT({
      email: `${clientId}@clients.pos`,
      roles: client.roles.split(','),
    })
      .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'JWT' })
      .setSubject(`client:${clientId}`)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${SERVICE_TOKEN_TTL_SECONDS}s`)
      .sign(key.privateKey);
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: SERVICE_TOKEN_TTL_SECONDS,
    };
  }
}

function timingSafeHexEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
