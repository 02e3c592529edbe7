import { type Cloud, startCloud } from '@pos/cloud-services/cloud';
import { createLogger } from '@pos/kit';

/** Every cloud service on a free port, in one process on the embedded database and bus. */
export const ANY_PORTS = {
  gateway: 0,
  auth: 0,
  menu: 0,
  loyalty: 0,
  notification: 0,
  sync: 0,
  online: 0,
};

/**
 * Start the cloud with an owner account and sign that owner in through the gateway (the auth
 * service creates the owner moments after it starts, so the first attempts may be refused).
 */
export async function startCloudAsOwner(
  owner: { email: string; password: string },
  service: string,
  env: Record<string, string> = {},
): Promise<{ cloud: Cloud; token: string }> {
  const cloud = await startCloud({
    env: { ...env, AUTH_OWNER_EMAIL: owner.email, AUTH_OWNER_PASSWORD: owner.password },
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

/** Call a service with a bearer token (or none); the status and the JSON answer. */
export async function callJson(
  method: string,
  url: string,
  token: string | undefined,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** A draft menu with one burger at 15.00 on the grill, taxed as food. */
export const ONE_BURGER_DRAFT = {
  currency: 'USD',
  taxCategories: [{ id: 'food', name: 'Food', rateBasisPoints: 825, inclusive: false }],
  stations: [{ id: 'grill', name: 'Grill' }],
  categories: [{ id: 'burgers', name: 'Burgers', sortOrder: 1 }],
  modifierGroups: [],
  items: [
    {
      id: 'burger',
      name: 'Burger',
      categoryId: 'burgers',
      priceCents: 1500,
      variants: [],
      modifierGroupIds: [],
      taxCategoryId: 'food',
      stationId: 'grill',
      allergens: [],
      available: true,
    },
  ],
};
