import { demoInventory } from './demo/inventory.js';
import type { HubModule } from './hub.js';
import { type InventoryModuleOptions, inventoryModule } from './inventory/module.js';
import { type KdsModuleOptions, kdsModule } from './kds/module.js';
import { type LoyaltyModuleOptions, loyaltyModule } from './loyalty/module.js';
import { menuModule } from './menu/module.js';
import { type OrderModuleOptions, orderModule } from './orders/module.js';
import { type PaymentModuleOptions, paymentModule } from './payments/module.js';
import { type PrintingModuleOptions, printingModule } from './printing/module.js';
import { staffModule } from './staff/module.js';
import { rosterApplier, storeConfigApplier } from './sync/appliers.js';
import { type SyncModuleOptions, syncModule } from './sync/module.js';
import { onlineOrderApplier, onlineWithdrawalApplier } from './sync/online-order-applier.js';
import { terminalApp } from './terminal-app.js';

export interface HubModulesOptions {
  orders?: Pick<OrderModuleOptions, 'beforeCommit' | 'policy'>;
  inventory?: Pick<InventoryModuleOptions, 'seed' | 'recovery'>;
  printing?: Pick<PrintingModuleOptions, 'initialConfig'>;
  payments?: Pick<PaymentModuleOptions, 'readers' | 'policy' | 'forwardEveryMs'>;
  kds?: Pick<KdsModuleOptions, 'thresholds' | 'lateCheckEveryMs' | 'appDir'>;
  sync?: Pick<SyncModuleOptions, 'client'>;
  loyalty?: Pick<LoyaltyModuleOptions, 'lookupTimeoutMs'>;
}

/**
 * The modules the hub runs, in start order. Orders start before inventory so that inventory's
 * crash recovery can ask whether the order behind a leftover reservation exists. Loyalty starts
 * before sync, so the earning rules the change feed brings have somewhere to go.
 */
export function hubModules(options: HubModulesOptions = {}): HubModule[] {
  const staff = staffModule();
  const menu = menuModule();
  const inventory = inventoryModule({
    seed: demoInventory,
    orders: () => orders.service(),
    menu: () => ({
      itemIds: () =>
        menu
          .service()
          .current()
          .items.map((i) => i.id),
    }),
    ...options.inventory,
  });
  const orders = orderModule({
    menu: () => menu.service(),
    inventory: () => inventory.port(),
    approvals: () => staff.service(),
    ...options.orders,
  });
  const printing = printingModule({
    stationName: (id) =>
      menu
        .service()
        .current()
        .stations.find((s) => s.id === id)?.name ?? id,
    ...options.printing,
  });
  const printingIfRunning = () => {
    try {
      return printing.printing();
    } catch {
      return undefined;
    }
  };
  const payments = paymentModule({
    orders: () => orders.ledger(),
    approvals: () => staff.service(),
    printing: printingIfRunning,
    staffName: (id) =>
      staff
        .service()
        .list()
        .find((m) => m.id === id)?.name ?? id,
    categoryName: (id) =>
      menu
        .service()
        .current()
        .categories.find((c) => c.id === id)?.name ?? id,
    ...options.payments,
  });
  const kds = kdsModule({
    stations: () => menu.service().current().stations,
    ...options.kds,
  });
  const loyalty = loyaltyModule({ cloud: () => sync.client(), ...options.loyalty });
  const online = { orders: () => orders.service(), payments: () => payments.service() };
  const sync = syncModule({
    menu: () => menu.service(),
    changes: () => ({
      loyalty: (payload) => loyalty.applyRules(payload),
      staff: rosterApplier(() => staff.service()),
      'store-config': storeConfigApplier({
        menu: () => menu.service(),
        offlineCaps: (caps) => payments.offlineCaps(caps),
        printing: printingIfRunning,
      }),
      'online-order': onlineOrderApplier(online),
      'online-withdrawn': onlineWithdrawalApplier(online),
    }),
    ...options.sync,
  });
  return [staff, menu, orders, inventory, printing, payments, kds, loyalty, sync, terminalApp()];
}
