import { createLogger } from '@pos/kit';
import { SharedPglite, type StartedService } from '@pos/kit/sql';
import { lazyTestDatabase } from '@pos/kit/sql/testing';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthService } from './service.js';
import { startTestIdp, type TestIdp } from './test-idp.js';

// Social sign-in end to end against a real OpenID Connect provider running here (the
// `oidc-provider` package): authorization code with PKCE, state and nonce, ID token checked
// against the provider's keys, and accounts linked by verified email.

const logger = createLogger({ service: 'oidc-test', level: 'silent' });
const pglite = new SharedPglite({ logger });
const REDIRECT = 'http://127.0.0.1/app/signed-in';
const ACCOUNTS: Record<string, { email: string; email_verified: boolean; name: string }> = {
  alice: { email: 'alice@example.com', email_verified: true, name: 'Alice' },
  bob: { email: 'bob@example.com', email_verified: false, name: 'Bob' },
  carol: { email: 'carol@example.com', email_verified: true, name: 'Carol' },
};
let idp: TestIdp;
let auth: StartedService;

beforeAll(async () => {
  idp = await startTestIdp([REDIRECT], ACCOUNTS);
});

afterAll(async () => {
  await pg.dispose();
  await idp?.close();
  await pglite.close();
});

async function post(path: string, body: unknown) {
  const res = await fetch(`${auth.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown> & { detail?: string },
  };
}

/** The browser's trip: the provider's pages, with its cookies, until it sends us back. */
async function browse(authorizationUrl: string): Promise<URL> {
  const cookies = new Map<string, string>();
  let url = authorizationUrl;
  for (let hop = 0; hop < 10; hop++) {
    const res = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, v] = (pair ?? '').split('=');
      if (k) cookies.set(k.trim(), v ?? '');
    }
    const location = res.headers.get('location');
    await res.body?.cancel();
    if (!location) throw new Error(`the provider stopped at ${url} with ${res.status}`);
    const next = new URL(location, url);
    if (next.toString().startsWith(REDIRECT)) return next;
    url = next.toString();
  }
  throw new Error('too many redirects');
}

async function signIn(as: string) {
  idp.signInAs(as);
  const start = await post('/api/v1/auth/oauth/local/start', {});
  expect(start.status).toBe(200);
  const authorizationUrl = new URL(String(start.body.authorizationUrl));
  expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
  expect(authorizationUrl.searchParams.get('nonce')).toBeTruthy();
  const back = await browse(authorizationUrl.toString());
  return {
    state: back.searchParams.get('state') ?? '',
    code: back.searchParams.get('code') ?? '',
    startedState: String(start.body.state),
  };
}

const providers = () =>
  JSON.stringify([
    {
      name: 'local',
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      redirectUri: REDIRECT,
    },
  ]);
const pg = lazyTestDatabase('pos_auth_oidc_test');
const targets = [
  {
    kind: 'postgres',
    start: async () =>
      startAuthService({
        env: { OIDC_PROVIDERS: providers(), AUTH_DATABASE_URL: (await pg.get()).url },
        host: '127.0.0.1',
        port: 0,
        logger,
      }),
  },
  {
    kind: 'pglite',
    start: () =>
      startAuthService({
        env: { OIDC_PROVIDERS: providers() },
        embedded: pglite,
        host: '127.0.0.1',
        port: 0,
        logger,
      }),
  },
] as const;

for (const target of targets)
  describe(`social sign-in with OpenID Connect on ${target.kind}`, () => {
    beforeAll(async () => {
      auth = await target.start();
    });
    afterAll(async () => {
      await auth?.stop();
    });

    it('signs in with PKCE, makes a customer account, and finds the same account next time', async () => {
      const first = await signIn('alice');
      expect(first.state).toBe(first.startedState);
      const tokens = await post('/api/v1/auth/oauth/callback', {
        provider: 'local',
        code: first.code,
        state: first.state,
      });
      expect(tokens.status).toBe(200);
      const claims = decodeJwt(String(tokens.body.accessToken));
      expect(claims).toMatchObject({ email: 'alice@example.com', roles: ['customer'] });

      // The same code and state again: refused (the state is used once).
      const replay = await post('/api/v1/auth/oauth/callback', {
        provider: 'local',
        code: first.code,
        state: first.state,
      });
      expect(replay.status).toBe(401);

      const second = await signIn('alice');
      const again = await post('/api/v1/auth/oauth/callback', {
        provider: 'local',
        code: second.code,
        state: second.state,
      });
      expect(decodeJwt(String(again.body.accessToken)).sub).toBe(claims.sub);
    });

    it('links to an existing account only by a verified email, and refuses a forged state', async () => {
      const registered = await post('/api/v1/auth/register', {
        email: 'bob@example.com',
        password: 'bob has a password',
        displayName: 'Bob',
      });
      expect(registered.status).toBe(201);
      const bob = await signIn('bob'); // the provider says his email is not verified
      const refused = await post('/api/v1/auth/oauth/callback', {
        provider: 'local',
        code: bob.code,
        state: bob.state,
      });
      expect(refused.status).toBe(403);

      // Carol had a password account; her verified email at the provider links the two.
      const carol = await post('/api/v1/auth/register', {
        email: 'carol@example.com',
        password: 'carol has a password',
        displayName: 'Carol',
      });
      const viaProvider = await signIn('carol');
      const linked = await post('/api/v1/auth/oauth/callback', {
        provider: 'local',
        code: viaProvider.code,
        state: viaProvider.state,
      });
      expect(linked.status).toBe(200);
      expect(decodeJwt(String(linked.body.accessToken)).sub).toBe(carol.body.userId);

      const forged = await signIn('alice');
      const wrongState = await post('/api/v1/auth/oauth/callback', {
        provider: 'local',
        code: forged.code,
        state: 'a-state-we-never-made',
      });
      expect(wrongState.status).toBe(401);
      expect((await post('/api/v1/auth/oauth/nowhere/start', {})).status).toBe(404);
    });
  });
