import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { AppError } from '@pos/kit';
import type { SqlDatabase } from '@pos/kit/sql';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { z } from 'zod';
import { emit } from './outbox.js';

/** One OpenID Connect provider (Google, Microsoft…), found by its issuer URL. */
export interface OidcProviderConfig {
  name: string;
  /** What a sign-in button calls it ("Google"); the name when not given. */
  label?: string | undefined;
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Where the provider sends the browser back (the app's page that posts the callback). */
  redirectUri: string;
}

export const OidcProviders = z.array(
  z.object({
    name: z.string().regex(/^[a-z0-9-]{1,32}$/),
    label: z.string().trim().min(1).max(40).optional(),
    issuer: z.url(),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
    redirectUri: z.url(),
  }),
);

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  userinfo_endpoint?: string;
}

/** An authorization request lives this long between start and callback. */
const STATE_TTL_SECONDS = 10 * 60;

/**
 * Social sign-in (seed §6.6): the authorization-code flow with PKCE against any OpenID Connect
 * provider. `start` keeps a fresh state, nonce and code verifier; `callback` checks the state
 * (once, unexpired), exchanges the code with the verifier, verifies the ID token (issuer,
 * audience, signature by the provider's keys, nonce) and links the account by verified email.
 */
export class OidcLogin {
  readonly #discovery = new Map<string, Promise<Discovery>>();
  readonly #jwks = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

  constructor(
    private readonly db: SqlDatabase,
    private readonly providers: readonly OidcProviderConfig[],
  ) {}

  list() {
    return this.providers.map((p) => ({
      name: p.name,
      label: p.label ?? p.name,
      issuer: p.issuer,
    }));
  }

