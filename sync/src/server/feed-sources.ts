import type {
  AnyEvent,
  AuthRosterChangedV1,
  EventType,
  LoyaltyRulesChangedV1,
  MenuPublishedV1,
  OnlineOrderPaidV1,
  OnlineOrderWithdrawnV1,
} from '@pos/contracts';
import type { ChangeTopic } from '../protocol.js';
import type { MenuFeeder } from './feed.js';

/** One row for the change feed: for one store, or for every store (`storeId: null`). */
export interface FeedEntry {
  storeId: string | null;
  topic: ChangeTopic;
  payload: unknown;
  /**
   * An online order whose paid entry leaves the feed before this one is added: a hub that has
   * not read it yet never will, so it never cooks an order the cloud has already refunded.
   */
  retractsOrder?: string;
}

/**
 * How a cloud event becomes rows of the change feed hubs pull. `prepare` runs before the
 * consumer's transaction (it may fetch, e.g. a menu as each store receives it); the entries it
 * returns are added in the transaction that marks the event consumed, so each is added once.
 */
export interface FeedSource {
  prepare(event: AnyEvent): Promise<FeedEntry[]>;
}

export interface FeedSourceDeps {
  menus: MenuFeeder;
}

/** Every event the sync service turns into feed rows, and how. */
export function feedSources(deps: FeedSourceDeps): Partial<Record<EventType, FeedSource>> {
  return {
    // A published menu, as each store it was published to receives it (its own prices).
    'menu.published.v1': {
      prepare: async (event) => {
        const p = event.Payload as MenuPublishedV1;
        const documents = await deps.menus.fetchPublished(p.menuVersion, p.storeIds);
        return documents.map(({ storeId, document }) => ({
          storeId,
          topic: 'menu',
          payload: document,
        }));
      },
    },
    // A store's whole roster with PIN hashes, for signing staff in offline.
    'auth.rosterchanged.v1': {
      prepare: async (event) => {
        const p = event.Payload as AuthRosterChangedV1;
        return [{ storeId: p.storeId, topic: 'staff', payload: { staff: p.staff } }];
      },
    },
    // An online order paid for: to its store's hub at once, which creates it (seed §10).
    'online.orderpaid.v1': {
      prepare: async (event) => {
        const p = event.Payload as OnlineOrderPaidV1;
        return [{ storeId: p.storeId, topic: 'online-order', payload: p }];
      },
    },
    // The cloud refunded a paid order its store did not receive in time.
    'online.orderwithdrawn.v1': {
      prepare: async (event) => {
        const p = event.Payload as OnlineOrderWithdrawnV1;
        return [
          { storeId: p.storeId, topic: 'online-withdrawn', payload: p, retractsOrder: p.orderId },
        ];
      },
    },
    // The loyalty programme's whole earning rules, for every store to estimate points offline.
    'loyalty.ruleschanged.v1': {
      prepare: async (event) => {
        const payload = event.Payload as LoyaltyRulesChangedV1;
        return [{ storeId: null, topic: 'loyalty', payload }];
      },
    },
  };
}
