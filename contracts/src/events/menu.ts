import { z } from 'zod';
import { CategoryId, MenuItemId, MenuVersion, StoreId, UserId, VariantId } from '../ids.js';
import { Currency, NonNegativeCents } from '../money.js';
import { DisplayName, NonNegativeInt, Reason } from './fields.js';

// Events of the cloud menu service (seed §1.3). Item events announce edits in the catalogue;
// a hub changes its replica only when a whole version is published (`menu.published.v1`) and
// then pulls that version through the sync change feed and applies it all-or-nothing.

export const MenuItemSnapshot = z.object({
  menuItemId: MenuItemId,
  name: DisplayName,
  categoryId: CategoryId,
  /** Base price before variants and modifiers. */
  priceCents: NonNegativeCents,
  currency: Currency,
  available: z.boolean(),
});

export const MenuItemCreatedV1 = MenuItemSnapshot;
export type MenuItemCreatedV1 = z.infer<typeof MenuItemCreatedV1>;

export const MenuItemUpdatedV1 = MenuItemSnapshot;
export type MenuItemUpdatedV1 = z.infer<typeof MenuItemUpdatedV1>;

export const MenuPriceChangedV1 = z.object({
  menuItemId: MenuItemId,
  /** The variant whose price changed; absent for the item's base price. */
  variantId: VariantId.optional(),
  previousCents: NonNegativeCents,
  currentCents: NonNegativeCents,
  currency: Currency,
});
export type MenuPriceChangedV1 = z.infer<typeof MenuPriceChangedV1>;

export const MenuItemAvailabilityChangedV1 = z.object({
  menuItemId: MenuItemId,
  available: z.boolean(),
  reason: Reason.optional(),
});
export type MenuItemAvailabilityChangedV1 = z.infer<typeof MenuItemAvailabilityChangedV1>;

export const MenuPublishedV1 = z.object({
  menuVersion: MenuVersion,
  storeIds: z.array(StoreId).min(1, { message: 'a menu is published to at least one store' }),
  publishedBy: UserId,
  itemCount: NonNegativeInt,
});
export type MenuPublishedV1 = z.infer<typeof MenuPublishedV1>;

export const menuEvents = {
  'menu.itemcreated.v1': MenuItemCreatedV1,
  'menu.itemupdated.v1': MenuItemUpdatedV1,
  'menu.pricechanged.v1': MenuPriceChangedV1,
  'menu.itemavailabilitychanged.v1': MenuItemAvailabilityChangedV1,
  'menu.published.v1': MenuPublishedV1,
} as const;
