import type { SqlSchema } from '@pos/kit/sql';
import { outboxTableSql } from '../events.js';

/**
 * Auth service tables (seed §1.2, ARCHITECTURE "Security"). Passwords and PINs are stored only
 * as argon2id PHC strings; refresh tokens only as SHA-256 hashes, grouped in families so that
 * reuse of a rotated token can revoke the whole family.
 */
export const authSchema: SqlSchema = {
  component: 'auth',
  migrations: [
    {
      version: 1,
      name: 'users, roles, refresh tokens, oauth identities',
      up: `
        CREATE TABLE roles (
          role TEXT PRIMARY KEY,
          description TEXT NOT NULL
        );
        -- The closed set of contracts/src/roles.ts.
        INSERT INTO roles (role, description) VALUES
          ('owner', 'Owns the organisation'),
          ('manager', 'Runs a store; approves refunds, voids and overrides'),
          ('cashier', 'Takes orders and payments at a terminal'),
          ('cook', 'Works the kitchen display'),
          ('customer', 'Orders for themselves'),
          ('loyalty-member', 'Customer enrolled in the loyalty programme'),
          ('service', 'Machine account: a hub or a cloud worker');

        CREATE TABLE users (
          user_id UUID PRIMARY KEY,
          email TEXT NOT NULL,
          display_name TEXT NOT NULL,
          organisation_id TEXT,
          -- NULL for an account that signs in only through an OAuth provider.
          password_hash TEXT,
          -- Staff PIN for terminal login; synced to hubs so it works offline.
          pin_hash TEXT,
          status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
          created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
        );
        CREATE UNIQUE INDEX users_email_key ON users (lower(email));

        CREATE TABLE user_roles (
          user_id UUID NOT NULL REFERENCES users ON DELETE CASCADE,
          role TEXT NOT NULL REFERENCES roles,
          granted_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          PRIMARY KEY (user_id, role)
        );

        -- Stores a staff member may work in; the roster a hub pulls is built from this.
        CREATE TABLE user_stores (
          user_id UUID NOT NULL REFERENCES users ON DELETE CASCADE,
          store_id TEXT NOT NULL,
          PRIMARY KEY (user_id, store_id)
        );
        CREATE INDEX user_stores_store ON user_stores (store_id);

        CREATE TABLE refresh_tokens (
          token_id UUID PRIMARY KEY,
          family_id UUID NOT NULL,
          user_id UUID NOT NULL REFERENCES users ON DELETE CASCADE,
          token_hash TEXT NOT NULL UNIQUE,
          issued_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          expires_at TIMESTAMPTZ NOT NULL,
          -- Set when the token is exchanged for its successor; presenting it again is reuse.
          rotated_at TIMESTAMPTZ,
          revoked_at TIMESTAMPTZ
        );
        CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
        CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

        -- The seed's OAuthProviders table: which provider account is linked to which user.
        CREATE TABLE oauth_identities (
          provider TEXT NOT NULL,
          provider_user_id TEXT NOT NULL,
          user_id UUID NOT NULL REFERENCES users ON DELETE CASCADE,
          linked_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          PRIMARY KEY (provider, provider_user_id)
        );
        CREATE INDEX oauth_identities_user ON oauth_identities (user_id);
      `,
    },
    {
      version: 2,
      name: 'signing keys, failed logins',
      up: `
        -- Ed25519 keys that sign access tokens. The newest unretired key signs; a retired key
        -- stays in the JWKS until every token it signed has expired.
        CREATE TABLE signing_keys (
          kid TEXT PRIMARY KEY,
          public_jwk TEXT NOT NULL,
          private_jwk TEXT NOT NULL,
          created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          retired_at TIMESTAMPTZ
        );
        -- Failed sign-ins per account, for lockout after repeated failures.
        CREATE TABLE login_failures (
          subject TEXT PRIMARY KEY,
          failures INTEGER NOT NULL,
          first_failed_at TIMESTAMPTZ NOT NULL,
          locked_until TIMESTAMPTZ
        );
      `,
    },
    {
      version: 3,
      name: 'service clients, event outbox',
      up: `
        -- Machine accounts (a hub, the sync worker) that get short-lived tokens with their
        -- secret (client credentials); the secret is kept only as a SHA-256 hash.
        CREATE TABLE service_clients (
          client_id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          secret_hash TEXT NOT NULL,
          roles TEXT NOT NULL,
          created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          revoked_at TIMESTAMPTZ
        );
        -- auth.* events, written in the transaction of the change they describe; the cloud's
        -- relay publishes them in seq order.
        ${outboxTableSql('auth_outbox')}
      `,
    },
    {
      version: 4,
      name: 'oauth sign-in requests',
      up: `
        -- One row per social sign-in started: its state, nonce and PKCE verifier, used once.
        CREATE TABLE oauth_states (
          state TEXT PRIMARY KEY,
          provider TEXT NOT NULL,
          nonce TEXT NOT NULL,
          code_verifier TEXT NOT NULL,
          created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          expires_at TIMESTAMPTZ NOT NULL,
          used_at TIMESTAMPTZ
        );
      `,
    },
    {
      version: 5,
      name: 'customers confirm their email',
      up: `
        -- When the person proved the email is theirs (a code sent to it, or a provider that
        -- vouches for it). Staff are added by owners and managers, who vouch for them; accounts
        -- made before this step existed keep working.
        ALTER TABLE users ADD COLUMN email_verified_at TIMESTAMPTZ;
        UPDATE users SET email_verified_at = created_at;
        -- The one code a customer may use now, kept only as a hash.
        CREATE TABLE email_codes (
          user_id UUID PRIMARY KEY REFERENCES users,
          code_hash TEXT NOT NULL,
          expires_at TIMESTAMPTZ NOT NULL,
          tries INTEGER NOT NULL DEFAULT 0,
          created_at TIMESTAMPTZ NOT NULL DEFAULT now()
        );
      `,
    },
  ],
};
