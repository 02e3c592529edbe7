import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errors, jwtVerify, SignJWT } from 'jose';

export const STAFF_ROLES = ['owner', 'manager', 'cashier', 'cook'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export interface StaffPrincipal {
  userId: string;
  name: string;
  roles: StaffRole[];
  /** Session ID, for logout. */
  sessionId: string;
}

const ISSUER = 'pos-hub';
const AUDIENCE = 'pos-hub-staff';

/**
 * Staff sessions at the hub: short-lived tokens signed with a key that never leaves this hub
 * (HS256 is right here: the hub is both the only signer and the only verifier). The key is
 * made at first start and kept in the data directory, so sessions survive a hub restart.
 */
export class HubSessions {
  readonly #key: Uint8Array;
  readonly #revoked = new Map<string, number>();
  readonly #verified = new Map<string, { principal: StaffPrincipal; expiresAt: number }>();
  /** Whether the holder of a hub session is still on the roster with the same roles. */
  #holds: ((principal: StaffPrincipal) => boolean) | undefined;
  /** Tokens from the cloud's auth service, when the hub is set up to accept them. */
  #cloud: { verify(token: string): Promise<StaffPrincipal | null> } | undefined;

  constructor(
    key: Uint8Array,
    readonly ttlSeconds = 2 * 3600,
    private readonly clock: () => number = Date.now,
  ) {
    this.#key = key;
  }

  static open(dataDir: string, clock: () => number = Date.now): HubSessions {
    const path = join(dataDir, 'session.key');
    if (!existsSync(path)) {
      writeFileSync(path, randomBytes(32), { mode: 0o600 });
      chmodSync(path, 0o600);
    }
    return new HubSessions(new Uint8Array(readFileSync(path)), undefined, clock);
  }

  async issue(
    staff: Omit<StaffPrincipal, 'sessionId'>,
  ): Promise<{ token: string; expiresAt: string; sessionId: string }> {
    const now = Math.floor(this.clock() / 1000);
    const sessionId = randomUUID();
    const token = await new SignJWT({ name: staff.name, roles: staff.roles })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(staff.userId)
      .setJti(sessionId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + this.ttlSeconds)
      .sign(this.#key);
    return { token, sessionId, expiresAt: new Date((now + this.ttlSeconds) * 1000).toISOString() };
  }

  /** Also accept staff tokens signed by the cloud (verified with its cached public keys). */
  trustCloud(verifier: { verify(token: string): Promise<StaffPrincipal | null> }): void {
    this.#cloud = verifier;
  }

  /** Check each hub session against the roster as it is now (the staff module sets it). */
  checkRoster(holds: (principal: StaffPrincipal) => boolean): void {
    this.#holds = holds;
  }

  /**
   * The principal of a valid, unexpired, unrevoked token whose holder is still on the roster
   * with the same roles; null for anything else.
   */
  async verify(token: string): Promise<StaffPrincipal | null> {
    const principal = await this.#verify(token);
    if (principal && this.#holds && !principal.sessionId.startsWith('cloud:')) {
      return this.#holds(principal) ? principal : null;
    }
    return principal;
  }

  async #verify(token: string): Promise<StaffPrincipal | null> {
    if (token.length > 4_096) return null;
    // A terminal sends the same token with every request: its signature is checked once, and
    // expiry and revocation on every use.
    const known = this.#verified.get(token);
    if (known) {
      if (known.expiresAt > this.clock() && !this.#revoked.has(known.principal.sessionId)) {
        return known.principal;
      }
      this.#verified.delete(token);
    }
    const principal = await this.#verifySignature(token);
    if (principal) {
      if (this.#verified.size >= 10_000) this.#verified.clear();
      this.#verified.set(token, principal);
    }
    if (!principal && this.#cloud) return this.#cloud.verify(token);
    return principal?.principal ?? null;
  }

  async #verifySignature(
    token: string,
  ): Promise<{ principal: StaffPrincipal; expiresAt: number } | null> {
    try {
      const { payload } = await jwtVerify(token, this.#key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
        currentDate: new Date(this.clock()),
      });
      const roles = Array.isArray(payload.roles)
        ? payload.roles.filter((r): r is StaffRole => STAFF_ROLES.includes(r as StaffRole))
        : [];
      if (!payload.sub || !payload.jti || this.#revoked.has(payload.jti)) return null;
      return {
        principal: {
          userId: payload.sub,
          name: typeof payload.name === 'string' ? payload.name : '',
          roles,
          sessionId: payload.jti,
        },
        expiresAt: (payload.exp ?? 0) * 1000,
      };
    } catch (err) {
      if (err instanceof errors.JOSEError) return null;
      throw err;
    }
  }

  /** End a session before it expires (logout). */
  revoke(sessionId: string): void {
    const now = this.clock();
    this.#revoked.set(sessionId, now + this.ttlSeconds * 1000);
    for (const [id, until] of this.#revoked) if (until < now) this.#revoked.delete(id);
  }
}
