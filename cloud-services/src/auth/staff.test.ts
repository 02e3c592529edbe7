import { parseEvent } from '@pos/contracts';
import { createLogger } from '@pos/kit';
import { verifyPin } from '@pos/kit/pin';
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
      expect(roster.body.staff[0].pinHash).toMatch(/^\$scrypt\$/);
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

    it('keeps PINs unique within a store and sends each store its whole roster after every change', async () => {
      const owner = await login('owner@harbour.example', 'owner password 1');
      const before = (await target.outbox()).length;
      const jess = await call(
        'POST',
        '/api/v1/auth/users',
        {
          email: 'jess@harbour.example',
          displayName: 'Jess Lopez',
          roles: ['cashier'],
          storeIds: ['harbour-street', 'pier-road'],
          pin: '4321',
        },
        owner,
      );
      expect(jess.status).toBe(201);
      // Ken's PIN at harbour-street: refused there, with the field named.
      const clash = await call(
        'POST',
        '/api/v1/auth/users',
        {
          email: 'sam@harbour.example',
          displayName: 'Sam Patel',
          roles: ['cashier'],
          storeIds: ['harbour-street'],
          pin: '5555',
        },
        owner,
      );
      expect(clash.status).toBe(400);
      expect(clash.body.errors).toEqual([
        { field: 'pin', message: expect.stringContaining('harbour-street') },
      ]);
      // The same PIN at another store is fine.
      const sam = await call(
        'POST',
        '/api/v1/auth/users',
        {
          email: 'sam@harbour.example',
          displayName: 'Sam Patel',
          roles: ['cashier'],
          storeIds: ['pier-road'],
          pin: '5555',
        },
        owner,
      );
      expect(sam.status).toBe(201);

      // Jess changes PIN and leaves pier-road; Sam stops working.
      const moved = await call(
        'PATCH',
        `/api/v1/auth/users/${jess.body.userId}`,
        { pin: '8642', storeIds: ['harbour-street'] },
        owner,
      );
      expect(moved.status).toBe(200);
      expect(moved.body).toMatchObject({ storeIds: ['harbour-street'], active: true });
      const gone = await call(
        'PATCH',
        `/api/v1/auth/users/${sam.body.userId}`,
        { active: false },
        owner,
      );
      expect(gone.status).toBe(200);
      expect(gone.body.active).toBe(false);
      const clashAgain = await call(
        'PATCH',
        `/api/v1/auth/users/${jess.body.userId}`,
        { pin: '2468' },
        owner,
      );
      expect(clashAgain.status).toBe(400);
      expect(
        (await call('PATCH', `/api/v1/auth/users/${jess.body.userId}`, {}, owner)).status,
      ).toBe(400);
      expect(
        (
          await call(
            'PATCH',
            '/api/v1/auth/users/7d4c2a51-0000-4000-8000-000000000000',
            { active: false },
            owner,
          )
        ).status,
      ).toBe(404);

      const rosters = (await target.outbox())
        .slice(before)
        .map((r) => parseEvent(JSON.parse(r.envelope)))
        .flatMap((e) => (e.ok && e.event.EventType === 'auth.rosterchanged.v1' ? [e.event] : []))
        .map((e) => e.Payload as { storeId: string; staff: { name: string; pinHash: string }[] });
      const names = (storeId: string) =>
        rosters.filter((r) => r.storeId === storeId).map((r) => r.staff.map((m) => m.name));
      expect(names('pier-road')).toEqual([
        ['Jess Lopez'], // Jess joins
        ['Jess Lopez', 'Sam Patel'], // Sam joins
        ['Sam Patel'], // Jess leaves
        [], // Sam stops working
      ]);
      expect(names('harbour-street').at(-1)).toEqual(['Jess Lopez', 'Ken Ito', 'Marcus Reed']);
      const jessNow = rosters.filter((r) => r.storeId === 'harbour-street').at(-1)?.staff[0];
      expect(await verifyPin('8642', jessNow?.pinHash ?? '')).toBe(true);
      expect(await verifyPin('4321', jessNow?.pinHash ?? '')).toBe(false);

      const listed = await call('GET', '/api/v1/auth/users?storeId=pier-road', undefined, owner);
      expect(listed.status).toBe(200);
      expect(listed.body.staff).toEqual([
        expect.objectContaining({
          displayName: 'Sam Patel',
          roles: ['cashier'],
          active: false,
          hasPin: true,
        }),
      ]);
      expect(JSON.stringify(listed.body)).not.toContain('scrypt');
      expect((await call('GET', '/api/v1/auth/users?storeId=Bad!', undefined, owner)).status).toBe(
        400,
      );
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
