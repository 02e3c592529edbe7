import { demoInventory } from './demo/inventory.js';
import type { HubModule } from './hub.js';
import { type InventoryModuleOptions, inventoryModule } from './inventory/module.js';
import { menuModule } from './menu/module.js';
import { type OrderModuleOptions, orderModule } from './orders/module.js';
import { staffModule } from './staff/module.js';

export interface HubModulesOptions {
  orders?: Pick<OrderModuleOptions, 'beforeCommit' | 'policy'>;
  inventory?: Pick<InventoryModuleOptions, 'seed' | 'recovery'>;
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
  return [staff, menu, orders, inventory];
}
