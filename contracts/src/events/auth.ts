import { z } from 'zod';
import { OrganisationId, StoreId, UserId } from '../ids.js';
import { Role } from '../roles.js';
import { Email } from './fields.js';

// Events of the cloud auth service (seed §1.2). Hubs build their offline staff roster from the
// sync change feed, not from these events; these inform the portal, loyalty and notification.

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

export const authEvents = {
  'auth.usercreated.v1': AuthUserCreatedV1,
  'auth.userrolechanged.v1': AuthUserRoleChangedV1,
} as const;
