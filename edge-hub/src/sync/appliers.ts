import { RosterMember } from '@pos/contracts';
import { StoreConfig } from '@pos/sync/protocol';
import { z } from 'zod';
import type { MenuService } from '../menu/menu-service.js';
import type { OfflineCaps } from '../payments/module.js';
import type { Printing } from '../printing/module.js';
import type { StaffService } from '../staff/staff-service.js';

/**
 * How a change from the cloud is applied. `replay` is true when the hub re-applies the store
 * config it holds at start-up: parts that were kept by their own module are left as they are.
 */
export type ChangeApplier = (payload: unknown, how: { replay: boolean }) => Promise<void> | void;

const RosterPayload = z.object({ staff: z.array(RosterMember).max(1_000) }).strict();

/** The store's roster from the cloud replaces the hub's, PIN hashes and all. */
export function rosterApplier(staff: () => StaffService): ChangeApplier {
  return (payload) => {
    const parsed = RosterPayload.safeParse(payload);
    if (!parsed.success) throw new Error(`roster not valid: ${parsed.error.message}`);
    staff().replaceHashedRoster(
      parsed.data.staff.map((m) => ({
        id: m.userId,
        name: m.name,
        roles: m.roles,
        pinHash: m.pinHash,
      })),
    );
  };
}

export interface StoreConfigTargets {
  menu: () => MenuService;
  offlineCaps: (caps: OfflineCaps) => void;
  printing: () => Printing | undefined;
}

/**
 * The store's configuration from the cloud: offline card caps and tax rates (held only in
 * memory, so re-applied at every start) and printers (kept by the printing module, so applied
 * only when they arrive).
 */
export function storeConfigApplier(targets: StoreConfigTargets): ChangeApplier {
  return async (payload, { replay }) => {
    const parsed = StoreConfig.safeParse(payload);
    if (!parsed.success) throw new Error(`store config not valid: ${parsed.error.message}`);
    const config = parsed.data;
    if (config.offlineCard) targets.offlineCaps(config.offlineCard);
    if (config.taxRates) targets.menu().setTaxRates(config.taxRates);
    const printing = targets.printing();
    if (!replay && config.printing && printing) {
      if (JSON.stringify(printing.config) !== JSON.stringify(config.printing))
        await printing.reconfigure(config.printing, 'cloud');
    }
  };
}
