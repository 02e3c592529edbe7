import { startAuthService } from '@pos/cloud-services/auth/service';
import { PINS, startTestHub, type TestHub } from '@pos/edge-hub/testing/hub-harness';
import { createLogger } from '@pos/kit';
import { SharedPglite, type StartedService } from '@pos/kit/sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A hub trusts staff tokens from the cloud's auth service, verified with the public keys it
// fetched and kept: they still work while the cloud is unreachable, and after a hub restart.

const logger = createLogger({ service: 'cloud-tokens-test', level: 'silent' });
const pglite = new SharedPglite({ logger });
let auth: StartedService | undefined;
let hub: TestHub;

beforeAll(async () => {
  auth = await startAuthService({
    env: { AUTH_OWNER_EMAIL: 'owner@harbour.example', AUTH_OWNER_PASSWORD: 'owner password 1' },
    embedded: pglite,
    host: '127.0.0.1',
    port: 0,
    logger,
  });
  hub = await startTestHub({
    env: { CLOUD_JWKS_URL: `${auth.url}/api/v1/auth/.well-known/jwks.json` },
  });
});
afterAll(async () => {
  await hub?.stop();
  await auth?.stop();
  await pglite.close();
});

async function cloudLogin(email: string, password: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const res = await fetch(`${auth?.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    if (res.ok) return ((await res.json()) as { accessToken: string }).accessToken;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('cannot sign in');
}

const staffList = (token: string) =>
  fetch(`${hub.hub.url}/api/v1/staff`, { headers: { authorization: `Bearer ${token}` } });

describe('cloud tokens on the hub', () => {
  it('accepts a cloud owner offline, refuses a customer and a forgery', async () => {
    const owner = await cloudLogin('owner@harbour.example', 'owner password 1');
    expect((await staffList(owner)).status).toBe(200);

    await fetch(`${auth?.url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: 'guest@example.com',
        password: 'guest password',
        displayName: 'G',
      }),
    });
    const customer = await cloudLogin('guest@example.com', 'guest password');
    expect((await staffList(customer)).status).toBe(401);
    const [h, , sig] = owner.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ sub: 'x', roles: ['owner'], iss: 'pos-system', aud: 'pos-api', exp: 9_999_999_999 })).toString('base64url')}.${sig}`;
    expect((await staffList(forged)).status).toBe(401);
    // Hub PIN sessions still work beside them.
    const cashier = await hub.as(PINS.cashier);
    expect((await cashier.get('/api/v1/orders')).status).toBe(200);

    // The cloud goes away; the hub restarts; the owner's token is still checked and accepted.
    await auth?.stop();
    auth = undefined;
    await hub.restart();
    expect((await staffList(owner)).status).toBe(200);
  });
});
