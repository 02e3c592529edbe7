import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@pos/kit';
import { hashPin, verifyPin } from '@pos/kit/pin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubConfigFromEnv } from '../config.js';
import { type Hub, startHub } from '../hub.js';
import { staffModule } from './module.js';

let hub: Hub;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pos-staff-'));
  const config = hubConfigFromEnv({
    HUB_HOST: '127.0.0.1',
    HUB_PORT: '0',
    MQTT_PORT: '0',
    POS_DATA_DIR: dir,
  });
  hub = await startHub(config, [staffModule()], {
    logger: createLogger({ service: 'staff-test', level: 'silent' }),
  });
});

afterAll(async () => {
  await hub.stop();
  rmSync(dir, { recursive: true, force: true });
});

function login(pin: string, from = '127.0.0.1') {
  return fetch(`${hub.url}/api/v1/staff/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
    body: JSON.stringify({ pin }),
  });
}

describe('PIN hashing', () => {
  it('verifies the right PIN only, with a fresh salt each time', async () => {
    const a = await hashPin('2468');
    const b = await hashPin('2468');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^\$scrypt\$ln=\d+,r=8,p=1\$/);
    expect(await verifyPin('2468', a)).toBe(true);
    expect(await verifyPin('2469', a)).toBe(false);
    expect(await verifyPin('2468', 'not-a-hash')).toBe(false);
  });
});

describe('staff sign-in at the hub', () => {
  it('signs in a cashier with a PIN and knows who they are', async () => {
    const res = await login('1234');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token: string; staff: { name: string; roles: string[] } };
    expect(body.staff).toMatchObject({ name: 'Sam Patel', roles: ['cashier'] });
    const me = await fetch(`${hub.url}/api/v1/staff/me`, {
      headers: { authorization: `Bearer ${body.token}` },
    });
    expect(await me.json()).toMatchObject({ name: 'Sam Patel', roles: ['cashier'] });
  });

  it('refuses an unknown PIN with a 401 and a malformed one with a 400', async () => {
    expect((await login('0000', '10.0.0.9')).status).toBe(401);
    const bad = await login('12a4', '10.0.0.9');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { field: string }[] }).errors[0]?.field).toBe('pin');
  });

  it('locks a terminal out after five wrong PINs, even for the right one', async () => {
    const from = '10.0.0.77';
    for (let i = 0; i < 5; i++) expect((await login(`000${i}`, from)).status).toBe(401);
    const locked = await login('1234', from);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another terminal is not affected.
    expect((await login('1234', '10.0.0.78')).status).toBe(200);
  });

  it('enforces roles and ends a session on logout', async () => {
    const cashier = ((await (await login('4321')).json()) as { token: string }).token;
    const manager = ((await (await login('2468')).json()) as { token: string }).token;
    const roster = (token: string) =>
      fetch(`${hub.url}/api/v1/staff`, { headers: { authorization: `Bearer ${token}` } });
    expect((await roster(cashier)).status).toBe(403);
    const list = await roster(manager);
    expect(list.status).toBe(200);
    const staff = ((await list.json()) as { staff: Record<string, unknown>[] }).staff;
    expect(staff.length).toBeGreaterThanOrEqual(5);
    expect(JSON.stringify(staff)).not.toMatch(/scrypt|pin/i);

    const out = await fetch(`${hub.url}/api/v1/staff/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cashier}` },
    });
    expect(out.status).toBe(204);
    const after = await fetch(`${hub.url}/api/v1/staff/me`, {
      headers: { authorization: `Bearer ${cashier}` },
    });
    expect(after.status).toBe(401);
    expect((await fetch(`${hub.url}/api/v1/staff/me`)).status).toBe(401);
    const forged = await fetch(`${hub.url}/api/v1/staff/me`, {
      headers: { authorization: `Bearer ${cashier.slice(0, -4)}AAAA` },
    });
    expect(forged.status).toBe(401);
  });

  it('declares a role rule for every route it mounts', () => {
    const staffRoutes = hub.routes.filter((r) => r.path.startsWith('/api/v1/staff'));
    expect(staffRoutes.map((r) => `${r.method} ${r.path}`).sort()).toEqual([
      'GET /api/v1/staff',
      'GET /api/v1/staff/me',
      'POST /api/v1/staff/login',
      'POST /api/v1/staff/logout',
      'POST /api/v1/staff/session/refresh',
    ]);
  });
});
