import { z } from 'zod';

/**
 * A nominal type: a `string` that is also tagged with `B`, so an `OrderId` cannot be passed
 * where a `StoreId` is expected. The tag exists only at compile time.
 */
export type Brand<T, B extends string> = T & { readonly __brand: B };

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** A zod schema for a UUID that parses into the branded type `B`. */
export function uuidId<B extends string>(brand: B) {
  return z
    .string()
    .regex(uuidPattern, { message: `${brand} must be a UUID` })
    .transform((s) => s.toLowerCase() as Brand<string, B>);
}

/** A zod schema for a short printable identifier (slug-like) branded as `B`. */
export function slugId<B extends string>(brand: B) {
  return z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, { message: `${brand} must be a short identifier` })
    .transform((s) => s as Brand<string, B>);
}

export function isUuid(value: string): boolean {
  return uuidPattern.test(value);
}
