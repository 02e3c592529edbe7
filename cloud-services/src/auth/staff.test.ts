import { parseEvent } from '@pos/contracts';
import { createLogger } from '@pos/kit';
import { PgDatabase, SharedPglite, type StartedService } from '@pos/kit/sql';
import { lazyTestDatabase } from '@pos/kit/sql/testing';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthService } from './service.js';

// Staff accounts and rosters, the first owner from the environment, machine accounts with
// client credentials, and the auth.* events written with each change.

const logger = createLogger({ service: 'auth-staff-test', level: 'silent' });
const pglite = new SharedPglite({ logger });
const pg = lazyTestDatabase('pos_auth_staff_test');
const OWNER = {
  AUTH_OWNER_EMAIL: 'owner@harbour.example',
  AUTH_OWNER_PASSWORD: 'owner password 1',
};

/** The same service on real PostgreSQL and on the embedded PGlite. */
const targets = [
  {
    kind: 'postgres',
    start: async () =>
      startAuthService({
        env: { ...OWNER, AUTH_DATABASE_URL: (await pg.get()).url },
        host: '127.0.0.1',
        port: 0,
        logger,
      }),
    outbox: async () => {
      const db = await PgDatabase.open({ url: (await pg.get()).url });
      try {
        return await db.query<{ envelope: string }>(
          'SELECT envelope FROM auth_outbox ORDER BY seq',
        );
      } finally {
        await db.close();
      }
    },
  },
  {
    kind: 'pglite',
    start: () =>
      startAuthService({ env: OWNER, embedded: pglite, host: '127.0.0.1', port: 0, logger }),
    outbox: async () =>
      (await pglite.database('auth')).query<{ envelope: string }>(
        'SELECT envelope FROM auth_outbox ORDER BY seq',
      ),
  },
] as const;

let svc: StartedService;
afterAll(async () => {
  await pglite.close();
  await pg.dispose();
});