  async start(providerName: string): Promise<{ authorizationUrl: string; state: string }> {
    const provider = this.#provider(providerName);
    const discovery = await this.#discover(provider);
    const state = randomBytes(24).toString('base64url');
    const nonce = randomBytes(24).toString('base64url');
    const verifier = randomBytes(48).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    await this.db.query(
      `INSERT INTO oauth_states (state, provider, nonce, code_verifier, expires_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
      [state, provider.name, nonce, verifier, STATE_TTL_SECONDS],
    );
    const url = new URL(discovery.authorization_endpoint);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: provider.clientId,
      redirect_uri: provider.redirectUri,
      scope: 'openid email profile',
      state,
      nonce,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }).toString();
    return { authorizationUrl: url.toString(), state };
  }

  /** The user this sign-in is for (linked, or made as a customer); throws 401 on any doubt. */
  async callback(input: { provider: string; code: string; state: string }): Promise<string> {
    const provider = this.#provider(input.provider);
    const saved = await this.db.maybeOne<{ nonce: string; code_verifier: string }>(
      `UPDATE oauth_states SET used_at = now()
       WHERE state = $1 AND provider = $2 AND used_at IS NULL AND expires_at > now()
       RETURNING nonce, code_verifier`,
      [input.state, provider.name],
    );
    if (!saved)
      throw new AppError('unauthenticated', 'This sign-in link is not valid or has expired');
    const discovery = await this.#discover(provider);
    const res = await fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(
          `${encodeURIComponent(provider.clientId)}:${encodeURIComponent(provider.clientSecret)}`,
        ).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: input.code,
        redirect_uri: provider.redirectUri,
        code_verifier: saved.code_verifier,
      }),
      signal: AbortSignal.timeout(10_000),
    }).catch(() => undefined);
    if (!res?.ok) throw new AppError('unauthenticated', 'The sign-in provider refused the code');
    const tokens = (await res.json()) as { id_token?: string; access_token?: string };
    if (!tokens.id_token) throw new AppError('unauthenticated', 'The provider sent no ID token');
    let claims: {
      sub?: string;
      email?: unknown;
      email_verified?: unknown;
      nonce?: unknown;
      name?: unknown;
    };
    try {
      ({ payload: claims } = await jwtVerify(tokens.id_token, this.#keys(discovery), {
        issuer: discovery.issuer,
        audience: provider.clientId,
      }));
    } catch {
      throw new AppError('unauthenticated', 'The ID token is not valid');
    }
    if (claims.nonce !== saved.nonce || typeof claims.sub !== 'string') {
      throw new AppError('unauthenticated', 'The ID token does not belong to this sign-in');
    }
    const subject = claims.sub;
    // Providers that keep the ID token small give the email at the userinfo endpoint.
    if (claims.email === undefined && discovery.userinfo_endpoint && tokens.access_token) {
      const info = await fetch(discovery.userinfo_endpoint, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
        signal: AbortSignal.timeout(10_000),
      }).catch(() => undefined);
      const body = info?.ok ? ((await info.json()) as Record<string, unknown>) : undefined;
      if (body?.sub === subject) claims = { ...claims, ...body };
    }
    return this.#link(provider.name, subject, claims);
  }

  async #link(
    provider: string,
    subject: string,
    claims: { email?: unknown; email_verified?: unknown; name?: unknown },
  ): Promise<string> {
    return this.db.transaction(async (tx) => {
      const known = await tx.maybeOne<{ user_id: string }>(
        'SELECT user_id FROM oauth_identities WHERE provider = $1 AND provider_user_id = $2',
        [provider, subject],
      );
      if (known) return known.user_id;
      // Only a verified email links to an existing account; otherwise anyone could claim one.
      if (typeof claims.email !== 'string' || claims.email_verified !== true) {
        throw new AppError('forbidden', 'The provider did not confirm this email address');
      }
      const existing = await tx.maybeOne<{ user_id: string }>(
        'SELECT user_id FROM users WHERE lower(email) = lower($1)',
        [claims.email],
      );
      const userId = existing?.user_id ?? randomUUID();
      if (existing) {
        await tx.query(
          'UPDATE users SET email_verified_at = COALESCE(email_verified_at, now()) WHERE user_id = $1',
          [userId],
        );
      }
      if (!existing) {
        // The provider vouched for the email (checked above).
        await tx.query(
          `INSERT INTO users (user_id, email, display_name, email_verified_at)
           VALUES ($1, $2, $3, now())`,
          [userId, claims.email, typeof claims.name === 'string' ? claims.name : claims.email],
        );
        await tx.query(`INSERT INTO user_roles (user_id, role) VALUES ($1, 'customer')`, [userId]);
        await emit(tx, 'auth.usercreated.v1', {
          userId,
          email: claims.email,
          roles: ['customer'],
          storeIds: [],
        });
      }
      await tx.query(
        'INSERT INTO oauth_identities (provider, provider_user_id, user_id) VALUES ($1, $2, $3)',
        [provider, subject, userId],
      );
      return userId;
    });
  }

  #provider(name: string): OidcProviderConfig {
    const provider = this.providers.find((p) => p.name === name);
    if (!provider) throw new AppError('not-found', `No sign-in provider ${name}`);
    return provider;
  }

  #discover(provider: OidcProviderConfig): Promise<Discovery> {
    let found = this.#discovery.get(provider.name);
    if (!found) {
      found = (async () => {
        const url = new URL(
          '.well-known/openid-configuration',
          provider.issuer.endsWith('/') ? provider.issuer : `${provider.issuer}/`,
        );
        const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
        if (!res.ok) throw new Error(`discovery answered ${res.status}`);
        const d = (await res.json()) as Discovery;
        if (d.issuer !== provider.issuer) throw new Error('the discovered issuer does not match');
        return d;
      })();
      found.catch(() => this.#discovery.delete(provider.name));
      this.#discovery.set(provider.name, found);
    }
    return found.catch(() => {
      throw new AppError('unavailable', `The ${provider.name} sign-in provider cannot be reached`);
    });
  }

  #keys(discovery: Discovery) {
    let keys = this.#jwks.get(discovery.jwks_uri);
    if (!keys) {
      keys = createRemoteJWKSet(new URL(discovery.jwks_uri));
      this.#jwks.set(discovery.jwks_uri, keys);
    }
    return keys;
  }
}
