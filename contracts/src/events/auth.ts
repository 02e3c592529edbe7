import { z } from 'zod';
import { OrganisationId, StoreId, UserId } from '../ids.js';
import { Role } from '../roles.js';
import { Timestamp } from '../time.js';
import { Email } from './fields.js';

// Events of the cloud auth service (seed §1.2). `auth.rosterchanged.v1` feeds each store's
// roster into the sync change feed, from which its hub signs staff in offline; the others
// inform the portal, loyalty and notification.

const RoleSet = z.array(Role).refine((roles) => new Set(roles).size === roles.length, {
  message: 'roles must not repeat',
});

export const AuthUserCreatedV1 = z.object({
  userId: UserId,
  email: Email,
  roles: RoleSet.refine((roles) => roles.length > 0, { message: 'a user needs a role' }),
  organisationId: OrganisationId.optional(),
  /** Stores the user may work in; empty for customers and organisation-wide accounts. */
  storeIds: z.array(StoreId),
});
export type AuthUserCreatedV1 = z.infer<typeof AuthUserCreatedV1>;

export const AuthUserRoleChangedV1 = z.object({
  userId: UserId,
  previousRoles: RoleSet,
  /** The roles now held; empty means every role was withdrawn. */
  roles: RoleSet,
  changedBy: UserId,
});
export type AuthUserRoleChangedV1 = z.infer<typeof AuthUserRoleChangedV1>;

/** A PIN hash in PHC string form (`$scrypt$…` or `$argon2id$…`). */
const PinHash = z
  .string()
  .max(300)
  .regex(/^\$(scrypt|argon2id)\$/, { message: 'a PHC string: $scrypt$… or $argon2id$…' });

export const RosterMember = z.object({
  userId: UserId,
  name: z.string().min(1).max(200),
  roles: z.array(z.enum(['owner', 'manager', 'cashier', 'cook'])).min(1),
  pinHash: PinHash,
});
export type RosterMember = z.infer<typeof RosterMember>;

/**
 * A store's whole roster after any change to it (a new member, roles, a PIN, someone leaving):
 * what the store's hub signs staff in with, offline too. Whole rather than a delta, so a hub
 * that missed one is right again with the next.
 */
export const AuthRosterChangedV1 = z.object({
  storeId: StoreId,
  staff: z.array(RosterMember).max(1_000),
});
export type AuthRosterChangedV1 = z.infer<typeof AuthRosterChangedV1>;

/**
 * A code for a customer to prove their email is theirs (sent by the notification service).
 * Their loyalty points are found by email, so an account sees them only once it is proved.
 */
export const AuthEmailVerificationRequestedV1 = z.object({
  userId: UserId,
  email: Email,
  /** Six digits, valid until `expiresAt`; only its hash is kept by the auth service. */
  code: z.string().regex(/^\d{6}$/),
  expiresAt: Timestamp,
});
export type AuthEmailVerificationRequestedV1 = z.infer<typeof AuthEmailVerificationRequestedV1>;

export const authEvents = {
  'auth.usercreated.v1': AuthUserCreatedV1,
  'auth.emailverificationrequested.v1': AuthEmailVerificationRequestedV1,
  'auth.userrolechanged.v1': AuthUserRoleChangedV1,
  'auth.rosterchanged.v1': AuthRosterChangedV1,
} as const;