async function call(method: string, path: string, body?: unknown, token?: string) {
  const res = await fetch(`${svc.url}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function login(email: string, password: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const res = await call('POST', '/api/v1/auth/login', { email, password });
    if (res.status === 200) return res.body.accessToken;
    await new Promise((r) => setTimeout(r, 100)); // the first owner is made just after start
  }
  throw new Error(`cannot sign in as ${email}`);
}

for (const target of targets)
  describe(`staff, rosters and machine accounts on ${target.kind}`, () => {
    beforeAll(async () => {
      svc = await target.start();
    });
    afterAll(async () => {
      await svc?.stop();
    });

    it('lets owners and managers add staff within their rights, and builds the store roster', async () => {
      const owner = await login('owner@harbour.example', 'owner password 1');
      expect(decodeJwt(owner).roles).toEqual(['owner']);
      const manager = await call(
        'POST',
        '/api/v1/auth/users',
        {
          email: 'marcus@harbour.example',
          displayName: 'Marcus Reed',
          roles: ['manager'],
          storeIds: ['harbour-street'],
          organisationId: 'harbour-group',
          pin: '2468',
          password: 'manager password',
        },
        owner,
      );
      expect(manager.status).toBe(201);
      expect(manager.body.organisationId).toBe('harbour-group');
      const managerToken = await login('marcus@harbour.example', 'manager password');
      const cook = await call(
        'POST',
        '/api/v1/auth/users',
        {
          email: 'ken@harbour.example',
          displayName: 'Ken Ito',
          roles: ['cook'],
          storeIds: ['harbour-street'],
          pin: '5555',
        },
        managerToken,
      );
      expect(cook.status).toBe(201);
      const tooHigh = await call(
        'POST',
        '/api/v1/auth/users',
        { email: 'x@harbour.example', displayName: 'X', roles: ['owner'], storeIds: [] },
        managerToken,
      );
      expect(tooHigh.status).toBe(403);
      const badPin = await call(
        'POST',
        '/api/v1/auth/users',
        { email: 'y@harbour.example', displayName: 'Y', roles: ['cook'], storeIds: [], pin: '12' },
        owner,
      );
      expect(badPin.status).toBe(400);
      expect(badPin.body.errors[0].field).toBe('pin');
      expect(
        (
          await call('POST', '/api/v1/auth/users', {
            email: 'z@harbour.example',
            displayName: 'Z',
            roles: ['cook'],
            storeIds: [],
          })
        ).status,
      ).toBe(401);

      const roster = await call(
        'GET',
        '/api/v1/auth/stores/harbour-street/roster',
        undefined,
        owner,
      );
      expect(roster.status).toBe(200);
      expect(
        roster.body.staff.map((s: { name: string; roles: string[] }) => [s.name, s.roles]),
      ).toEqual([
        ['Ken Ito', ['cook']],
        ['Marcus Reed', ['manager']],
      ]);
      expect(roster.body.staff[0].pinHash).toMatch(/^\$argon2id\$/);
      expect(JSON.stringify(roster.body)).not.toContain('5555');

      const changed = await call(
        'PUT',
        `/api/v1/auth/users/${cook.body.userId}/roles`,
        { roles: ['cook', 'cashier'] },
        owner,
      );
      expect(changed.status).toBe(200);
      expect(
        (
          await call(
            'PUT',
            `/api/v1/auth/users/${cook.body.userId}/roles`,
            { roles: ['owner'] },
            managerToken,
          )
        ).status,
      ).toBe(403);

      const events = (await target.outbox()).map((r) => parseEvent(JSON.parse(r.envelope)));
      expect(events.every((e) => e.ok)).toBe(true);
      const types = events.map((e) => (e.ok ? e.event.EventType : ''));
      expect(types.filter((t) => t === 'auth.usercreated.v1')).toHaveLength(3); // owner, manager, cook
      expect(types).toContain('auth.userrolechanged.v1');
    });

    it('gives machine accounts short service tokens for their secret, and nothing for a wrong one', async () => {
      const owner = await login('owner@harbour.example', 'owner password 1');
      const client = await call(
        'POST',
        '/api/v1/auth/clients',
        { name: 'hub harbour-street', roles: ['service'] },
        owner,
      );
      expect(client.status).toBe(201);
      const token = await call('POST', '/api/v1/auth/token', {
        grant_type: 'client_credentials',
        client_id: client.body.clientId,
        client_secret: client.body.clientSecret,
      });
      expect(token.status).toBe(200);
      expect(token.body.token_type).toBe('Bearer');
      const claims = decodeJwt(token.body.access_token);
      expect(claims.roles).toEqual(['service']);
      expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(300);
      // The hub's service token reads its store's roster.
      const roster = await call(
        'GET',
        '/api/v1/auth/stores/harbour-street/roster',
        undefined,
        token.body.access_token,
      );
      expect(roster.status).toBe(200);

      const wrong = await call('POST', '/api/v1/auth/token', {
        grant_type: 'client_credentials',
        client_id: client.body.clientId,
        client_secret: 'not the secret',
      });
      expect(wrong.status).toBe(401);
      const unknown = await call('POST', '/api/v1/auth/token', {
        grant_type: 'client_credentials',
        client_id: 'svc_nope',
        client_secret: 'x',
      });
      expect(unknown.status).toBe(401);
      expect(unknown.body.detail).toBe(wrong.body.detail);
      const customer = await call('POST', '/api/v1/auth/register', {
        email: 'c@example.com',
        password: 'customer password',
        displayName: 'C',
      });
      expect(customer.status).toBe(201);
      const customerToken = await login('c@example.com', 'customer password');
      expect(
        (
          await call(
            'POST',
            '/api/v1/auth/clients',
            { name: 'x', roles: ['service'] },
            customerToken,
          )
        ).status,
      ).toBe(403);
    });
  });
