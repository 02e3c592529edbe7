import { demoInventory } from './demo/inventory.js';
import type { HubModule } from './hub.js';
import { type InventoryModuleOptions, inventoryModule } from './inventory/module.js';
import { type KdsModuleOptions, kdsModule } from './kds/module.js';
import { menuModule } from './menu/module.js';
import { type OrderModuleOptions, orderModule } from './orders/module.js';
import { type PaymentModuleOptions, paymentModule } from './payments/module.js';
import { type PrintingModuleOptions, printingModule } from './printing/module.js';
import { staffModule } from './staff/module.js';
import { type SyncModuleOptions, syncModule } from './sync/module.js';
import { terminalApp } from './terminal-app.js';

export interface HubModulesOptions {
  orders?: Pick<OrderModuleOptions, 'beforeCommit' | 'policy'>;
  inventory?: Pick<InventoryModuleOptions, 'seed' | 'recovery'>;
  printing?: Pick<PrintingModuleOptions, 'initialConfig'>;
  payments?: Pick<PaymentModuleOptions, 'readers' | 'policy' | 'forwardEveryMs'>;
  kds?: Pick<KdsModuleOptions, 'thresholds' | 'lateCheckEveryMs' | 'appDir'>;
  sync?: Pick<SyncModuleOptions, 'client'>;
}

/**
 * The modules the hub runs, in start order. Orders start before inventory so that inventory's
 * crash recovery can ask whether the order behind a leftover reservation exists.
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
  const payments = paymentModule({
    orders: () => orders.ledger(),
    approvals: () => staff.service(),
    printing: () => {
      try {
        return printing.printing();
      } catch {
        return undefined;
      }
    },
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
  const sync = syncModule({ menu: () => menu.service(), ...options.sync });
  return [staff, menu, orders, inventory, printing, payments, kds, sync, terminalApp()];
}
