import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { AppError } from '@pos/kit';
import type { SqlDatabase, SqlExecutor } from '@pos/kit/sql';
import { createLocalJWKSet, type JWTPayload, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { EmailVerification } from './email-verification.js';
import { ACCESS_TTL_SECONDS, KeyRing } from './keys.js';
import { emit } from './outbox.js';
import { checkPassword, hashPassword } from './passwords.js';

export const ISSUER = 'pos-system';
export const AUDIENCE = 'pos-api';
export const REFRESH_TTL_SECONDS = 7 * 24 * 3600;
/** A token larger than this is refused before it is parsed. */
export const MAX_TOKEN_BYTES = 8 * 1024;

export interface LoginPolicy {
  /** Failed sign-ins in `windowSeconds` before the account is locked. Default 5. */
  maxFailures: number;
  windowSeconds: number;
  lockSeconds: number;
}

export const DEFAULT_LOGIN_POLICY: LoginPolicy = {
  maxFailures: 5,
  windowSeconds: 15 * 60,
  lockSeconds: 15 * 60,
};

export interface AccessClaims {
  sub: string;
  email: string;
  roles: string[];
  iat: number;
  exp: number;
  iss: string;
  aud: string | string[];
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

interface UserRow {
  user_id: string;
  email: string;
  display_name: string;
  password_hash: string | null;
  status: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const INVALID_LOGIN = 'The email or password is not right';

/**
 * The auth service (seed §1.2): accounts with argon2id passwords, access tokens signed with
 * Ed25519 (verifiable by anyone holding the JWKS, so no hub holds a secret), refresh tokens kept
 * only as hashes and rotated on every use, where presenting a used one ends the whole session.
 */
export class AuthService {
  readonly keys: KeyRing;
  readonly emails: EmailVerification;

  constructor(
    private readonly db: SqlDatabase,
    private readonly policy: LoginPolicy = DEFAULT_LOGIN_POLICY,
  ) {
    this.keys = new KeyRing(db);
    this.emails = new EmailVerification(db);
  }

  async register(input: { email: string; password: string; displayName: string }) {
    const passwordHash = await hashPassword(input.password);
    const userId = randomUUID();
    const created = await this.db.transaction(async (tx) => {
      const taken = await tx.maybeOne('SELECT 1 FROM users WHERE lower(email) = lower($1)', [
        input.email,
      ]);
      if (taken) return false;
      await tx.query(
        'INSERT INTO users (user_id, email, display_name, password_hash) VALUES ($1, $2, $3, $4)',
        [userId, input.email, input.displayName, passwordHash],
      );
      await tx.query(`INSERT INTO user_roles (user_id, role) VALUES ($1, 'customer')`, [userId]);
      await emit(tx, 'auth.usercreated.v1', {
        userId,
        email: input.email,
        roles: ['customer'],
        storeIds: [],
      });
      // The points of this email are theirs once they show it is theirs.
      await this.emails.request(tx, userId, input.email);
      return true;
    });
    if (!created) throw new AppError('conflict', 'An account with this email already exists');
    return {
      userId,
      email: input.email,
      displayName: input.displayName,
      roles: ['customer'],
      emailVerified: false,
    };
  }

  /** Same answer, and about the same time, for an unknown email and a wrong password. */
  async login(input: { email: string; password: string }): Promise<TokenPair> {
    const subject = input.email.trim().toLowerCase();
    await this.#refuseIfLocked(subject);
    const user = await this.db.maybeOne<UserRow>(
      `SELECT user_id, email, display_name, password_hash, status FROM users WHERE lower(email) = $1`,
      [subject],
    );
    const ok = await checkPassword(user?.password_hash ?? null, input.password);
    if (!ok || !user || user.status !== 'active') {
      await this.#fail(subject);
      throw new AppError('unauthenticated', INVALID_LOGIN);
    }
    await this.db.query('DELETE FROM login_failures WHERE subject = $1', [subject]);
    return this.#issue(user.user_id, randomUUID());
  }

  /** Exchange a refresh token for a new pair; a token used twice ends its whole family. */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const found = await this.db.maybeOne<{
      token_id: string;
      family_id: string;
      user_id: string;
      expired: boolean;
      rotated: boolean;
      revoked: boolean;
    }>(
      `SELECT token_id, family_id, user_id, expires_at < now() AS expired,
              rotated_at IS NOT NULL AS rotated, revoked_at IS NOT NULL AS revoked
       FROM refresh_tokens WHERE token_hash = $1`,
      [sha256(refreshToken)],
    );
    if (!found || found.revoked || found.expired) {
      throw new AppError('unauthenticated', 'This session has ended; sign in again');
    }
    if (found.rotated) {
      // A stolen copy and the real one cannot both go on: end the session for both.
      await this.#revokeFamily(this.db, found.family_id);
      throw new AppError('unauthenticated', 'This refresh token was already used; sign in again');
    }
    const rotated = await this.db.query(
      `UPDATE refresh_tokens SET rotated_at = now()
       WHERE token_id = $1 AND rotated_at IS NULL AND revoked_at IS NULL RETURNING token_id`,
      [found.token_id],
    );
    if (rotated.length === 0) {
      await this.#revokeFamily(this.db, found.family_id);
      throw new AppError('unauthenticated', 'This refresh token was already used; sign in again');
    }
    return this.#issue(found.user_id, found.family_id);
  }

  /** A new session for a user who proved who they are another way (social sign-in). */
  startSession(userId: string): Promise<TokenPair> {
    return this.#issue(userId, randomUUID());
  }

  /** End the session the refresh token belongs to. Unknown tokens are fine: nothing to end. */
  async logout(refreshToken: string): Promise<void> {
    const found = await this.db.maybeOne<{ family_id: string }>(
      'SELECT family_id FROM refresh_tokens WHERE token_hash = $1',
      [sha256(refreshToken)],
    );
    if (found) await this.#revokeFamily(this.db, found.family_id);
  }

  /** The user's sessions (one per sign-in), newest first. */
  async sessions(userId: string) {
    return this.db.query<{
      sessionId: string;
      startedAt: string;
      lastUsedAt: string;
      expiresAt: string;
    }>(
      `SELECT family_id AS "sessionId", min(issued_at)::text AS "startedAt",
              max(issued_at)::text AS "lastUsedAt", max(expires_at)::text AS "expiresAt"
       FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL
       GROUP BY family_id HAVING max(expires_at) > now() ORDER BY max(issued_at) DESC`,
      [userId],
    );
  }

  async revokeSession(userId: string, sessionId: string): Promise<void> {
    const rows = await this.db.query(
      `UPDATE refresh_tokens SET revoked_at = now()
       WHERE user_id = $1 AND family_id = $2 AND revoked_at IS NULL RETURNING token_id`,
      [userId, sessionId],
    );
    if (rows.length === 0) throw new AppError('not-found', 'No such session');
  }

  /** Verify an access token: signature by a published key, EdDSA only, issuer, audience, expiry. */
  async verify(token: string): Promise<AccessClaims> {
    if (Buffer.byteLength(token) > MAX_TOKEN_BYTES) {
      throw new AppError('unauthenticated', 'The token is too large');
    }
    try {
      const { payload } = await jwtVerify(token, createLocalJWKSet(await this.keys.jwks()), {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['EdDSA'],
      });
      return asClaims(payload);
    } catch (err) {
      const reason =
        err instanceof joseErrors.JWTExpired
          ? 'The token has expired'
          : err instanceof joseErrors.JWKSNoMatchingKey
            ? 'The token was signed by a key this service does not know'
            : 'The token is not valid';
      throw new AppError('unauthenticated', reason);
    }
  }

  async #issue(userId: string, familyId: string): Promise<TokenPair> {
    const user = await this.db.one<{ email: string; verified: boolean }>(
      'SELECT email, email_verified_at IS NOT NULL AS verified FROM users WHERE user_id = $1',
      [userId],
    );
    const roles = (
      await this.db.query<{ role: string }>(
        'SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role',
        [userId],
      )
    ).map((r) => r.role);
    const key = await this.keys.current();
    const accessToken = await new SignJWT({
      email: user.email,
      email_verified: user.verified,
      roles,
    })
      .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'JWT' })
      .setSubject(userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${ACCESS_TTL_SECONDS}s`)
      .sign(key.privateKey);
    const refreshToken = randomBytes(32).toString('base64url');
    await this.db.query(
      `INSERT INTO refresh_tokens (token_id, family_id, user_id, token_hash, expires_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
      [randomUUID(), familyId, userId, sha256(refreshToken), REFRESH_TTL_SECONDS],
    );
    return { accessToken, refreshToken, tokenType: 'Bearer', expiresIn: ACCESS_TTL_SECONDS };
  }

  async #refuseIfLocked(subject: string): Promise<void> {
    const row = await this.db.maybeOne<{ seconds: number | null }>(
      `SELECT ceil(extract(epoch FROM locked_until - now()))::int AS seconds
       FROM login_failures WHERE subject = $1 AND locked_until > now()`,
      [subject],
    );
    if (row?.seconds) {
      throw new AppError(
        'rate-limited',
        `Too many failed sign-ins; try again in ${row.seconds} s`,
        {
          headers: { 'Retry-After': String(row.seconds) },
        },
      );
    }
  }

  async #fail(subject: string): Promise<void> {
    const { maxFailures, windowSeconds, lockSeconds } = this.policy;
    await this.db.query(
      `INSERT INTO login_failures (subject, failures, first_failed_at) VALUES ($1, 1, now())
       ON CONFLICT (subject) DO UPDATE SET
         failures = CASE WHEN login_failures.first_failed_at < now() - make_interval(secs => $2)
                         THEN 1 ELSE login_failures.failures + 1 END,
         first_failed_at = CASE WHEN login_failures.first_failed_at < now() - make_interval(secs => $2)
                                THEN now() ELSE login_failures.first_failed_at END`,
      [subject, windowSeconds],
    );
    await this.db.query(
      `UPDATE login_failures SET locked_until = now() + make_interval(secs => $3)
       WHERE subject = $1 AND failures >= $2`,
      [subject, maxFailures, lockSeconds],
    );
  }

  async #revokeFamily(db: SqlExecutor, familyId: string): Promise<void> {
    await db.query(
      'UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL',
      [familyId],
    );
  }
}

function asClaims(payload: JWTPayload): AccessClaims {
  const p = payload as JWTPayload & { email?: unknown; roles?: unknown };
  if (
    typeof p.sub !== 'string' ||
    typeof p.email !== 'string' ||
    !Array.isArray(p.roles) ||
    !p.roles.every((r) => typeof r === 'string') ||
    typeof p.iat !== 'number' ||
    typeof p.exp !== 'number'
  ) {
    throw new AppError('unauthenticated', 'The token is not valid');
  }
  return {
    sub: p.sub,
    email: p.email,
    roles: p.roles as string[],
    iat: p.iat,
    exp: p.exp,
    iss: p.iss ?? '',
    aud: p.aud ?? '',
  };
}
