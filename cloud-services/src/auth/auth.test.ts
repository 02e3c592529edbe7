import { createLogger } from '@pos/kit';
import { PgDatabase, SharedPglite, type SqlDatabase } from '@pos/kit/sql';
import { lazyTestDatabase } from '@pos/kit/sql/testing';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { AUDIENCE, AuthService, ISSUER } from './auth-service.js';
import { verifications } from './passwords.js';
import { startAuthService } from './service.js';

// The auth service on real PostgreSQL and on the embedded PGlite: accounts, tokens, rotation,
// lockout, and the attacks a token service must shrug off.

const logger = createLogger({ service: 'auth-test', level: 'silent' });
const pg = lazyTestDatabase('pos_auth_test');
const pglite = new SharedPglite({ logger });
afterAll(async () => {
  await pg.dispose();
  await pglite.close();
});

const targets = [
  {
    kind: 'postgres',
    runtime: async () => ({ env: { AUTH_DATABASE_URL: (await pg.get()).url } }),
    db: async (): Promise<SqlDatabase> => PgDatabase.open({ url: (await pg.get()).url }),
  },
  {
    kind: 'pglite',
    runtime: async () => ({ env: {}, embedded: pglite }),
    db: async (): Promise<SqlDatabase> => pglite.database('auth'),
  },
] as const;

