import { uuidv7 } from '@pos/contracts';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';

/**
 * For tests of the sync service's manager routes: a key set the service verifies with, and
 * staff access tokens signed as the cloud's auth service signs them (issuer, audience, roles).
 */
export async function testTokens() {
  const keys = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const jwks = createLocalJWKSet({
    keys: [{ ...(await exportJWK(keys.publicKey)), alg: 'EdDSA', kid: 'k1' }],
  });
  const tokenFor = (roles: string[]) =>
    new SignJWT({ roles })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'k1' })
      .setIssuer('pos-system')
      .setAudience('pos-api')
      .setSubject(uuidv7())
      .setExpirationTime('5m')
      .sign(keys.privateKey);
  return { jwks, tokenFor };
}
