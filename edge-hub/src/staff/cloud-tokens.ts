import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Logger } from '@pos/kit';
import { createLocalJWKSet, type JSONWebKeySet, errors as joseErrors, jwtVerify } from 'jose';
import type { StaffPrincipal, StaffRole } from './sessions.js';

const STAFF_ROLES: readonly StaffRole[] = ['owner', 'manager', 'cashier', 'cook'];

/**
 * Tokens from the cloud's auth service, verified on the hub without asking the cloud: its
 * public keys (JWKS) are fetched when the internet is there, kept on disk, and used offline. A
 * token naming a key the hub has not seen makes it fetch again (at most every 30 s).
 */
export class CloudTokenVerifier {
  #keys: JSONWebKeySet | undefined;
  #set: ReturnType<typeof createLocalJWKSet> | undefined;
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly o: {
      jwksUrl: string;
      cacheFile: string;
      clock: () => number;
      logger: Logger;
      refreshEveryMs?: number;
    },
  ) {
    if (existsSync(o.cacheFile)) {
      try {
        this.#use(JSON.parse(readFileSync(o.cacheFile, 'utf8')) as JSONWebKeySet);
      } catch {
        o.logger.warn({ file: o.cacheFile }, 'cached cloud keys unreadable; fetching them again');
      }
    }
  }

  /** Fetch the keys now and then every 10 minutes; failures (offline) keep the cached keys. */
  start(): void {
    void this.refresh();
    this.#timer = setInterval(() => void this.refresh(), this.o.refreshEveryMs ?? 10 * 60_000);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  async refresh(): Promise<boolean> {
    this.#fetchedAt = this.o.clock();
    try {
      const res = await fetch(this.o.jwksUrl, { signal: AbortSignal.timeout(3_000) });
      if (!res.ok) throw new Error(`answered ${res.status}`);
      const body = (await res.json()) as JSONWebKeySet;
      if (!Array.isArray(body?.keys)) throw new Error('not a JWKS');
      this.#use(body);
      const tmp = `${this.o.cacheFile}.tmp`;
      writeFileSync(tmp, JSON.stringify(body));
      renameSync(tmp, this.o.cacheFile);
      return true;
    } catch (err) {
      this.o.logger.info(
        { err: (err as Error).message },
        'cloud keys not refreshed; using the cached ones',
      );
      return false;
    }
  }

  /** The staff member a valid cloud token names (staff roles only), or null. */
  async verify(token: string): Promise<StaffPrincipal | null> {
    if (token.length > 8_192) return null;
    if (!this.#set) await this.refresh();
    const attempt = async () => {
      if (!this.#set) return null;
      const { payload } = await jwtVerify(token, this.#set, {
        issuer: 'pos-system',
        audience: 'pos-api',
        algorithms: ['EdDSA'],
        currentDate: new Date(this.o.clock()),
      });
      const roles = Array.isArray(payload.roles)
        ? payload.roles.filter((r): r is StaffRole => STAFF_ROLES.includes(r as StaffRole))
        : [];
      if (typeof payload.sub !== 'string' || roles.length === 0) return null;
      const email = (payload as { email?: unknown }).email;
      return {
        userId: payload.sub,
        name: typeof email === 'string' ? email : payload.sub,
        roles,
        sessionId: `cloud:${payload.sub}:${payload.iat ?? 0}`,
      } satisfies StaffPrincipal;
    };
    try {
      return await attempt();
    } catch (err) {
      const stale = this.keyCount === 0 || this.o.clock() - this.#fetchedAt > 30_000;
      if (err instanceof joseErrors.JWKSNoMatchingKey && stale) {
        if (await this.refresh()) return attempt().catch(() => null);
      }
      return null;
    }
  }

  #use(keys: JSONWebKeySet): void {
    this.#keys = keys;
    this.#set = createLocalJWKSet(keys);
  }

  get keyCount(): number {
    return this.#keys?.keys.length ?? 0;
  }
}
