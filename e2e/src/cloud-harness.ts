import { type Cloud, startCloud } from '@pos/cloud-services/cloud';
import { createLogger } from '@pos/kit';

/** Every cloud service on a free port, in one process on the embedded database and bus. */
export const ANY_PORTS = { gateway: 0, auth: 0, menu: 0, loyalty: 0, notification: 0, sync: 0 };

/**
 * Start the cloud with an owner account and sign that owner in through the gateway (the auth
 * service creates the owner moments after it starts, so the first attempts may be refused).
 */
export async function startCloudAsOwner(
  owner: { email: string; password: string },
  service: string,
): Promise<{ cloud: Cloud; token: string }> {
  const cloud = await startCloud({
    env: { AUTH_OWNER_EMAIL: owner.email, AUTH_OWNER_PASSWORD: owner.password },
    ports: ANY_PORTS,
    logger: createLogger({ service, level: 'silent' }),
  });
  for (let attempt = 0; attempt < 50; attempt++) {
    const res = await fetch(`${cloud.urls.gateway}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(owner),
    });
    if (res.ok)
      return { cloud, token: ((await res.json()) as { accessToken: string }).accessToken };
    await new Promise((r) => setTimeout(r, 100));
  }
  await cloud.stop();
  throw new Error(`the owner ${owner.email} could not sign in`);
}
