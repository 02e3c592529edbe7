import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePorts } from './ports.js';

const root = resolve(import.meta.dirname, '../..');

describe('npm start', () => {
  it('brings up the hub and every cloud service, then stops cleanly on SIGINT', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pos-start-'));
    const [hub, mqtt, gateway, auth, menu, loyalty, notification, sync, ...printers] =
      await freePorts(12);
    const env = {
      ...process.env,
      POS_DATA_DIR: dataDir,
      HUB_HOST: '127.0.0.1',
      HUB_PORT: String(hub),
      MQTT_PORT: String(mqtt),
      GATEWAY_PORT: String(gateway),
      AUTH_PORT: String(auth),
      MENU_PORT: String(menu),
      LOYALTY_PORT: String(loyalty),
      NOTIFICATION_PORT: String(notification),
      SYNC_PORT: String(sync),
      RECEIPT_PRINTER_PORT: String(printers[0]),
      KITCHEN_PRINTER_PORT: String(printers[1]),
      RECEIPT_PRINTER_PAGE_PORT: String(printers[2]),
      KITCHEN_PRINTER_PAGE_PORT: String(printers[3]),
    };
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts/start.ts')], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString();
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const until = Date.now() + 90_000;
      while (!output.includes('Press Ctrl-C') && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(output).toContain('Restaurant POS is running');
      expect(output).toContain(`http://localhost:${hub}`);
      expect(output).toContain(`http://localhost:${gateway}/api/v1`);
      for (const port of [hub, gateway, auth, menu, loyalty, notification, sync]) {
        const res = await fetch(`http://127.0.0.1:${port}/health`);
        expect(res.status, `port ${port}`).toBe(200);
      }
      // The kitchen display app is built and served by the hub.
      expect(output).toContain(`http://localhost:${hub}/kds/`);
      const kds = await fetch(`http://127.0.0.1:${hub}/kds/`);
      expect(kds.status).toBe(200);
      expect(await kds.text()).toContain('Kitchen display');
      expect((await fetch(`http://127.0.0.1:${hub}/kds/app.js`)).status).toBe(200);
      // The virtual printers run beside the hub, each with its page of printed jobs.
      for (const page of [printers[2], printers[3]]) {
        expect((await fetch(`http://127.0.0.1:${page}/jobs.json`)).status).toBe(200);
      }
      // The demo store is provisioned in the cloud and the hub enrolled with its code.
      expect(output).toContain('hub enrolled as harbour-street');
      const login = await fetch(`http://127.0.0.1:${hub}/api/v1/staff/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ pin: '1234' }),
      });
      const { token } = (await login.json()) as { token: string };
      let state = '';
      for (let i = 0; i < 50 && state !== 'online'; i++) {
        const res = await fetch(`http://127.0.0.1:${hub}/api/v1/sync/status`, {
          headers: { authorization: `Bearer ${token}` },
        });
        state = ((await res.json()) as { state: string }).state;
        if (state !== 'online') await new Promise((r) => setTimeout(r, 200));
      }
      expect(state).toBe('online');
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      await expect(fetch(`http://127.0.0.1:${hub}/health`)).rejects.toThrow();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
