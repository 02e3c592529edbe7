import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@pos/kit';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubConfigFromEnv } from './config.js';
import { type Hub, startHub } from './hub.js';

let hub: Hub;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pos-hub-'));
  const config = hubConfigFromEnv({
    STORE_ID: 'store-test',
    HUB_HOST: '127.0.0.1',
    HUB_PORT: '0',
    MQTT_PORT: '0',
    POS_DATA_DIR: dir,
  });
  hub = await startHub(config, [], {
    logger: createLogger({ service: 'hub-test', level: 'silent' }),
  });
});

afterAll(async () => {
  await hub.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('edge hub process', () => {
  it('answers health, readiness and metrics', async () => {
    const health = await fetch(`${hub.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', service: 'edge-hub' });
    const ready = await fetch(`${hub.url}/ready`);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { bus: 'ok' } });
    expect(await (await fetch(`${hub.url}/metrics`)).text()).toContain('process_cpu');
  });

  it('serves MQTT over WebSocket at /mqtt for browsers', async () => {
    const ws = await mqtt.connectAsync(`${hub.url.replace('http', 'ws')}/mqtt`, {
      clientId: 'browser-screen',
      reconnectPeriod: 0,
    });
    const got: string[] = [];
    ws.on('message', (_topic, payload) => got.push(payload.toString()));
    await ws.subscribeAsync('pos/store-test/events/#', { qos: 1 });
    const bus = hub.broker.aedes;
    await new Promise<void>((resolve, reject) =>
      bus.publish(
        {
          cmd: 'publish',
          topic: 'pos/store-test/events/order.ready.v1',
          payload: Buffer.from('{"x":1}'),
          qos: 1,
          retain: false,
          dup: false,
        },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
    const until = Date.now() + 5_000;
    while (got.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(got).toEqual(['{"x":1}']);
    await ws.endAsync(true);
  });

  it('refuses a configuration with a bad value, naming it', () => {
    expect(() => hubConfigFromEnv({ HUB_PORT: 'eighty' })).toThrow(/HUB_PORT/);
    expect(() => hubConfigFromEnv({ STORE_ID: 'bad store id!' })).toThrow(/STORE_ID/);
  });
});
