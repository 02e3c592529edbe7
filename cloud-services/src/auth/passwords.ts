import { hash, verify } from '@node-rs/argon2';

/**
 * argon2id with OWASP's recommended minimum: 19 MiB of memory, 2 passes, 1 lane. A hash takes
 * about 50 ms on the CI machine's cores, which bounds a guessing attack and a login burst alike.
 */
export const ARGON2_PARAMS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_PARAMS);
}

/** How many argon2id verifications this process ran (an unknown email must count as one). */
export const verifications = { count: 0 };

/** A hash of nothing anyone knows, verified for unknown accounts so they take as long. */
let decoy: Promise<string> | undefined;

/**
 * Check a password against a stored PHC hash; with no hash (unknown user, OAuth-only account)
 * a decoy is verified instead, so the answer takes the same time either way.
 */
export async function checkPassword(stored: string | null, password: string): Promise<boolean> {
  if (stored === null) {
    decoy ??= hashPassword(`decoy-${Math.random()}`);
    verifications.count += 1;
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  try {
    verifications.count += 1;
    return await verify(stored, password);
  } catch {
    return false;
  }
}