async function start(kind: (typeof targets)[number]) {
  const extra = await kind.runtime();
  const svc = await startAuthService({ host: '127.0.0.1', port: 0, logger, ...extra });
  const call = async (method: string, path: string, body?: unknown, token?: string) => {
    const res = await fetch(`${svc.url}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  };
  return { svc, call };
}

let seq = 0;
const email = () => `cook${Date.now()}${seq++}@example.com`;

for (const target of targets) {
  describe(`auth service on ${target.kind}`, () => {
    it('registers, signs in with EdDSA tokens carrying the seed claims, and publishes the JWKS', async () => {
      const { svc, call } = await start(target);
      try {
        const address = email();
        const reg = await call('POST', '/api/v1/auth/register', {
          email: address,
          password: 'correct horse battery',
          displayName: 'Ada',
        });
        expect(reg.status).toBe(201);
        expect(reg.body.roles).toEqual(['customer']);
        const again = await call('POST', '/api/v1/auth/register', {
          email: address.toUpperCase(),
          password: 'correct horse battery',
          displayName: 'Ada',
        });
        expect(again.status).toBe(409);

        const login = await call('POST', '/api/v1/auth/login', {
          email: address,
          password: 'correct horse battery',
        });
        expect(login.status).toBe(200);
        const claims = decodeJwt(login.body.accessToken);
        expect(claims).toMatchObject({
          sub: reg.body.userId,
          email: address,
          roles: ['customer'],
          iss: ISSUER,
          aud: AUDIENCE,
        });
        expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(900);
        const header = JSON.parse(
          Buffer.from(login.body.accessToken.split('.')[0], 'base64url').toString(),
        );
        expect(header.alg).toBe('EdDSA');
        const jwks = await call('GET', '/api/v1/auth/.well-known/jwks.json');
        expect(jwks.body.keys.map((k: { kid: string }) => k.kid)).toContain(header.kid);
        expect(jwks.body.keys[0]).not.toHaveProperty('d'); // never the private part
        const valid = await call('POST', '/api/v1/auth/validate-token', {
          token: login.body.accessToken,
        });
        expect(valid.body).toMatchObject({ valid: true, claims: { sub: reg.body.userId } });
      } finally {
        await svc.stop();
      }
    });

    it('has a customer confirm their email with the code sent to it, once, in few tries', async () => {
      const { svc, call } = await start(target);
      const db = await target.db();
      /** The codes sent to an address, newest last (what the notification service mails). */
      const codes = async (to: string) =>
        (
          await db.query<{ envelope: string }>(
            `SELECT envelope FROM auth_outbox
             WHERE event_type = 'auth.emailverificationrequested.v1' ORDER BY seq`,
          )
        )
          .map((r) => JSON.parse(r.envelope).Payload as { email: string; code: string })
          .filter((p) => p.email === to)
          .map((p) => p.code);
      try {
        const address = email();
        const reg = await call('POST', '/api/v1/auth/register', {
          email: address,
          password: 'correct horse battery',
          displayName: 'Bea',
        });
        expect(reg.body.emailVerified).toBe(false);
        const signIn = async () =>
          (
            await call('POST', '/api/v1/auth/login', {
              email: address,
              password: 'correct horse battery',
            })
          ).body.accessToken as string;
        expect(decodeJwt(await signIn()).email_verified).toBe(false);
        const [code] = await codes(address);
        expect(code).toMatch(/^\d{6}$/);
        // Only its hash is kept.
        const kept = await db.query<{ code_hash: string }>(
          'SELECT code_hash FROM email_codes WHERE user_id = $1',
          [reg.body.userId],
        );
        expect(kept[0]?.code_hash).not.toContain(code);
        // Another code only after a while (each is an email).
        const soon = await call('POST', '/api/v1/auth/email/code', {}, await signIn());
        expect(soon.status).toBe(429);
        expect(Number(soon.headers.get('retry-after'))).toBeGreaterThan(0);
        // Needs the person's own token; a wrong code is refused by field.
        expect((await call('POST', '/api/v1/auth/email/confirm', { code })).status).toBe(401);
        const wrong = code === '000000' ? '111111' : '000000';
        const refused = await call(
          'POST',
          '/api/v1/auth/email/confirm',
          { code: wrong },
          await signIn(),
        );
        expect(refused.status).toBe(400);
        expect(refused.body.errors).toEqual([{ field: 'code', message: 'not the code we sent' }]);
        const ok = await call('POST', '/api/v1/auth/email/confirm', { code }, await signIn());
        expect(ok.status, JSON.stringify(ok.body)).toBe(200);
        expect(decodeJwt(await signIn()).email_verified).toBe(true);
        // Confirmed is confirmed: again is fine, a new code is not needed.
        expect(
          (await call('POST', '/api/v1/auth/email/confirm', { code }, await signIn())).status,
        ).toBe(200);
        expect((await call('POST', '/api/v1/auth/email/code', {}, await signIn())).status).toBe(
          409,
        );

        // Guessing: five wrong tries spend the code, then even the right one is refused.
        const other = email();
        await call('POST', '/api/v1/auth/register', {
          email: other,
          password: 'correct horse battery',
          displayName: 'Cal',
        });
        const token = (
          await call('POST', '/api/v1/auth/login', {
            email: other,
            password: 'correct horse battery',
          })
        ).body.accessToken;
        const [right] = await codes(other);
        const guess = right === '000000' ? '111111' : '000000';
        for (let i = 0; i < 5; i++) {
          expect(
            (await call('POST', '/api/v1/auth/email/confirm', { code: guess }, token)).status,
          ).toBe(400);
        }
        expect(
          (await call('POST', '/api/v1/auth/email/confirm', { code: right }, token)).status,
        ).toBe(409);
      } finally {
        await svc.stop();
        if (target.kind === 'postgres') await db.close();
      }
    });

    it('rotates refresh tokens; using one twice ends the whole session; logout ends it too', async () => {
      const { svc, call } = await start(target);
      try {
        const address = email();
        await call('POST', '/api/v1/auth/register', {
          email: address,
          password: 'pass phrase 1234',
          displayName: 'B',
        });
        const first = (
          await call('POST', '/api/v1/auth/login', { email: address, password: 'pass phrase 1234' })
        ).body;
        const second = await call('POST', '/api/v1/auth/refresh-token', {
          refreshToken: first.refreshToken,
        });
        expect(second.status).toBe(200);
        expect(second.body.refreshToken).not.toBe(first.refreshToken);
        const sessions = await call(
          'GET',
          '/api/v1/auth/sessions',
          undefined,
          second.body.accessToken,
        );
        expect(sessions.body.sessions).toHaveLength(1);

        // The old token again (a thief's copy): refused, and the newer one dies with it.
        const reuse = await call('POST', '/api/v1/auth/refresh-token', {
          refreshToken: first.refreshToken,
        });
        expect(reuse.status).toBe(401);
        expect(reuse.body.detail).toMatch(/already used/);
        const victim = await call('POST', '/api/v1/auth/refresh-token', {
          refreshToken: second.body.refreshToken,
        });
        expect(victim.status).toBe(401);

        const other = (
          await call('POST', '/api/v1/auth/login', { email: address, password: 'pass phrase 1234' })
        ).body;
        expect(
          (await call('POST', '/api/v1/auth/logout', { refreshToken: other.refreshToken })).status,
        ).toBe(204);
        expect(
          (await call('POST', '/api/v1/auth/refresh-token', { refreshToken: other.refreshToken }))
            .status,
        ).toBe(401);
        expect(
          (await call('POST', '/api/v1/auth/refresh-token', { refreshToken: 'x'.repeat(43) }))
            .status,
        ).toBe(401);
      } finally {
        await svc.stop();
      }
    });

    it('locks an account after repeated failures, and answers unknown emails the same way', async () => {
      const { svc, call } = await start(target);
      try {
        const address = email();
        await call('POST', '/api/v1/auth/register', {
          email: address,
          password: 'right password 1',
          displayName: 'C',
        });
        // Each answer counted in argon2id verifications, the work that takes the time.
        const counted = async (body: unknown) => {
          const before = verifications.count;
          const res = await call('POST', '/api/v1/auth/login', body);
          return { res, verifications: verifications.count - before };
        };
        const unknown = await counted({ email: email(), password: 'whatever' });
        const wrong = await counted({ email: address, password: 'wrong password' });
        expect(unknown.res.status).toBe(401);
        expect(wrong.res.status).toBe(401);
        expect(unknown.res.body.detail).toBe(wrong.res.body.detail);
        // An unknown email still runs a full argon2id verify: it is not answered early.
        expect(unknown.verifications).toBe(1);
        expect(wrong.verifications).toBe(1);

        for (let i = 0; i < 4; i++) {
          await call('POST', '/api/v1/auth/login', { email: address, password: `guess ${i}` });
        }
        const locked = await call('POST', '/api/v1/auth/login', {
          email: address,
          password: 'right password 1',
        });
        expect(locked.status).toBe(429);
        expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
      } finally {
        await svc.stop();
      }
    });

    it('answers hostile input with 4xx and keeps its tables', async () => {
      const { svc, call } = await start(target);
      try {
        const injections = [
          "' OR '1'='1",
          "admin'--",
          "x'); DROP TABLE users; --",
          '" OR ""="',
          '1; SELECT pg_sleep(5)',
        ];
        for (const s of injections) {
          for (const body of [
            { email: s, password: s },
            { email: `${encodeURIComponent(s)}@example.com`, password: s },
          ]) {
            const login = await call('POST', '/api/v1/auth/login', body);
            expect([400, 401, 429]).toContain(login.status);
          }
          const reg = await call('POST', '/api/v1/auth/register', {
            email: email(),
            password: `${s}-long-enough`,
            displayName: s,
          });
          expect(reg.status).toBe(201);
          expect(
            (await call('POST', '/api/v1/auth/refresh-token', { refreshToken: s })).status,
          ).toBe(401);
          expect((await call('POST', '/api/v1/auth/validate-token', { token: s })).status).toBe(
            401,
          );
        }
        const big = await call('POST', '/api/v1/auth/validate-token', { token: 'a'.repeat(9_000) });
        expect(big.status).toBe(400);
        const login = await call('POST', '/api/v1/auth/login', {
          email: 'nobody@example.com',
          password: 'x',
        });
        expect(login.status).toBe(401);
      } finally {
        await svc.stop();
      }
    });
  });
}

describe('access token verification (attacks)', () => {
  let db: SqlDatabase;
  const auth = async () => {
    db ??= await pglite.database('auth_attacks');
    const { migrateAll } = await import('@pos/kit/sql');
    const { authSchema } = await import('./schema.js');
    await migrateAll(db, [authSchema]);
    return new AuthService(db);
  };

  it('refuses alg none, HS256 keyed with the public key, wrong aud or iss, expiry, tampering, unknown kid, oversize', async () => {
    const svc = await auth();
    const key = await svc.keys.current();
    const jwks = await svc.keys.jwks();
    const claims = { email: 'a@example.com', roles: ['owner'] };
    const sign = (edit: (j: SignJWT) => SignJWT, signWith = key.privateKey, kid = key.kid) =>
      edit(
        new SignJWT(claims)
          .setProtectedHeader({ alg: 'EdDSA', kid })
          .setSubject('u1')
          .setIssuedAt()
          .setExpirationTime('15m'),
      ).sign(signWith);

    const good = await sign((j) => j.setIssuer(ISSUER).setAudience(AUDIENCE));
    expect((await svc.verify(good)).sub).toBe('u1');

    const [h, p] = good.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`;
    await expect(svc.verify(none)).rejects.toMatchObject({ status: 401 });

    const publicJwk = jwks.keys[0] as { x: string };
    const hs = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: key.kid })
      .setSubject('u1')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('15m')
      .sign(Buffer.from(publicJwk.x, 'base64url'));
    await expect(svc.verify(hs)).rejects.toMatchObject({ status: 401 });

    await expect(
      svc.verify(await sign((j) => j.setIssuer(ISSUER).setAudience('other-api'))),
    ).rejects.toMatchObject({ status: 401 });
    await expect(
      svc.verify(await sign((j) => j.setIssuer('evil').setAudience(AUDIENCE))),
    ).rejects.toMatchObject({ status: 401 });
    const expired = await sign((j) =>
      j.setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt(1_000).setExpirationTime(2_000),
    );
    await expect(svc.verify(expired)).rejects.toThrow(/expired/);

    const payload = JSON.parse(Buffer.from(p as string, 'base64url').toString());
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...payload, roles: ['owner', 'service'] })).toString('base64url')}.${good.split('.')[2]}`;
    await expect(svc.verify(tampered)).rejects.toMatchObject({ status: 401 });

    const stranger = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const foreign = await sign(
      (j) => j.setIssuer(ISSUER).setAudience(AUDIENCE),
      stranger.privateKey,
      'not-ours',
    );
    await expect(svc.verify(foreign)).rejects.toThrow(/does not know/);
    expect(await exportJWK(stranger.publicKey)).toHaveProperty('x');

    await expect(svc.verify(`${good}${'A'.repeat(9_000)}`)).rejects.toThrow(/too large/);
  });

  it('keeps tokens signed by a rotated key valid until they expire', async () => {
    const svc = await auth();
    const user = await svc.register({
      email: email(),
      password: 'rotate me please',
      displayName: 'R',
    });
    const before = await svc.login({ email: user.email, password: 'rotate me please' });
    const rotated = await svc.keys.rotate();
    const after = await svc.login({ email: user.email, password: 'rotate me please' });
    expect(
      JSON.parse(Buffer.from(after.accessToken.split('.')[0] as string, 'base64url').toString())
        .kid,
    ).toBe(rotated.kid);
    expect((await svc.verify(before.accessToken)).sub).toBe(user.userId);
    expect((await svc.verify(after.accessToken)).sub).toBe(user.userId);
    expect((await svc.keys.jwks()).keys.length).toBeGreaterThanOrEqual(2);
  });
});
