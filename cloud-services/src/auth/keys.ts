import { randomUUID } from 'node:crypto';
import type { SqlDatabase } from '@pos/kit/sql';
import { type CryptoKey, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';

/** Access tokens live 15 minutes (seed §6.2); a retired key is kept that long, plus margin. */
export const ACCESS_TTL_SECONDS = 15 * 60;
const RETIRED_KEY_KEEP_SECONDS = ACCESS_TTL_SECONDS + 60;

interface KeyRow {
  kid: string;
  public_jwk: string;
  private_jwk: string;
  retired: boolean;
}

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
}

/**
 * The auth service's signing keys (Ed25519, EdDSA): one signs, retired ones stay published in
 * the JWKS until their last token has expired, so rotation never signs anyone out.
 */
export class KeyRing {
  /** The JWKS as last read, for a few seconds: every gateway and hub asks for it. */
  #published: { at: number; value: { keys: JWK[] } } | undefined;

  constructor(
    private readonly db: SqlDatabase,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The key that signs now, made on first use. */
  async current(): Promise<SigningKey> {
    const row = await this.db.maybeOne<KeyRow>(
      `SELECT kid, public_jwk, private_jwk, retired_at IS NOT NULL AS retired FROM signing_keys
       WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1`,
    );
    if (row)
      return {
        kid: row.kid,
        privateKey: (await importJWK(JSON.parse(row.private_jwk), 'EdDSA')) as CryptoKey,
      };
    return this.rotate();
  }

  /** Make a new signing key and retire the others. */
  async rotate(): Promise<SigningKey> {
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', {
      crv: 'Ed25519',
      extractable: true,
    });
    const kid = randomUUID();
    const pub = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' };
    const priv = { ...(await exportJWK(privateKey)), kid, alg: 'EdDSA' };
    this.#published = undefined;
    await this.db.transaction(async (tx) => {
      await tx.query('UPDATE signing_keys SET retired_at = now() WHERE retired_at IS NULL');
      await tx.query(
        'INSERT INTO signing_keys (kid, public_jwk, private_jwk) VALUES ($1, $2, $3)',
        [kid, JSON.stringify(pub), JSON.stringify(priv)],
      );
    });
    this.#published = undefined;
    return { kid, privateKey: privateKey as CryptoKey };
  }

  /** The public keys any verifier may use: the current one and those still within their tokens' life. */
  async jwks(): Promise<{ keys: JWK[] }> {
    const cached = this.#published;
    if (cached && this.clock() - cached.at < 5_000) return cached.value;
    const value = await this.#readJwks();
    this.#published = { at: this.clock(), value };
    return value;
  }

  async #readJwks(): Promise<{ keys: JWK[] }> {
    const rows = await this.db.query<{ public_jwk: string }>(
      `SELECT public_jwk FROM signing_keys
       WHERE retired_at IS NULL OR retired_at > now() - make_interval(secs => $1)
       ORDER BY created_at DESC`,
      [RETIRED_KEY_KEEP_SECONDS],
    );
    return { keys: rows.map((r) => JSON.parse(r.public_jwk) as JWK) };
  }
}
