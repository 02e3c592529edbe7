/**
 * RabbitMQ for a benchmark that publishes on the cloud bus. The cloud's exchange (`pos.events`)
 * in the default virtual host has the durable queues of other services bound to it
 * (`pos.loyalty`, `pos.notification`, left by tests or a running cloud), which would each be
 * handed every benchmark event. So a run gets a virtual host of its own, made with
 * `rabbitmqctl` (the broker's own CLI, on the machine that runs it) and deleted at the end with
 * every exchange, queue and message in it.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { onCleanup } from './cleanup.js';

const run = promisify(execFile);

export interface BenchVhost {
  name: string;
  /** The broker URL with the vhost in its path. */
  url: string;
  /** Delete the vhost (when the benchmark made it); safe to call twice. */
  drop(): Promise<void>;
}

async function rabbitmqctl(...args: string[]): Promise<void> {
  try {
    await run('rabbitmqctl', args, { timeout: 60_000 });
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`rabbitmqctl ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`);
  }
}

/**
 * A fresh vhost on the broker at `brokerUrl` (its own vhost path, if any, is replaced), with
 * full permissions for the URL's user (guest when it names none); deleted at clean-up. With
 * `existing`, that vhost is used as it is and left alone.
 */
export async function benchVhost(
  brokerUrl: string,
  prefix: string,
  existing?: string,
): Promise<BenchVhost> {
  const withVhost = (name: string) => {
    const url = new URL(brokerUrl);
    url.pathname = `/${encodeURIComponent(name)}`;
    return url.toString();
  };
  if (existing) return { name: existing, url: withVhost(existing), drop: async () => {} };
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const user = decodeURIComponent(new URL(brokerUrl).username) || 'guest';
  await rabbitmqctl('add_vhost', name);
  let dropping: Promise<void> | undefined;
  const drop = () => {
    dropping ??= rabbitmqctl('delete_vhost', name);
    return dropping;
  };
  onCleanup(drop);
  await rabbitmqctl('set_permissions', '-p', name, user, '.*', '.*', '.*');
  return { name, url: withVhost(name), drop };
}
