import { z } from 'zod';

/**
 * RBAC roles (seed §6, ARCHITECTURE "Security"). `service` is for machine accounts (a hub, a
 * cloud worker); `loyalty-member` is a customer enrolled in the loyalty programme.
 */
export const Role = z.enum([
  'owner',
  'manager',
  'cashier',
  'cook',
  'customer',
  'loyalty-member',
  'service',
]);
export type Role = z.infer<typeof Role>;

export const ROLES: readonly Role[] = Role.options;
